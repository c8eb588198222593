"""Uploaded files: stream to disk under a size limit, sniff the type, index through the same
atomic ingest as the CLI. The client's file name only ever yields a slug (the document id) and
a suffix; the file is stored as uploads/<sha256>.<format>, never at a client-chosen path."""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import BinaryIO

from ingest.catalog import slugify
from ingest.loaders import SUPPORTED_FORMATS, sniff_format
from ingest.pipeline import Ingestor, Source
from pathways.errors import EmptyDocument, FileTooLarge, UnsupportedFileType

logger = logging.getLogger(__name__)

CHUNK_BYTES = 1024 * 1024
SUFFIX_OF_FORMAT = {"pdf": ".pdf", "docx": ".docx", "html": ".html", "md": ".md", "txt": ".txt"}


@dataclass(frozen=True)
class SavedUpload:
    path: Path  # uploads/<sha256>.<ext>
    name: str  # a safe file name: slug of the client's stem + its suffix
    sha256: str
    data: bytes
    format: str
    created: bool  # False when the same bytes were uploaded before


@dataclass(frozen=True)
class IngestedUpload:
    doc_id: str
    status: str
    title: str
    format: str
    pages: int | None
    chunks: int


def safe_name(client_name: str | None) -> str:
    """`slug.suffix` from whatever the client sent as its file name (any path parts dropped)."""
    raw = PureWindowsPath(PurePosixPath(client_name or "").name).name
    suffix = Path(raw).suffix.lower()
    if suffix not in SUPPORTED_FORMATS:
        raise UnsupportedFileType(
            f"{raw or 'The upload'} has an unsupported type ({suffix or 'no extension'}). "
            f"Supported types: {', '.join(SUPPORTED_FORMATS)}."
        )
    return slugify(Path(raw).stem) + suffix


def copy_limited(src: BinaryIO, dst: BinaryIO, max_bytes: int) -> str:
    """Copy in chunks, stopping with FileTooLarge past `max_bytes`. Returns the sha256."""
    digest = hashlib.sha256()
    total = 0
    while chunk := src.read(CHUNK_BYTES):
        total += len(chunk)
        if total > max_bytes:
            raise FileTooLarge(
                f"The upload is over the {max_bytes // (1024 * 1024)} MB limit "
                "(PATHWAYS_MAX_UPLOAD_MB)."
            )
        digest.update(chunk)
        dst.write(chunk)
    return digest.hexdigest()


def save_upload(src: BinaryIO, client_name: str | None, folder: Path, max_mb: int) -> SavedUpload:
    """Stream the upload to a temp file, check its content, then keep it as <sha256>.<ext>."""
    name = safe_name(client_name)
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=folder, prefix=".upload-")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            sha = copy_limited(src, out, max_mb * 1024 * 1024)
        data = tmp.read_bytes()
        if not data.strip():
            raise EmptyDocument(f"{name} is empty: it holds no text.")
        fmt = sniff_format(data, name)
        final = folder / f"{sha}{SUFFIX_OF_FORMAT[fmt]}"
        created = not final.exists()
        tmp.replace(final)
    finally:
        tmp.unlink(missing_ok=True)
    return SavedUpload(final, name, sha, data, fmt, created)


def ingest_upload(
    ingestor: Ingestor, saved: SavedUpload, meta: dict[str, str], *, replace: bool
) -> IngestedUpload:
    """Index a saved upload; the document id is the slug of its file name."""
    doc_id = slugify(Path(saved.name).stem)
    row = {k: v for k, v in meta.items() if v}
    source = Source(path=Path(saved.name), row=row, explicit=True)
    previous = ingestor.catalog.sources().get(doc_id)
    status, _, _ = ingestor.ingest_bytes(
        saved.data, source, doc_id, source_path=str(saved.path), replace=replace
    )
    if status != "unchanged" and previous is not None:
        remove_original(previous, saved.path.parent, set(ingestor.catalog.sources().values()))
    return describe(ingestor, doc_id, status)


def describe(ingestor: Ingestor, doc_id: str, status: str) -> IngestedUpload:
    found = ingestor.catalog.get_document(doc_id)
    assert found is not None
    doc, _ = found
    return IngestedUpload(doc_id, status, doc.meta.title, doc.format, doc.pages, doc.n_chunks)


def is_upload(path: str, folder: Path) -> bool:
    return Path(path).resolve().is_relative_to(folder.resolve())


def remove_original(path: str, folder: Path, still_used: set[str]) -> None:
    """Delete an uploaded original once no document refers to it (never outside `folder`)."""
    if is_upload(path, folder) and path not in still_used:
        Path(path).unlink(missing_ok=True)
