"""Ingest files into the index: load -> clean -> chunk -> embed -> store, one document at a time.

Per document the work is atomic. Vectors of a new version are written under new ids first; the
catalog then switches the document to that version in one SQLite transaction; only then are the
old version's vectors deleted. A crash or Ctrl-C at any point leaves every indexed document
searchable (search only trusts vectors whose version the catalog names), and the next ingest
removes any leftovers.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from answer.orgs import canonical_key, find_organizations
from answer.sentences import sentence_spans
from index.embedder import Embedder
from index.store import Catalog, DocumentRecord, OrgRow, StoredChunk
from index.vectors import VectorIndex
from ingest.catalog import CATALOG_NAME, DocumentMeta, describe_document, read_catalog, slugify
from ingest.chunk import chunk_document, embedding_text
from ingest.clean import clean_document
from ingest.loaders import SUPPORTED_FORMATS, LoadedFile, load_bytes
from pathways.errors import FileTooLarge, PathwaysError, UnsupportedFileType
from pathways.settings import Settings

logger = logging.getLogger(__name__)

# Bump when cleaning or chunking changes what a file turns into, so ingest redoes every file
# (3: a lead announcing "four issues" nests the next four headings under its own).
PIPELINE_VERSION = "3"


@dataclass
class FileReport:
    path: str
    status: str  # added | updated | unchanged | removed | skipped | failed
    doc_id: str | None = None
    pages: int | None = None
    chunks: int = 0
    seconds: float = 0.0
    reason: str = ""


@dataclass
class IngestReport:
    files: list[FileReport] = field(default_factory=list)
    embedded_chunks: int = 0
    model_loaded: bool = False
    seconds: float = 0.0

    @property
    def failed(self) -> list[FileReport]:
        return [f for f in self.files if f.status == "failed"]

    def as_dict(self) -> dict[str, object]:
        return {
            "files": [asdict(f) for f in self.files],
            "embedded_chunks": self.embedded_chunks,
            "model_loaded": self.model_loaded,
            "seconds": round(self.seconds, 3),
        }


@dataclass(frozen=True)
class Source:
    """A file to ingest, with its catalog row if any."""

    path: Path
    row: dict[str, str] | None
    explicit: bool  # named by the user, not found by scanning a folder


def collect_sources(paths: Sequence[Path]) -> tuple[list[Source], list[FileReport], list[Path]]:
    """Files to ingest, files skipped for their type, and the folders that were scanned."""
    sources: list[Source] = []
    skipped: list[FileReport] = []
    folders: list[Path] = []
    for path in paths:
        if path.is_dir():
            folders.append(path.resolve())
            catalog = read_catalog(path)
            for file in sorted(p for p in path.rglob("*") if p.is_file()):
                if file.name == CATALOG_NAME or any(part.startswith(".") for part in file.parts):
                    continue
                if file.suffix.lower() not in SUPPORTED_FORMATS:
                    skipped.append(FileReport(str(file), "skipped", reason="unsupported file type"))
                    continue
                rel = file.relative_to(path).as_posix()
                sources.append(Source(file, catalog.get(rel) or catalog.get(file.name), False))
        elif path.is_file():
            catalog = read_catalog(path.parent)
            sources.append(Source(path, catalog.get(path.name), True))
        else:
            skipped.append(FileReport(str(path), "failed", reason="no such file or folder"))
    return sources, skipped, folders


def version_of(data: bytes, row: dict[str, str] | None, settings: Settings) -> str:
    """Content hash of everything that decides what a document turns into."""
    h = hashlib.sha256(data)
    h.update(json.dumps(row or {}, sort_keys=True).encode())
    h.update(f"|{PIPELINE_VERSION}|{settings.collection_name()}".encode())
    return h.hexdigest()


class Ingestor:
    """Holds the index parts for one ingest run (CLI) or for the lifetime of the API."""

    def __init__(self, settings: Settings, embedder: Embedder, *, progress: bool = False) -> None:
        self.settings = settings
        self.embedder = embedder
        self.catalog = Catalog(settings.catalog_path)
        self.vectors = VectorIndex(settings)
        self.progress = progress

    def remove_leftovers(self) -> None:
        """Delete vectors of versions the catalog does not name (from an interrupted ingest)."""
        current = self.catalog.versions()
        for doc_id, version in self.vectors.doc_versions():
            if current.get(doc_id) != version:
                logger.info("removing leftover vectors of %s@%s", doc_id, version[:12])
                self.vectors.delete_document(doc_id, keep_version=current.get(doc_id))

    def ingest(self, paths: Sequence[Path]) -> IngestReport:
        started = time.perf_counter()
        loads_before = self.embedder.loads
        self.remove_leftovers()
        sources, reports, folders = collect_sources(paths)
        report = IngestReport(files=reports)
        seen: set[str] = set()
        for source in sources:
            file_report = self.ingest_file(source, seen)
            report.files.append(file_report)
            if file_report.status in {"added", "updated"}:
                report.embedded_chunks += file_report.chunks
        if self.settings.prune_missing:
            report.files.extend(self.prune(folders, seen))
        report.model_loaded = self.embedder.loads > loads_before
        report.seconds = time.perf_counter() - started
        return report

    def ingest_file(self, source: Source, seen: set[str]) -> FileReport:
        started = time.perf_counter()
        out = FileReport(str(source.path), "failed")
        try:
            data = read_limited(source.path, self.settings.max_upload_mb)
            doc_id = self.choose_doc_id(source)
            seen.add(doc_id)
            out.doc_id = doc_id
            version = version_of(data, source.row, self.settings)
            stored = self.catalog.versions().get(doc_id)
            if stored == version:
                out.status = "unchanged"
                return out
            loaded = load_bytes(data, source.path.name)
            meta_over = {"doc_id": doc_id}
            n = self.index_loaded(loaded, source, version, meta_over)
            out.status = "updated" if stored else "added"
            out.pages = len(loaded.pages) if loaded.format == "pdf" else None
            out.chunks = n
        except UnsupportedFileType as e:
            out.status = "failed" if source.explicit else "skipped"
            out.reason = str(e)
        except PathwaysError as e:
            out.reason = str(e)
        except OSError as e:
            out.reason = f"cannot read the file: {e.strerror or e}"
        finally:
            out.seconds = time.perf_counter() - started
        return out

    def choose_doc_id(self, source: Source) -> str:
        """Stable id from the file name; a second file with the same name gets a suffix."""
        wanted = (source.row or {}).get("doc_id") or slugify(source.path.stem)
        owner = self.catalog.sources().get(wanted)
        here = str(source.path.resolve())
        if owner is None or owner == here or not Path(owner).exists():
            return wanted
        return f"{wanted}-{hashlib.sha1(here.encode()).hexdigest()[:6]}"

    def index_loaded(
        self,
        loaded: LoadedFile,
        source: Source,
        version: str,
        overrides: dict[str, str],
        *,
        source_path: str | None = None,
    ) -> int:
        """Clean, chunk, embed and store one loaded file. Returns the number of chunks."""
        doc = clean_document(loaded.pages)
        if not doc.text.strip():
            raise PathwaysError(f"{source.path.name} has no text after cleaning.")
        meta = describe_document(
            source.path, source.row, file_title=loaded.title, file_author=loaded.author,
            file_year=loaded.year, text=doc.text, overrides=overrides,
        )  # fmt: skip
        tokenize = self.embedder.token_counter()
        chunks = chunk_document(
            meta.doc_id, doc, tokenize,
            chunk_tokens=self.settings.chunk_tokens, overlap=self.settings.chunk_overlap,
        )  # fmt: skip
        stored = [StoredChunk(chunk=c, version=version, extra={}) for c in chunks]
        budget = self.embedder.max_tokens - 2
        texts = [embedding_text(c, meta.title, tokenize, budget) for c in chunks]
        sentences = body_sentences(doc.text, doc.headings)
        all_vectors = self.embed(
            texts + [doc.text[s:e] for s, e in sentences], label=source.path.name
        )
        vectors, sentence_vectors = all_vectors[: len(texts)], all_vectors[len(texts) :]
        self.vectors.add(stored, vectors, doc_metadata(meta))
        headings = [
            {"start": h.start, "end": h.end, "level": h.level, "title": h.title}
            for h in doc.headings
        ]
        self.catalog.put_document(
            DocumentRecord(
                meta=meta, version=version,
                source_path=source_path or str(source.path.resolve()),
                format=loaded.format,
                pages=len(loaded.pages) if loaded.format == "pdf" else None,
                text=doc.text, page_breaks=doc.page_breaks, headings=headings, chunks=chunks,
                sentences=sentences, sentence_vectors=sentence_vectors,
                orgs=organizations(doc.text),
            )
        )  # fmt: skip
        self.vectors.delete_document(meta.doc_id, keep_version=version)
        return len(chunks)

    def embed(self, texts: Sequence[str], *, label: str) -> np.ndarray:
        size = self.embedder.batch_size
        batches = [texts[i : i + size] for i in range(0, len(texts), size)]
        parts = []
        bar = tqdm(
            total=len(texts), desc=f"embedding {label[:40]}", unit="text",
            disable=not self.progress, leave=False,
        )  # fmt: skip
        with bar:
            for batch in batches:
                parts.append(self.embedder.embed(batch))
                bar.update(len(batch))
        return np.concatenate(parts) if parts else np.zeros((0, 1), dtype=np.float32)

    def prune(self, folders: Iterable[Path], seen: set[str]) -> list[FileReport]:
        """Remove documents whose file was in a scanned folder and is gone."""
        removed = []
        for doc_id, source_path in self.catalog.sources().items():
            path = Path(source_path)
            inside = any(path.is_relative_to(folder) for folder in folders)
            if inside and doc_id not in seen and not path.exists():
                self.remove_document(doc_id)
                removed.append(FileReport(source_path, "removed", doc_id=doc_id))
        return removed

    def remove_document(self, doc_id: str) -> bool:
        found = self.catalog.delete_document(doc_id)
        self.vectors.delete_document(doc_id)
        return found


def body_sentences(text: str, headings: Sequence[Any]) -> list[tuple[int, int]]:
    """Sentence spans outside headings: the units answers quote."""
    spans = []
    cursor = 0
    for heading in [*headings, None]:
        stop = len(text) if heading is None else heading.start
        if stop > cursor:
            spans.extend(sentence_spans(text, cursor, stop))
        if heading is not None:
            cursor = max(cursor, heading.end)
    return spans


def organizations(text: str) -> list[OrgRow]:
    return [
        OrgRow(m.name, canonical_key(m.name), m.kind, m.start, m.end)
        for m in find_organizations(text)
    ]


def doc_metadata(meta: DocumentMeta) -> dict[str, object]:
    """Metadata copied onto every vector, for filtering in Chroma."""
    return {
        "title": meta.title,
        "doc_type": meta.doc_type,
        "year": meta.year or 0,
        "region": meta.region,
    }


def read_limited(path: Path, max_mb: int) -> bytes:
    size = path.stat().st_size
    if size > max_mb * 1024 * 1024:
        raise FileTooLarge(
            f"{path.name} is {size / 1e6:.1f} MB, over the {max_mb} MB limit "
            "(raise PATHWAYS_MAX_UPLOAD_MB to allow it)."
        )
    return path.read_bytes()
