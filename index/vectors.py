"""Chunk vectors in Chroma, through llama-index's Chroma vector-store integration.

Embedded (PersistentClient in PATHWAYS_HOME) by default; a `chroma run` server when
PATHWAYS_CHROMA_URL is set. Vectors are always computed by our own embedder: Chroma's default
embedding function (which downloads a model) is never used.

An embedded Chroma keeps each collection's HNSW graph in the memory of the process that opened
it and never rereads it, while its metadata lives in a shared SQLite file. A process that opened
the store before another process wrote to it therefore filters on ids its graph lacks ("Error
finding id") and misses the new vectors; and a write through such a stale graph would save it
over the other writer's. So readers reopen the store when the catalog's vector epoch moves
(``refresh``), writers reopen it under the index lock before writing, and any failed read is
retried once on a freshly opened store. Chroma shares one in-process "system" per path between
clients; reopening evicts it from that registry so the new client really reads the disk.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlparse

import numpy as np
from llama_index.core.schema import BaseNode, NodeRelationship, RelatedNodeInfo, TextNode
from llama_index.vector_stores.chroma import ChromaVectorStore

from index.store import StoredChunk
from pathways.errors import PathwaysError, StoreUnavailable
from pathways.settings import Settings

logger = logging.getLogger(__name__)

T = TypeVar("T")
UNAVAILABLE = "The search index is unavailable right now; try again in a few seconds."
PAGE = 5000  # ids per Chroma get() when listing the whole collection
REOPEN_PAUSE = 1.0  # seconds between attempts to reach a store that failed to open

_registry_lock = threading.Lock()
_opened_at: dict[str, str | None] = {}  # embedded path -> vector epoch its shared system holds


@dataclass(frozen=True)
class VectorHit:
    vector_id: str
    similarity: float  # cosine similarity, 1 = identical


def chroma_settings() -> Any:
    from chromadb.config import Settings as ChromaSettings

    return ChromaSettings(anonymized_telemetry=False, allow_reset=False)


def open_client(settings: Settings, *, epoch: str | None = None, fresh: bool = True) -> Any:
    """A Chroma client. Embedded: shares this process's system for the path only if it was
    opened at the same vector epoch and `fresh` is False; otherwise reads the disk anew."""
    import chromadb

    if settings.chroma_url:
        return open_http_client(settings.chroma_url)
    path = str(settings.chroma_path)
    settings.chroma_path.mkdir(parents=True, exist_ok=True)
    with _registry_lock:
        if fresh or epoch is None or _opened_at.get(path, "") != epoch:
            forget_system(path)
            _opened_at[path] = epoch
        return chromadb.PersistentClient(path=path, settings=chroma_settings())


def forget_system(path: str) -> None:
    """Drop Chroma's shared in-process system for `path`, so the next client loads from disk.
    Clients still holding the old one keep working; it is freed when the last one goes."""
    from chromadb.api.shared_system_client import SharedSystemClient as Shared

    with Shared._refcount_lock:
        Shared._identifier_to_system.pop(path, None)
        Shared._identifier_to_refcount.pop(path, None)


def open_http_client(chroma_url: str) -> Any:
    import chromadb

    url = urlparse(chroma_url)
    if not url.hostname:
        raise PathwaysError(f"PATHWAYS_CHROMA_URL is not a URL: {chroma_url!r}")
    try:
        return chromadb.HttpClient(
            host=url.hostname,
            port=url.port or (443 if url.scheme == "https" else 8000),
            ssl=url.scheme == "https",
            settings=chroma_settings(),
        )
    except Exception as e:
        logger.error(
            "cannot reach the Chroma server at %s: %s. Start it with `chroma run --path DIR "
            "--port PORT`, or unset PATHWAYS_CHROMA_URL to use the embedded store.",
            chroma_url,
            e,
        )
        raise StoreUnavailable(
            "The Chroma server is not reachable. Start it with `chroma run`, or unset "
            "PATHWAYS_CHROMA_URL to use the embedded store."
        ) from e


class VectorIndex:
    """The collection of chunk vectors. Thread-safe: a reopen swaps the handle, and calls
    already running finish on the old one."""

    def __init__(self, settings: Settings, *, epoch: str | None = None, lazy: bool = False) -> None:
        """`lazy`: open on first use rather than now (a server starts while Chroma is down)."""
        self.settings = settings
        self.name = settings.collection_name()
        self.embedded = not settings.chroma_url
        self._lock = threading.Lock()
        self._epoch = epoch  # the vector epoch the open handle reflects (None: unknown)
        self._collection: Any = None
        self._closed_until = 0.0  # monotonic time before which no reopen is attempted
        self._reload = False  # the next open must read the disk anew (stale or failed handle)
        if not lazy:
            self._open()

    @property
    def collection(self) -> Any:
        return self._collection if self._collection is not None else self._open()

    def _open(self) -> Any:
        """Open the collection. After a failure, calls within REOPEN_PAUSE seconds fail at once
        instead of each trying again (a server that is down must not slow every request)."""
        with self._lock:
            if self._collection is not None:
                return self._collection
            if time.monotonic() < self._closed_until:
                raise StoreUnavailable(UNAVAILABLE)
            try:
                client = open_client(self.settings, epoch=self._epoch, fresh=self._reload)
                self._collection = client.get_or_create_collection(
                    name=self.name,
                    metadata={
                        "hnsw:space": "cosine",
                        "embedding_model": self.settings.embedding_model,
                    },
                    embedding_function=None,
                )
                self._reload = False
            except Exception as e:
                self._closed_until = time.monotonic() + REOPEN_PAUSE
                if isinstance(e, PathwaysError):
                    raise
                logger.error("cannot open the Chroma collection %s: %s", self.name, e)
                raise StoreUnavailable(UNAVAILABLE) from e
            return self._collection

    def refresh(self, epoch: str) -> None:
        """Reopen an embedded store that another writer changed since it was opened (a
        Chroma server is always current). Cheap when nothing changed."""
        if epoch == self._epoch:
            return
        with self._lock:
            if epoch == self._epoch:
                return
            self._epoch = epoch
            if self.embedded:
                logger.debug("vector epoch moved to %s: reopening %s", epoch, self.name)
                self._collection = None  # reopened at this epoch (or shared, if one already is)

    def adopt(self, epoch: str) -> None:
        """Take `epoch` as current without reopening: this handle made the writes behind it
        (the writer holds the index lock, so nobody else wrote)."""
        self._epoch = epoch

    def _discard(self, collection: Any) -> None:
        """Forget a handle that failed; the next call opens a fresh one."""
        with self._lock:
            if self._collection is collection:
                self._collection = None
                self._reload = True

    def _read(self, what: str, call: Callable[[Any], T]) -> T:
        """Run a read; on a store error reopen the store and try once more."""
        for attempt in (1, 2):
            collection = self.collection
            try:
                return call(collection)
            except PathwaysError:
                raise
            except Exception as e:
                self._discard(collection)
                if attempt == 2:
                    logger.error("vector store %s failed twice: %s: %s", what, type(e).__name__, e)
                    raise StoreUnavailable(UNAVAILABLE) from e
                logger.warning("vector store %s failed (%s); reopening, retrying", what, e)
        raise AssertionError("unreachable")

    def _write(self, what: str, call: Callable[[Any], object]) -> None:
        """Run a write once; a failure discards the handle and is a StoreUnavailable."""
        collection = self.collection
        try:
            call(collection)
        except Exception as e:
            self._discard(collection)
            logger.error("vector store %s failed: %s: %s", what, type(e).__name__, e)
            raise StoreUnavailable(UNAVAILABLE) from e

    # --- writes (callers hold the index lock) --------------------------------------------
    def add(
        self, chunks: Sequence[StoredChunk], vectors: np.ndarray, doc_meta: dict[str, Any]
    ) -> None:
        nodes: list[BaseNode] = [
            TextNode(
                id_=sc.vector_id,
                text=sc.chunk.text,
                embedding=vectors[i].tolist(),
                # llama-index writes the source node id into doc_id/document_id metadata
                relationships={NodeRelationship.SOURCE: RelatedNodeInfo(node_id=sc.chunk.doc_id)},
                metadata={
                    **doc_meta,
                    "doc_id": sc.chunk.doc_id,
                    "version": sc.version,
                    "ordinal": sc.chunk.ordinal,
                    "section": sc.chunk.section,
                    "page_start": sc.chunk.page_start or 0,
                },
            )
            for i, sc in enumerate(chunks)
        ]
        if nodes:
            self._write("add", lambda c: ChromaVectorStore(chroma_collection=c).add(nodes))

    def delete_document(self, doc_id: str, *, keep_version: str | None = None) -> None:
        """Remove a document's vectors, except those of keep_version."""
        where: dict[str, Any] = {"doc_id": doc_id}
        if keep_version is not None:
            where = {"$and": [{"doc_id": doc_id}, {"version": {"$ne": keep_version}}]}
        self._write("delete", lambda c: c.delete(where=where))

    def delete_ids(self, ids: Sequence[str]) -> None:
        for i in range(0, len(ids), PAGE):
            page = list(ids[i : i + PAGE])
            self._write("delete", lambda c, page=page: c.delete(ids=page))  # type: ignore[misc]

    # --- reads ---------------------------------------------------------------------------
    def ids(self) -> set[str]:
        """Every vector id in the collection."""

        def page(offset: int) -> list[str]:
            got = self._read("listing", lambda c: c.get(include=[], limit=PAGE, offset=offset))
            return list(got["ids"])

        out: set[str] = set()
        offset = 0
        while batch := page(offset):
            out.update(batch)
            offset += len(batch)
        return out

    def count(self) -> int:
        return int(self._read("count", lambda c: c.count()))

    def query(
        self, vector: np.ndarray, k: int, where: dict[str, Any] | None = None
    ) -> list[VectorHit]:
        """The k nearest vectors. Asks the Chroma collection directly: going through
        ChromaVectorStore would rebuild a llama-index node per hit, ten times the cost."""
        embedding = [np.asarray(vector, dtype=np.float32).tolist()]
        result = self._read(
            "search",
            lambda c: c.query(
                query_embeddings=embedding, n_results=k, where=where, include=["distances"]
            ),
        )
        ids = (result.get("ids") or [[]])[0]
        distances = (result.get("distances") or [[]])[0]
        # cosine space: distance = 1 - cosine similarity
        return [VectorHit(v, 1.0 - float(d)) for v, d in zip(ids, distances, strict=True)]
