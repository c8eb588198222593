"""Whole-process time of `pathways search` and `pathways ask` on an ingested corpus, against
`python -c pass` and `python -c "import torch"`, in one run.

Each command is a fresh process (`python -m pathways.cli ...`, what the `pathways` script runs),
with no server, timed from spawn to exit, on --runs distinct dev questions (no process can
reuse another's query cache). The commands take turns question by question, so load from
elsewhere falls on all of them alike; one untimed round first warms the page cache. Wall time is
the goal's measure (<= 1.5 s); CPU time (user + system of the process) is printed beside it
because it hardly moves with the machine's load. It also lists which heavy libraries a search
process imported (`python -X importtime`): torch, transformers and sentence-transformers must
not be among them.

Run from the repository root: .venv/bin/python -m bench.bench_cli [--home DIR] [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import common
from pathways.evaluation import load_eval_set

GOAL_SECONDS = 1.5
HEAVY = (
    "torch", "transformers", "sentence_transformers", "chromadb", "llama_index", "bm25s", "scipy",
)  # fmt: skip


@dataclass(frozen=True)
class Runs:
    name: str
    wall: list[float]
    cpu: list[float]

    def as_dict(self) -> dict[str, Any]:
        return {"median_s": common.median(self.wall), "cpu_median_s": common.median(self.cpu)}


def run_timed(command: Sequence[str], env: dict[str, str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one process; a failing command stops the bench."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(
        command, check=False, env=env, cwd=common.ROOT, capture_output=True, text=True
    )
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} -> exit {done.returncode}:\n{done.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def commands(question: str) -> dict[str, list[str]]:
    py = sys.executable
    cli = [py, "-m", "pathways.cli"]
    return {
        "python -c pass": [py, "-c", "pass"],
        "python -c 'import torch'": [py, "-c", "import torch"],
        "pathways search": [*cli, "search", question],
        "pathways ask": [*cli, "ask", question],
    }


def measure(questions: Sequence[str], env: dict[str, str]) -> list[Runs]:
    for command in commands(f"warm-up: {questions[0]}").values():
        run_timed(command, env)
    names = list(commands(""))
    wall: dict[str, list[float]] = {n: [] for n in names}
    cpu: dict[str, list[float]] = {n: [] for n in names}
    for question in questions:
        common.say(f"  {question[:70]}")
        for name, command in commands(question).items():
            w, c = run_timed(command, env)
            wall[name].append(w)
            cpu[name].append(c)
    return [Runs(n, wall[n], cpu[n]) for n in names]


def heavy_imports(question: str, env: dict[str, str]) -> list[str]:
    """The heavy top-level packages a `pathways search` process imports."""
    command = [sys.executable, "-X", "importtime", "-m", "pathways.cli", "search", question]
    done = subprocess.run(
        command, check=False, env=env, cwd=common.ROOT, capture_output=True, text=True
    )
    found = set()
    for line in done.stderr.splitlines():
        module = line.rsplit("|", 1)[-1].strip()
        if module.split(".")[0] in HEAVY:
            found.add(module.split(".")[0])
    return sorted(found)


def ingest_with_cli(home: Path, corpus: Path, env: dict[str, str]) -> None:
    """`pathways ingest` as a user runs it (it also prepares the search indexes)."""
    command = [sys.executable, "-m", "pathways.cli", "ingest", str(corpus), "--json"]
    done = subprocess.run(
        command, check=False, env=env, cwd=common.ROOT, capture_output=True, text=True
    )
    if done.returncode != 0:
        raise SystemExit(f"pathways ingest failed:\n{done.stderr[-2000:]}")


def print_text(runs: Sequence[Runs], header: dict[str, Any]) -> None:
    print(f"{header['runs']} distinct dev questions, one fresh process each, no server")
    print(f"Index: {header['documents']} documents, {header['chunks']} chunks")
    print(f"Machine: {common.machine()}")
    print(f"Code: {common.code_version()}")
    print()
    base, torch = runs[0], runs[1]
    print(f"{'':<26} {'median s':>9} {'min s':>7} {'max s':>7} {'CPU s':>7}  {'/ pass':>7}")
    for r in runs:
        med = common.median(r.wall)
        ratio = med / common.median(base.wall)
        print(
            f"{r.name:<26} {med:>9.2f} {min(r.wall):>7.2f} {max(r.wall):>7.2f} "
            f"{common.median(r.cpu):>7.2f}  {ratio:>6.1f}x"
        )
    print()
    for r in runs[2:]:
        med = common.median(r.wall)
        verdict = "met" if med <= GOAL_SECONDS else "NOT met"
        print(
            f"{r.name}: {med:.2f} s = {med / common.median(torch.wall):.2f}x `import torch`; "
            f"goal <= {GOAL_SECONDS} s: {verdict}"
        )
    heavy = header["heavy_imports"]
    print(f"heavy libraries a search imports: {', '.join(heavy) if heavy else 'none'}")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.bench_cli",
        description="Whole-process time of `pathways search` and `pathways ask`.",
    )
    parser.add_argument("--home", type=Path, help="use this existing index instead of building one")
    parser.add_argument("--corpus", type=Path, default=common.DEFAULT_CORPUS, help="corpus folder")
    parser.add_argument(
        "--eval", type=Path, default=common.DEFAULT_EVAL, dest="eval_set", help="questions (JSONL)"
    )
    parser.add_argument("--runs", type=int, default=5, help="distinct questions (1 to 30)")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead")
    args = parser.parse_args(argv)
    if not 1 <= args.runs <= 30:
        parser.error("--runs must be between 1 and 30")
    return args


def run(args: argparse.Namespace, home: Path) -> int:
    env = {**os.environ, **common.BENCH_ENV, "PATHWAYS_HOME": str(home)}
    env.pop("PATHWAYS_URL", None)  # no server: the CLI loads the index itself
    settings = common.make_settings(home, args.corpus.resolve())
    if args.home is None:
        common.say(f"ingesting {args.corpus} into {home} with `pathways ingest` ...")
        ingest_with_cli(home, args.corpus.resolve(), env)
    documents, chunks = (
        common.indexed_counts(settings) if settings.catalog_path.is_file() else (0, 0)
    )
    if not documents:
        raise SystemExit(f"no documents are indexed in {home}")
    questions = [q.question for q in load_eval_set(args.eval_set)][: args.runs]
    common.say(f"timing {len(questions)} questions ...")
    runs = measure(questions, env)
    header = {
        "runs": len(questions), "documents": documents, "chunks": chunks,
        "machine": common.machine(), "code": common.code_version(),
        "heavy_imports": heavy_imports(questions[0], env),
    }  # fmt: skip
    if args.json:
        print(json.dumps({**header, "timings": {r.name: r.as_dict() for r in runs}}, indent=2))
    else:
        print_text(runs, header)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    common.configure()
    return common.run_in_home(run, args)


if __name__ == "__main__":
    sys.exit(main())
