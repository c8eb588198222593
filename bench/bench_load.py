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
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

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
    server_cpu: float = 0.0  # seconds of CPU the server's processes spent on the phase
    client_cpu: float = 0.0  # and this client

    def cpu_ms(self) -> tuple[float, float]:
        """(server, client) CPU milliseconds per request: what the machine's load hardly moves."""
        n = max(1, len(self.latencies_ms) + self.errors)
        return self.server_cpu * 1000 / n, self.client_cpu * 1000 / n

    @property
    def rate(self) -> float:
        return (len(self.latencies_ms) + self.errors) / self.seconds if self.seconds else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "clients": self.clients, "requests": len(self.latencies_ms) + self.errors,
            "errors": self.errors, "req_per_s": round(self.rate, 1),
            "p50_ms": round(common.percentile(self.latencies_ms, 50), 1),
            "p99_ms": round(common.percentile(self.latencies_ms, 99), 1),
            "server_cpu_ms_per_request": round(self.cpu_ms()[0], 2),
            "client_cpu_ms_per_request": round(self.cpu_ms()[1], 2),
        }  # fmt: skip


class Connection:
    """A minimal HTTP/1.1 keep-alive client connection. httpx's async client spends 4 ms of CPU
    per request, on the 2 cores the server needs; this one a fraction of that."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, method: str, target: str, body: bytes = b"") -> tuple[int, bytes]:
        for attempt in (1, 2):  # the server may close an idle keep-alive connection
            try:
                return await self._exchange(method, target, body)
            except (ConnectionError, asyncio.IncompleteReadError):
                self.close()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    async def _exchange(self, method: str, target: str, body: bytes) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        head = f"{method} {target} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
        if body:
            head += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
        self.writer.write(head.encode() + b"\r\n" + body)
        await self.writer.drain()
        lines = (await self.reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        headers = dict(line.lower().split(": ", 1) for line in lines[1:] if ": " in line)
        if "content-length" in headers:
            data = await self.reader.readexactly(int(headers["content-length"]))
        else:  # chunked
            data = b""
            while size := int((await self.reader.readline()).strip(), 16):
                data += await self.reader.readexactly(size + 2)
            await self.reader.readline()
        if headers.get("connection") == "close":
            self.close()
        return status, data

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


Send = Callable[[Connection, str], Awaitable[tuple[int, bytes]]]


async def drive(base: str, name: str, send: Send, queries: Sequence[str], clients: int) -> Phase:
    """``clients`` concurrent closed-loop clients sharing ``queries`` (each sent once)."""
    url = urlsplit(base)
    pending = list(reversed(queries))
    latencies: list[float] = []
    errors = 0

    async def client() -> None:
        nonlocal errors
        connection = Connection(url.hostname or "127.0.0.1", url.port or 80)
        while pending:
            query = pending.pop()
            started = time.perf_counter()
            try:
                status, _ = await asyncio.wait_for(send(connection, query), TIMEOUT)
            except (OSError, asyncio.IncompleteReadError, TimeoutError, ValueError):
                status = 0
                connection.close()
            if status == 200:
                latencies.append((time.perf_counter() - started) * 1000.0)
            else:
                errors += 1
        connection.close()

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    return Phase(name, clients, latencies, errors, time.perf_counter() - started)


async def healthz(connection: Connection, _: str) -> tuple[int, bytes]:
    return await connection.request("GET", "/healthz")


async def search(connection: Connection, query: str) -> tuple[int, bytes]:
    return await connection.request("GET", "/v1/search?" + urlencode({"q": query, "k": 5}))


async def ask(connection: Connection, question: str) -> tuple[int, bytes]:
    return await connection.request("POST", "/v1/ask", json.dumps({"question": question}).encode())


def tree_cpu(pid: int) -> float:
    """User + system CPU seconds of a process and its descendants so far (Linux /proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    total, todo = 0.0, [pid]
    while todo:
        current = todo.pop()
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
            for task in Path(f"/proc/{current}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except (OSError, ValueError, IndexError):
            continue
    return total


async def measured(server: int, phase: Awaitable[Phase]) -> Phase:
    """The phase with the CPU time the server and this client spent on it."""
    server_before, client_before = tree_cpu(server), time.process_time()
    done = await phase
    return replace(
        done,
        server_cpu=tree_cpu(server) - server_before,
        client_cpu=time.process_time() - client_before,
    )


async def run_phases(
    base: str, server: int, questions: Sequence[str], args: argparse.Namespace
) -> list[Phase]:
    # a warm-up round of each, untimed, with strings of its own
    warm = [f"warm-up {i}: {q}" for i, q in enumerate(questions[:8])]
    await drive(base, "warm-up", search, warm, 8)
    await drive(base, "warm-up", ask, [f"{q} (warm-up)" for q in warm], 8)
    searches = distinct_queries(questions, args.requests)
    asks = [f"{q} [ask]" for q in distinct_queries(questions, args.ask_requests)]
    return [
        await measured(
            server, drive(base, "GET /healthz", healthz, [""] * args.requests, args.clients)
        ),
        await measured(server, drive(base, "GET /v1/search", search, searches, args.clients)),
        await measured(server, drive(base, "POST /v1/ask", ask, asks, args.ask_clients)),
    ]


@contextmanager
def serving(home: Path, workers: int) -> Iterator[tuple[str, int]]:
    """`pathways serve --workers N` in a subprocess on a free port; yields its base URL and
    process id."""
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
            yield base, proc.pid
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
    print("CPU per request (ms), and the rate 2 cores would allow at that cost alone:")
    for p in phases:
        server, client = p.cpu_ms()
        cores = os.cpu_count() or 1
        print(
            f"  {p.name:<16} server {server:6.2f}  client {client:6.2f}  "
            f"-> {cores * 1000 / server if server else 0:6.0f} req/s server only, "
            f"{cores * 1000 / (server + client) if server + client else 0:6.0f} with this client"
        )
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
    with serving(home, args.workers) as (base, pid):
        common.say(f"driving {base} ...")
        phases = asyncio.run(run_phases(base, pid, questions, args))
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
