"""Encoders compared in our pipeline: each model's own home (built by `pathways ingest` with
PATHWAYS_EMBEDDING_MODEL set to it), scored on the same question files in one run.

For each model and file: hybrid recall@1/5/10, all-hit@5 and MRR overall and by audience (the
bank's `audience` field), dense-only recall@5, and budget recall: the ranked excerpts taken in
order and cut at 1,000 words in all, then whether every quote / any quote of an answerable
question is hit there (the README hit rule). Then the time to encode the corpus's chunk texts
(what ingest embeds for chunks) and the median time to encode one query over 50 distinct bank
questions, the models interleaved question by question so load swings hit both alike.

Run from the repository root:
  .venv/bin/python -m bench.compare_encoders \
      --model all-MiniLM-L6-v2=HOME1 --model all-mpnet-base-v2=HOME2 \
      FILE.jsonl [FILE.jsonl ...] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import common  # sets the offline environment first
from index.embedder import Embedder
from index.retrieval import HybridSearcher
from index.search import Searcher
from ingest.chunk import embedding_text
from pathways.cli import passage_retriever
from pathways.evaluation import (
    EvalQuestion,
    MetricSummary,
    Passage,
    evaluate,
    load_eval_set,
    quote_ranks,
    summarize,
)
from pathways.settings import Settings

BUDGET_WORDS = 1000
BUDGET_K = 40  # excerpts fetched for the budget cut (always more than 1,000 words here)
TIMED_QUERIES = 50


@dataclass
class Model:
    name: str
    settings: Settings
    embedder: Embedder
    hybrid: HybridSearcher
    dense: Searcher


def open_model(name: str, home: Path) -> Model:
    settings = Settings(home=home, embedding_model=name)
    embedder = common.load_embedder(settings)
    return Model(
        name, settings, embedder, HybridSearcher(settings, embedder), Searcher(settings, embedder)
    )


def audiences(path: Path) -> dict[str, str]:
    """Question id -> audience ("all" when the file has no audience field)."""
    out = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            out[row["id"]] = row.get("audience", "all")
    return out


def summary_row(s: MetricSummary) -> dict[str, float]:
    return {
        "n": s.n,
        "R@1": s.recall[1],
        "R@5": s.recall[5],
        "R@10": s.recall[10],
        "All@5": s.all_hit[5],
        "MRR": s.mrr,
    }


def by_group(
    questions: Sequence[EvalQuestion],
    retrieve: Callable[[str, int], Sequence[Passage]],
    groups: dict[str, str],
) -> dict[str, dict[str, float]]:
    """Metrics at k=10 overall and per audience, from one pass over the questions."""
    report = evaluate(questions, retrieve, k=10)
    out = {"overall": summary_row(report.overall)}
    for group in sorted(set(groups.values()) - {"all"}):
        scores = [r.score for r in report.results if r.score and groups.get(r.id) == group]
        out[group] = summary_row(summarize(scores))
    return out


def cut_at_budget(passages: Sequence[Passage], budget: int = BUDGET_WORDS) -> list[Passage]:
    """The passages in rank order, the last one cut so that the words add up to budget."""
    kept, left = [], budget
    for p in passages:
        if left <= 0:
            break
        words = p.text.split()
        kept.append(Passage(p.file, p.text if len(words) <= left else " ".join(words[:left])))
        left -= len(words)
    return kept


def budget_recall(
    questions: Sequence[EvalQuestion],
    retrieve: Callable[[str, int], Sequence[Passage]],
    groups: dict[str, str],
) -> dict[str, dict[str, float]]:
    """Every quote / any quote hit within the first 1,000 words, answerable questions only."""
    rows: dict[str, list[tuple[bool, bool]]] = {}
    for q in questions:
        if not q.answerable:
            continue
        passages = list(retrieve(q.question, BUDGET_K))
        if sum(len(p.text.split()) for p in passages) < BUDGET_WORDS:
            common.say(f"  {q.id}: fewer than {BUDGET_WORDS} words in {BUDGET_K} excerpts")
        hits = [r is not None for r in quote_ranks(q, cut_at_budget(passages))]
        for key in ("overall", groups.get(q.id, "all")):
            rows.setdefault(key, []).append((all(hits), any(hits)))
    return {
        key: {
            "n": len(v),
            "every": statistics.fmean(a for a, _ in v),
            "any": statistics.fmean(b for _, b in v),
        }
        for key, v in rows.items()
        if key != "all"
    }


def score_file(model: Model, path: Path) -> dict[str, Any]:
    questions = load_eval_set(path)
    groups = audiences(path)
    common.say(f"{model.name} on {path.name}: hybrid")
    hybrid = by_group(questions, passage_retriever(model.hybrid), groups)
    common.say(f"{model.name} on {path.name}: dense only")
    dense = by_group(questions, passage_retriever(model.dense), groups)
    common.say(f"{model.name} on {path.name}: budget recall")
    budget = budget_recall(questions, passage_retriever(model.hybrid), groups)
    return {"hybrid": hybrid, "dense": dense, "budget": budget}


def chunk_texts(model: Model) -> list[str]:
    """The texts ingest embeds for chunks (section path + chunk, within the model's budget)."""
    snap = model.hybrid.require_index()
    tokenize = model.embedder.token_counter()
    budget = model.embedder.max_tokens - 2
    return [
        embedding_text(c.chunk, snap.documents[c.chunk.doc_id].meta.title, tokenize, budget)
        for c in snap.chunks
    ]


def timed_embed(embedder: Embedder, texts: list[str]) -> tuple[float, float]:
    """(wall ms, CPU ms of this process) to encode texts. CPU time is the steadier figure when
    other work shares the cores."""
    wall, cpu = time.perf_counter(), time.process_time()
    embedder.embed(texts)
    return (time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000


def time_chunks(models: Sequence[Model], batch: int = 32) -> dict[str, dict[str, float]]:
    """Seconds to encode each model's chunk texts, batch by batch, the models interleaved."""
    texts = {m.name: chunk_texts(m) for m in models}
    spent = {m.name: [0.0, 0.0] for m in models}
    for start in range(0, max(len(t) for t in texts.values()), batch):
        for m in models:
            wall, cpu = timed_embed(m.embedder, texts[m.name][start : start + batch])
            spent[m.name][0] += wall / 1000
            spent[m.name][1] += cpu / 1000
    return {n: {"chunks": len(texts[n]), "wall_s": w, "cpu_s": c} for n, (w, c) in spent.items()}


def time_queries(models: Sequence[Model], questions: Sequence[str]) -> dict[str, dict[str, float]]:
    """Median ms to encode one query (embed, not the cached embed_query), interleaved."""
    for m in models:
        m.embedder.embed(["a warm-up query about career pathways"])
    walls: dict[str, list[float]] = {m.name: [] for m in models}
    cpus: dict[str, list[float]] = {m.name: [] for m in models}
    for q in questions:
        for m in models:
            wall, cpu = timed_embed(m.embedder, [q])
            walls[m.name].append(wall)
            cpus[m.name].append(cpu)
    return {
        n: {"n": len(walls[n]), "wall_ms": statistics.median(walls[n]),
            "cpu_ms": statistics.median(cpus[n])}
        for n in walls
    }  # fmt: skip


def timed_questions(path: Path, n: int = TIMED_QUERIES) -> list[str]:
    """n distinct questions spread over the file (every len/n-th), so all audiences appear."""
    questions = list(dict.fromkeys(q.question for q in load_eval_set(path)))
    step = max(1, len(questions) // n)
    return questions[::step][:n]


def print_table(results: dict[str, Any]) -> None:
    for file, per_model in results["files"].items():
        print(f"\n## {file}")
        print("model | part | group | n | R@1 | R@5 | R@10 | All@5 | MRR | budget every | any")
        for name, r in per_model.items():
            for part in ("hybrid", "dense"):
                for group, row in r[part].items():
                    b = r["budget"].get(group, {}) if part == "hybrid" else {}
                    cells = [f"{row[c]:.3f}" for c in ("R@1", "R@5", "R@10", "All@5", "MRR")]
                    extra = [f"{b[c]:.3f}" for c in ("every", "any")] if b else ["", ""]
                    print(" | ".join([name, part, group, str(row["n"]), *cells, *extra]))
    print("\n## time")
    for name, t in results["chunks"].items():
        q = results["query"][name]
        print(
            f"{name}: {t['chunks']} chunks in {t['wall_s']:.1f} s wall, {t['cpu_s']:.1f} s CPU;"
            f" one query (median of {q['n']}) {q['wall_ms']:.1f} ms wall, {q['cpu_ms']:.1f} ms CPU"
        )


def main(argv: Sequence[str] | None = None) -> int:
    common.configure()
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="+", type=Path, help="JSONL question files")
    parser.add_argument("--model", action="append", required=True, help="MODEL=HOME")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    common.say(common.machine() + "; code " + common.code_version())
    models = [open_model(n, Path(h)) for n, h in (m.split("=", 1) for m in args.model)]
    results: dict[str, Any] = {"files": {}}
    for path in args.files:
        results["files"][path.name] = {m.name: score_file(m, path) for m in models}
    common.say("timing chunk and query encoding")
    results["chunks"] = time_chunks(models)
    results["query"] = time_queries(models, timed_questions(args.files[0]))
    results["machine"] = common.machine()
    print_table(results)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
