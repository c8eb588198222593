"""The same ingest and search against a real `chroma run` server (PATHWAYS_CHROMA_URL)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from chroma_support import free_port, running_chroma

from index.catalogs import open_catalog
from index.embedder import Embedder
from index.retrieval import HybridSearcher
from index.vectors import VectorIndex
from ingest.pipeline import Ingestor
from pathways.settings import Settings


@pytest.fixture(scope="module")
def chroma_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with running_chroma(tmp_path_factory.mktemp("chroma-server")) as server:
        yield server.url


def test_ingest_and_search_through_a_chroma_server(
    chroma_url: str, embedder: Embedder, tmp_path: Path
):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "notes.md").write_text(
        "# Mentoring\n\nVolunteer engineers mentored welding students every Thursday.\n\n"
        "# Funding\n\nThe district paid for equipment with a state incentive grant.\n"
    )
    settings = Settings(home=tmp_path / "home", chroma_url=chroma_url)
    report = Ingestor(settings, embedder).ingest([corpus])
    assert [f.status for f in report.files] == ["added"]
    assert VectorIndex(settings).count() == report.embedded_chunks > 0
    assert not (settings.home / "chroma").exists(), "vectors went to the server, not to disk"
    hits = HybridSearcher(settings, embedder).search("who mentored the welding students?", k=1)
    assert "Volunteer engineers mentored" in hits[0].text and hits[0].section == "Mentoring"


def test_unreachable_server_is_a_clear_error(tmp_path: Path):
    from pathways.errors import PathwaysError

    settings = Settings(home=tmp_path / "home", chroma_url=f"http://127.0.0.1:{free_port()}")
    with pytest.raises(PathwaysError) as err:
        VectorIndex(settings).count()  # the client opens on first use
    assert "chroma run" in str(err.value)


def test_two_homes_on_one_chroma_server_share_one_index(
    chroma_url: str, embedder: Embedder, tmp_path: Path
):
    """The catalog lives in the server too, so homes are replicas of one index: what one
    adds, replaces or deletes, the other sees, and no vectors are left behind or lost."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "shared.md").write_text("# Mentors\n\nWelders met mentors on Thursdays.\n")
    left, right = (
        Settings(home=tmp_path / f"home-{name}", chroma_url=chroma_url) for name in ["l", "r"]
    )
    Ingestor(left, embedder).ingest([corpus])
    reader = HybridSearcher(right, embedder)
    assert "on Thursdays" in reader.search("when did welders meet mentors", k=1)[0].text
    assert [f.status for f in Ingestor(right, embedder).ingest([corpus]).files] == ["unchanged"]
    (corpus / "shared.md").write_text("# Mentors\n\nWelders met mentors on Fridays.\n")
    Ingestor(left, embedder).ingest([corpus])
    assert "on Fridays" in reader.search("when did welders meet mentors", k=1)[0].text
    catalog = open_catalog(right)
    expected = catalog.vector_ids()["shared"]
    assert expected and expected <= VectorIndex(right).ids()
    assert Ingestor(right, embedder).remove_document("shared")
    assert "shared" not in open_catalog(left).versions()
    assert not VectorIndex(left).ids() & expected
    assert not (left.catalog_path.exists() or right.catalog_path.exists())
