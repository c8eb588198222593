"""Ingest's embedding, two ways on the same texts in one run: batches cut in document order (the
old path: 32 texts at a time as they come, so a short sentence pads to a long chunk's length)
against batches of similar length (``Embedder.embed_many``: sorted longest first, as
sentence-transformers sorts within one ``encode`` call).

For each corpus document, the texts ingest embeds (each chunk's embedding text, then each body
sentence) are embedded both ways; which path goes first alternates by document, so a change in
the machine's load falls on both. Prints seconds per path per document and in all, the ratio
old / new, and how far the two paths' vectors are apart (largest |a - b| and 1 - lowest cosine).

Run from the repository root:
  .venv/bin/python -m bench.bench_embed_batches [--corpus DIR] [--limit N]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from bench import common  # sets the offline environment first
from index.embedder import Embedder
from ingest.catalog import read_catalog, slugify
from ingest.chunk import chunk_document, embedding_text
from ingest.clean import clean_document
from ingest.loaders import SUPPORTED_FORMATS, load_document
from ingest.records import body_sentences
from pathways.settings import Settings

EmbedPath = Callable[[Embedder, Sequence[str]], np.ndarray]


def in_document_order(embedder: Embedder, texts: Sequence[str]) -> np.ndarray:
    """The old ingest path: batches of batch_size in the texts' own order."""
    size = embedder.batch_size
    return np.concatenate([embedder.embed(texts[i : i + size]) for i in range(0, len(texts), size)])


def length_sorted(embedder: Embedder, texts: Sequence[str]) -> np.ndarray:
    return embedder.embed_many(texts)


def document_texts(path: Path, title: str, embedder: Embedder, settings: Settings) -> list[str]:
    """What ingest embeds for one file: chunk embedding texts, then body sentences."""
    doc = clean_document(load_document(path).pages)
    tokenize = embedder.token_counter()
    chunks = chunk_document(
        slugify(path.stem), doc, tokenize,
        chunk_tokens=settings.chunk_tokens, overlap=settings.chunk_overlap,
    )  # fmt: skip
    budget = embedder.max_tokens - 2
    texts = [embedding_text(c, title, tokenize, budget) for c in chunks]
    return texts + [doc.text[s:e] for s, e in body_sentences(doc.text, doc.headings)]


def timed(run: EmbedPath, embedder: Embedder, texts: Sequence[str]) -> tuple[float, np.ndarray]:
    started = time.perf_counter()
    vectors = run(embedder, texts)
    return time.perf_counter() - started, vectors


def compare(embedder: Embedder, texts: Sequence[str], new_first: bool) -> tuple[float, ...]:
    """(old s, new s, max |a - b|, 1 - min cosine) for one document's texts."""
    if new_first:
        new_s, new = timed(length_sorted, embedder, texts)
        old_s, old = timed(in_document_order, embedder, texts)
    else:
        old_s, old = timed(in_document_order, embedder, texts)
        new_s, new = timed(length_sorted, embedder, texts)
    cosine = np.sum(old * new, axis=1) / (np.linalg.norm(old, axis=1) * np.linalg.norm(new, axis=1))
    return old_s, new_s, float(np.max(np.abs(old - new))), float(1 - np.min(cosine))


def main() -> int:
    common.configure()
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=common.DEFAULT_CORPUS)
    parser.add_argument("--limit", type=int, default=0, help="only the first N documents")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="pathways-bench-") as tmp:
        settings = common.make_settings(Path(tmp) / "data", args.corpus)
    embedder = Embedder.from_settings(settings)
    rows = read_catalog(args.corpus)
    files = sorted(p for p in args.corpus.iterdir() if p.suffix.lower() in SUPPORTED_FORMATS)
    files = files[: args.limit] if args.limit else files
    embedder.embed(["a warm-up text about career pathways"] * 4)
    print(f"machine: {common.machine()}; code {common.code_version()}")
    print(f"batch size {embedder.batch_size}, model {embedder.model_name}")
    print(f"{'document':44} {'texts':>6} {'old s':>8} {'new s':>8} {'old/new':>8} {'max|a-b|':>9}")
    total_old = total_new = worst_abs = worst_cos = 0.0
    for n, path in enumerate(files):
        title = rows.get(path.name, {}).get("title") or path.stem
        texts = document_texts(path, title, embedder, settings)
        old_s, new_s, max_abs, cos_gap = compare(embedder, texts, new_first=n % 2 == 1)
        total_old, total_new = total_old + old_s, total_new + new_s
        worst_abs, worst_cos = max(worst_abs, max_abs), max(worst_cos, cos_gap)
        name, ratio = path.name[:44], old_s / new_s
        print(f"{name:44} {len(texts):6d} {old_s:8.2f} {new_s:8.2f} {ratio:8.2f} {max_abs:9.1e}")
    print(f"{'all':44} {'':6} {total_old:8.2f} {total_new:8.2f} {total_old / total_new:8.2f}")
    print(f"vectors: largest |old - new| {worst_abs:.1e}, largest 1 - cosine {worst_cos:.1e}")
    print(f"load average after: {common.machine().rsplit(' ', 1)[-1]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
