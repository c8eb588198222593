"""Which catalog and write lock a process uses: the SQLite catalog and a file lock in
PATHWAYS_HOME by default; with PATHWAYS_CHROMA_URL set, the catalog and a lease in the Chroma
server, so that replicas with separate homes share one index (``index.chroma_catalog``)."""

from __future__ import annotations

from collections.abc import Collection
from contextlib import AbstractContextManager
from typing import Protocol

from index.store import (
    Catalog,
    DocumentRecord,
    IndexState,
    OrgRow,
    SentenceTable,
    StoredChunk,
    StoredDocument,
)
from pathways.settings import Settings
from pathways.types import CleanDocument


class CatalogStore(Protocol):
    """What readers and writers use of a catalog (see ``index.store.Catalog`` for meanings)."""

    def put_document(self, record: DocumentRecord) -> None: ...
    def delete_document(self, doc_id: str) -> bool: ...
    def generation(self) -> str: ...
    def state(self) -> IndexState: ...
    def bump_vectors(self) -> None: ...
    def owner_id(self) -> str: ...
    def versions(self) -> dict[str, str]: ...
    def vector_ids(self) -> dict[str, set[str]]: ...
    def sources(self) -> dict[str, str]: ...
    def list_documents(self) -> list[StoredDocument]: ...
    def get_document(self, doc_id: str) -> tuple[StoredDocument, str] | None: ...
    def get_structure(self, doc_id: str) -> tuple[list[list[int]], list[dict[str, object]]]: ...
    def structure(self, doc_id: str, text: str) -> CleanDocument: ...
    def chunks(self, doc_id: str | None = None) -> list[StoredChunk]: ...
    def sentences(self, doc_ids: Collection[str] | None = None) -> SentenceTable: ...
    def orgs(self, doc_ids: Collection[str] | None = None) -> list[tuple[str, OrgRow]]: ...
    def counts(self) -> tuple[int, int]: ...


class WriteLock(Protocol):
    def hold(self) -> AbstractContextManager[None]: ...


def open_catalog(settings: Settings) -> CatalogStore:
    if settings.chroma_url:
        from index.chroma_catalog import ChromaCatalog

        return ChromaCatalog(settings)
    return Catalog(settings.catalog_path)


def open_lock(settings: Settings, catalog: CatalogStore, timeout: float) -> WriteLock:
    """The lock writers of `catalog` hold: a lease beside a Chroma catalog, else a file lock."""
    from index.chroma_catalog import ChromaCatalog

    if isinstance(catalog, ChromaCatalog):
        from index.chroma_lease import ChromaLease

        return ChromaLease(catalog.records, timeout, settings.lease_seconds)
    from index.locking import IndexLock

    return IndexLock(settings.home, timeout)
