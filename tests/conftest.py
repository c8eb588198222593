"""Shared fixtures: a temp home per test, the real packaged model once per session, and the
real corpus indexed once per session into an embedded Chroma under a temp folder."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["ANONYMIZED_TELEMETRY"] = "False"

from index.embedder import Embedder  # noqa: E402
from ingest.pipeline import Ingestor  # noqa: E402
from pathways.settings import PACKAGED_MODEL, Settings  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"
EVAL_SET = ROOT / "eval" / "dev.jsonl"


@pytest.fixture(autouse=True)
def _isolate_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Settings come from the tests, not from whatever the developer has exported or written
    in a .env file."""
    for key in list(os.environ):
        if key.startswith("PATHWAYS_"):
            monkeypatch.delenv(key)
    monkeypatch.setitem(Settings.model_config, "env_file", None)


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    model = Embedder(PACKAGED_MODEL)
    model.model  # noqa: B018 - load once for the whole session
    return model


def make_settings(home: Path, **kw: object) -> Settings:
    return Settings(home=home, corpus_dir=home / "corpus-unused", **kw)  # type: ignore[arg-type]


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path / "home")


@pytest.fixture(scope="session")
def corpus_home(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Path:
    """The bundled corpus, indexed once. Tests must not write to it."""
    home = tmp_path_factory.mktemp("corpus-home")
    corpus = home / "corpus"
    shutil.copytree(CORPUS, corpus)
    settings = Settings(home=home / "data", corpus_dir=corpus)
    report = Ingestor(settings, embedder).ingest([corpus])
    assert not report.failed, report.failed
    return home


@pytest.fixture(scope="session")
def corpus_settings(corpus_home: Path) -> Settings:
    return Settings(home=corpus_home / "data", corpus_dir=corpus_home / "corpus")


@pytest.fixture(scope="session")
def searcher(corpus_settings: Settings, embedder: Embedder):  # type: ignore[no-untyped-def]
    from index.retrieval import HybridSearcher

    return HybridSearcher(corpus_settings, embedder)


@pytest.fixture(scope="session")
def answerer(corpus_settings: Settings, searcher, embedder: Embedder):  # type: ignore[no-untyped-def]
    from answer.qa import Answerer

    return Answerer(corpus_settings, searcher, embedder)
