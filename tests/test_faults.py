"""Faults: the Chroma server stops under load and comes back. Meanwhile searches answer from the
local vector copy, and what needs Chroma gets 503 with Retry-After and a plain message;
afterwards the API recovers by itself, without a restart."""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from api_support import ADMIN_KEY, auth, serve_app, with_settings
from chroma_support import ChromaServer, running_chroma

from api.app import create_app
from index.embedder import Embedder
from ingest.pipeline import Ingestor
from pathways.settings import Settings

pytestmark = pytest.mark.server

NOTES = {
    "welding.md": "# Mentoring\n\nVolunteer engineers mentored welding students every Thursday "
    "at the district shop.\n",
    "robotics.md": "# Funding\n\nThe Cedar County consortium bought robotics kits with a state "
    "incentive grant in 2019.\n",
}
ORCHARD = (
    "# Orchard Valley\n\nThe Orchard Valley consortium placed forty welding apprentices with "
    "regional employers; each earned a paid wage.\n"
)
QUESTIONS = ["who mentored the welding students", "what did the robotics grant buy", "welding"]


@dataclass(frozen=True)
class Reply:
    at: float
    status: int
    retry_after: str | None
    body: str


class Load:
    """A few clients sending searches and questions in a loop; keeps every reply."""

    def __init__(self, url: str, clients: int = 3) -> None:
        self.url = url
        self.replies: list[Reply] = []
        self._stop = threading.Event()
        self._threads = [
            threading.Thread(target=self._client, args=(i,), daemon=True) for i in range(clients)
        ]

    def _client(self, n: int) -> None:
        with httpx.Client(base_url=self.url, timeout=60) as client:
            i = n
            while not self._stop.is_set():
                question = QUESTIONS[i % len(QUESTIONS)] + f" {i}"
                if i % 3:
                    r = client.get("/v1/search", params={"q": question})
                else:
                    r = client.post("/v1/ask", json={"question": question})
                at = time.monotonic()
                self.replies.append(Reply(at, r.status_code, r.headers.get("retry-after"), r.text))
                i += 1

    def wait_for(self, what: Callable[[Reply], bool], since: float, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if sum(1 for r in self.replies if r.at > since and what(r)) >= 3:
                return
            time.sleep(0.1)
        raise AssertionError(f"no such replies within {timeout} s: {self.replies[-3:]}")

    def __enter__(self) -> Load:
        for t in self._threads:
            t.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        for t in self._threads:
            t.join(timeout=60)


@pytest.fixture
def chroma(tmp_path: Path) -> Iterator[ChromaServer]:
    with running_chroma(tmp_path / "chroma") as server:
        yield server


def assert_plain_503(reply: httpx.Response) -> None:
    assert reply.status_code == 503 and int(reply.headers["retry-after"]) > 0
    detail = reply.json()["detail"]
    assert reply.json() == {"detail": detail}
    assert "not reachable" in detail or "unavailable" in detail


def upload(url: str, name: str, text: str) -> httpx.Response:
    files = {"file": (name, text.encode())}
    return httpx.post(f"{url}/v1/documents", files=files, headers=auth(ADMIN_KEY), timeout=120)


def top_text(url: str, question: str) -> str:
    reply = httpx.get(f"{url}/v1/search", params={"q": question}, timeout=60)
    assert reply.status_code == 200, reply.text
    return str(reply.json()["results"][0]["text"])


def test_chroma_stopping_under_load_is_a_503_and_its_return_heals_the_api(
    chroma: ChromaServer, tmp_path: Path, embedder: Embedder
):
    """Searches and questions answer from the local copy of the vectors (index.dense) while
    Chroma is down; what needs Chroma (an upload, a copy that must be rebuilt) is a 503 with
    Retry-After, and works again once Chroma is back, in the same processes."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name, text in NOTES.items():
        (corpus / name).write_text(text)
    settings = with_settings(
        Settings(home=tmp_path / "home", corpus_dir=corpus, chroma_url=chroma.url),
        rate_limit="100000/minute",
        admin_key=ADMIN_KEY,
    )
    Ingestor(settings, embedder).ingest([corpus])
    with serve_app(create_app(settings, embedder=embedder)) as url, Load(url) as load:
        load.wait_for(lambda r: r.status == 200, since=0)
        chroma.stop()
        stopped = time.monotonic()
        load.wait_for(lambda r: r.status == 200, since=stopped)
        assert "Volunteer engineers mentored" in top_text(url, "who mentored welding students")
        assert_plain_503(upload(url, "orchard.md", ORCHARD))
        assert "orchard" not in httpx.get(f"{url}/v1/documents").text  # nothing half-written
        shutil.rmtree(settings.home / "vectors")  # a new process must fetch its copy
        with serve_app(create_app(settings, embedder=embedder)) as fresh:  # starts anyway
            assert_plain_503(httpx.get(f"{fresh}/v1/search", params={"q": "welding"}))
            chroma.start()
            started = time.monotonic()
            assert "Volunteer engineers" in top_text(fresh, "who mentored welding students")
        load.wait_for(lambda r: r.status == 200, since=started)
        assert upload(url, "orchard.md", ORCHARD).status_code == 201
        assert "forty welding apprentices" in top_text(url, "Orchard Valley apprentices wage")

    failures = [r for r in load.replies if r.status != 200]
    assert {r.status for r in failures} <= {503}
    assert all(r.retry_after and int(r.retry_after) > 0 for r in failures)
    internals = ("Traceback", "Errno", "chromadb", "Connection refused", "127.0.0.1")
    assert not [r.body for r in failures if any(word in r.body for word in internals)]
    assert not [r for r in failures if r.at > started], "a failure after Chroma was back"
