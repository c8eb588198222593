"""Throughput under concurrent load: `pathways serve` (the real server, --workers N) against
32 concurrent clients sending distinct questions, with GET /healthz in the same run as the
ceiling of this client and server on this machine.

Three phases, one after the other, each a fixed number of requests shared by its clients, each
client sending its next request when the previous one is answered (closed loop):

- GET /healthz, 32 clients: the cost of HTTP alone (uvicorn, middleware, this client);
- GET /v1/search?q=...&k=5, 32 clients;
- POST /v1/ask, 8 clients.

Every search and ask question is a distinct string (dev questions, the second time round with
" (2)" and so on), so no query or answer cache can serve it. The server runs with a rate limit
far above the load and no read keys; everything else is the app as deployed. It prints req/s,
p50 and p99 latency and the number of errors (any non-200) per phase, and the goals: search
>= 100 req/s with 0 errors and p99 < 1 s; ask >= 40 req/s.

Run from the repository root: .venv/bin/python -m bench.bench_load [--home DIR] [--workers N]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from bench import common
from bench.bench_search import distinct_queries, free_port, server_env, wait_until_ready
from pathways.evaluation import load_eval_set

GOALS = {"search": (100.0, 1000.0), "ask": (40.0, None)}  # req/s at least, p99 ms below
TIMEOUT = 60.0


@dataclass(frozen=True)
class Phase:
    name: str
    clients: int
    latencies_ms: list[float]
    errors: int
    seconds: float

    @property
    def rate(self) -> float:
        return (len(self.latencies_ms) + self.errors) / self.seconds if self.seconds else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "clients": self.clients, "requests": len(self.latencies_ms) + self.errors,
            "errors": self.errors, "req_per_s": round(self.rate, 1),
            "p50_ms": round(common.percentile(self.latencies_ms, 50), 1),
            "p99_ms": round(common.percentile(self.latencies_ms, 99), 1),
        }  # fmt: skip


Send = Callable[[httpx.AsyncClient, str], Awaitable[httpx.Response]]


async def drive(base: str, name: str, send: Send, queries: Sequence[str], clients: int) -> Phase:
    """``clients`` concurrent closed-loop clients sharing ``queries`` (each sent once)."""
    pending = list(reversed(queries))
    latencies: list[float] = []
    errors = 0
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)

    async def client(http: httpx.AsyncClient) -> None:
        nonlocal errors
        while pending:
            query = pending.pop()
            started = time.perf_counter()
            try:
                response = await send(http, query)
                ok = response.status_code == 200
            except httpx.HTTPError:
                ok = False
            if ok:
                latencies.append((time.perf_counter() - started) * 1000.0)
            else:
                errors += 1

    async with httpx.AsyncClient(base_url=base, timeout=TIMEOUT, limits=limits) as http:
        started = time.perf_counter()
        await asyncio.gather(*(client(http) for _ in range(clients)))
        seconds = time.perf_counter() - started
    return Phase(name, clients, latencies, errors, seconds)


async def healthz(http: httpx.AsyncClient, _: str) -> httpx.Response:
    return await http.get("/healthz")


async def search(http: httpx.AsyncClient, query: str) -> httpx.Response:
    return await http.get("/v1/search", params={"q": query, "k": 5})


async def ask(http: httpx.AsyncClient, question: str) -> httpx.Response:
    return await http.post("/v1/ask", json={"question": question})


async def run_phases(base: str, questions: Sequence[str], args: argparse.Namespace) -> list[Phase]:
    # a warm-up round of each, untimed, with strings of its own
    warm = [f"warm-up {i}: {q}" for i, q in enumerate(questions[:8])]
    await drive(base, "warm-up", search, warm, 8)
    await drive(base, "warm-up", ask, [f"{q} (warm-up)" for q in warm], 8)
    searches = distinct_queries(questions, args.requests)
    asks = [f"{q} [ask]" for q in distinct_queries(questions, args.ask_requests)]
    return [
        await drive(base, "GET /healthz", healthz, [""] * args.requests, args.clients),
        await drive(base, "GET /v1/search", search, searches, args.clients),
        await drive(base, "POST /v1/ask", ask, asks, args.ask_clients),
    ]


@contextmanager
def serving(home: Path, workers: int) -> Iterator[str]:
    """`pathways serve --workers N` in a subprocess on a free port; yields its base URL."""
    port = free_port()
    command = [
        sys.executable, "-m", "pathways.cli", "serve",
        "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers),
    ]  # fmt: skip
    env = {**server_env(home), "PYTHONPATH": str(common.ROOT)}
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen(command, cwd=common.ROOT, env=env, stdout=log, stderr=log)
        base = f"http://127.0.0.1:{port}"
        try:
            with httpx.Client(base_url=base, timeout=TIMEOUT) as client:
                wait_until_ready(client, proc, log)
            yield base
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def verdicts(phases: Sequence[Phase]) -> list[str]:
    out = []
    for phase in phases:
        key = phase.name.rsplit("/", 1)[-1]
        if key not in GOALS:
            continue
        rate, p99 = GOALS[key]
        measured = common.percentile(phase.latencies_ms, 99)
        met = phase.rate >= rate and phase.errors == 0 and (p99 is None or measured < p99)
        goal = f">= {rate:.0f} req/s, 0 errors" + (f", p99 < {p99:.0f} ms" if p99 else "")
        out.append(f"{phase.name}: goal {goal}: {'met' if met else 'NOT met'}")
    return out


def print_text(phases: Sequence[Phase], header: dict[str, Any]) -> None:
    print(f"pathways serve --workers {header['workers']}; index: {header['documents']} documents,")
    print(f"{header['chunks']} chunks; distinct questions ({header['questions']} dev, cycled)")
    print(f"Machine: {header['machine']}")
    print(f"Code: {header['code']}")
    print()
    heads = ("clients", 7), ("requests", 8), ("errors", 6), ("req/s", 7), ("p50 ms", 7)
    print(f"{'':<16} " + " ".join(f"{h:>{w}}" for h, w in heads) + f" {'p99 ms':>7}")
    for p in phases:
        d = p.as_dict()
        print(
            f"{p.name:<16} {p.clients:>7} {d['requests']:>8} {p.errors:>6} {p.rate:>7.1f} "
            f"{d['p50_ms']:>7.1f} {d['p99_ms']:>7.1f}"
        )
    ceiling = phases[0].rate
    print()
    for p in phases[1:]:
        print(f"{p.name}: {p.rate / ceiling:.0%} of the /healthz ceiling")
    for line in verdicts(phases):
        print(line)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.bench_load",
        description="req/s, p50 and p99 of search and ask under concurrent clients.",
    )
    parser.add_argument("--home", type=Path, help="use this existing index instead of building one")
    parser.add_argument("--corpus", type=Path, default=common.DEFAULT_CORPUS, help="corpus folder")
    parser.add_argument(
        "--eval", type=Path, default=common.DEFAULT_EVAL, dest="eval_set", help="questions (JSONL)"
    )
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="server processes")
    parser.add_argument("--clients", type=int, default=32, help="concurrent search clients")
    parser.add_argument("--ask-clients", type=int, default=8, help="concurrent ask clients")
    parser.add_argument("--requests", type=int, default=960, help="searches (and /healthz)")
    parser.add_argument("--ask-requests", type=int, default=240, help="asks")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead")
    return parser.parse_args(argv)


def run(args: argparse.Namespace, home: Path) -> int:
    settings = common.make_settings(home, args.corpus.resolve())
    if args.home is None:
        common.say(f"building the index in {home} ...")
        common.build_index(settings, common.load_embedder(settings), args.corpus.resolve())
    documents, chunks = common.indexed_counts(settings)
    if not documents:
        raise SystemExit(f"no documents are indexed in {home}")
    questions = [q.question for q in load_eval_set(args.eval_set)]
    with serving(home, args.workers) as base:
        common.say(f"driving {base} ...")
        phases = asyncio.run(run_phases(base, questions, args))
    header = {
        "workers": args.workers, "documents": documents, "chunks": chunks,
        "questions": len(questions), "machine": common.machine(), "code": common.code_version(),
    }  # fmt: skip
    if args.json:
        print(json.dumps({**header, "phases": {p.name: p.as_dict() for p in phases}}, indent=2))
    else:
        print_text(phases, header)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    common.configure()
    return common.run_in_home(run, args)


if __name__ == "__main__":
    sys.exit(main())
