"""The document catalog in a Chroma server, for replicas that share one (PATHWAYS_CHROMA_URL).

Same interface and meaning as the SQLite ``index.store.Catalog``; every API replica and CLI
pointed at the server shares it, and keeps only derived data (BM25, caches) in its own home.

Records live in five collections named after the vector collection: documents (text, metadata,
structure), chunks, sentences (spans and vectors), orgs, and meta. Every record of a document
carries its doc_id and version. The meta collection holds one ``manifest`` record: the live
version of each document, the generation and the vector epoch. A writer (holding the lease of
``index.chroma_lease``) upserts a new version's records first, then switches it in by rewriting
the manifest: one record, so a document changes from old to new at once, together with the
generation, and a reader never sees half of a version. Records no manifest names are invisible.

Before writing a document the writer leaves a ``pending:<doc_id>`` record, removed once the old
version's records are deleted. A writer killed half-way leaves it behind, and the next writer
removes that document's records of versions the manifest does not name (and bumps the
generation, so a reader paging through a collection meanwhile reads again).
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import secrets
import time
from collections.abc import Collection, Iterable
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from index.chroma_records import Record, Records
from index.sentence_table import sentence_table
from index.store import (
    DocumentRecord,
    IndexState,
    OrgRow,
    SentenceTable,
    StoredChunk,
    StoredDocument,
    clean_document_of,
    vector_id_of,
)
from pathways.errors import StoreUnavailable
from pathways.settings import Settings
from pathways.types import Chunk, CleanDocument, DocumentMeta

logger = logging.getLogger(__name__)

KINDS = ("documents", "chunks", "sentences", "orgs")
MANIFEST = "manifest"
PENDING = "pending:"
PENDING_WHERE = {"kind": "pending"}


@dataclass(frozen=True)
class Manifest:
    generation: str
    vectors: str
    live: dict[str, str]  # doc_id -> live version


def collection_names(settings: Settings) -> dict[str, str]:
    base = settings.collection_name()
    return {kind: f"{base}.catalog-{kind}" for kind in (*KINDS, "meta")}


def record_key(doc_id: str, version: str) -> str:
    return f"{doc_id}@{version[:16]}"


def new_token() -> str:
    return secrets.token_hex(8)


class ChromaCatalog:
    """The catalog as records in a Chroma server. Thread-safe (each call is its own request)."""

    def __init__(self, settings: Settings) -> None:
        assert settings.chroma_url, "a ChromaCatalog needs PATHWAYS_CHROMA_URL"
        names = collection_names(settings)
        self.records = Records(settings.chroma_url, names)
        self.owner = hashlib.sha256(names["meta"].encode()).hexdigest()[:16]
        self._last_state: IndexState | None = None
        self._unreachable = False

    # --- the manifest --------------------------------------------------------------------
    def _manifest(self) -> Manifest:
        found = self.records.get("meta", ids=[MANIFEST], documents=True)
        if not found:
            return Manifest("", "", {})
        meta = found[0].metadata
        live = json.loads(found[0].document or "{}")
        return Manifest(str(meta["generation"]), str(meta["vectors"]), live)

    def _write_manifest(self, live: dict[str, str], *, generation: bool = True) -> None:
        """Switch to `live` (the caller holds the lease): one record, so all at once."""
        old = self._manifest()
        meta = {
            "generation": new_token() if generation else old.generation,
            "vectors": new_token(),
        }
        self.records.upsert("meta", [Record(MANIFEST, meta, json.dumps(live, sort_keys=True))])

    def owner_id(self) -> str:
        """The id tagging this catalog's vectors: the same in every process sharing it."""
        return self.owner

    def generation(self) -> str:
        return self.state().generation

    def state(self) -> IndexState:
        """The generation and vector epoch (one small read). While the server is unreachable,
        the last state read, so a reader keeps answering from what it holds."""
        try:
            found = self.records.get("meta", ids=[MANIFEST])
        except StoreUnavailable:
            if self._last_state is None:
                raise
            if not self._unreachable:
                logger.warning("catalog unreachable; serving %s", self._last_state)
            self._unreachable = True
            return self._last_state
        meta = found[0].metadata if found else {}
        state = IndexState(str(meta.get("generation", "")), str(meta.get("vectors", "")))
        self._last_state, self._unreachable = state, False
        return state

    def bump_vectors(self) -> None:
        self._write_manifest(self._manifest().live, generation=False)

    # --- writes (the caller holds the lease) ---------------------------------------------
    def put_document(self, record: DocumentRecord) -> None:
        """Write the version's records, switch the manifest to it, delete older versions."""
        doc_id, version = record.meta.doc_id, record.version
        self.clean_abandoned()
        self._mark_pending(doc_id)
        for kind, records in version_records(record).items():
            self.records.upsert(kind, records)
        self._write_manifest({**self._manifest().live, doc_id: version})
        self._delete_other_versions(doc_id, version)

    def delete_document(self, doc_id: str) -> bool:
        self.clean_abandoned()
        live = self._manifest().live
        found = live.pop(doc_id, None) is not None
        self._mark_pending(doc_id)
        self._write_manifest(live)
        self._delete_other_versions(doc_id, None)
        return found

    def _mark_pending(self, doc_id: str) -> None:
        self.records.upsert("meta", [Record(PENDING + doc_id, {**PENDING_WHERE, "doc_id": doc_id})])

    def _delete_other_versions(self, doc_id: str, keep: str | None) -> None:
        where: dict[str, Any] = {"doc_id": doc_id}
        if keep is not None:
            where = {"$and": [where, {"version": {"$ne": keep}}]}
        for kind in KINDS:
            self.records.delete(kind, where=where)
        self.records.delete("meta", ids=[PENDING + doc_id])

    def clean_abandoned(self) -> int:
        """Remove what writers killed half-way left behind (the caller holds the lease)."""
        pending = [r.metadata["doc_id"] for r in self.records.get("meta", where=PENDING_WHERE)]
        if not pending:
            return 0
        live = self._manifest().live
        for doc_id in pending:
            logger.warning("removing records an interrupted ingest left for %s", doc_id)
            self._delete_other_versions(doc_id, live.get(doc_id))
        self._write_manifest(live)  # readers paging meanwhile read again
        return len(pending)

    # --- reads ---------------------------------------------------------------------------
    def versions(self) -> dict[str, str]:
        return self._manifest().live

    def _live(
        self,
        kind: str,
        where: dict[str, Any] | None = None,
        *,
        documents: bool = False,
        embeddings: bool = False,
    ) -> list[Record]:
        """The records of live versions (filtered here: few records are ever not live)."""
        live = self._manifest().live
        found = self.records.get(kind, where=where, documents=documents, embeddings=embeddings)
        return [r for r in found if live.get(r.metadata["doc_id"]) == r.metadata["version"]]

    def vector_ids(self) -> dict[str, set[str]]:
        out: dict[str, set[str]] = {}
        for r in self._live("chunks"):
            m = r.metadata
            out.setdefault(m["doc_id"], set()).add(
                vector_id_of(m["doc_id"], m["version"], m["ordinal"])
            )
        return out

    def sources(self) -> dict[str, str]:
        return {d.meta.doc_id: d.source_path for d in self.list_documents()}

    def list_documents(self) -> list[StoredDocument]:
        docs = [stored_document(r) for r in self._live("documents")]
        return sorted(docs, key=lambda d: d.meta.doc_id)

    def _document(self, doc_id: str, *, text: bool) -> Record | None:
        version = self._manifest().live.get(doc_id)
        if version is None:
            return None
        found = self.records.get("documents", ids=[record_key(doc_id, version)], documents=text)
        return found[0] if found else None

    def get_document(self, doc_id: str) -> tuple[StoredDocument, str] | None:
        found = self._document(doc_id, text=True)
        return (stored_document(found), found.document or "") if found else None

    def get_structure(self, doc_id: str) -> tuple[list[list[int]], list[dict[str, object]]]:
        found = self._document(doc_id, text=False)
        if found is None:
            return [], []
        structure = json.loads(found.metadata["structure"])
        return structure["page_breaks"], structure["headings"]

    def structure(self, doc_id: str, text: str) -> CleanDocument:
        """As the SQLite catalog's: `text` with its stored page map and headings."""
        page_breaks, headings = self.get_structure(doc_id)
        return clean_document_of(text, page_breaks, headings)

    def chunks(self, doc_id: str | None = None) -> list[StoredChunk]:
        where = {"doc_id": doc_id} if doc_id is not None else None
        chunks = [stored_chunk(r) for r in self._live("chunks", where, documents=True)]
        return sorted(chunks, key=lambda c: (c.chunk.doc_id, c.chunk.ordinal))

    def sentences(self, doc_ids: Collection[str] | None = None) -> SentenceTable:
        rows = sorted(
            (
                r.metadata
                for r in self._live("sentences")
                if doc_ids is None or r.metadata["doc_id"] in doc_ids
            ),
            key=lambda meta: (meta["doc_id"], meta["start"]),
        )
        decoded = ({**meta, "vector": base64.b64decode(meta["vector"])} for meta in rows)
        return sentence_table(decoded, len(rows), None)

    def orgs(self, doc_ids: Collection[str] | None = None) -> list[tuple[str, OrgRow]]:
        rows = [
            (r.metadata["doc_id"], OrgRow(**json.loads(r.metadata["row"])))
            for r in self._live("orgs")
            if doc_ids is None or r.metadata["doc_id"] in doc_ids
        ]
        return sorted(rows, key=lambda row: (row[0], row[1].start))

    def counts(self) -> tuple[int, int]:
        docs = self.list_documents()
        return len(docs), sum(d.n_chunks for d in docs)


# --- records <-> catalog rows -------------------------------------------------------------
def version_records(record: DocumentRecord) -> dict[str, list[Record]]:
    """Every record of one document version, by collection."""
    m, version = record.meta, record.version
    key = record_key(m.doc_id, version)
    tag = {"doc_id": m.doc_id, "version": version}
    row = {
        "meta": asdict(m), "version": version, "source_path": record.source_path,
        "format": record.format, "pages": record.pages, "n_chunks": len(record.chunks),
        "ingested_at": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime()),
    }  # fmt: skip
    structure = {"page_breaks": list(record.page_breaks), "headings": list(record.headings)}
    document = Record(
        key, {**tag, "row": json.dumps(row), "structure": json.dumps(structure)}, record.text
    )
    return {
        "documents": [document],
        "chunks": [chunk_record(c, tag) for c in record.chunks],
        "sentences": list(sentence_records(record, key, tag)),
        "orgs": [
            Record(f"{key}:o{i:06d}", {**tag, "row": json.dumps(asdict(o))})
            for i, o in enumerate(record.orgs)
        ],
    }


def chunk_record(c: Chunk, tag: dict[str, str]) -> Record:
    fields = {k: v for k, v in asdict(c).items() if k != "text"}
    return Record(
        vector_id_of(c.doc_id, tag["version"], c.ordinal),
        {**tag, "ordinal": c.ordinal, "row": json.dumps(fields)},
        c.text,
    )


def sentence_records(record: DocumentRecord, key: str, tag: dict[str, str]) -> Iterable[Record]:
    """A record per sentence, its vector as base64 float32 in the metadata: read back ten times
    faster than a Chroma embedding (a list of JSON numbers), and nobody searches them there."""
    vectors = record.sentence_vectors
    if record.sentences and (vectors is None or not vectors.shape[1]):
        raise ValueError("a Chroma catalog stores every sentence with its vector")
    for i, (start, end) in enumerate(record.sentences):
        vector = np.asarray(vectors[i], dtype=np.float32).tobytes()  # type: ignore[index]
        meta = {**tag, "start": start, "end": end, "vector": base64.b64encode(vector).decode()}
        yield Record(f"{key}:s{i:06d}", meta)


def stored_document(r: Record) -> StoredDocument:
    row = json.loads(r.metadata["row"])  # StoredDocument's fields
    return StoredDocument(**{**row, "meta": DocumentMeta(**row["meta"])})


def stored_chunk(r: Record) -> StoredChunk:
    chunk = Chunk(text=r.document or "", **json.loads(r.metadata["row"]))
    return StoredChunk(chunk=chunk, version=r.metadata["version"], extra={})
