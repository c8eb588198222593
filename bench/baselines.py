"""Our retrieval against off-the-shelf baselines, built from the same corpus in the same run.

Systems (all with the same packaged all-MiniLM-L6-v2 and the same evaluation):

- llama-default: llama-index defaults: SimpleDirectoryReader, SentenceSplitter() (1024 tiktoken
  tokens, overlap 200), VectorStoreIndex on Chroma, dense top-k.
- llama-256: the same with SentenceSplitter(chunk_size=256, chunk_overlap=32).
- bm25-256: BM25 alone (bm25s, English stopwords, Snowball English stemmer) over llama-256's chunks.
- ours: HybridSearcher over an index our own pipeline built in a fresh temporary home.

Run from the repository root: .venv/bin/python -m bench.baselines [--json] [--only NAME]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import bm25s
import chromadb
import numpy as np
import Stemmer
from llama_index.core import SimpleDirectoryReader, StorageContext, VectorStoreIndex
from llama_index.core.base.embeddings.base import BaseEmbedding
from llama_index.core.node_parser import SentenceSplitter
from llama_index.core.schema import BaseNode, Document
from llama_index.vector_stores.chroma import ChromaVectorStore
from pydantic import PrivateAttr

from bench import common
from index.embedder import Embedder
from index.retrieval import HybridSearcher
from pathways.evaluation import (
    EvalQuestion,
    EvalReport,
    Passage,
    evaluate,
    format_report,
    load_eval_set,
    report_to_dict,
)

NAMES = ("llama-default", "llama-256", "bm25-256", "ours")
BASELINES = NAMES[:-1]
EVAL_K = 10  # retrieve the top 10 once; recall@1 and @5 are read off the same ranked list
LLAMA_EXTS = [".txt", ".md", ".pdf", ".docx", ".html"]
SMALL_CHUNK, SMALL_OVERLAP = 256, 32

Retrieve = Callable[[str, int], list[Passage]]


@dataclass(frozen=True)
class System:
    name: str
    chunks: int
    build_seconds: float
    retrieve: Retrieve


@dataclass(frozen=True)
class Result:
    name: str
    chunks: int
    build_seconds: float
    report: EvalReport
    p50_ms: float
    p95_ms: float

    def row(self) -> dict[str, Any]:
        o = self.report.overall
        return {
            "system": self.name,
            "chunks": self.chunks,
            "recall@1": o.recall[1],
            "recall@5": o.recall[5],
            "recall@10": o.recall[10],
            "all_quotes@5": o.all_hit[5],
            "mrr": o.mrr,
            "median_ms": self.p50_ms,
            "p95_ms": self.p95_ms,
            "build_s": self.build_seconds,
        }


# --------------------------------------------------------------------------- llama-index


class MiniLMEmbedding(BaseEmbedding):
    """A llama-index embedding model that delegates to our Embedder: same weights, normalized.

    It calls ``Embedder.embed``, never ``embed_query``: that one caches recent queries, and a
    baseline must not warm the cache that our searcher (same Embedder) is then timed with.
    """

    _embedder: Embedder = PrivateAttr()

    def __init__(self, embedder: Embedder) -> None:
        super().__init__(model_name=embedder.model_name, embed_batch_size=embedder.batch_size)
        self._embedder = embedder

    def _get_query_embedding(self, query: str) -> list[float]:
        # the query encoder ours uses too (the ONNX export), so latencies compare like with like
        return self._embedder.encode_queries([query])[0].tolist()  # type: ignore[no-any-return]

    def _get_text_embedding(self, text: str) -> list[float]:
        return self._embedder.embed([text])[0].tolist()  # type: ignore[no-any-return]

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        return self._embedder.embed(texts).tolist()  # type: ignore[no-any-return]

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._get_query_embedding(query)

    async def _aget_text_embedding(self, text: str) -> list[float]:
        return self._get_text_embedding(text)

    async def _aget_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        return self._get_text_embeddings(texts)


def load_llama_documents(corpus: Path) -> list[Document]:
    return SimpleDirectoryReader(str(corpus), required_exts=LLAMA_EXTS).load_data()


def split(documents: Sequence[Document], splitter: SentenceSplitter) -> list[BaseNode]:
    return list(splitter.get_nodes_from_documents(documents))


def passage_of_node(node: BaseNode) -> Passage:
    return Passage(file=node.metadata["file_name"], text=node.get_content())


def llama_vector_system(
    name: str, nodes: list[BaseNode], embed_model: BaseEmbedding, chroma_dir: Path
) -> System:
    """VectorStoreIndex over ``nodes`` in a Chroma collection of its own; dense top-k retrieval."""
    started = time.perf_counter()
    client = chromadb.PersistentClient(path=str(chroma_dir))
    collection = client.get_or_create_collection(name, embedding_function=None)
    storage = StorageContext.from_defaults(
        vector_store=ChromaVectorStore(chroma_collection=collection)
    )
    index = VectorStoreIndex(nodes, storage_context=storage, embed_model=embed_model)
    build = time.perf_counter() - started
    retrievers: dict[int, Any] = {}

    def retrieve(question: str, k: int) -> list[Passage]:
        if k not in retrievers:
            retrievers[k] = index.as_retriever(similarity_top_k=k)
        return [passage_of_node(hit.node) for hit in retrievers[k].retrieve(question)]

    return System(name, len(nodes), build, retrieve)


# --------------------------------------------------------------------------- BM25 alone


def bm25_system(name: str, nodes: list[BaseNode]) -> System:
    """BM25 over the nodes' text; hits with score 0 (no query word matched) are dropped."""
    started = time.perf_counter()
    tokenizer = bm25s.tokenization.Tokenizer(
        lower=True, stopwords="en", stemmer=Stemmer.Stemmer("english").stemWord
    )
    texts = [n.get_content() for n in nodes]
    tokens = tokenizer.tokenize(texts, show_progress=False, return_as="tuple")
    bm25 = bm25s.BM25()
    bm25.index(tokens, show_progress=False)
    build = time.perf_counter() - started

    def retrieve(question: str, k: int) -> list[Passage]:
        ids = tokenizer.tokenize(
            [question], update_vocab=False, show_progress=False, return_as="ids"
        )
        if not ids[0]:
            return []
        scores = bm25.get_scores(list(ids[0]))
        top = [int(i) for i in np.argsort(-scores)[:k] if scores[i] > 0]
        return [passage_of_node(nodes[i]) for i in top]

    return System(name, len(nodes), build, retrieve)


# --------------------------------------------------------------------------- ours


def our_system(corpus: Path, home: Path, embedder: Embedder) -> System:
    """Our ingest pipeline into a fresh home, searched with HybridSearcher."""
    settings = common.make_settings(home, corpus)
    started = time.perf_counter()
    common.build_index(settings, embedder, corpus)
    build = time.perf_counter() - started
    searcher = HybridSearcher(settings, embedder)
    files = common.source_file_names(settings)
    _, n_chunks = common.indexed_counts(settings)

    def retrieve(question: str, k: int) -> list[Passage]:
        return [Passage(files[e.doc_id], e.text) for e in searcher.search(question, k)]

    return System("ours", n_chunks, build, retrieve)


# --------------------------------------------------------------------------- running


def build_systems(
    names: Sequence[str], corpus: Path, workdir: Path, embedder: Embedder
) -> list[System]:
    wanted = set(names)
    documents = load_llama_documents(corpus) if wanted & set(BASELINES) else []
    small: list[BaseNode] = []
    if wanted & {"llama-256", "bm25-256"}:
        small = split(
            documents, SentenceSplitter(chunk_size=SMALL_CHUNK, chunk_overlap=SMALL_OVERLAP)
        )
    embed_model = MiniLMEmbedding(embedder)
    systems: list[System] = []
    for name in names:
        common.say(f"building {name} ...")
        if name == "llama-default":
            nodes = split(documents, SentenceSplitter())
            systems.append(llama_vector_system(name, nodes, embed_model, workdir / "chroma"))
        elif name == "llama-256":
            systems.append(llama_vector_system(name, small, embed_model, workdir / "chroma"))
        elif name == "bm25-256":
            systems.append(bm25_system(name, small))
        else:
            systems.append(our_system(corpus, workdir / "ours", embedder))
    return systems


def run(system: System, questions: Sequence[EvalQuestion]) -> Result:
    common.say(f"evaluating {system.name} ...")
    # Warm-up, so first-query costs are not timed; a string no question equals, because our
    # embedder caches recent queries and the timed run must not start with a cached one.
    system.retrieve(f"warm-up: {questions[0].question}", EVAL_K)
    report = evaluate(questions, system.retrieve, k=EVAL_K)
    latencies = [r.latency_ms for r in report.results]
    return Result(
        name=system.name,
        chunks=system.chunks,
        build_seconds=system.build_seconds,
        report=report,
        p50_ms=common.median(latencies),
        p95_ms=common.percentile(latencies, 95),
    )


def comparison(results: Sequence[Result]) -> dict[str, Any] | None:
    """Ours against the best baseline on recall@5 (None unless both were run)."""
    ours = next((r for r in results if r.name == "ours"), None)
    baselines = [r for r in results if r.name != "ours"]
    if ours is None or not baselines:
        return None
    best = max(baselines, key=lambda r: r.report.overall.recall[5])
    mine, theirs = ours.report.overall.recall[5], best.report.overall.recall[5]
    return {
        "best_baseline": best.name,
        "recall@5_ours": mine,
        "recall@5_best_baseline": theirs,
        "ratio": mine / theirs if theirs else None,
        "difference_points": 100 * (mine - theirs),
    }


# --------------------------------------------------------------------------- output

COLUMNS = (  # title, row key, alignment and width, value format
    ("system", "system", "<13", "{}"),
    ("chunks", "chunks", ">6", "{}"),
    ("R@1", "recall@1", ">6", "{:.3f}"),
    ("R@5", "recall@5", ">6", "{:.3f}"),
    ("R@10", "recall@10", ">6", "{:.3f}"),
    ("All@5", "all_quotes@5", ">6", "{:.3f}"),
    ("MRR", "mrr", ">6", "{:.3f}"),
    ("p50 ms", "median_ms", ">7", "{:.1f}"),
    ("p95 ms", "p95_ms", ">7", "{:.1f}"),
    ("build s", "build_s", ">7", "{:.1f}"),
)


def format_table(results: Sequence[Result]) -> str:
    header = "  ".join(format(title, align) for title, _, align, _ in COLUMNS)
    lines = [header, "-" * len(header)]
    for result in results:
        row = result.row()
        lines.append("  ".join(format(fmt.format(row[key]), a) for _, key, a, fmt in COLUMNS))
    return "\n".join(lines)


def format_comparison(c: dict[str, Any]) -> str:
    ratio = "n/a" if c["ratio"] is None else f"{c['ratio']:.2f}x"
    return (
        f"ours vs best baseline ({c['best_baseline']}) on recall@5: "
        f"{c['recall@5_ours']:.3f} vs {c['recall@5_best_baseline']:.3f} = {ratio}, "
        f"{c['difference_points']:+.1f} points"
    )


def print_text(results: Sequence[Result], details: bool) -> None:
    first = results[0].report
    print(
        f"{first.n_questions} questions: {first.overall.n} scored, "
        f"{first.n_skipped_unanswerable} unanswerable not scored. Top {EVAL_K} retrieved per "
        "question; latency per query after one warm-up query."
    )
    print(f"Machine: {common.machine()}")
    print(f"Code: {common.code_version()}")
    print()
    print(format_table(results))
    if (c := comparison(results)) is not None:
        print()
        print(format_comparison(c))
    for result in results if details else ():
        print(f"\n=== {result.name} ===")
        print(format_report(result.report))


def to_json(results: Sequence[Result], details: bool) -> dict[str, Any]:
    out: dict[str, Any] = {
        "machine": common.machine(),
        "code": common.code_version(),
        "k": EVAL_K,
        "systems": [r.row() for r in results],
        "comparison": comparison(results),
    }
    if details:
        out["reports"] = {r.name: report_to_dict(r.report) for r in results}
    return out


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.baselines",
        description="Compare our retrieval with llama-index and BM25 baselines on one corpus.",
    )
    parser.add_argument("--corpus", type=Path, default=common.DEFAULT_CORPUS, help="corpus folder")
    parser.add_argument(
        "--eval", type=Path, default=common.DEFAULT_EVAL, dest="eval_set", help="JSONL question set"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object instead")
    parser.add_argument("--only", choices=NAMES, help="run only this system")
    parser.add_argument(
        "--details", action="store_true", help="also print each system's full report and misses"
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    common.configure()
    questions = load_eval_set(args.eval_set)
    if not questions:
        raise SystemExit(f"{args.eval_set} has no questions")
    corpus = args.corpus.resolve()
    names = [args.only] if args.only else list(NAMES)
    with tempfile.TemporaryDirectory(prefix="pathways-bench-") as tmp:
        embedder = common.load_embedder(common.make_settings(Path(tmp) / "ours", corpus))
        systems = build_systems(names, corpus, Path(tmp), embedder)
        results = [run(system, questions) for system in systems]
    if args.json:
        print(json.dumps(to_json(results, args.details), indent=2))
    else:
        print_text(results, args.details)
    return 0


if __name__ == "__main__":
    sys.exit(main())
