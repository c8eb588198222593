"""Chunk vectors in Chroma, through llama-index's Chroma vector-store integration.

Embedded (PersistentClient in PATHWAYS_HOME) by default; a `chroma run` server when
PATHWAYS_CHROMA_URL is set. Vectors are always computed by our own embedder: Chroma's default
embedding function (which downloads a model) is never used.

An embedded store must be reopened after another process wrote to it (``index.chroma`` says
why). Readers reopen it when the catalog's vector epoch moves (``refresh``, on every request),
writers under the index lock before writing, and a failed read is retried once on a freshly
opened store. Failures reach callers as StoreUnavailable, with the cause in the log.

Searching mostly reads a local copy of the vectors (``index.dense``), so chromadb is imported
only when a handle opens, and llama-index only to write.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np

from index.chroma import Handle, Handles, open_client
from index.store import StoredChunk
from pathways.settings import Settings

logger = logging.getLogger(__name__)

T = TypeVar("T")
PAGE = 5000  # ids per Chroma get() (listing, fetching): its requests have a size limit


@dataclass(frozen=True)
class VectorHit:
    vector_id: str
    similarity: float  # cosine similarity, 1 = identical


class VectorIndex:
    """The collection of chunk vectors. Thread-safe: a reopen swaps the handle, and calls
    already running finish on the old one."""

    def __init__(
        self,
        settings: Settings,
        *,
        epoch: str | None = None,
        lazy: bool = False,
        owner: str = "",
    ) -> None:
        """`epoch`: the catalog's vector epoch read before opening (None: unknown). `lazy`:
        open on first use rather than now (so a server starts while Chroma is down). `owner`:
        the catalog whose vectors this writer adds and may delete: a Chroma server may hold
        vectors of several homes' catalogs, and one must never delete another's."""
        self.settings = settings
        self.name = settings.collection_name()
        self.embedded = not settings.chroma_url
        self.owner = owner
        self._epoch = epoch  # the vector epoch the open handle reflects
        self._handles = Handles(self._open_handle)
        if not lazy:
            self._handles.ensure_open()

    def _open_handle(self) -> Handle:
        client = open_client(self.settings)
        collection = client.get_or_create_collection(
            name=self.name,
            metadata={"hnsw:space": "cosine", "embedding_model": self.settings.embedding_model},
            embedding_function=None,
        )
        return Handle(client, collection)

    def refresh(self, epoch: str) -> None:
        """Reopen an embedded store that another writer changed since it was opened (a
        Chroma server is always current). Cheap when nothing changed."""
        if epoch == self._epoch:
            return
        self._epoch = epoch
        if self.embedded:
            logger.debug("vector epoch moved to %s: reopening %s", epoch, self.name)
            self._handles.retire()

    def close(self) -> None:
        """Let go of the open handle (and its in-memory graph); the next call reopens."""
        self._handles.retire()

    def adopt(self, epoch: str) -> None:
        """Take `epoch` as current without reopening: this handle made the writes behind it
        (the writer holds the index lock, so nobody else wrote)."""
        self._epoch = epoch

    def _read(self, what: str, call: Callable[[Any], T]) -> T:
        """Run a read; on a store error reopen the store and try once more."""
        return self._handles.call(f"vector store {what}", call, tries=2)

    def _write(self, what: str, call: Callable[[Any], object]) -> None:
        """Run a write once; a failure retires the handle and is a StoreUnavailable."""
        self._handles.call(f"vector store {what}", call)

    # --- writes (callers hold the index lock) --------------------------------------------
    def add(
        self, chunks: Sequence[StoredChunk], vectors: np.ndarray, doc_meta: dict[str, Any]
    ) -> None:
        # llama-index takes a second to import; only writers need it
        from llama_index.core.schema import BaseNode, NodeRelationship, RelatedNodeInfo, TextNode
        from llama_index.vector_stores.chroma import ChromaVectorStore

        nodes: list[BaseNode] = [
            TextNode(
                id_=sc.vector_id,
                text=sc.chunk.text,
                embedding=vectors[i].tolist(),
                # llama-index writes the source node id into doc_id/document_id metadata
                relationships={NodeRelationship.SOURCE: RelatedNodeInfo(node_id=sc.chunk.doc_id)},
                metadata={
                    **doc_meta,
                    **({"owner": self.owner} if self.owner else {}),
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
        """Remove a document's vectors (this owner's, on a server), except keep_version's."""
        clauses: list[dict[str, Any]] = [{"doc_id": doc_id}, *self.scope()]
        if keep_version is not None:
            clauses.append({"version": {"$ne": keep_version}})
        where = clauses[0] if len(clauses) == 1 else {"$and": clauses}
        self._write("delete", lambda c: c.delete(where=where))

    def scope(self) -> list[dict[str, Any]]:
        """The where-clause limiting deletes to this owner's vectors on a shared server."""
        return [{"owner": self.owner}] if self.owner and not self.embedded else []

    def delete_ids(self, ids: Sequence[str]) -> None:
        for i in range(0, len(ids), PAGE):
            page = list(ids[i : i + PAGE])
            self._write("delete", lambda c, page=page: c.delete(ids=page))  # type: ignore[misc]

    # --- reads ---------------------------------------------------------------------------
    def ids(self, *, own: bool = False) -> set[str]:
        """Every vector id in the collection (`own`: only those this owner may delete)."""
        scope = self.scope() if own else []
        where = scope[0] if scope else None

        def page(offset: int) -> list[str]:
            got = self._read(
                "listing", lambda c: c.get(include=[], where=where, limit=PAGE, offset=offset)
            )
            return list(got["ids"])

        out: set[str] = set()
        offset = 0
        while batch := page(offset):
            out.update(batch)
            offset += len(batch)
        return out

    def embeddings(self, ids: Sequence[str]) -> tuple[list[str], np.ndarray]:
        """The stored vectors of these ids (ids Chroma does not hold are left out)."""
        found: list[str] = []
        rows: list[np.ndarray] = []
        for start in range(0, len(ids), PAGE):
            page = list(ids[start : start + PAGE])
            got = self._read(
                "fetch",
                lambda c, page=page: c.get(ids=page, include=["embeddings"]),  # type: ignore[misc]
            )
            found += list(got["ids"])
            embeddings = got.get("embeddings")
            if embeddings is not None and len(embeddings):
                rows.append(np.asarray(embeddings, dtype=np.float32))
        return found, np.vstack(rows) if rows else np.zeros((0, 1), dtype=np.float32)

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
