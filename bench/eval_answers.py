"""Cited answers on the dev set: quote verification, gold evidence among the citations, list
entity coverage, abstention and its calibration curve, and `ask` latency beside `search`.

    .venv/bin/python -m bench.eval_answers [--home DIR] [--eval eval/dev.jsonl]
        [--unanswerable eval/unanswerable.jsonl] [--json]

--home reuses an index; without it the corpus is ingested into a temporary folder first.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import (
    DEFAULT_CORPUS,
    DEFAULT_EVAL,
    ROOT,
    build_index,
    configure,
    load_embedder,
    machine,
    make_settings,
    median,
    percentile,
    say,
)
from pathways.evaluation import EvalQuestion, load_eval_set
from pathways.fitting import entity_share, gold_hits

DEFAULT_UNANSWERABLE = ROOT / "eval" / "unanswerable.jsonl"


def check_quotes(answerer: Any, answer: Any) -> tuple[int, int]:
    """(verified, total) citations whose quote equals the document text at its offsets."""
    lib = answerer.library()
    ok = total = 0
    for c in [*answer.citations, *answer.related]:
        total += 1
        ok += lib.structure[c.doc_id].text[c.start : c.end] == c.quote
    return ok, total


def gold_cited(question: EvalQuestion, answer: Any, files: dict[str, str]) -> tuple[bool, float]:
    """Any gold quote hit by a citation of the same file; share of gold quotes hit."""
    hits = gold_hits(question, answer, files)
    return any(hits), sum(hits) / len(hits)


def curve(scores: list[tuple[float, bool]]) -> list[tuple[float, float, float]]:
    """(threshold, answerable kept, unanswerable abstained) for thresholds on confidence."""
    answerable = [s for s, a in scores if a]
    unanswerable = [s for s, a in scores if not a]
    points = []
    for t in [round(0.05 * i, 3) for i in range(1, 20)]:
        kept = sum(s >= t for s in answerable) / max(1, len(answerable))
        refused = sum(s < t for s in unanswerable) / max(1, len(unanswerable))
        points.append((t, kept, refused))
    return points


def run(args: argparse.Namespace) -> dict[str, Any]:
    from answer.qa import Answerer
    from index.retrieval import HybridSearcher

    home = Path(args.home) if args.home else Path(tempfile.mkdtemp(prefix="pw-answers-")) / "data"
    settings = make_settings(home, Path(args.corpus))
    embedder = load_embedder(settings)
    if not args.home:
        say("ingesting the corpus…")
        build_index(settings, embedder, Path(args.corpus))
    searcher = HybridSearcher(settings, embedder)
    answerer = Answerer(settings, searcher, embedder)
    files = {d: Path(doc.source_path).name for d, doc in searcher.snapshot().documents.items()}
    questions = load_eval_set(Path(args.eval))
    extra = load_eval_set(Path(args.unanswerable)) if args.unanswerable else []
    answerer.answer("warm up the model and caches")
    searcher.search("warm up")

    rows, scores, ask_ms, search_ms = [], [], [], []
    verified = total_quotes = 0
    for q in [*questions, *extra]:
        t0 = time.perf_counter()
        searcher.search(q.question)
        search_ms.append((time.perf_counter() - t0) * 1000)
        embedder._query_cache.clear()  # ask pays for its own query embedding, like search
        t0 = time.perf_counter()
        ans = answerer.answer(q.question)
        ask_ms.append((time.perf_counter() - t0) * 1000)
        ok, n = check_quotes(answerer, ans)
        verified, total_quotes = verified + ok, total_quotes + n
        cited, share = gold_cited(q, ans, files) if q.answerable else (None, None)
        scores.append((ans.confidence, q.answerable))
        rows.append(
            {
                "id": q.id, "kind": q.kind, "question": q.question, "abstained": ans.abstained,
                "confidence": round(ans.confidence, 3), "gold_cited": cited,
                "gold_share": share, "entities": entity_share(q, ans),
                "citations": len(ans.citations),
            }
        )  # fmt: skip
    return summarize(rows, scores, ask_ms, search_ms, verified, total_quotes, answerer)


def summarize(  # noqa: PLR0917 - one call site, the figures of one run
    rows: list[dict[str, Any]],
    scores: list[tuple[float, bool]],
    ask_ms: list[float],
    search_ms: list[float],
    verified: int,
    total_quotes: int,
    answerer: Any,
) -> dict[str, Any]:
    answerable = [r for r in rows if r["kind"] != "unanswerable"]
    dev_unans = [r for r in rows if r["kind"] == "unanswerable" and not r["id"].startswith("u")]
    own_unans = [r for r in rows if r["id"].startswith("u")]
    lists = [r for r in rows if r["kind"] == "list"]
    return {
        "machine": machine(),
        "threshold": answerer.model().threshold,
        "quotes_verified": f"{verified}/{total_quotes}",
        "gold_cited": sum(bool(r["gold_cited"]) for r in answerable) / len(answerable),
        "list_entities": sum(r["entities"] or 0 for r in lists) / max(1, len(lists)),
        "answerable_answered": sum(not r["abstained"] for r in answerable) / len(answerable),
        "dev_unanswerable_abstained": f"{sum(r['abstained'] for r in dev_unans)}/{len(dev_unans)}",
        "own_unanswerable_abstained": f"{sum(r['abstained'] for r in own_unans)}/{len(own_unans)}",
        "ask_ms_p50": median(ask_ms),
        "ask_ms_p95": percentile(ask_ms, 95),
        "search_ms_p50": median(search_ms),
        "search_ms_p95": percentile(search_ms, 95),
        "ask_over_search_p50": median(ask_ms) / median(search_ms),
        "curve": curve(scores),
        "rows": rows,
    }


def print_report(result: dict[str, Any]) -> None:
    print(f"machine: {result['machine']}; abstention threshold {result['threshold']:.3f}")
    print(f"quotes equal to the document text at their offsets: {result['quotes_verified']}")
    print(f"answerable questions with gold evidence among citations: {result['gold_cited']:.3f}")
    print(f"list questions, expected entities named: {result['list_entities']:.3f}")
    print(f"answerable questions answered (not abstained): {result['answerable_answered']:.3f}")
    print(f"dev unanswerable abstained: {result['dev_unanswerable_abstained']}")
    print(f"own unanswerable (eval/unanswerable.jsonl) abstained: "
          f"{result['own_unanswerable_abstained']}")  # fmt: skip
    print(
        f"latency ms: ask p50 {result['ask_ms_p50']:.1f} p95 {result['ask_ms_p95']:.1f}; "
        f"search p50 {result['search_ms_p50']:.1f} p95 {result['search_ms_p95']:.1f}; "
        f"ask/search p50 = {result['ask_over_search_p50']:.2f}x"
    )
    print("\nabstention trade-off (threshold, answerable answered, unanswerable abstained):")
    for t, kept, refused in result["curve"]:
        print(f"  {t:.3f}  {kept:.3f}  {refused:.3f}")
    print("\nper question:")
    for r in result["rows"]:
        flag = "ABSTAIN" if r["abstained"] else "answer "
        gold = "" if r["gold_cited"] is None else ("gold" if r["gold_cited"] else "NO-GOLD")
        ents = "" if r["entities"] is None else f"ent {r['entities']:.2f}"
        print(f"  {r['id']} {r['kind']:12s} {flag} {r['confidence']:.3f} {gold:7s} {ents:9s}"
              f" {r['question'][:70]}")  # fmt: skip


def main() -> None:
    configure()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", help="reuse an existing index home")
    parser.add_argument("--corpus", default=str(DEFAULT_CORPUS))
    parser.add_argument("--eval", default=str(DEFAULT_EVAL))
    parser.add_argument("--unanswerable", default=str(DEFAULT_UNANSWERABLE))
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    result = run(args)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print_report(result)


if __name__ == "__main__":
    main()
