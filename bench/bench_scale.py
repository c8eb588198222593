"""Scale: ingest and search corpora of 1x, 10x and about 100k chunks built from the real one.

For each size it writes a corpus (``bench.scale_corpus``: the corpus's sections recombined into
many Markdown documents with varied names and titles, fixed seed), ingests it with our pipeline
(``ingest.pipeline.Ingestor``) into a fresh home, builds the derived indexes once as
``pathways ingest`` does at the end of a run, and prints:

- ingest time per chunk, without the time spent in the model (embeddings come from a cache keyed
  by text, ``~/.cache/pathways-bench``; a miss is encoded by the real model and timed apart), and
  the ratio of each size to 1x; the model's own rate on the misses, for extrapolating;
- the index's size on disk, by part;
- ``HybridSearcher.search`` p50 and p99 over distinct questions (bank + dev; none repeats, so the
  query cache serves none), after one untimed warm-up search;
- ``pathways serve``: the same questions through ``GET /v1/search``, and the resident memory
  (RSS) of the server's processes after them.

Corpora and homes live under ``--work`` (default /work/scale-cache) and are kept: a size whose
home holds a finished ingest is not ingested again unless ``--fresh`` (the 100k home takes long).

Run from the repository root:
  .venv/bin/python -m bench.bench_scale --sizes 1x,10x
  .venv/bin/python -m bench.bench_scale --sizes 100k
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bench import common
from bench.bench_load import serving
from bench.scale_corpus import (
    INGESTED,
    CachedEmbedder,
    disk_mb,
    load_questions,
    source_sections,
    tree_rss_mb,
    write_corpus,
)
from index.embedder import Embedder
from index.retrieval import HybridSearcher
from index.store import Catalog
from pathways.settings import Settings

DEFAULT_WORK = Path("/work/scale-cache")
DEFAULT_CACHE = Path.home() / ".cache" / "pathways-bench"
DEFAULT_QUESTIONS = (Path("/work/shared/eval/bank.jsonl"), common.DEFAULT_EVAL)
TARGET_100K = 100_000
RATE_SAMPLE = 96  # chunks, and sentences, encoded uncached at 1x for the model's own rate
DERIVED_PARTS = ("bm25", "derived", "vectors")  # what a searcher builds from the catalog


@dataclass
class IngestFigures:
    documents: int
    chunks: int
    seconds: float  # Ingestor.ingest, wall
    encode_seconds: float  # of which in the model (cache misses)
    encoded: int  # texts the model encoded (chunks and sentences)
    cached: int  # texts read from the cache
    build_seconds: float  # derived indexes (BM25, vectors, ...) once after the run; -1: not yet
    # CPU seconds of this process (all threads), which the machine's load hardly moves; -1:
    # not measured
    cpu_seconds: float = -1.0
    encode_cpu: float = -1.0
    build_cpu: float = -1.0

    @property
    def ms_per_chunk(self) -> float:
        """Ingest time per chunk without encoding, derived indexes included."""
        work = self.seconds - self.encode_seconds + self.build_seconds
        return work * 1000 / max(1, self.chunks)

    @property
    def cpu_ms_per_chunk(self) -> float:
        """The same in CPU time; -1 when not measured."""
        if min(self.cpu_seconds, self.encode_cpu, self.build_cpu) < 0:
            return -1.0
        work = self.cpu_seconds - self.encode_cpu + self.build_cpu
        return work * 1000 / max(1, self.chunks)


@dataclass
class SizeResult:
    size: str
    ingest: IngestFigures
    reused: bool
    disk_mb: dict[str, float]
    search_ms: list[float] = field(default_factory=list)
    search_cpu_ms: list[float] = field(default_factory=list)
    http_ms: list[float] = field(default_factory=list)
    rss_mb: list[float] = field(default_factory=list)
    first_search_s: float = 0.0
    ask_s: list[float] = field(default_factory=list)  # POST /v1/ask, the first builds
    ask_rss_mb: list[float] = field(default_factory=list)
    model_rate: dict[str, float] = field(default_factory=dict)  # texts/s, uncached (1x only)


def copies_for(size: str, chunks_1x: int) -> int:
    if size.endswith("x"):
        return int(size[:-1])
    if size == "100k":
        return max(1, round(TARGET_100K / max(1, chunks_1x)))
    raise SystemExit(f"unknown size {size!r}: use 1x, 10x, ... or 100k")


def make_corpus(work: Path, size: str, copies: int, corpus: Path) -> Path:
    """The generated corpus of this size, written once and kept."""
    folder = work / f"corpus-{size}"
    stamp = folder / ".stamp"
    wanted = json.dumps({"copies": copies, "source": str(corpus.resolve())})
    if stamp.exists() and stamp.read_text() == wanted:
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    documents = write_corpus(source_sections(corpus), copies, folder)
    stamp.write_text(wanted)
    common.say(f"{size}: wrote {documents} documents ({copies} copies of the corpus's sections)")
    return folder


def ingest_size(
    settings: Settings, embedder: CachedEmbedder, corpus: Path, args: argparse.Namespace
) -> tuple[IngestFigures, bool]:
    """Ingest ``corpus`` into a fresh home (or keep the finished ingest there), then build the
    derived indexes once (unless built already and not ``--rebuild``). True: ingest kept."""
    marker = settings.home / INGESTED
    kept = marker.exists() and not args.fresh
    if kept:
        figures = IngestFigures(**json.loads(marker.read_text()))
    else:
        figures = ingest_fresh(settings, embedder, corpus)
        marker.write_text(json.dumps(asdict(figures)))
    if figures.build_seconds < 0 or args.rebuild:
        for part in DERIVED_PARTS:
            shutil.rmtree(settings.home / part, ignore_errors=True)
        started, cpu = time.perf_counter(), time.process_time()
        HybridSearcher(settings, embedder).snapshot()  # as `pathways ingest` ends a run
        figures.build_seconds = time.perf_counter() - started
        figures.build_cpu = time.process_time() - cpu
        marker.write_text(json.dumps(asdict(figures)))
    return figures, kept


def ingest_fresh(settings: Settings, embedder: CachedEmbedder, corpus: Path) -> IngestFigures:
    shutil.rmtree(settings.home, ignore_errors=True)
    settings.home.mkdir(parents=True)
    embedder.reset_counts()
    started, cpu = time.perf_counter(), time.process_time()
    common.build_index(settings, embedder, corpus)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    embedder.save()
    documents, chunks = common.indexed_counts(settings)
    e = embedder
    return IngestFigures(
        documents, chunks, seconds, e.encode_seconds, e.encoded, e.hits, -1.0,
        cpu_seconds=cpu, encode_cpu=e.encode_cpu,
    )  # fmt: skip


def model_rate(settings: Settings, embedder: CachedEmbedder) -> dict[str, float]:
    """Texts per second the model itself encodes, uncached: RATE_SAMPLE chunk texts and
    sentences of this home, each batch timed once (for extrapolating to encoding a corpus)."""
    catalog = Catalog(settings.catalog_path)
    chunks = [sc.chunk.text for sc in catalog.chunks()[:RATE_SAMPLE]]
    table = catalog.sentences()
    texts = {d: catalog.get_document(d) for d in dict.fromkeys(table.doc_ids[:RATE_SAMPLE])}
    sentences = [
        found[1][a:b]
        for d, (a, b) in zip(table.doc_ids[:RATE_SAMPLE], table.spans, strict=False)
        if (found := texts[d]) is not None
    ]
    rates = {}
    for name, sample in (("chunks", chunks), ("sentences", sentences)):
        started = time.perf_counter()
        Embedder.embed(embedder, sample)  # the model, past the cache
        rates[name] = len(sample) / (time.perf_counter() - started)
    return rates


def time_searches(
    settings: Settings, questions: Sequence[str]
) -> tuple[float, list[float], list[float]]:
    """Seconds of the first (untimed) search, which loads the indexes; then ms per question,
    in wall time and in CPU time of this process (all its threads: BLAS, ONNX Runtime)."""
    searcher = HybridSearcher(settings, common.load_embedder(settings))
    started = time.perf_counter()
    searcher.search("warm-up: how are career pathways funded?")
    first = time.perf_counter() - started
    wall, cpu = [], []
    for question in questions:
        started, cpu_started = time.perf_counter(), time.process_time()
        searcher.search(question)
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - cpu_started) * 1000)
    return first, wall, cpu


def serve_and_measure(home: Path, questions: Sequence[str], asks: int) -> dict[str, Any]:
    """Through `pathways serve --workers 1`: ms per GET /v1/search, the RSS (MB) of the
    server's processes after them; then ``asks`` POST /v1/ask (the first builds the answer's
    library of sentences), their seconds, and the RSS after them."""
    out: dict[str, Any] = {"http_ms": [], "ask_s": []}
    with serving(home, 1) as (base, pid), httpx.Client(base_url=base, timeout=900) as client:
        client.get("/v1/search", params={"q": "warm-up: what is a pathway?", "k": 5})
        for question in questions:
            started = time.perf_counter()
            response = client.get("/v1/search", params={"q": question, "k": 5})
            out["http_ms"].append((time.perf_counter() - started) * 1000)
            check(response)
        out["rss_mb"] = tree_rss_mb(pid)
        for question in questions[:asks]:
            started = time.perf_counter()
            check(client.post("/v1/ask", json={"question": f"{question} [ask]"}))
            out["ask_s"].append(time.perf_counter() - started)
        out["ask_rss_mb"] = tree_rss_mb(pid) if asks else []
    return out


def check(response: httpx.Response) -> None:
    if response.status_code != 200:
        raise SystemExit(f"the server answered {response.status_code}: {response.text[:300]}")


def run_size(size: str, args: argparse.Namespace, embedder: CachedEmbedder) -> SizeResult:
    chunks_1x = args.chunks_1x or 0
    corpus = make_corpus(args.work, size, copies_for(size, chunks_1x), args.corpus)
    settings = common.make_settings(args.work / f"home-{size}", corpus)
    common.say(f"{size}: ingesting {corpus} into {settings.home} ...")
    figures, reused = ingest_size(settings, embedder, corpus, args)
    result = SizeResult(size, figures, reused, disk_mb(settings.home))
    if size == "1x":
        common.say("1x: the model's own encoding rate, uncached ...")
        result.model_rate = model_rate(settings, embedder)
    common.say(f"{size}: {figures.chunks} chunks; timing {len(args.questions)} searches ...")
    result.first_search_s, result.search_ms, result.search_cpu_ms = time_searches(
        settings, args.questions
    )
    if not args.no_server:
        common.say(f"{size}: the same through pathways serve ...")
        served = serve_and_measure(settings.home, args.questions, args.asks)
        result.http_ms, result.rss_mb = served["http_ms"], served["rss_mb"]
        result.ask_s, result.ask_rss_mb = served["ask_s"], served["ask_rss_mb"]
    return result


def print_table(results: Sequence[SizeResult], header: dict[str, Any]) -> None:
    print(f"{header['questions']} distinct questions (bank + dev), k=5, one at a time")
    print(f"Machine: {header['machine']}\nCode: {header['code']}")
    print(f"Embedding cache: {header['cache']}\n")
    base = results[0].ingest.ms_per_chunk if results else 0.0
    base_cpu = results[0].ingest.cpu_ms_per_chunk if results else 0.0
    print(
        "size   docs   chunks  ingest s  encode s  build s  ms/chunk*  vs 1x  CPU ms*  vs 1x"
        "   disk MB  1st s  p50 ms  p99 ms  http p50  http p99  RSS MB"
    )
    for r in results:
        f = r.ingest
        ratio = f.ms_per_chunk / base if base else 0.0
        cpu = f.cpu_ms_per_chunk
        cpu_ratio = cpu / base_cpu if cpu > 0 and base_cpu > 0 else 0.0
        print(
            f"{r.size:<5}{f.documents:>6}{f.chunks:>9}{f.seconds:>10.1f}{f.encode_seconds:>10.1f}"
            f"{f.build_seconds:>9.1f}{f.ms_per_chunk:>11.2f}{ratio:>7.2f}x"
            f"{cpu:>9.2f}{cpu_ratio:>6.2f}x"
            f"{r.disk_mb['total']:>9.1f}{r.first_search_s:>7.1f}"
            f"{common.median(r.search_ms):>8.1f}{common.percentile(r.search_ms, 99):>8.1f}"
            f"{common.median(r.http_ms):>10.1f}{common.percentile(r.http_ms, 99):>10.1f}"
            f"{sum(r.rss_mb):>8.0f}"
        )
    print(
        "\n* ingest ms per chunk without the model's encoding: (ingest - encode + build) / chunks,"
        "\n  in wall time and in this process's CPU time (-1: not measured);"
        "\n  build = the derived indexes (BM25, vector copy, ...) built once after the run."
    )
    for r in results:
        print_details(r)
    for line in verdicts(results):
        print(line)


def print_details(r: SizeResult) -> None:
    """Disk by part, CPU per search, asks, encoding and the model's rate, for one size."""
    f = r.ingest
    parts = ", ".join(f"{k} {v:.1f}" for k, v in r.disk_mb.items() if k != "total")
    print(f"{r.size}: disk MB {parts}; server processes RSS MB {[round(m) for m in r.rss_mb]}")
    cpu_ms = r.search_cpu_ms
    print(
        f"  search CPU ms (this process, all threads): p50 {common.median(cpu_ms):.1f}, "
        f"p99 {common.percentile(cpu_ms, 99):.1f}"
    )
    if r.ask_s:
        print(
            f"  then {len(r.ask_s)} POST /v1/ask: first {r.ask_s[0]:.1f} s (builds the "
            f"answer library), median {common.median(r.ask_s):.1f} s; "
            f"server RSS after them {sum(r.ask_rss_mb):.0f} MB"
        )
    reused = " (figures of the earlier ingest kept in this home)" if r.reused else ""
    rate = f"{f.encoded / f.encode_seconds:.1f} texts/s" if f.encode_seconds else "-"
    print(f"  encoded {f.encoded} texts ({rate}), {f.cached} from the cache{reused}")
    if r.model_rate:
        rates = ", ".join(f"{v:.1f} {k}/s" for k, v in r.model_rate.items())
        print(f"  the model alone, uncached, {RATE_SAMPLE} of each: {rates}")


def verdicts(results: Sequence[SizeResult]) -> list[str]:
    if not results:
        return []
    out = []
    ten = next((r for r in results if r.size == "10x"), None)
    if results[0].size == "1x" and ten is not None:
        ratio = ten.ingest.ms_per_chunk / results[0].ingest.ms_per_chunk
        cpu = ten.ingest.cpu_ms_per_chunk / results[0].ingest.cpu_ms_per_chunk
        out.append(
            f"ingest per chunk 10x / 1x: {ratio:.2f} wall, {cpu:.2f} CPU; goal <= 1.3: "
            f"{met(max(ratio, cpu) <= 1.3)}"
        )
    big = max(results, key=lambda r: r.ingest.chunks)
    p50, p99 = common.median(big.search_ms), common.percentile(big.search_ms, 99)
    rss = max(sum(big.rss_mb), sum(big.ask_rss_mb))  # after the searches, or the asks
    server = f"server RSS {rss:.0f} MB (goal < 2048: {met(rss < 2048)})" if rss else "no server run"
    out.append(
        f"{big.size} ({big.ingest.chunks} chunks): search p50 {p50:.1f} ms (goal < 60: "
        f"{met(p50 < 60)}), p99 {p99:.1f} ms (goal < 200: {met(p99 < 200)}), CPU p50 "
        f"{common.median(big.search_cpu_ms):.1f} ms, {server}"
    )
    return out


def met(ok: bool) -> str:
    return "met" if ok else "NOT met"


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1x,10x", help="comma-separated: 1x, 10x, 100k")
    parser.add_argument("--work", type=Path, default=DEFAULT_WORK, help="corpora and homes")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="embedding cache")
    parser.add_argument("--corpus", type=Path, default=common.DEFAULT_CORPUS)
    parser.add_argument("--eval", type=Path, action="append", help="question files")
    parser.add_argument("--fresh", action="store_true", help="ingest again into a fresh home")
    parser.add_argument(
        "--rebuild", action="store_true", help="time the derived indexes' build again"
    )
    parser.add_argument("--no-server", action="store_true", help="skip pathways serve")
    parser.add_argument("--asks", type=int, default=5, help="POST /v1/ask after the searches")
    parser.add_argument("--json", action="store_true")
    return parser.parse_args(argv)


def chunks_per_copy(work: Path) -> int | None:
    marker = work / "home-1x" / INGESTED
    return int(json.loads(marker.read_text())["chunks"]) if marker.exists() else None


def main(argv: Sequence[str] | None = None) -> int:
    common.configure()
    args = parse_args(argv)
    args.questions = load_questions(args.eval or DEFAULT_QUESTIONS)
    settings = common.make_settings(args.work / "home-1x", args.corpus)
    embedder = CachedEmbedder.from_settings(settings)
    assert isinstance(embedder, CachedEmbedder)
    embedder.use_cache(args.cache)
    embedder.model  # loaded before any timing, as a running ingest has it  # noqa: B018
    results = []
    for size in args.sizes.split(","):
        args.chunks_1x = chunks_per_copy(args.work)
        if size == "100k" and args.chunks_1x is None:
            raise SystemExit("run --sizes 1x first: 100k is sized by its chunk count")
        results.append(run_size(size.strip(), args, embedder))
    header = {
        "questions": len(args.questions), "machine": common.machine(),
        "code": common.code_version(), "cache": str(embedder.path),
    }  # fmt: skip
    if args.json:
        print(json.dumps({**header, "results": [asdict(r) for r in results]}, indent=2))
    else:
        print_table(results, header)
    return 0


if __name__ == "__main__":
    sys.exit(main())
