"""Shared fixtures: a temp home per test, the real packaged model once per session, a tiny
fixture corpus (three short report excerpts, tests/fixtures/tiny-corpus) indexed once per session,
and the whole bundled corpus indexed once per session for the tests marked `slow`.

The fast suite (`pytest -m "not slow"`) never builds the whole corpus: a test that asks for it
without the `slow` mark is a collection error."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["ANONYMIZED_TELEMETRY"] = "False"

from index.embedder import Embedder  # noqa: E402
from ingest.pipeline import Ingestor  # noqa: E402
from pathways.settings import PACKAGED_MODEL, Settings  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"
TINY_CORPUS = Path(__file__).resolve().parent / "fixtures" / "tiny-corpus"
EVAL_SET = ROOT / "eval" / "dev.jsonl"
FULL_CORPUS_FIXTURES = {"corpus_settings", "searcher", "answerer"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Keep the fast suite fast: the whole-corpus fixtures are for `slow` tests only."""
    unmarked = [
        item.nodeid
        for item in items
        if FULL_CORPUS_FIXTURES & set(getattr(item, "fixturenames", ()))
        and item.get_closest_marker("slow") is None
    ]
    if unmarked:
        raise pytest.UsageError(
            "tests on the whole corpus must be marked @pytest.mark.slow (or use the tiny_* "
            "fixtures): " + ", ".join(unmarked)
        )


@pytest.fixture(scope="session", autouse=True)
def _empty_working_folder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Tests run in an empty folder, so a developer's .env where pytest was started reaches
    neither this process nor the processes the tests start."""
    before = Path.cwd()
    os.chdir(tmp_path_factory.mktemp("cwd"))
    yield
    os.chdir(before)


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


def index_copy(source: Path, home: Path, embedder: Embedder) -> Settings:
    """Copy a corpus folder into `home` and ingest it; returns the home's settings."""
    corpus = home / "corpus"
    shutil.copytree(source, corpus)
    settings = Settings(home=home / "data", corpus_dir=corpus)
    report = Ingestor(settings, embedder).ingest([corpus])
    assert not report.failed, report.failed
    return settings


def open_searcher(settings: Settings, embedder: Embedder):  # type: ignore[no-untyped-def]
    from index.retrieval import HybridSearcher

    return HybridSearcher(settings, embedder)


def open_answerer(settings: Settings, searcher, embedder: Embedder):  # type: ignore[no-untyped-def]
    from answer.qa import Answerer

    return Answerer(settings, searcher, embedder)


# --- the tiny corpus: three short excerpts of real reports, for most tests -----------------
@pytest.fixture(scope="session")
def tiny_settings(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Settings:
    """tests/fixtures/tiny-corpus, indexed once. Tests must not write to it."""
    return index_copy(TINY_CORPUS, tmp_path_factory.mktemp("tiny-home"), embedder)


@pytest.fixture(scope="session")
def tiny_searcher(tiny_settings: Settings, embedder: Embedder):  # type: ignore[no-untyped-def]
    return open_searcher(tiny_settings, embedder)


@pytest.fixture(scope="session")
def tiny_answerer(tiny_settings: Settings, tiny_searcher, embedder: Embedder):  # type: ignore[no-untyped-def]
    return open_answerer(tiny_settings, tiny_searcher, embedder)


# --- the whole bundled corpus: quality floors and answers on real reports (slow) -----------
@pytest.fixture(scope="session")
def corpus_settings(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Settings:
    """The bundled corpus, indexed once. Tests must not write to it.

    Under pytest-xdist (scripts/test.sh runs `-n 2`) the first worker to need it indexes it
    in the run's shared temporary folder, under a file lock, and every worker copies the
    finished index into its own folder: one worker's store is never open in another."""
    if "PYTEST_XDIST_WORKER" not in os.environ:
        return index_copy(CORPUS, tmp_path_factory.mktemp("corpus-home"), embedder)
    from filelock import FileLock

    shared = tmp_path_factory.getbasetemp().parent / "corpus-home"
    with FileLock(f"{shared}.lock"):
        if not (shared / "built").exists():
            shutil.rmtree(shared, ignore_errors=True)
            index_copy(CORPUS, shared, embedder)
            (shared / "built").touch()
    own = tmp_path_factory.mktemp("corpus-home")
    shutil.copytree(shared / "corpus", own / "corpus")
    shutil.copytree(shared / "data", own / "data")
    return Settings(home=own / "data", corpus_dir=own / "corpus")


@pytest.fixture(scope="session")
def searcher(corpus_settings: Settings, embedder: Embedder):  # type: ignore[no-untyped-def]
    return open_searcher(corpus_settings, embedder)


@pytest.fixture(scope="session")
def answerer(corpus_settings: Settings, searcher, embedder: Embedder):  # type: ignore[no-untyped-def]
    return open_answerer(corpus_settings, searcher, embedder)
