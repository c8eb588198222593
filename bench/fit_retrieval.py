"""Fit the fusion settings of retrieval on a labelled question file by cross-validation.

    .venv/bin/python -m bench.fit_retrieval --home DIR [--eval FILE] [--folds 5] [--seeds 3]

Every combination of the grid below is run once over every question; then, for each of
``--seeds`` random splits into ``--folds`` folds, the combination with the best mean of R@5,
R@10 and MRR on the other folds is scored on the held-out fold. The out-of-fold figures are
what the choice is worth on questions it was not chosen on; the last line is the combination
chosen on all questions (the shipped defaults in pathways/settings.py).
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import sys
from pathlib import Path

from bench.common import DEFAULT_CORPUS, ROOT, configure, load_embedder, make_settings, say
from pathways.cli import passage_retriever
from pathways.evaluation import evaluate, load_eval_set

GRID: dict[str, tuple[float, ...]] = {
    "keyword_weight": (1.0, 1.5),
    "rrf_k": (5, 20),
    "candidates": (40, 80),
    "acronym_weight": (0.0, 0.25),
}
Scores = dict[str, tuple[float, float, float, float]]  # id -> R@5, R@10, RR, budget


def run_grid(home: Path, eval_file: Path) -> dict[str, Scores]:
    from index.retrieval import HybridSearcher

    base = make_settings(home, DEFAULT_CORPUS)
    embedder = load_embedder(base)
    questions = load_eval_set(eval_file)
    out: dict[str, Scores] = {}
    for values in itertools.product(*GRID.values()):
        update = dict(zip(GRID, values, strict=True))
        searcher = HybridSearcher(base.model_copy(update=update), embedder)
        report = evaluate(questions, passage_retriever(searcher), 10)
        name = json.dumps(update)
        out[name] = {
            r.id: (r.score.recall[5], r.score.recall[10], r.score.reciprocal_rank, r.score.budget)
            for r in report.results
            if r.score is not None
        }
        say(f"{name}  {line(list(out[name].values()))}")
    return out


def line(rows: list[tuple[float, float, float, float]]) -> str:
    n = max(1, len(rows))
    r5, r10, rr, budget = (sum(r[i] for r in rows) / n for i in range(4))
    return f"R@5 {r5:.3f}  R@10 {r10:.3f}  MRR {rr:.3f}  B@1000w {budget:.3f}"


def best(grid: dict[str, Scores], ids: list[str]) -> str:
    return max(grid, key=lambda c: sum(sum(grid[c][i][:3]) for i in ids))


def cross_validate(grid: dict[str, Scores], folds: int, seeds: int) -> list[str]:
    ids = sorted(next(iter(grid.values())))
    lines = []
    for seed in range(seeds):
        order = ids[:]
        random.Random(seed).shuffle(order)
        held: list[tuple[float, float, float, float]] = []
        picks = []
        for f in range(folds):
            test = set(order[f::folds])
            pick = best(grid, [i for i in ids if i not in test])
            picks.append(pick)
            held += [grid[pick][i] for i in sorted(test)]
        lines.append(f"seed {seed}: out of fold {line(held)}  ({len(set(picks))} distinct picks)")
    return lines


def main(argv: list[str] | None = None) -> int:
    configure()
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--home", required=True, type=Path, help="an ingested home")
    parser.add_argument("--eval", type=Path, default=ROOT.parent / "shared" / "eval" / "bank.jsonl")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seeds", type=int, default=3)
    args = parser.parse_args(argv)
    grid = run_grid(args.home, args.eval)
    for text in cross_validate(grid, args.folds, args.seeds):
        print(text)
    chosen = best(grid, sorted(next(iter(grid.values()))))
    print(f"chosen on all questions: {chosen}  {line(list(grid[chosen].values()))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
