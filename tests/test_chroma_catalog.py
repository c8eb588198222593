"""The catalog in a real `chroma run` server (PATHWAYS_CHROMA_URL): the same content as the
SQLite catalog, nothing of a half-written version visible, and a write lease across processes."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from chroma_support import running_chroma

from index.catalogs import open_catalog
from index.chroma_catalog import ChromaCatalog, version_records
from index.chroma_lease import ChromaLease
from index.embedder import Embedder
from index.retrieval import HybridSearcher
from index.store import Catalog
from ingest.pipeline import Ingestor
from pathways.errors import IndexBusy
from pathways.settings import Settings

pytestmark = pytest.mark.server

DOCS = {
    "welding.md": "# Mentoring\n\nVolunteer engineers from Boeing mentored welding students "
    "every Thursday. The Cedar County Workforce Board paid for the shop.\n\n# Results\n\n"
    "Forty students earned a credential in 2021.\n",
    "nursing.md": "# Nursing\n\nA hospital partnership with Mercy Health let nursing students "
    "shadow clinicians for two weeks every summer.\n",
}


@pytest.fixture(scope="module")
def chroma_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with running_chroma(tmp_path_factory.mktemp("chroma-catalog")) as server:
        yield server.url


def namespaced(home: Path, chroma_url: str | None, overlap: int) -> Settings:
    """A home; `overlap` gives each test collections of its own on the shared server."""
    return Settings(home=home, chroma_url=chroma_url, chunk_tokens=64, chunk_overlap=overlap)


def write_corpus(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in DOCS.items():
        (folder / name).write_text(text)
    return folder


def test_chroma_catalog_holds_what_the_sqlite_catalog_holds(
    chroma_url: str, embedder: Embedder, tmp_path: Path
):
    corpus = write_corpus(tmp_path / "corpus")
    local = namespaced(tmp_path / "local", None, 8)
    remote = namespaced(tmp_path / "remote", chroma_url, 8)
    Ingestor(local, embedder).ingest([corpus])
    Ingestor(remote, embedder).ingest([corpus])
    sqlite, chroma = Catalog(local.catalog_path), open_catalog(remote)
    assert isinstance(chroma, ChromaCatalog)
    assert not remote.catalog_path.exists(), "the catalog went to the server, not to the home"

    def same(doc: object) -> object:
        return replace(doc, version="", ingested_at="")  # type: ignore[type-var]

    assert [same(d) for d in chroma.list_documents()] == [same(d) for d in sqlite.list_documents()]
    assert chroma.counts() == sqlite.counts() and chroma.counts()[0] == 2
    for doc_id in ["welding", "nursing"]:
        assert chroma.get_document(doc_id)[1] == sqlite.get_document(doc_id)[1]  # type: ignore[index]
        assert chroma.get_structure(doc_id) == sqlite.get_structure(doc_id)
    assert [c.chunk for c in chroma.chunks()] == [c.chunk for c in sqlite.chunks()]
    nursing = [c.chunk for c in sqlite.chunks("nursing")]
    assert [c.chunk for c in chroma.chunks("nursing")] == nursing != []
    mine, theirs = chroma.sentences(), sqlite.sentences()
    assert mine.doc_ids == theirs.doc_ids and mine.spans == theirs.spans
    assert np.array_equal(mine.vectors, theirs.vectors)
    assert chroma.orgs(["welding"]) == sqlite.orgs(["welding"]) != []
    hits = HybridSearcher(remote, embedder).search("who mentored the welding students?", k=1)
    assert "Volunteer engineers from Boeing mentored" in hits[0].text


def test_a_half_written_version_is_invisible_and_the_next_write_removes_it(
    chroma_url: str, embedder: Embedder, tmp_path: Path
):
    """A writer killed after writing a new version's records but before switching the manifest
    leaves the old version live and whole; the next write removes the stray records."""
    corpus = write_corpus(tmp_path / "corpus")
    settings = namespaced(tmp_path / "home", chroma_url, 9)
    ingestor = Ingestor(settings, embedder)
    ingestor.ingest([corpus])
    catalog = ingestor.catalog
    assert isinstance(catalog, ChromaCatalog)
    before = (catalog.state(), catalog.chunks(), catalog.get_document("nursing"))
    (corpus / "nursing.md").write_text("# Nursing\n\nThe new version says night shifts.\n")
    prepared = prepare_file(ingestor, corpus / "nursing.md")  # then commit()'s first steps:
    catalog._mark_pending("nursing")
    for kind, records in version_records(prepared.record).items():
        catalog.records.upsert(kind, records)
    assert (catalog.state(), catalog.chunks(), catalog.get_document("nursing")) == before
    stray = catalog.records.get("chunks", where={"version": prepared.record.version})
    assert stray, "the killed writer's chunks are in the server"

    with ingestor.writing():
        catalog.put_document(replace(prepared.record, version="b" * 64))  # another write
    assert catalog.records.get("chunks", where={"version": prepared.record.version}) == []
    assert "night shifts" in catalog.get_document("nursing")[1]  # type: ignore[index]
    assert catalog.state().generation != before[0].generation


def prepare_file(ingestor: Ingestor, path: Path):  # type: ignore[no-untyped-def]
    from ingest.loaders import load_bytes
    from ingest.pipeline import Source, version_of

    data = path.read_bytes()
    version = version_of(data, None, ingestor.settings, ingestor.vectors.owner)
    source = Source(path, None, True)
    loaded = load_bytes(data, path.name)
    return ingestor.prepare(loaded, source, version, {"doc_id": path.stem}, None)


def test_the_lease_makes_writers_wait_and_a_dead_writers_lease_expires(
    chroma_url: str, tmp_path: Path
):
    settings = namespaced(tmp_path / "home", chroma_url, 10)
    records = ChromaCatalog(settings).records
    first, second = ChromaLease(records, 30, ttl=3), ChromaLease(records, 30, ttl=3)
    order: list[str] = []

    def other() -> None:
        with second.hold():
            order.append("second")

    with first.hold(), first.hold():  # reentrant
        waiter = threading.Thread(target=other)
        waiter.start()
        waiter.join(timeout=4)  # longer than the lease time: renewed meanwhile
        assert waiter.is_alive() and order == []
        order.append("first")
    waiter.join(timeout=30)
    assert order == ["first", "second"]

    dead = ChromaLease(records, 30, ttl=2)
    dead._acquire()
    dead._stop.set()  # a killed writer: no renewing, no release
    with pytest.raises(IndexBusy), ChromaLease(records, 0.5, ttl=2).hold():
        pass
    started = time.monotonic()
    with ChromaLease(records, 30, ttl=2).hold():
        waited = time.monotonic() - started
    assert 0.5 < waited < 5, waited
