"""Latency of POST /v1/ask through a real server: as JSON, and streamed as Server-Sent Events
(time to the first `citations` event, and to the end of the stream), with GET /v1/search as the
baseline the answer is built on.

The API (api.app:create_app) runs under uvicorn in a subprocess on 127.0.0.1 (see
bench.bench_search.running_server); this process sends the dev questions one at a time with
httpx. The three calls take turns on each question, after untimed warm-up rounds, so load from
elsewhere falls on all alike. Every timed string is distinct (a per-call suffix), so no cache
answers it.

Run from the repository root: .venv/bin/python -m bench.bench_api [--home DIR] [--requests N]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import httpx

from bench import common
from bench.bench_search import Timing, distinct_queries, running_server
from pathways.evaluation import load_eval_set

WARMUP = 2
MAX_REQUESTS = 200


def ask_json(client: httpx.Client) -> Callable[[str], dict[str, float]]:
    def call(question: str) -> dict[str, float]:
        started = time.perf_counter()
        response = client.post("/v1/ask", json={"question": question})
        if response.status_code != 200:
            raise SystemExit(f"POST /v1/ask -> {response.status_code}: {response.text[:500]}")
        response.json()
        return {"total": (time.perf_counter() - started) * 1000.0}

    return call


def ask_stream(client: httpx.Client) -> Callable[[str], dict[str, float]]:
    """Times the first complete `citations` event and the end of the stream."""

    def call(question: str) -> dict[str, float]:
        started = time.perf_counter()
        first = None
        event = ""
        body = {"question": question, "stream": True}
        with client.stream("POST", "/v1/ask", json=body) as response:
            if response.status_code != 200:
                raise SystemExit(f"POST /v1/ask (stream) -> {response.status_code}")
            for line in response.iter_lines():
                if line.startswith("event:"):
                    event = line[6:].strip()
                elif not line and event == "citations" and first is None:
                    first = (time.perf_counter() - started) * 1000.0
        total = (time.perf_counter() - started) * 1000.0
        if first is None:
            raise SystemExit("the stream had no citations event")
        return {"first_citations": first, "total": total}

    return call


def search(client: httpx.Client) -> Callable[[str], dict[str, float]]:
    def call(question: str) -> dict[str, float]:
        started = time.perf_counter()
        response = client.get("/v1/search", params={"q": question, "k": 5})
        if response.status_code != 200:
            raise SystemExit(f"GET /v1/search -> {response.status_code}: {response.text[:500]}")
        return {"total": (time.perf_counter() - started) * 1000.0}

    return call


def measure(client: httpx.Client, queries: Sequence[str]) -> list[Timing]:
    calls = {"json": ask_json(client), "stream": ask_stream(client), "search": search(client)}
    for n in range(WARMUP):
        for name, call in calls.items():
            call(f"{queries[n % len(queries)]} (warm-up {n} {name})")
    samples: dict[str, list[float]] = {
        "json": [], "first": [], "stream": [], "search": [],
    }  # fmt: skip
    for i, query in enumerate(queries):
        if i and i % 10 == 0:
            common.say(f"  {i}/{len(queries)}")
        samples["json"].append(calls["json"](f"{query} [a]")["total"])
        streamed = calls["stream"](f"{query} [b]")
        samples["first"].append(streamed["first_citations"])
        samples["stream"].append(streamed["total"])
        samples["search"].append(calls["search"](f"{query} [c]")["total"])
    return [
        Timing("ask_json", "POST /v1/ask, JSON (whole answer)", samples["json"]),
        Timing("ask_sse_first", "POST /v1/ask, SSE: first citations event", samples["first"]),
        Timing("ask_sse_stream", "POST /v1/ask, SSE: whole stream", samples["stream"]),
        Timing("search", "GET /v1/search k=5 (baseline)", samples["search"]),
    ]


def print_text(timings: Sequence[Timing], header: dict[str, Any]) -> None:
    print(
        f"{header['requests']} questions per call ({header['questions']} dev questions cycled), "
        f"one request at a time, interleaved, after {WARMUP} warm-up rounds"
    )
    print(f"Index: {header['documents']} documents, {header['chunks']} chunks")
    print(f"Machine: {common.machine()}")
    print()
    print(f"{'':<42}  {'p50 ms':>8}  {'p95 ms':>8}")
    for t in timings:
        print(f"{t.name:<42}  {t.median:>8.1f}  {t.p95:>8.1f}")
    json_ask, first, _, base = timings
    print()
    print(
        f"first citations / JSON answer (p50): {first.median / json_ask.median:.2f}x; "
        f"answer over search (p50): +{json_ask.median - base.median:.1f} ms"
    )


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.bench_api",
        description="p50 latency of POST /v1/ask, JSON and streamed, through a real server.",
    )
    parser.add_argument("--home", type=Path, help="use this existing index instead of building one")
    parser.add_argument("--corpus", type=Path, default=common.DEFAULT_CORPUS, help="corpus folder")
    parser.add_argument(
        "--eval", type=Path, default=common.DEFAULT_EVAL, dest="eval_set", help="questions (JSONL)"
    )
    parser.add_argument("--requests", type=int, default=30, help=f"at most {MAX_REQUESTS}")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead")
    args = parser.parse_args(argv)
    if not 1 <= args.requests <= MAX_REQUESTS:
        parser.error(f"--requests must be between 1 and {MAX_REQUESTS}")
    return args


def run(args: argparse.Namespace, home: Path) -> int:
    settings = common.make_settings(home, args.corpus.resolve())
    if args.home is None:
        common.say(f"building the index in {home} ...")
        common.build_index(settings, common.load_embedder(settings), args.corpus.resolve())
    documents, chunks = common.indexed_counts(settings)
    if not documents:
        raise SystemExit(f"no documents are indexed in {home}")
    questions = [q.question for q in load_eval_set(args.eval_set)]
    queries = distinct_queries(questions, args.requests)
    with running_server(settings.home) as client:
        common.say(f"timing {len(queries)} questions x 3 calls ...")
        timings = measure(client, queries)
    header = {
        "requests": len(queries), "questions": len(questions),
        "documents": documents, "chunks": chunks, "machine": common.machine(),
    }  # fmt: skip
    if args.json:
        print(json.dumps({**header, "timings": {t.name: t.as_dict() for t in timings}}, indent=2))
    else:
        print_text(timings, header)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    common.configure()
    return common.run_in_home(run, args)


if __name__ == "__main__":
    sys.exit(main())
