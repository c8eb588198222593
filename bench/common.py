"""Shared pieces of the benchmarks: offline setup, the model, our index in a home, statistics."""

from __future__ import annotations

import os

# Before any import that reads them (huggingface_hub reads HF_HUB_OFFLINE when it is imported).
BENCH_ENV = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "TRANSFORMERS_VERBOSITY": "error",
    "ANONYMIZED_TELEMETRY": "False",
    "TOKENIZERS_PARALLELISM": "false",
}
os.environ.update(BENCH_ENV)

import argparse  # noqa: E402
import logging  # noqa: E402
import math  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
from collections.abc import Callable, Sequence  # noqa: E402
from pathlib import Path  # noqa: E402

from index.embedder import Embedder  # noqa: E402
from index.store import Catalog  # noqa: E402
from ingest.pipeline import Ingestor, IngestReport  # noqa: E402
from pathways.settings import Settings  # noqa: E402

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = ROOT / "corpus"
DEFAULT_EVAL = ROOT / "eval" / "dev.jsonl"

# llama_index warns that llama-index-readers-file is missing: it only matters for PDF/DOCX.
NOISY_LOGGERS = (
    "chromadb",
    "httpx",
    "sentence_transformers",
    "transformers",
    "bm25s",
    "llama_index",
)


def configure() -> None:
    """Warnings only, and not from chatty libraries. Call first in an entry point."""
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="%(name)s: %(message)s")
    for name in NOISY_LOGGERS:
        logging.getLogger(name).setLevel(logging.ERROR)


def say(message: str) -> None:
    """Progress for the person running the benchmark (stderr, so --json stays clean)."""
    print(message, file=sys.stderr, flush=True)


def make_settings(home: Path, corpus: Path) -> Settings:
    return Settings(home=home, corpus_dir=corpus)


def load_embedder(settings: Settings) -> Embedder:
    embedder = Embedder.from_settings(settings)
    embedder.model  # load now, so no benchmark timing includes it  # noqa: B018
    embedder.query_encoder  # and the query encoder (the ONNX export)  # noqa: B018
    return embedder


def build_index(settings: Settings, embedder: Embedder, corpus: Path) -> IngestReport:
    """Ingest ``corpus`` into ``settings.home`` with our pipeline; fail loudly on any bad file."""
    report = Ingestor(settings, embedder).ingest([corpus])
    if report.failed:
        reasons = "; ".join(f"{f.path}: {f.reason}" for f in report.failed)
        raise SystemExit(f"ingest failed: {reasons}")
    return report


def indexed_counts(settings: Settings) -> tuple[int, int]:
    """(documents, chunks) in the catalog of ``settings.home``."""
    return Catalog(settings.catalog_path).counts()


def source_file_names(settings: Settings) -> dict[str, str]:
    """doc_id -> the indexed file's name, which is what the evaluation set cites."""
    return {
        doc_id: Path(path).name for doc_id, path in Catalog(settings.catalog_path).sources().items()
    }


def percentile(values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile (pct in 0..100); 0.0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else 0.0


def machine() -> str:
    """Cores, CPU, OS, Python and the 1-minute load average (other work skews latencies)."""
    cpu = platform.processor() or platform.machine()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (
        f"{os.cpu_count()} cores ({cpu}), {platform.system()}, Python {platform.python_version()}, "
        f"load average {load:.1f}"
    )


def code_version() -> str:
    """The checked-out commit, and whether tracked files have uncommitted changes."""
    try:
        commit = _git("rev-parse", "--short", "HEAD")
        dirty = _git("status", "--porcelain", "--untracked-files=no")
    except (OSError, subprocess.SubprocessError):
        return "unknown (no git)"
    return f"{commit} + uncommitted changes" if dirty else commit


def _git(*args: str) -> str:
    done = subprocess.run(
        ["git", *args], cwd=ROOT, capture_output=True, text=True, check=True, timeout=10
    )
    return done.stdout.strip()


def run_in_home(run: Callable[[argparse.Namespace, Path], int], args: argparse.Namespace) -> int:
    """run(args, home) in --home when given, else in a temporary home removed afterwards."""
    if args.home is not None:
        return run(args, args.home.resolve())
    with tempfile.TemporaryDirectory(prefix="pathways-bench-") as tmp:
        return run(args, Path(tmp) / "data")
