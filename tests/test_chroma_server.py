"""The same ingest and search against a real `chroma run` server (PATHWAYS_CHROMA_URL)."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from index.embedder import Embedder
from index.retrieval import HybridSearcher
from index.vectors import VectorIndex
from ingest.pipeline import Ingestor
from pathways.settings import Settings

CHROMA = Path(sys.executable).parent / "chroma"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def chroma_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not CHROMA.exists() and not shutil.which("chroma"):
        pytest.fail("the `chroma` command from the chromadb package is missing")
    port = free_port()
    path = tmp_path_factory.mktemp("chroma-server")
    proc = subprocess.Popen(
        [str(CHROMA if CHROMA.exists() else "chroma"), "run", "--path", str(path),
         "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{url}/api/v2/heartbeat", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.3)
        else:
            pytest.fail("chroma run did not start within 60 s")
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=20)


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
