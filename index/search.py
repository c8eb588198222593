"""Search: a question in, ranked excerpts with their provenance out."""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from index.catalogs import CatalogStore, open_catalog
from index.embedder import Embedder
from index.query import Query, as_query
from index.spans import Span
from index.store import StoredChunk, StoredDocument
from index.vectors import VectorIndex
from pathways.errors import IndexMissing
from pathways.settings import Settings

logger = logging.getLogger(__name__)

SNAPSHOT_TRIES = 5


@dataclass(frozen=True)
class Filters:
    doc_type: tuple[str, ...] = ()
    year_min: int | None = None
    year_max: int | None = None
    region: tuple[str, ...] = ()
    doc_id: tuple[str, ...] = ()

    def is_empty(self) -> bool:
        return self == Filters()

    def admits(self, doc: StoredDocument) -> bool:
        m = doc.meta
        if self.doc_type and m.doc_type not in self.doc_type:
            return False
        if self.region and m.region.lower() not in {r.lower() for r in self.region}:
            return False
        if self.doc_id and m.doc_id not in self.doc_id:
            return False
        if self.year_min is not None and (m.year is None or m.year < self.year_min):
            return False
        return not (self.year_max is not None and (m.year is None or m.year > self.year_max))


@dataclass(frozen=True)
class Excerpt:
    rank: int
    doc_id: str
    title: str
    section: str
    page: int | None
    page_end: int | None
    start: int
    end: int
    text: str
    score: float
    doc_type: str
    year: int | None
    source_url: str
    chunk_id: str = ""
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    def as_dict(self) -> dict[str, Any]:
        return {
            "rank": self.rank,
            "doc_id": self.doc_id,
            "title": self.title,
            "section": self.section,
            "page": self.page,
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "score": round(self.score, 4),
        }


class Snapshot:
    """The catalog's chunks and documents at one generation, held in memory for fast lookup.

    Read in several queries; if a writer commits in between (the generation moved), read again,
    so documents, chunks and texts always belong to one generation."""

    def __init__(self, catalog: CatalogStore) -> None:
        for _ in range(SNAPSHOT_TRIES):
            self.generation = catalog.generation()
            self.documents = {d.meta.doc_id: d for d in catalog.list_documents()}
            self.chunks: list[StoredChunk] = catalog.chunks()
            self.texts = {doc_id: text_of(catalog, doc_id) for doc_id in self.documents}
            if catalog.generation() == self.generation:
                break
            logger.debug("catalog changed while reading a snapshot; reading again")
        else:
            # writers commit faster than we read: keep only chunks of documents we hold
            self.chunks = [c for c in self.chunks if c.chunk.doc_id in self.texts]
        self.by_vector_id = {c.vector_id: c for c in self.chunks}


def text_of(catalog: CatalogStore, doc_id: str) -> str:
    found = catalog.get_document(doc_id)
    return found[1] if found else ""


class Searcher:
    """Ranks chunks for a query. Thread-safe; reloads when the catalog changes."""

    def __init__(self, settings: Settings, embedder: Embedder) -> None:
        self.settings = settings
        self.embedder = embedder
        self.catalog = open_catalog(settings)
        # a Chroma server's vectors are always current: no epoch to read (it may be down now)
        epoch = None if settings.chroma_url else self.catalog.state().vectors
        self.vectors = VectorIndex(settings, epoch=epoch, lazy=True)
        self._lock = threading.Lock()
        self._snapshot: Snapshot | None = None
        self._vector_epoch: str | None = None  # the epoch the derived indexes have followed

    def snapshot(self) -> Snapshot:
        """The current snapshot. Checks the catalog on every call (one small SQLite read), so a
        document another process added, replaced or removed is seen on the next request, and
        vectors written without a new generation (a repair) reach the derived indexes.

        A reload that fails (the store is down) keeps the old snapshot, so the next call tries
        again rather than pairing the new generation with the old derived indexes."""
        state = self.catalog.state()
        self.vectors.refresh(state.vectors)
        with self._lock:
            snap = self._snapshot
            if snap is None or snap.generation != state.generation:
                snap = Snapshot(self.catalog)
                self.on_reload(snap)
                self._snapshot = snap
            elif state.vectors != self._vector_epoch:
                self.on_vectors(snap)
            self._vector_epoch = state.vectors
            return snap

    def on_reload(self, snapshot: Snapshot) -> None:
        """Hook for indexes derived from the catalog (keyword index, vector copy)."""

    def on_vectors(self, snapshot: Snapshot) -> None:
        """Hook: the vector store was written while the catalog's generation stayed."""

    def require_index(self, snapshot: Snapshot | None = None) -> Snapshot:
        snap = snapshot or self.snapshot()
        if not snap.documents:
            raise IndexMissing(
                f"No documents are indexed in {self.settings.home}. "
                "Run `pathways ingest` (or upload a document) first."
            )
        return snap

    def search(
        self,
        query: str | Query,
        k: int | None = None,
        filters: Filters | None = None,
        snapshot: Snapshot | None = None,
    ) -> list[Excerpt]:
        """The top k excerpts (default: default_k). The API and the CLI check the query and k
        against the limits (index.query.read_query); here they are trusted. `snapshot`: search
        this generation (one a caller also reads) instead of the newest."""
        snap = self.require_index(snapshot)
        query = self.encode(as_query(query))
        return self.excerpts(query, k or self.settings.default_k, filters or Filters(), snap)

    def encode(self, query: Query) -> Query:
        """The query with its vector, encoded once per request: every dense ranking of the
        search, and the answerer's sentence similarities, read this one."""
        return query if query.vector is not None else query.with_vector(self.query_vector(query))

    def query_vector(self, query: Query) -> np.ndarray:
        """The query's vector: the one it carries, else encoded now."""
        return query.vector if query.vector is not None else self.embedder.embed_query(query.text)

    def excerpts(self, query: Query, k: int, filters: Filters, snap: Snapshot) -> list[Excerpt]:
        """The top k excerpts; here one per ranked chunk (subclasses may merge chunks)."""
        ranked = self.rank(query, k, filters, snap)
        return [to_excerpt(i + 1, snap.by_vector_id[v], snap, s) for i, (v, s) in enumerate(ranked)]

    def rank(
        self, query: Query, k: int, filters: Filters, snap: Snapshot
    ) -> list[tuple[str, float]]:
        """The best k chunks as (vector id, score), best first."""
        return self.dense(query, k, filters, snap)

    def dense(
        self, query: Query, k: int, filters: Filters, snap: Snapshot
    ) -> list[tuple[str, float]]:
        vector = self.query_vector(query)
        allowed = allowed_docs(filters, snap)
        where = None if filters.is_empty() else {"doc_id": {"$in": sorted(allowed)}}
        if where is not None and not allowed:
            return []
        hits = self.vectors.query(vector, k * 2 + 10, where)
        out = [(h.vector_id, h.similarity) for h in hits if h.vector_id in snap.by_vector_id]
        return out[:k]


def allowed_docs(filters: Filters, snap: Snapshot) -> set[str]:
    return {doc_id for doc_id, doc in snap.documents.items() if filters.admits(doc)}


def to_excerpt(rank: int, sc: StoredChunk, snap: Snapshot, score: float) -> Excerpt:
    doc = snap.documents[sc.chunk.doc_id]
    c = sc.chunk
    return Excerpt(
        rank=rank, doc_id=c.doc_id, title=doc.meta.title, section=c.section,
        page=c.page_start, page_end=c.page_end, start=c.start, end=c.end, text=c.text,
        score=score, doc_type=doc.meta.doc_type, year=doc.meta.year,
        source_url=doc.meta.source_url, chunk_id=c.chunk_id, extra=sc.extra,
    )  # fmt: skip


def span_excerpt(rank: int, span: Span, snap: Snapshot) -> Excerpt:
    """An excerpt covering a span of merged chunks: text[start:end] of their document.

    The best-ranked member gives the chunk id, score and section (the passage that matched
    best is where the excerpt is "from"). Falls back to the best chunk alone if the stored
    text no longer matches the chunks (a document replaced while the snapshot was read).
    """
    members = [snap.by_vector_id[v] for v in span.ids]
    best = members[0]
    text = snap.texts.get(span.doc_id, "")
    if any(text[m.chunk.start : m.chunk.end] != m.chunk.text for m in members):
        return to_excerpt(rank, best, snap, span.score)
    if len(members) == 1:
        return to_excerpt(rank, best, snap, span.score)
    pages = [p for m in members for p in (m.chunk.page_start, m.chunk.page_end) if p is not None]
    return replace(
        to_excerpt(rank, best, snap, span.score),
        start=span.start, end=span.end,
        text=text[span.start : span.end],
        page=min(pages) if pages else None, page_end=max(pages) if pages else None,
        extra={**best.extra, "chunk_ids": [m.chunk.chunk_id for m in members]},
    )  # fmt: skip


def excerpts_to_json(query: str, excerpts: Sequence[Excerpt]) -> dict[str, Any]:
    return {"query": query, "results": [e.as_dict() for e in excerpts]}
