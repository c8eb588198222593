"""What a file's bytes really are (ingest.loaders): the supported suffixes, and the format decided
by the content, checked against the name; binary content is refused whatever the name says."""

from __future__ import annotations

import io
import logging
import zipfile
from pathlib import Path

from pathways.errors import UnsupportedFileType

logger = logging.getLogger(__name__)


SUPPORTED_FORMATS: dict[str, str] = {
    ".pdf": "pdf",
    ".docx": "docx",
    ".html": "html",
    ".htm": "html",
    ".md": "md",
    ".markdown": "md",
    ".txt": "txt",
}
_STRICT_FORMATS = frozenset({"pdf", "docx"})
_SNIFF_BYTES = 8192
_PDF_HEADER_WINDOW = 1024
_MAX_CONTROL_CHAR_RATIO = 0.05
_BINARY_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"II*\x00", "a TIFF image"),
    (b"MM\x00*", "a TIFF image"),
    (b"MZ", "a Windows executable"),
    (b"\x7fELF", "a Linux executable"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"Rar!", "a RAR archive"),
    (b"7z\xbc\xaf", "a 7-Zip archive"),
    (b"\xd0\xcf\x11\xe0", "a legacy Microsoft Office file (.doc/.xls/.ppt)"),
    (b"{\\rtf", "an RTF document"),
)
_ZIP_MEMBERS_BY_KIND: tuple[tuple[str, str], ...] = (
    ("xl/workbook.xml", "an Excel workbook"),
    ("ppt/presentation.xml", "a PowerPoint presentation"),
    ("content.xml", "an OpenDocument file"),
    ("META-INF/container.xml", "an EPUB book"),
)
# --- format detection ------------------------------------------------------------------


def sniff_format(data: bytes, filename: str) -> str:
    """Detect the format from the content and check it against the file name's suffix."""
    declared = _declared_format(filename)
    detected = _detect_content_format(data, declared, filename)
    if declared in _STRICT_FORMATS and detected != declared:
        raise UnsupportedFileType(
            f"{filename} is named like a {declared.upper()} file but its content is "
            f"{detected.upper()}, not {declared.upper()}. It may be a failed download or an "
            f"error page; get the real file, or rename it to .{detected} if this is the content "
            "you want."
        )
    return detected


def _declared_format(filename: str) -> str:
    suffix = Path(filename).suffix.lower()
    if suffix not in SUPPORTED_FORMATS:
        raise UnsupportedFileType(
            f"{filename} has an unsupported type ({suffix or 'no extension'}). "
            f"Supported types: {', '.join(SUPPORTED_FORMATS)}."
        )
    return SUPPORTED_FORMATS[suffix]


def _detect_content_format(data: bytes, declared: str, filename: str) -> str:
    head = data[:_SNIFF_BYTES]
    if _has_pdf_header(head, declared):
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        return _detect_zip_format(data, declared, filename)
    binary_kind = _find_binary_kind(head)
    if binary_kind is not None:
        raise UnsupportedFileType(
            f"{filename} is {binary_kind}, not a document we can read. "
            f"Convert it to one of: {', '.join(SUPPORTED_FORMATS)}."
        )
    text = _decode_text(head, filename)
    if declared == "html" or _looks_like_html(text):
        return "html"
    return declared if declared in {"md", "txt"} else "txt"


def _detect_zip_format(data: bytes, declared: str, filename: str) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as e:
        if declared == "docx":
            return "docx"  # let the DOCX parser report the damage as UnreadableFile
        raise UnsupportedFileType(
            f"{filename} is a damaged zip archive, not a document we can read. "
            f"Convert it to one of: {', '.join(SUPPORTED_FORMATS)}."
        ) from e
    if "word/document.xml" in members:
        return "docx"
    kind = next((kind for member, kind in _ZIP_MEMBERS_BY_KIND if member in members), None)
    raise UnsupportedFileType(
        f"{filename} is {kind or 'a zip archive'}, not a document we can read. "
        f"Convert it to one of: {', '.join(SUPPORTED_FORMATS)}."
    )


def _has_pdf_header(head: bytes, declared: str) -> bool:
    """PDF readers accept junk before the header in the first KiB; we do so only for .pdf names."""
    if head.lstrip().startswith(b"%PDF-"):
        return True
    return declared == "pdf" and b"%PDF-" in head[:_PDF_HEADER_WINDOW]


def _find_binary_kind(head: bytes) -> str | None:
    for signature, kind in _BINARY_SIGNATURES:
        if head.startswith(signature):
            return kind
    return None


def _looks_like_html(text: str) -> bool:
    start = text.lstrip().lower()
    return start.startswith(("<!doctype html", "<html"))


def _decode_text(data: bytes, filename: str) -> str:
    """Decode text bytes: UTF-16 with a BOM, else UTF-8 (BOM stripped), else cp1252."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = data.decode("utf-16", errors="replace")
    elif b"\x00" in data:
        raise UnsupportedFileType(_binary_content_message(filename))
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = data.decode("cp1252", errors="replace")
    sample = text[:_SNIFF_BYTES]
    if _count_control_chars(sample) > _MAX_CONTROL_CHAR_RATIO * len(sample):
        raise UnsupportedFileType(_binary_content_message(filename))
    return text


def _count_control_chars(text: str) -> int:
    return sum(1 for char in text if ord(char) < 32 and char not in "\t\n\r\f")


def _binary_content_message(filename: str) -> str:
    return (
        f"{filename} holds binary data, not text, so it is not a document we can read. "
        f"Convert it to one of: {', '.join(SUPPORTED_FORMATS)}."
    )
