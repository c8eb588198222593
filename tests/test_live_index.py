"""A live index: ingests in several processes at once lose nothing, a re-ingest repairs missing
vectors, and a running server sees what a CLI ingest adds or removes without a restart."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import httpx
import pytest
from api_support import ADMIN_KEY, auth, serve_app, with_settings

from answer.qa import Answerer
from api.app import create_app
from index.embedder import Embedder
from index.query import analyse_query
from index.retrieval import HybridSearcher
from index.search import Filters, Searcher
from index.store import Catalog
from index.vectors import VectorIndex
from ingest.loaders import load_bytes
from ingest.pipeline import Ingestor, Source, version_of
from ingest.records import doc_metadata
from pathways.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
DOCS = {
    "mentoring.md": "# Mentoring\n\nVolunteer engineers mentored welding students every "
    "Thursday at the district shop, and reviewed their portfolios each spring.\n",
    "robotics.md": "# Robotics Funding\n\nThe Cedar County consortium bought robotics kits with "
    "a state incentive grant in 2019 for its ninth-grade engineering pathway.\n",
    "nursing.md": "# Nursing\n\nA hospital partnership let nursing pathway students shadow "
    "clinicians for two weeks every summer.\n",
    "dual.md": "# Dual Enrollment\n\nJuniors took college algebra for dual credit at the "
    "community college on Tuesday evenings.\n",
}


def write_docs(folder: Path, *names: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        (folder / name).write_text(DOCS[name])
    return folder


def missing_vectors(settings: Settings) -> dict[str, set[str]]:
    """doc_id -> ids its current version should have in Chroma but does not."""
    present = VectorIndex(settings).ids()
    expected = Catalog(settings.catalog_path).vector_ids()
    return {doc: ids - present for doc, ids in expected.items() if ids - present}


def assert_all_listed_with_vectors(settings: Settings) -> None:
    """Every fixture document is listed, and every listed document has all its vectors."""
    assert set(Catalog(settings.catalog_path).versions()) == {Path(n).stem for n in DOCS}
    assert missing_vectors(settings) == {}


def cli_ingest(home: Path, *paths: Path) -> subprocess.Popen[str]:
    """`pathways ingest --json` in its own process, on this tree's code."""
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
        "HF_HUB_OFFLINE": "1",
    }
    command = [sys.executable, "-m", "pathways.cli", "--home", str(home), "ingest", "--json"]
    return subprocess.Popen(
        [*command, *map(str, paths)],
        env=env,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def finish(proc: subprocess.Popen[str]) -> str:
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    return out


def test_an_ingest_waits_for_another_writers_switch_and_deletes_none_of_its_vectors(
    tmp_path: Path, embedder: Embedder, caplog: pytest.LogCaptureFixture
):
    """The race behind lost vectors: writer A has added a new document's vectors but not yet
    switched the catalog when writer B starts. B's clean-up must not treat them as leftovers."""
    settings = Settings(home=tmp_path / "home", corpus_dir=tmp_path / "none")
    first, second = Ingestor(settings, embedder), Ingestor(settings, embedder)
    path = write_docs(tmp_path / "a", "robotics.md") / "robotics.md"
    data = path.read_bytes()
    loaded = load_bytes(data, path.name)
    version = version_of(data, None, settings)
    prepared = first.prepare(
        loaded, Source(path, None, True), version, {"doc_id": "robotics"}, None
    )
    done: list[object] = []
    other = threading.Thread(
        target=lambda: done.append(second.ingest([write_docs(tmp_path / "b", "nursing.md")]))
    )
    with first.writing():
        first.vectors.add(prepared.stored, prepared.vectors, doc_metadata(prepared.record.meta))
        other.start()
        other.join(timeout=1.5)
        assert other.is_alive() and not done, "the second ingest did not wait for the lock"
        first.catalog.put_document(prepared.record)
    other.join(timeout=120)
    waiting = [r.getMessage() for r in caplog.records if r.name == "index.locking"]
    holder = f"pid {os.getpid()}"
    assert waiting == [f"another ingest ({holder}) is writing to the index; waiting for it"]
    assert done and not done[0].failed  # type: ignore[attr-defined]
    assert set(Catalog(settings.catalog_path).versions()) == {"robotics", "nursing"}
    assert missing_vectors(settings) == {}
    searcher = Searcher(settings, embedder)  # ranks by vectors alone
    hits = searcher.search("robotics kits grant", 1, Filters(doc_id=("robotics",)))
    assert "robotics kits" in hits[0].text


@pytest.mark.slow  # `pathways ingest` processes, each loading torch and the model
def test_two_cli_ingests_at_once_keep_every_documents_vectors(tmp_path: Path, embedder: Embedder):
    home = tmp_path / "home"
    left = write_docs(tmp_path / "left", "mentoring.md", "robotics.md")
    right = write_docs(tmp_path / "right", "nursing.md", "dual.md")
    procs = [cli_ingest(home, left), cli_ingest(home, right)]
    outputs = [finish(p) for p in procs]
    assert all('"status": "added"' in out for out in outputs)
    settings = Settings(home=home, corpus_dir=tmp_path / "none")
    assert_all_listed_with_vectors(settings)
    searcher = Searcher(settings, embedder)  # ranks by vectors alone
    for doc_id, query in [("dual", "college algebra dual credit"), ("mentoring", "welding")]:
        hits = searcher.search(query, 1, Filters(doc_id=(doc_id,)))
        assert hits and hits[0].doc_id == doc_id


@pytest.mark.slow  # `pathways ingest` processes, each loading torch and the model
def test_an_upload_beside_a_cli_ingest_keeps_both(tmp_path: Path, embedder: Embedder):
    home = tmp_path / "home"
    settings = with_settings(Settings(home=home, corpus_dir=tmp_path / "none"), admin_key=ADMIN_KEY)
    folder = write_docs(tmp_path / "corpus", "mentoring.md", "robotics.md", "nursing.md")
    with serve_app(create_app(settings, embedder=embedder)) as url:
        proc = cli_ingest(home, folder)
        statuses = []
        while proc.poll() is None and len(statuses) < 100:  # upload again and again meanwhile
            data = DOCS["dual.md"] + f"\nRevision {len(statuses)}.\n"
            r = httpx.post(
                f"{url}/v1/documents",
                files={"file": ("dual.md", data.encode())},
                data={"replace": "true"},
                headers=auth(ADMIN_KEY),
                timeout=120,
            )
            statuses.append(r.status_code)
            time.sleep(0.2)
        finish(proc)
    assert statuses and set(statuses) <= {200, 201}, statuses
    assert_all_listed_with_vectors(settings)


def test_reingest_repairs_a_listed_document_whose_vectors_are_gone(
    tmp_path: Path, embedder: Embedder
):
    settings = Settings(home=tmp_path / "home", corpus_dir=tmp_path / "none")
    folder = write_docs(tmp_path / "corpus", "mentoring.md", "robotics.md")
    Ingestor(settings, embedder).ingest([folder])
    VectorIndex(settings).delete_document("robotics")  # as the old start-up clean-up did
    assert set(missing_vectors(settings)) == {"robotics"}
    shutil.rmtree(settings.home / "vectors", ignore_errors=True)  # a copy is made without robotics
    hybrid = HybridSearcher(settings, embedder)
    only_robotics = Filters(doc_id=("robotics",))
    assert hybrid.dense(analyse_query("robotics kits"), 1, only_robotics, hybrid.snapshot()) == []

    report = Ingestor(settings, embedder).ingest([folder])
    statuses = {(f.doc_id, f.status) for f in report.files}
    assert statuses == {
        ("robotics", "repaired"),
        ("robotics", "unchanged"),
        ("mentoring", "unchanged"),
    }
    assert missing_vectors(settings) == {}
    # the base Searcher ranks by vectors alone: this finds the document only through them
    hits = Searcher(settings, embedder).search("robotics kits", 1, only_robotics)
    assert hits and "robotics kits" in hits[0].text
    # the repair moved the vector epoch, not the generation: the running copy fetches the rows
    robotics = analyse_query("robotics kits")
    (best, _), *_ = hybrid.dense(robotics, 1, only_robotics, hybrid.snapshot())
    assert best.startswith("robotics@")


def test_an_answer_gathered_before_a_writer_commits_cites_what_it_gathered(
    tmp_path: Path, embedder: Embedder
):
    """The race behind a 500 under a live ingest: sentence rows gathered from one generation
    were read against the next one, where removing "dual" had shifted every later row."""
    settings = Settings(home=tmp_path / "home", corpus_dir=tmp_path / "none")
    folder = write_docs(tmp_path / "corpus", "dual.md", "robotics.md", "nursing.md")
    ingestor = Ingestor(settings, embedder)
    ingestor.ingest([folder])
    answerer = Answerer(settings, HybridSearcher(settings, embedder), embedder)
    gathered = answerer.gather("What did the Cedar County robotics grant buy?")
    (folder / "dual.md").unlink()
    ingestor.ingest([folder])
    assert answerer.library().generation != gathered.library.generation  # type: ignore[union-attr]
    always = replace(answerer.model(), threshold=-1.0, topic_floor=-1.0)  # answer, never abstain
    answer = answerer.decide(gathered, always)
    assert answer.citations and answer.citations[0].doc_id == "robotics"
    assert "robotics kits" in answer.citations[0].quote


class Poller:
    """Sends search, filtered search and ask requests in a loop; keeps every failure."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.failures: list[tuple[str, int, str]] = []
        self.requests = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        with httpx.Client(base_url=self.url, timeout=60) as client:
            while not self._stop.is_set():
                for name, send in [
                    ("search", lambda: client.get("/v1/search", params={"q": "robotics grant"})),
                    (
                        "search doc_id",
                        lambda: client.get(
                            "/v1/search", params={"q": "robotics grant", "doc_id": "robotics"}
                        ),
                    ),
                    (
                        "ask",
                        lambda: client.post(
                            "/v1/ask", json={"question": "What did the robotics grant buy?"}
                        ),
                    ),
                ]:
                    r = send()
                    self.requests += 1
                    if r.status_code != 200:
                        self.failures.append((name, r.status_code, r.text[:200]))

    def __enter__(self) -> Poller:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=120)


@pytest.fixture
def live_server(tmp_path: Path, embedder: Embedder) -> Iterator[tuple[str, Path, Path]]:
    """A server over a home holding one document; yields (url, home, corpus folder)."""
    home = tmp_path / "home"
    corpus = write_docs(tmp_path / "corpus", "mentoring.md")
    settings = with_settings(Settings(home=home, corpus_dir=corpus), rate_limit="100000/minute")
    Ingestor(settings, embedder).ingest([corpus])
    with serve_app(create_app(settings, embedder=embedder)) as url:
        yield url, home, corpus


@pytest.mark.slow  # `pathways ingest` processes, each loading torch and the model
def test_a_running_server_sees_a_cli_ingest_and_a_removal_without_restart(
    live_server: tuple[str, Path, Path],
):
    url, home, corpus = live_server
    with Poller(url) as poller:
        (corpus / "robotics.md").write_text(DOCS["robotics.md"])
        finish(cli_ingest(home, corpus))
        filtered = httpx.get(
            f"{url}/v1/search", params={"q": "robotics grant", "doc_id": "robotics"}
        )
        assert filtered.status_code == 200
        assert "robotics kits" in filtered.json()["results"][0]["text"]
        plain = httpx.get(f"{url}/v1/search", params={"q": "robotics grant"}).json()["results"]
        assert plain[0]["doc_id"] == "robotics"
        answer = httpx.post(
            f"{url}/v1/ask",
            json={"question": "What did the Cedar County robotics grant buy?"},
            timeout=60,
        ).json()
        assert "robotics" in {c["doc_id"] for c in answer["citations"]}

        (corpus / "robotics.md").unlink()
        finish(cli_ingest(home, corpus))
        gone = httpx.get(f"{url}/v1/search", params={"q": "robotics grant", "doc_id": "robotics"})
        assert gone.status_code == 200 and gone.json()["results"] == []
        plain = httpx.get(f"{url}/v1/search", params={"q": "robotics grant"}).json()["results"]
        assert "robotics" not in {r["doc_id"] for r in plain}
        assert httpx.get(f"{url}/v1/documents/robotics").status_code == 404
    assert poller.requests > 0 and poller.failures == []
