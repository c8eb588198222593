"""Latency of GET /v1/search through a real server, against embedding the query alone.

The API (api.app:create_app) runs under uvicorn in a subprocess on 127.0.0.1; this process sends
the dev questions, cycled to --requests requests, one at a time with httpx. For each query it also
times HybridSearcher.search in this process and the query's embedding alone, taking turns, so all
of them see the same machine load. The goal: the median search request takes at most 1.5 times the
median query embedding.

Embedder.embed_query caches recent queries, so every timed query is a distinct string (a repeated
question gets a " (2)", " (3)" suffix) and the embedding alone is timed as
Embedder.encode_queries([q]), which is what embed_query costs on a cache miss, with the same
query encoder the search uses (the ONNX export; sentence-transformers only where it falls back):
like is compared with like. The bench measures the uncached path; the row
"same, vector cached" repeats each in-process search right away, so its vector comes from the
cache: that is the cost of search beyond embedding the query.

Run from the repository root: .venv/bin/python -m bench.bench_search [--home DIR] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import httpx

from bench import common
from index.embedder import Embedder
from index.retrieval import HybridSearcher
from pathways.evaluation import load_eval_set
from pathways.settings import Settings

GOAL_RATIO = 1.5  # issue 11: search p50 <= 1.5x encoding alone (was 2.0x before it)
WARMUP = 3
MAX_REQUESTS = 1000
STARTUP_SECONDS = 180.0
REQUEST_TIMEOUT = 30.0
# The server's rate limit (default 60/minute per client) would turn this bench into 429s.
SERVER_ENV = {"PATHWAYS_RATE_LIMIT": "1000000/minute", "PATHWAYS_API_KEYS": ""}


@dataclass(frozen=True)
class Timing:
    key: str  # for --json
    name: str  # for the table
    samples_ms: list[float]

    @property
    def median(self) -> float:
        return common.median(self.samples_ms)

    @property
    def p95(self) -> float:
        return common.percentile(self.samples_ms, 95)

    def as_dict(self) -> dict[str, Any]:
        return {"n": len(self.samples_ms), "median_ms": self.median, "p95_ms": self.p95}


def time_interleaved(
    queries: Sequence[str], calls: Sequence[Callable[[str], object]]
) -> list[list[float]]:
    """Milliseconds per call and query, the calls taking turns on each query so that load from
    elsewhere on the machine falls on all of them alike. WARMUP untimed rounds first."""
    for n in range(WARMUP):
        for call in calls:
            call(f"warm-up {n}: {queries[n % len(queries)]}")
    samples: list[list[float]] = [[] for _ in calls]
    for query in queries:
        for call, out in zip(calls, samples, strict=True):
            started = time.perf_counter()
            call(query)
            out.append((time.perf_counter() - started) * 1000.0)
    return samples


def distinct_queries(questions: Sequence[str], n: int) -> list[str]:
    """``n`` queries cycling through ``questions``; repeats get a suffix so no two are equal
    (a repeated string would be answered from the embedder's query cache)."""
    out = []
    for i in range(n):
        question, round_ = questions[i % len(questions)], i // len(questions) + 1
        out.append(question if round_ == 1 else f"{question} ({round_})")
    return out


# --------------------------------------------------------------------------- the server


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def server_env(home: Path) -> dict[str, str]:
    env = {**os.environ, **common.BENCH_ENV, **SERVER_ENV}
    env["PATHWAYS_HOME"] = str(home)
    return env


def wait_until_ready(client: httpx.Client, proc: subprocess.Popen[bytes], log: IO[bytes]) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            log.seek(0)
            tail = log.read().decode(errors="replace")[-2000:]
            raise SystemExit(f"the server exited with code {proc.returncode}:\n{tail}")
        try:
            response = client.get("/readyz")
            if response.status_code == 200 and response.json().get("status") == "ready":
                return
        except httpx.TransportError:
            pass
        time.sleep(0.25)
    raise SystemExit(f"the server was not ready within {STARTUP_SECONDS:.0f} s")


@contextmanager
def running_server(home: Path) -> Iterator[httpx.Client]:
    """A uvicorn subprocess serving create_app() over ``home``; yields a client bound to it."""
    port = free_port()
    command = [
        sys.executable, "-m", "uvicorn", "api.app:create_app", "--factory",
        "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning", "--no-access-log",
    ]  # fmt: skip
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen(
            command, cwd=common.ROOT, env=server_env(home), stdout=log, stderr=subprocess.STDOUT
        )
        try:
            base = f"http://127.0.0.1:{port}"
            with httpx.Client(base_url=base, timeout=REQUEST_TIMEOUT) as client:
                wait_until_ready(client, proc, log)
                yield client
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def search_over_http(client: httpx.Client, k: int) -> Callable[[str], object]:
    def call(query: str) -> object:
        response = client.get("/v1/search", params={"q": query, "k": k})
        if response.status_code != 200:
            raise SystemExit(f"GET /v1/search -> {response.status_code}: {response.text[:500]}")
        return response.json()

    return call


# --------------------------------------------------------------------------- the bench


def measure(settings: Settings, embedder: Embedder, queries: Sequence[str], k: int) -> list[Timing]:
    """GET /v1/search, HybridSearcher.search in this process (uncached, then cached), and the
    embedding alone, interleaved."""
    searcher = HybridSearcher(settings, embedder)
    with running_server(settings.home) as client:
        common.say(f"timing {len(queries)} queries ...")
        calls = [
            search_over_http(client, k),
            lambda q: searcher.search(q, k),
            lambda q: searcher.search(q, k),  # again: the query's vector now comes from the cache
            lambda q: embedder.encode_queries([q]),
        ]
        http, in_process, cached, embed = time_interleaved(queries, calls)
    return [
        Timing("http_search", "GET /v1/search (HTTP)", http),
        Timing("search", "HybridSearcher.search", in_process),
        Timing("search_vector_cached", "  same, vector cached", cached),
        Timing("embedding", "embedding alone", embed),
    ]


def summary(timings: Sequence[Timing]) -> dict[str, Any]:
    http, embed = timings[0], timings[-1]
    ratio = http.median / embed.median if embed.median else float("inf")
    return {"ratio": ratio, "goal": GOAL_RATIO, "met": ratio <= GOAL_RATIO}


def print_text(timings: Sequence[Timing], header: dict[str, Any]) -> None:
    print(
        f"{header['requests']} distinct queries ({header['questions']} dev questions cycled), "
        f"k={header['k']}, one at a time, interleaved, after {WARMUP} warm-up rounds"
    )
    print(f"Index: {header['documents']} documents, {header['chunks']} chunks")
    print(f"Query encoder (search and embedding alone): {header['encoder']}")
    print(f"Machine: {common.machine()}")
    print(f"Code: {common.code_version()}")
    print()
    print(f"{'':<24}  {'median ms':>9}  {'p95 ms':>8}")
    for t in timings:
        print(f"{t.name:<24}  {t.median:>9.1f}  {t.p95:>8.1f}")
    s = summary(timings)
    verdict = "met" if s["met"] else "NOT met"
    print()
    print(f"search / embed (medians): {s['ratio']:.2f}x; goal <= {GOAL_RATIO:.1f}x: {verdict}")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.bench_search",
        description="Median GET /v1/search latency against embedding the query alone.",
    )
    parser.add_argument("--home", type=Path, help="use this existing index instead of building one")
    parser.add_argument("--corpus", type=Path, default=common.DEFAULT_CORPUS, help="corpus folder")
    parser.add_argument(
        "--eval", type=Path, default=common.DEFAULT_EVAL, dest="eval_set", help="queries (JSONL)"
    )
    parser.add_argument("--requests", type=int, default=100, help=f"at most {MAX_REQUESTS}")
    parser.add_argument("-k", type=int, default=5, help="excerpts per search")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead")
    args = parser.parse_args(argv)
    if not 1 <= args.requests <= MAX_REQUESTS:
        parser.error(f"--requests must be between 1 and {MAX_REQUESTS}")
    return args


def run(args: argparse.Namespace, home: Path) -> int:
    settings = common.make_settings(home, args.corpus.resolve())
    if args.home is not None and not settings.catalog_path.is_file():
        raise SystemExit(f"{home} holds no index ({settings.catalog_path.name} is missing)")
    embedder = common.load_embedder(settings)
    if args.home is None:
        common.say(f"building the index in {home} ...")
        common.build_index(settings, embedder, args.corpus.resolve())
    documents, chunks = common.indexed_counts(settings)
    if not documents:
        raise SystemExit(f"no documents are indexed in {home}")
    questions = [q.question for q in load_eval_set(args.eval_set)]
    if not questions:
        raise SystemExit(f"{args.eval_set} has no questions")
    queries = distinct_queries(questions, args.requests)
    timings = measure(settings, embedder, queries, args.k)
    header = {
        "requests": len(queries), "questions": len(questions), "k": args.k,
        "documents": documents, "chunks": chunks, "machine": common.machine(),
        "code": common.code_version(), "encoder": embedder.describe_query_encoder(),
    }  # fmt: skip
    if args.json:
        out = {**header, "timings": {t.key: t.as_dict() for t in timings}, **summary(timings)}
        print(json.dumps(out, indent=2))
    else:
        print_text(timings, header)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    common.configure()
    return common.run_in_home(run, args)


if __name__ == "__main__":
    sys.exit(main())
