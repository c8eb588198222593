"""Chunk vectors in Chroma, through llama-index's Chroma vector-store integration.

Embedded (PersistentClient in PATHWAYS_HOME) by default; a `chroma run` server when
PATHWAYS_CHROMA_URL is set. Vectors are always computed by our own embedder: Chroma's default
embedding function (which downloads a model) is never used.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any
from urllib.parse import urlparse

import numpy as np

from index.store import StoredChunk
from pathways.errors import PathwaysError
from pathways.settings import Settings

logger = logging.getLogger(__name__)

FETCH_BATCH = 5000  # ids per Chroma get(): its requests have a size limit


@dataclass(frozen=True)
class VectorHit:
    vector_id: str
    similarity: float  # cosine similarity, 1 = identical


def open_client(settings: Settings) -> Any:
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    if settings.chroma_url:
        url = urlparse(settings.chroma_url)
        if not url.hostname:
            raise PathwaysError(f"PATHWAYS_CHROMA_URL is not a URL: {settings.chroma_url!r}")
        try:
            return chromadb.HttpClient(
                host=url.hostname,
                port=url.port or (443 if url.scheme == "https" else 8000),
                ssl=url.scheme == "https",
                settings=chroma_settings,
            )
        except Exception as e:
            raise PathwaysError(
                f"Cannot reach the Chroma server at {settings.chroma_url}: {e}. "
                "Start it with `chroma run --path DIR --port PORT`, or unset PATHWAYS_CHROMA_URL "
                "to use the embedded store."
            ) from e
    settings.chroma_path.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(settings.chroma_path), settings=chroma_settings)


class VectorIndex:
    """The chunk vectors in Chroma. The client opens on first use: a search answered from the
    local copy of the vectors (index.dense) never imports chromadb."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.name = settings.collection_name()

    @cached_property
    def client(self) -> Any:
        return open_client(self.settings)

    @cached_property
    def collection(self) -> Any:
        return self.client.get_or_create_collection(
            name=self.name,
            metadata={"hnsw:space": "cosine", "embedding_model": self.settings.embedding_model},
            embedding_function=None,
        )

    @cached_property
    def store(self) -> Any:
        """llama-index's Chroma store, which writes the chunks (imported only to write: it
        takes a second, and searching asks the collection directly)."""
        from llama_index.vector_stores.chroma import ChromaVectorStore

        return ChromaVectorStore(chroma_collection=self.collection)

    def add(
        self, chunks: Sequence[StoredChunk], vectors: np.ndarray, doc_meta: dict[str, Any]
    ) -> None:
        from llama_index.core.schema import BaseNode, NodeRelationship, RelatedNodeInfo, TextNode

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
            self.store.add(nodes)

    def delete_document(self, doc_id: str, *, keep_version: str | None = None) -> None:
        """Remove a document's vectors, except those of keep_version."""
        where: dict[str, Any] = {"doc_id": doc_id}
        if keep_version is not None:
            where = {"$and": [{"doc_id": doc_id}, {"version": {"$ne": keep_version}}]}
        self.collection.delete(where=where)

    def doc_versions(self) -> set[tuple[str, str]]:
        """Every (doc_id, version) with vectors in the collection."""
        got = self.collection.get(include=["metadatas"])
        return {(m["doc_id"], m["version"]) for m in got["metadatas"] or []}

    def embeddings(self, ids: Sequence[str]) -> tuple[list[str], np.ndarray]:
        """The stored vectors of these ids (ids Chroma does not hold are left out)."""
        found: list[str] = []
        rows: list[np.ndarray] = []
        for start in range(0, len(ids), FETCH_BATCH):
            got = self.collection.get(
                ids=list(ids[start : start + FETCH_BATCH]), include=["embeddings"]
            )
            found += list(got["ids"])
            embeddings = got.get("embeddings")
            if embeddings is not None and len(embeddings):
                rows.append(np.asarray(embeddings, dtype=np.float32))
        return found, np.vstack(rows) if rows else np.zeros((0, 1), dtype=np.float32)

    def count(self) -> int:
        return int(self.collection.count())

    def query(
        self, vector: np.ndarray, k: int, where: dict[str, Any] | None = None
    ) -> list[VectorHit]:
        """The k nearest vectors. Asks the Chroma collection directly: going through
        ChromaVectorStore would rebuild a llama-index node per hit, ten times the cost."""
        try:
            result = self.collection.query(
                query_embeddings=[np.asarray(vector, dtype=np.float32).tolist()],
                n_results=k,
                where=where,
                include=["distances"],
            )
        except Exception as e:  # chromadb raises plain exceptions for an empty collection
            if self.count() == 0:
                return []
            raise PathwaysError(f"Vector search failed: {e}") from e
        ids = (result.get("ids") or [[]])[0]
        distances = (result.get("distances") or [[]])[0]
        # cosine space: distance = 1 - cosine similarity
        return [VectorHit(v, 1.0 - float(d)) for v, d in zip(ids, distances, strict=True)]
