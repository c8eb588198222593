"""Faults: the Chroma server stops under load and comes back. Meanwhile the API answers 503 with
Retry-After and a plain message; afterwards it recovers by itself, without a restart."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from api_support import serve_app, with_settings
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


def test_chroma_stopping_under_load_is_a_503_and_its_return_heals_the_api(
    chroma: ChromaServer, tmp_path: Path, embedder: Embedder
):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name, text in NOTES.items():
        (corpus / name).write_text(text)
    settings = with_settings(
        Settings(home=tmp_path / "home", corpus_dir=corpus, chroma_url=chroma.url),
        rate_limit="100000/minute",
    )
    Ingestor(settings, embedder).ingest([corpus])
    with serve_app(create_app(settings, embedder=embedder)) as url, Load(url) as load:
        load.wait_for(lambda r: r.status == 200, since=0)
        chroma.stop()
        stopped = time.monotonic()
        load.wait_for(lambda r: r.status == 503, since=stopped)
        down = httpx.get(f"{url}/v1/search", params={"q": "welding students"})
        assert down.status_code == 503 and int(down.headers["retry-after"]) > 0
        assert down.json() == {"detail": down.json()["detail"]}
        assert "not reachable" in down.json()["detail"] or "unavailable" in down.json()["detail"]
        with serve_app(create_app(settings, embedder=embedder)) as fresh:  # starts anyway
            assert httpx.get(f"{fresh}/v1/search", params={"q": "welding"}).status_code == 503

        chroma.start()
        started = time.monotonic()
        load.wait_for(lambda r: r.status == 200, since=started)
        hits = httpx.get(f"{url}/v1/search", params={"q": "who mentored welding students"})
        assert hits.status_code == 200
        assert "Volunteer engineers mentored" in hits.json()["results"][0]["text"]

    failures = [r for r in load.replies if r.status != 200]
    assert failures, "the load never saw the outage"
    assert {r.status for r in failures} == {503}
    assert all(r.retry_after and int(r.retry_after) > 0 for r in failures)
    internals = ("Traceback", "Errno", "chromadb", "Connection refused", "127.0.0.1")
    assert not [r.body for r in failures if any(word in r.body for word in internals)]
    healed = min(r.at for r in load.replies if r.at > started and r.status == 200)
    after = [r.status for r in load.replies if r.at > healed]
    assert after and set(after) == {200}, "a failure after the API had recovered"
