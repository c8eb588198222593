"""Plain records in a Chroma server's collections: the catalog's storage when
PATHWAYS_CHROMA_URL is set (``index.chroma_catalog``).

A record is an id, a metadata dict, an optional document string and an embedding. Collections
that hold no vectors get a one-number placeholder embedding: a record without one would make
Chroma call its default embedding function, which downloads a model.

Every call goes through ``index.chroma.Handles``: a failed call retires the client (the next
call reconnects), reads are tried once more on a new client, and failures reach callers as
StoreUnavailable with the cause in the log.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from index.chroma import Handle, Handles, open_http_client

logger = logging.getLogger(__name__)

T = TypeVar("T")
PAGE = 5000  # records per get(): Chroma's requests have a size limit
BATCH = 1000  # records per upsert
PLACEHOLDER = [0.0]  # the embedding of a record that has no vector


@dataclass(frozen=True)
class Record:
    id: str
    metadata: dict[str, Any]
    document: str | None = None
    embedding: Any = None  # a sequence of floats (a numpy row when read)


class Records:
    """Named collections on one Chroma server, opened together on first use."""

    def __init__(self, chroma_url: str, names: dict[str, str]) -> None:
        """`names`: our name of each collection -> its name in Chroma."""
        self.url = chroma_url
        self.names = names
        self._handles = Handles(self._open)

    def _open(self) -> Handle:
        client = open_http_client(self.url)
        collections = {
            key: client.get_or_create_collection(name=name, embedding_function=None)
            for key, name in self.names.items()
        }
        return Handle(client, collections)

    def _call(self, what: str, call: Callable[[dict[str, Any]], T], *, tries: int = 2) -> T:
        return self._handles.call(f"catalog {what}", call, tries=tries)

    # --- writes --------------------------------------------------------------------------
    def upsert(self, name: str, records: Sequence[Record]) -> None:
        """Write records, replacing any with the same ids (a killed writer's partial ones)."""
        for i in range(0, len(records), BATCH):
            batch = records[i : i + BATCH]
            self._call(
                "write",
                lambda c, b=batch: c[name].upsert(  # type: ignore[misc]
                    ids=[r.id for r in b],
                    metadatas=[r.metadata for r in b],
                    documents=[r.document or "" for r in b],
                    embeddings=[PLACEHOLDER if r.embedding is None else r.embedding for r in b],
                ),
                tries=1,
            )

    def add(self, name: str, record: Record) -> None:
        """Insert if absent: Chroma ignores an add whose id exists (the first writer wins)."""
        self._call(
            "write",
            lambda c: c[name].add(
                ids=[record.id],
                metadatas=[record.metadata],
                documents=[record.document or ""],
                embeddings=[PLACEHOLDER if record.embedding is None else record.embedding],
            ),
            tries=1,
        )

    def delete(
        self, name: str, *, ids: Sequence[str] | None = None, where: dict[str, Any] | None = None
    ) -> None:
        """Delete by ids, by metadata, or by both (ids whose metadata matches: a conditional
        delete)."""
        if ids is not None:
            for i in range(0, max(len(ids), 1), PAGE):
                page = list(ids[i : i + PAGE])
                if page:
                    self._call(
                        "delete",
                        lambda c, p=page: c[name].delete(ids=p, where=where),  # type: ignore[misc]
                        tries=1,
                    )
            return
        self._call("delete", lambda c: c[name].delete(where=where), tries=1)

    # --- reads ---------------------------------------------------------------------------
    def get(
        self,
        name: str,
        *,
        ids: Sequence[str] | None = None,
        where: dict[str, Any] | None = None,
        documents: bool = False,
        embeddings: bool = False,
    ) -> list[Record]:
        """Records by ids or metadata (all when neither is given), a page at a time."""
        include = ["metadatas", *(["documents"] if documents else [])]
        include += ["embeddings"] if embeddings else []
        out: list[Record] = []
        while True:
            skip = len(out)
            got = self._call(
                "read",
                lambda c, skip=skip: c[name].get(  # type: ignore[misc]
                    ids=list(ids) if ids is not None else None,
                    where=where,
                    include=include,
                    limit=PAGE,
                    offset=skip,
                ),
            )
            batch = to_records(got, documents=documents, embeddings=embeddings)
            out += batch
            if len(batch) < PAGE:
                return out


def to_records(got: dict[str, Any], *, documents: bool, embeddings: bool) -> list[Record]:
    metas = got.get("metadatas") or [{} for _ in got["ids"]]
    docs = got.get("documents") if documents else None
    vectors = got.get("embeddings") if embeddings else None
    return [
        Record(
            id=rid,
            metadata=dict(metas[i] or {}),
            document=docs[i] if docs is not None else None,
            embedding=vectors[i] if vectors is not None else None,
        )
        for i, rid in enumerate(got["ids"])
    ]
