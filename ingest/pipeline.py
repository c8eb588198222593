"""Ingest files into the index: load -> clean -> chunk -> embed -> store, one document at a time.

Per document the work is atomic. Vectors of a new version are written under new ids first; the
catalog then switches the document to that version in one SQLite transaction; only then are the
old version's vectors deleted. A crash or Ctrl-C at any point leaves every indexed document
searchable (search only trusts vectors whose version the catalog names), and the next ingest
removes any leftovers.

Those three steps run under the index lock (``index.locking``), one document at a time, so
ingests in several processes (two CLIs, a CLI and an upload) interleave by document and never
see each other half-way. Cleaning, chunking and embedding happen outside the lock.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
from tqdm import tqdm

from index.catalogs import open_catalog, open_lock
from index.embedder import Embedder
from index.store import DocumentRecord, StoredChunk
from index.vectors import VectorIndex
from ingest.catalog import CATALOG_NAME, describe_document, read_catalog, slugify
from ingest.chunk import chunk_document, embedding_text
from ingest.clean import clean_document
from ingest.loaders import SUPPORTED_FORMATS, LoadedFile, load_bytes
from ingest.records import body_sentences, doc_metadata, organizations
from pathways.errors import FileTooLarge, PathwaysError, UnsupportedFileType
from pathways.settings import Settings

logger = logging.getLogger(__name__)

# Bump when cleaning or chunking changes what a file turns into, so ingest redoes every file
# (3: a lead announcing "four issues" nests the next four headings under its own).
PIPELINE_VERSION = "3"
LOCK_TIMEOUT = 3600.0  # seconds a CLI ingest waits for another writer's document


class DocumentExists(PathwaysError):
    """A different version of the document is indexed and replacing it was not asked for."""


@dataclass
class FileReport:
    path: str
    status: str  # added | updated | unchanged | repaired | removed | skipped | failed
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
class Prepared:
    """One document cleaned, chunked and embedded, ready to switch in."""

    record: DocumentRecord
    stored: list[StoredChunk]
    vectors: np.ndarray


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


def version_of(data: bytes, row: dict[str, str] | None, settings: Settings, owner: str = "") -> str:
    """Content hash of everything that decides what a document turns into. On a Chroma server
    it includes the owning catalog, so two homes never write the same vector ids."""
    h = hashlib.sha256(data)
    h.update(json.dumps(row or {}, sort_keys=True).encode())
    h.update(f"|{PIPELINE_VERSION}|{settings.collection_name()}".encode())
    if settings.chroma_url:
        h.update(f"|{owner}".encode())
    return h.hexdigest()


class Ingestor:
    """Holds the index parts for one ingest run (CLI) or for the lifetime of the API."""

    def __init__(
        self,
        settings: Settings,
        embedder: Embedder,
        *,
        progress: bool = False,
        lock_timeout: float = LOCK_TIMEOUT,
        hold_store: bool = True,
    ) -> None:
        """`hold_store=False`: open the vector store at the first write and close it after
        each (a server writes rarely, and its searcher holds its own copy of the graph)."""
        self.settings = settings
        self.embedder = embedder
        self.catalog = open_catalog(settings)
        owner = self.catalog.owner_id()
        # a Chroma server's vectors are always current: no epoch to read (it may be down now)
        epoch = None if settings.chroma_url else self.catalog.state().vectors
        self.vectors = VectorIndex(settings, epoch=epoch, owner=owner, lazy=not hold_store)
        self.lock = open_lock(settings, self.catalog, lock_timeout)
        self.progress = progress
        self.hold_store = hold_store

    @contextmanager
    def writing(self) -> Iterator[None]:
        """Hold the index lock, with a vector store that shows every earlier writer's work."""
        with self.lock.hold():
            self.vectors.refresh(self.catalog.state().vectors)
            try:
                yield
            finally:
                self.catalog.bump_vectors()  # even after a failure: some writes may have landed
                self.vectors.adopt(self.catalog.state().vectors)
                if not self.hold_store:
                    self.vectors.close()

    def check_vectors(self) -> list[FileReport]:
        """Remove abandoned vectors and re-embed missing ones, under the lock.

        Every writer adds, switches and cleans up while holding the lock, so vectors the
        catalog does not name now were left by a writer that died (on a Chroma server, only
        vectors this catalog owns are considered: other homes' are not ours to judge). A listed
        document whose vectors are gone (or were never all written) gets them back from its
        stored chunks."""
        with self.writing():
            present = self.vectors.ids()
            own = self.vectors.ids(own=True) if self.vectors.scope() else present
            expected = self.catalog.vector_ids()
            abandoned = sorted(own - set().union(*expected.values()))
            if abandoned:
                logger.info("removing %d abandoned vectors", len(abandoned))
                self.vectors.delete_ids(abandoned)
            return [
                self.repair(doc_id, ids - present)
                for doc_id, ids in sorted(expected.items())
                if ids - present
            ]

    def repair(self, doc_id: str, missing: set[str]) -> FileReport:
        """Embed and add a listed document's missing vectors (the caller holds the lock)."""
        started = time.perf_counter()
        found = self.catalog.get_document(doc_id)
        assert found is not None, doc_id
        doc = found[0]
        chunks = [sc for sc in self.catalog.chunks(doc_id) if sc.vector_id in missing]
        tokenize = self.embedder.token_counter()
        budget = self.embedder.max_tokens - 2
        texts = [embedding_text(sc.chunk, doc.meta.title, tokenize, budget) for sc in chunks]
        self.vectors.add(chunks, self.embed(texts, label=doc_id), doc_metadata(doc.meta))
        logger.warning("%s had %d of its vectors missing; re-embedded them", doc_id, len(chunks))
        seconds = time.perf_counter() - started
        return FileReport(doc.source_path, "repaired", doc_id, doc.pages, len(chunks), seconds)

    def ingest(self, paths: Sequence[Path]) -> IngestReport:
        started = time.perf_counter()
        loads_before = self.embedder.loads
        sources, reports, folders = collect_sources(paths)
        report = IngestReport(files=self.check_vectors() + reports)
        seen: set[str] = set()
        for source in sources:
            report.files.append(self.ingest_file(source, seen))
        if self.settings.prune_missing:
            report.files.extend(self.prune(folders, seen))
        report.embedded_chunks = sum(
            f.chunks for f in report.files if f.status in {"added", "updated", "repaired"}
        )
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
            out.status, loaded, out.chunks = self.ingest_bytes(data, source, doc_id)
            if loaded is not None:
                out.pages = len(loaded.pages) if loaded.format == "pdf" else None
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

    def ingest_bytes(
        self,
        data: bytes,
        source: Source,
        doc_id: str,
        *,
        source_path: str | None = None,
        replace: bool = True,
    ) -> tuple[str, LoadedFile | None, int]:
        """Index a file's bytes as doc_id unless this very version is indexed already: the one
        place that decides unchanged, added or updated. Returns the status, the loaded file
        (None when unchanged) and the number of chunks. With replace=False a different
        version already indexed as doc_id is an error (DocumentExists)."""
        version = version_of(data, source.row, self.settings, self.vectors.owner)
        stored = self.catalog.versions().get(doc_id)
        if stored == version:
            return "unchanged", None, 0
        if stored is not None and not replace:
            raise DocumentExists(
                f"A document with id {doc_id!r} exists. Send replace=true to replace it, delete "
                "it first, or rename the file."
            )
        loaded = load_bytes(data, source.path.name)
        n = self.index_loaded(loaded, source, version, {"doc_id": doc_id}, source_path=source_path)
        return ("updated" if stored else "added"), loaded, n

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
        prepared = self.prepare(loaded, source, version, overrides, source_path)
        self.commit(prepared)
        return len(prepared.stored)

    def prepare(
        self,
        loaded: LoadedFile,
        source: Source,
        version: str,
        overrides: dict[str, str],
        source_path: str | None,
    ) -> Prepared:
        """Everything one document turns into, embedded; slow, so done outside the lock."""
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
        budget = self.embedder.max_tokens - 2
        texts = [embedding_text(c, meta.title, tokenize, budget) for c in chunks]
        sentences = body_sentences(doc.text, doc.headings)
        all_vectors = self.embed(
            texts + [doc.text[s:e] for s, e in sentences], label=source.path.name
        )
        headings = [
            {"start": h.start, "end": h.end, "level": h.level, "title": h.title}
            for h in doc.headings
        ]
        record = DocumentRecord(
            meta=meta, version=version,
            source_path=source_path or str(source.path.resolve()),
            format=loaded.format,
            pages=len(loaded.pages) if loaded.format == "pdf" else None,
            text=doc.text, page_breaks=doc.page_breaks, headings=headings, chunks=chunks,
            sentences=sentences, sentence_vectors=all_vectors[len(texts) :],
            orgs=organizations(doc.text),
        )  # fmt: skip
        stored = [StoredChunk(chunk=c, version=version, extra={}) for c in chunks]
        return Prepared(record, stored, all_vectors[: len(texts)])

    def commit(self, prepared: Prepared) -> None:
        """Under the lock: new vectors, then the catalog's switch, then the old vectors go."""
        record = prepared.record
        doc_id = record.meta.doc_id
        with self.writing():
            if self.catalog.versions().get(doc_id) == record.version:
                return  # another process indexed the same content meanwhile
            self.vectors.add(prepared.stored, prepared.vectors, doc_metadata(record.meta))
            self.catalog.put_document(record)
            self.vectors.delete_document(doc_id, keep_version=record.version)

    def embed(self, texts: Sequence[str], *, label: str) -> np.ndarray:
        """One document's texts, in length-sorted batches (Embedder.embed_many)."""
        if not texts:
            return np.zeros((0, 1), dtype=np.float32)
        bar = tqdm(
            total=len(texts), desc=f"embedding {label[:40]}", unit="text",
            disable=not self.progress, leave=False,
        )  # fmt: skip
        with bar:
            return self.embedder.embed_many(texts, progress=bar.update)

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
        """Unlist a document, then delete its vectors (left over if that fails: the next
        ingest removes them)."""
        with self.writing():
            found = self.catalog.delete_document(doc_id)
            self.vectors.delete_document(doc_id)
        return found


def read_limited(path: Path, max_mb: int) -> bytes:
    size = path.stat().st_size
    if size > max_mb * 1024 * 1024:
        raise FileTooLarge(
            f"{path.name} is {size / 1e6:.1f} MB, over the {max_mb} MB limit "
            "(raise PATHWAYS_MAX_UPLOAD_MB to allow it)."
        )
    return path.read_bytes()
