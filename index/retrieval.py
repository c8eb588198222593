"""Hybrid retrieval: dense vectors (Chroma) and BM25 keywords (bm25s), fused, de-duplicated."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence

from index.embedder import Embedder
from index.keyword import KeywordIndex, load_or_build
from index.search import Filters, Searcher, Snapshot, allowed_docs
from pathways.settings import Settings

logger = logging.getLogger(__name__)

RRF_K = 60
CANDIDATES = 40
DUPLICATE_OVERLAP = 0.6


def reciprocal_rank_fusion(
    rankings: Sequence[Sequence[tuple[str, float]]], weights: Sequence[float], k: int = RRF_K
) -> list[tuple[str, float]]:
    """Fuse ranked lists: score(d) = sum_i w_i / (k + rank_i(d)). Each id appears once."""
    fused: dict[str, float] = {}
    for ranking, weight in zip(rankings, weights, strict=True):
        for rank, (doc, _) in enumerate(ranking, start=1):
            fused[doc] = fused.get(doc, 0.0) + weight / (k + rank)
    return sorted(fused.items(), key=lambda item: -item[1])


def shingles(text: str, n: int = 3) -> set[tuple[str, ...]]:
    words = re.findall(r"\w+", text.lower())
    return {tuple(words[i : i + n]) for i in range(max(1, len(words) - n + 1))}


def overlap(a: set[tuple[str, ...]], b: set[tuple[str, ...]]) -> float:
    """Share of the smaller text's shingles found in the other (1.0: one contains the other)."""
    if not a or not b:
        return 0.0
    return len(a & b) / min(len(a), len(b))


def drop_near_duplicates(
    ranked: Sequence[tuple[str, float]], texts: dict[str, str], k: int
) -> list[tuple[str, float]]:
    """Keep the best of passages that repeat each other (a summary repeating its report)."""
    kept: list[tuple[str, float]] = []
    kept_shingles: list[set[tuple[str, ...]]] = []
    for vid, score in ranked:
        sh = shingles(texts[vid])
        if any(overlap(sh, other) >= DUPLICATE_OVERLAP for other in kept_shingles):
            continue
        kept.append((vid, score))
        kept_shingles.append(sh)
        if len(kept) >= k:
            break
    return kept


class HybridSearcher(Searcher):
    """Dense + BM25 with reciprocal-rank fusion and near-duplicate removal."""

    def __init__(self, settings: Settings, embedder: Embedder) -> None:
        self.keyword: KeywordIndex | None = None
        super().__init__(settings, embedder)

    def on_reload(self, snapshot: Snapshot) -> None:
        if not snapshot.chunks:
            self.keyword = KeywordIndex([], None, None)  # type: ignore[arg-type]
            return
        ids = [c.vector_id for c in snapshot.chunks]
        texts = [keyword_text(c.chunk.section, c.chunk.text) for c in snapshot.chunks]
        folder = self.settings.home / "bm25" / self.vectors.name
        self.keyword = load_or_build(folder, snapshot.generation, ids, texts)

    def rank(self, query: str, k: int, filters: Filters, snap: Snapshot) -> list[tuple[str, float]]:
        allowed_ids = None
        if not filters.is_empty():
            docs = allowed_docs(filters, snap)
            allowed_ids = {c.vector_id for c in snap.chunks if c.chunk.doc_id in docs}
        dense = self.dense(query, CANDIDATES, filters, snap)
        assert self.keyword is not None
        sparse = self.keyword.search(query, CANDIDATES, allowed_ids)
        fused = reciprocal_rank_fusion([dense, sparse], [1.0, 1.0])
        texts = {vid: snap.by_vector_id[vid].chunk.text for vid, _ in fused}
        return drop_near_duplicates(fused, texts, k)


def keyword_text(section: str, text: str) -> str:
    return f"{section}\n{text}" if section else text
