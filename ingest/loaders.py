"""Turn a file (on disk or uploaded) into pages of text plus the metadata the file carries.

The format is decided by the file's *content*, checked against its name:

* The suffix must be one of ``SUPPORTED_FORMATS``; anything else is rejected up front.
* Executables, images, archives and other binary content are rejected whatever the name says.
* A name that claims PDF or DOCX must hold a real PDF or DOCX. A ``.pdf`` that is really text
  or HTML is rejected rather than indexed as text: it is almost always a failed download or a
  saved error page, not the report the user thinks they have.
* For ``.txt``, ``.md`` and ``.html`` names the content decides, so a real PDF saved as
  ``.txt`` is read as a PDF and an HTML page saved as ``.txt`` is read as HTML.

Raw bytes are never returned as text.

Format detection is `ingest.sniff`, the parsers `ingest.formats`.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path

from ingest.formats import _parse_docx, _parse_html, _parse_pdf, _parse_plain_text, _ParsedContent
from ingest.sniff import SUPPORTED_FORMATS, _declared_format, _decode_text, sniff_format
from pathways.errors import EmptyDocument, UnreadableFile
from pathways.types import Page

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class LoadedFile:
    path: Path
    format: str  # "pdf" | "docx" | "html" | "md" | "txt"
    pages: tuple[Page, ...]
    title: str | None
    author: str | None
    year: int | None
    sha256: str  # of the raw file bytes


# --- public entry points ---------------------------------------------------------------


def load_document(path: Path) -> LoadedFile:
    """Read a file from disk and return its text pages and metadata."""
    try:
        data = path.read_bytes()
    except OSError as e:
        raise UnreadableFile(
            f"Could not read {path}: {e.strerror or e}. Check that the file exists and is readable."
        ) from e
    return _load_from_bytes(data, path)


def load_bytes(data: bytes, filename: str) -> LoadedFile:
    """Same as `load_document`, for bytes already in memory (an API upload)."""
    return _load_from_bytes(data, Path(filename))


def _load_from_bytes(data: bytes, path: Path) -> LoadedFile:
    name = str(path)
    _declared_format(name)
    if not data.strip():
        raise EmptyDocument(f"{name} is empty: it holds no text. Add content or remove the file.")
    file_format = sniff_format(data, name)
    parsed = _parse_content(data, file_format, name)
    if not any(page.text.strip() for page in parsed.pages):
        raise EmptyDocument(_describe_missing_text(name, file_format))
    return LoadedFile(
        path=path,
        format=file_format,
        pages=parsed.pages,
        title=parsed.title,
        author=parsed.author,
        year=parsed.year,
        sha256=hashlib.sha256(data).hexdigest(),
    )


def _parse_content(data: bytes, file_format: str, name: str) -> _ParsedContent:
    if file_format == "pdf":
        return _parse_pdf(data, name)
    if file_format == "docx":
        return _parse_docx(data, name)
    if file_format == "html":
        return _parse_html(_decode_text(data, name), name)
    return _parse_plain_text(_decode_text(data, name), file_format)


def _describe_missing_text(name: str, file_format: str) -> str:
    if file_format == "pdf":
        return (
            f"{name} is empty: the PDF has no text layer (it is probably scanned images). "
            "Run OCR on it first (for example `ocrmypdf in.pdf out.pdf`) and add the result."
        )
    return f"{name} is empty: no text was found in it. Add content or remove the file."


__all__ = ["SUPPORTED_FORMATS", "LoadedFile", "load_bytes", "load_document", "sniff_format"]
