"""Two API replicas with separate homes over one `chroma run` behave as one service: an upload
through A is found through B on B's next request, a delete through B is gone from A, and an
ingest killed half-way on A's machine loses nothing and shows nothing half-written through B.
Real processes throughout: the Chroma server, two `pathways serve`, a `pathways ingest`."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import httpx
import pytest
from api_support import ADMIN_KEY, auth, free_port
from chroma_support import running_chroma

from index.chroma_catalog import ChromaCatalog
from index.embedder import Embedder
from ingest.pipeline import Ingestor
from pathways.settings import Settings

pytestmark = [pytest.mark.server, pytest.mark.slow]  # two served replicas: about 30 s

ROOT = Path(__file__).resolve().parents[1]
SEED = {
    "welding.md": "# Mentoring\n\nVolunteer engineers mentored welding students every Thursday "
    "at the district shop.\n",
    "robotics.md": "# Funding\n\nThe Cedar County consortium bought robotics kits with a state "
    "incentive grant in 2019.\n",
    "nursing.md": "# Nursing\n\nA hospital partnership let nursing pathway students shadow "
    "clinicians for two weeks every summer.\n",
}
SEED_ANSWERS = {  # a question per seed document, and a phrase its top excerpt must contain
    "who mentored the welding students": "Volunteer engineers mentored welding",
    "what did the robotics grant buy": "bought robotics kits",
    "how long did nursing students shadow clinicians": "shadow clinicians for two weeks",
}
ORCHARD = (
    "# Orchard Valley\n\nThe Orchard Valley consortium placed forty welding apprentices with "
    "regional employers; each apprentice earned a paid wage.\n"
)
AVIATION = (
    "# Aviation Maintenance\n\nThe Lakeshore airport hangar trained aviation mechanics on "
    "turbine engines through a Federal Aviation Administration certificate program.\n"
)
FORESTRY = (
    "# Forestry\n\nRidgeline High School students surveyed timber stands with the state "
    "forestry service and mapped wildfire fuel loads.\n"
)


def environment(home: Path, chroma_url: str) -> dict[str, str]:
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith("PATHWAYS_")},
        "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "tests")]),
        "HF_HUB_OFFLINE": "1",
        "PATHWAYS_HOME": str(home),
        "PATHWAYS_CHROMA_URL": chroma_url,
        "PATHWAYS_ADMIN_KEY": ADMIN_KEY,
        "PATHWAYS_RATE_LIMIT": "100000/minute",
        "PATHWAYS_LEASE_SECONDS": "3",
    }


@contextmanager
def replica(home: Path, chroma_url: str) -> Iterator[str]:
    """`pathways serve` in its own process with its own home; yields its URL."""
    port = free_port()
    command = [sys.executable, "-m", "pathways.cli", "serve", "--port", str(port)]
    proc = subprocess.Popen(
        [*command, "--workers", "1"],
        env=environment(home, chroma_url),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while True:
            assert proc.poll() is None, "the replica exited at start-up"
            try:
                if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                assert time.monotonic() < deadline, "the replica did not start"
                time.sleep(0.5)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def upload(url: str, name: str, text: str) -> dict[str, object]:
    files = {"file": (name, text.encode())}
    reply = httpx.post(f"{url}/v1/documents", files=files, headers=auth(ADMIN_KEY), timeout=300)
    assert reply.status_code == 201, reply.text
    return dict(reply.json())


def top(url: str, question: str) -> dict[str, str]:
    reply = httpx.get(f"{url}/v1/search", params={"q": question, "k": 3}, timeout=60)
    assert reply.status_code == 200, reply.text
    results = reply.json()["results"]
    return dict(results[0]) if results else {}


def listed(url: str) -> set[str]:
    reply = httpx.get(f"{url}/v1/documents", timeout=60)
    assert reply.status_code == 200, reply.text
    return {d["doc_id"] for d in reply.json()["documents"]}


def kill_mid_ingest(home: Path, chroma_url: str, path: Path) -> int:
    """`pathways ingest path` on A's home, SIGKILLed once the new version's records are
    written and before they are switched in (tests/ingest_killed_mid_write.py)."""
    script = ROOT / "tests" / "ingest_killed_mid_write.py"
    done = subprocess.run(
        [sys.executable, str(script), "ingest", str(path)],
        check=False,
        env=environment(home, chroma_url),
        capture_output=True,
        timeout=300,
    )
    return done.returncode


def test_two_replicas_over_one_chroma_server_are_one_service(tmp_path: Path, embedder: Embedder):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name, text in SEED.items():
        (corpus / name).write_text(text)
    with ExitStack() as stack:
        chroma = stack.enter_context(running_chroma(tmp_path / "chroma"))
        settings = Settings(home=tmp_path / "seeder", chroma_url=chroma.url)
        Ingestor(settings, embedder).ingest([corpus])
        a = stack.enter_context(replica(tmp_path / "home-a", chroma.url))
        b = stack.enter_context(replica(tmp_path / "home-b", chroma.url))
        assert listed(a) == listed(b) == {"welding", "robotics", "nursing"}
        assert "Volunteer engineers" in top(b, "who mentored the welding students")["text"]

        # an upload through A is found through B on B's next request
        assert upload(a, "orchard.md", ORCHARD)["doc_id"] == "orchard"
        hit = top(b, "Orchard Valley apprentices paid wage")
        assert hit["doc_id"] == "orchard" and "forty welding apprentices" in hit["text"]

        # a delete through B is gone from A
        reply = httpx.delete(f"{b}/v1/documents/orchard", headers=auth(ADMIN_KEY), timeout=60)
        assert reply.status_code == 200, reply.text
        assert "orchard" not in listed(a)
        assert top(a, "Orchard Valley apprentices paid wage").get("doc_id") != "orchard"

        # an ingest killed half-way on A's machine: nothing of it shows, nothing is lost
        (tmp_path / "aviation.md").write_text(AVIATION)
        code = kill_mid_ingest(tmp_path / "home-a", chroma.url, tmp_path / "aviation.md")
        assert code == -signal.SIGKILL
        catalog = ChromaCatalog(settings)
        assert catalog.records.get("chunks", where={"doc_id": "aviation"}), "killed mid-write"
        for url in (b, a):
            assert listed(url) == {"welding", "robotics", "nursing"}
            assert top(url, "aviation mechanics turbine engines").get("doc_id") != "aviation"
            for question, phrase in SEED_ANSWERS.items():
                assert phrase in top(url, question)["text"], (url, question)

        # the next write waits out the dead writer's lease and removes what it left
        assert upload(b, "forestry.md", FORESTRY)["doc_id"] == "forestry"
        assert catalog.records.get("chunks", where={"doc_id": "aviation"}) == []
        hit = top(a, "wildfire fuel loads timber survey")
        assert hit["doc_id"] == "forestry" and "mapped wildfire fuel loads" in hit["text"]
