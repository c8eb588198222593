"""Every answer to a question file, as one line of JSON each, so that a change meant to keep
behaviour (a refactor) can be checked for identical output on an unchanged index.

    .venv/bin/python -m bench.answer_snapshot --home DIR [--eval FILE ...] --out SNAP.jsonl
    .venv/bin/python -m bench.answer_snapshot --home DIR [--eval FILE ...] --compare SNAP.jsonl

With --compare it prints each question whose answer, confidence, citations or search results
differ, and exits 1 if any does. Reuse one ingested home: a re-ingest builds a new approximate
vector graph, which alone can move a result.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from bench.common import DEFAULT_CORPUS, DEFAULT_EVAL, configure, load_embedder, make_settings
from pathways.evaluation import load_eval_set


def snapshot(home: Path, files: list[Path]) -> list[dict[str, Any]]:
    from answer.qa import Answerer
    from index.retrieval import HybridSearcher

    settings = make_settings(home, DEFAULT_CORPUS)
    embedder = load_embedder(settings)
    searcher = HybridSearcher(settings, embedder)
    answerer = Answerer(settings, searcher, embedder)
    out = []
    for path in files:
        for q in load_eval_set(path):
            answer = answerer.answer(q.question)
            hits = searcher.search(q.question, 10)
            out.append(
                {
                    "id": q.id,
                    "question": q.question,
                    "search": [[h.doc_id, h.start, h.end] for h in hits],
                    "abstained": answer.abstained,
                    "confidence": round(answer.confidence, 6),
                    "citations": [[c.doc_id, c.start, c.end] for c in answer.citations],
                    "related": [[c.doc_id, c.start, c.end] for c in answer.related],
                    "answer": answer.answer,
                }
            )
    return out


def main(argv: list[str] | None = None) -> int:
    configure()
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--home", required=True, type=Path)
    parser.add_argument("--eval", action="append", type=Path, help=f"default {DEFAULT_EVAL}")
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--out", type=Path)
    group.add_argument("--compare", type=Path)
    args = parser.parse_args(argv)
    rows = snapshot(args.home, args.eval or [DEFAULT_EVAL])
    if args.out:
        args.out.write_text("".join(json.dumps(r) + "\n" for r in rows))
        print(f"{len(rows)} answers written to {args.out}")
        return 0
    before = {r["id"]: r for r in map(json.loads, args.compare.read_text().splitlines())}
    changed = [r for r in rows if before.get(r["id"]) != r]
    for r in changed:
        old = before.get(r["id"], {})
        fields = [k for k in r if old.get(k) != r[k]]
        print(f"{r['id']}: {', '.join(fields)} differ  ({r['question'][:60]})")
    print(f"{len(rows) - len(changed)} of {len(rows)} answers identical")
    return 1 if changed else 0


if __name__ == "__main__":
    sys.exit(main())
