"""Hybrid retrieval: dense vectors (Chroma) and BM25 keywords (bm25s), fused, optionally
re-ranked, and merged into excerpts.

One query goes through:

1. dense search (the embedder truncates a long query to its window, the first ~254 word
   pieces) and BM25 search, ``candidates`` chunks each; BM25 also scores, with a lower weight,
   the long forms of the query's acronyms as the documents define them (``index.acronyms``);
   a query asking what a term means also gets the chunk where a document defines that term
   (``index.definitions``); a query naming a document ("the Nashville memo") also gets dense
   and BM25 rankings within that document (``index.docnames``);
2. weighted reciprocal-rank fusion; measured on eval/dev.jsonl it beat min-max and z-score
   weighted score fusion (see docs/retrieval.md); its weights, constant and candidate depth
   are fitted on the question bank by cross-validation (``bench.fit_retrieval``);
3. the optional cross-encoder re-ranker (``index.rerank``, off unless configured);
4. neighbouring chunks of one document merged into one excerpt (``index.spans``).
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import replace

import numpy as np

from index import dense as dense_copy
from index.acronyms import Acronyms
from index.definitions import Definitions
from index.derived import load_or_derive, source_digest
from index.docnames import DocumentNames
from index.embedder import Embedder
from index.keyword import KeywordIndex, load_or_build
from index.query import Query
from index.rerank import Reranker, load_reranker, rerank
from index.search import (
    Excerpt,
    Filters,
    Searcher,
    Snapshot,
    allowed_docs,
    span_excerpt,
    to_excerpt,
)
from index.spans import merge_neighbours
from index.store import StoredChunk
from pathways.settings import Settings
from pathways.text import ORDINALS, SERIES

logger = logging.getLogger(__name__)

# the code that derives what on_reload caches: a change to it derives anew
DERIVED_BY = source_digest(
    [__name__, "index.acronyms", "index.definitions", "index.docnames", "pathways.text"]
)


def reciprocal_rank_fusion(
    rankings: Sequence[Sequence[tuple[str, float]]], weights: Sequence[float], k: int = 60
) -> list[tuple[str, float]]:
    """Fuse ranked lists: score(d) = sum_i w_i / (k + rank_i(d)). Each id appears once."""
    fused: dict[str, float] = {}
    for ranking, weight in zip(rankings, weights, strict=True):
        for rank, (doc, _) in enumerate(ranking, start=1):
            fused[doc] = fused.get(doc, 0.0) + weight / (k + rank)
    return sorted(fused.items(), key=lambda item: -item[1])


class HybridSearcher(Searcher):
    """Dense + BM25 with reciprocal-rank fusion, near-duplicate removal and excerpt merging."""

    def __init__(
        self, settings: Settings, embedder: Embedder, reranker: Reranker | None = None
    ) -> None:
        self.keyword: KeywordIndex = KeywordIndex.empty()
        self.acronyms = Acronyms()
        self.definitions = Definitions()
        self.defining_chunk: dict[tuple[str, int], str] = {}
        self.names = DocumentNames()
        self.matrix: dense_copy.VectorMatrix | None = None  # None: ask Chroma
        self.reranker = reranker if reranker is not None else load_reranker(settings)
        super().__init__(settings, embedder)

    def on_reload(self, snapshot: Snapshot) -> None:
        titles = {d: doc.meta.title for d, doc in snapshot.documents.items()}
        key = json.dumps([DERIVED_BY, [c.vector_id for c in snapshot.chunks], titles])
        folder = self.settings.home / "derived" / self.vectors.name
        derived = load_or_derive(folder, key, lambda: derive(snapshot, titles))
        self.acronyms, self.definitions, self.defining_chunk, self.names = derived
        if not snapshot.chunks:
            self.keyword = KeywordIndex.empty()
            self.matrix = dense_copy.VectorMatrix([], np.zeros((0, 1), dtype=np.float32), "")
            return
        ids = [c.vector_id for c in snapshot.chunks]
        keyword_texts = [keyword_text(c.chunk.section, c.chunk.text) for c in snapshot.chunks]
        folder = self.settings.home / "bm25" / self.vectors.name
        self.keyword = load_or_build(folder, snapshot.generation, ids, keyword_texts)
        self.load_vectors(ids, snapshot)

    def on_vectors(self, snapshot: Snapshot) -> None:
        """Vectors written without a new generation (a repair of missing ones): a copy that
        lacked rows asks Chroma for them again; a complete copy is still exact."""
        matrix = self.matrix
        if matrix is not None and snapshot.chunks and len(matrix.ids) < len(snapshot.chunks):
            self.load_vectors([c.vector_id for c in snapshot.chunks], snapshot)

    def load_vectors(self, ids: list[str], snapshot: Snapshot) -> None:
        folder = self.settings.home / "vectors" / self.vectors.name
        matrix = dense_copy.load_or_build(folder, ids, self.vectors.embeddings, self.matrix)
        matrix.docs = np.array([snapshot.by_vector_id[v].chunk.doc_id for v in matrix.ids])
        self.matrix = matrix  # one swap: a request sees the old copy or the new, whole

    def dense(
        self, query: Query, k: int, filters: Filters, snap: Snapshot
    ) -> list[tuple[str, float]]:
        """The nearest chunks, from the local copy of their vectors (index.dense)."""
        matrix = self.matrix
        if matrix is None:
            return super().dense(query, k, filters, snap)
        allowed = None
        if not filters.is_empty():
            allowed = np.isin(matrix.docs, sorted(allowed_docs(filters, snap)))
        return matrix.search(self.query_vector(query), k, allowed)

    def excerpts(self, query: Query, k: int, filters: Filters, snap: Snapshot) -> list[Excerpt]:
        ranked = self.rank(query, max(k, self.settings.candidates), filters, snap)
        if self.settings.excerpt_max_chars <= 0:
            top = ranked[:k]
            return [
                to_excerpt(i + 1, snap.by_vector_id[v], snap, s) for i, (v, s) in enumerate(top)
            ]
        chunks = {vid: snap.by_vector_id[vid].chunk for vid, _ in ranked}
        spans = merge_neighbours(ranked, chunks, k, self.settings.excerpt_max_chars)
        return [span_excerpt(i + 1, span, snap) for i, span in enumerate(spans)]

    def rank(
        self, query: Query, k: int, filters: Filters, snap: Snapshot
    ) -> list[tuple[str, float]]:
        """The best k chunks: fused, and re-ranked if configured."""
        n = max(k, self.settings.candidates)
        words = self.keywords(query)
        dense = self.dense(query, n, filters, snap)
        sparse = self.sparse(words, n, filters, snap)
        if not sparse:  # no query word in the documents: another language, a typo, gibberish
            dense = [(v, s) for v, s in dense if s >= self.settings.min_dense_similarity]
        rankings = [dense, sparse, self.defining(query, filters, snap)]
        weights = [
            self.settings.dense_weight,
            self.settings.keyword_weight,
            self.settings.definition_weight,
        ]
        named = self.named(query, filters, snap)
        if named is not None:
            rankings += [self.dense(query, n, named, snap), self.sparse(words, n, named, snap)]
            weights += [self.settings.named_weight * w for w in weights[:2]]
        fused = reciprocal_rank_fusion(rankings, weights, k=self.settings.rrf_k)
        # the keyword and definition indexes may already be a newer generation's: keep the
        # ids this snapshot holds (versioned ids mean the same chunk in every generation)
        ranked = [(v, s) for v, s in fused if v in snap.by_vector_id]
        if self.reranker is not None:
            top = ranked[: self.settings.rerank_depth]
            texts = [snap.by_vector_id[v].chunk.text for v, _ in top]
            ranked = rerank(self.reranker, query.text, top, texts) + ranked[len(top) :]
        return ranked[:k]

    def named(self, query: Query, filters: Filters, snap: Snapshot) -> Filters | None:
        """Filters narrowed to the documents the query names ("the Nashville memo"), or None
        when it names none (or only documents the filters exclude)."""
        allowed = allowed_docs(filters, snap)
        named = [d for d in self.names.named_by(query.title_words) if d in allowed]
        if not named or len(named) == len(allowed):
            return None
        return replace(filters, doc_id=tuple(named))

    def defining(self, query: Query, filters: Filters, snap: Snapshot) -> list[tuple[str, float]]:
        """The chunks that define the term the query asks the meaning of (usually none)."""
        places = self.definitions.defining(query.asked)
        if not places:
            return []
        allowed = allowed_docs(filters, snap)
        out: list[tuple[str, float]] = []
        for place in places:
            holder = self.defining_chunk.get(place)
            if place[0] in allowed and holder and holder not in {v for v, _ in out}:
                out.append((holder, 1.0))
        return out

    def keywords(self, query: Query) -> tuple[str, str]:
        """What BM25 searches for: the query with its ordinals as numbers and back, and the
        long forms of its acronyms (as the documents define them) to add."""
        expansion = self.acronyms.expand(query.text) if self.settings.acronym_weight > 0 else ""
        return with_ordinals(query.text), expansion

    def sparse(
        self, words: tuple[str, str], k: int, filters: Filters, snap: Snapshot
    ) -> list[tuple[str, float]]:
        """BM25 over section + chunk text for a query's ``keywords``."""
        allowed = None
        if not filters.is_empty():
            docs = allowed_docs(filters, snap)
            allowed = {c.vector_id for c in snap.chunks if c.chunk.doc_id in docs}
        text, expansion = words
        return self.keyword.search(
            text, k, allowed, expansion=expansion, expansion_weight=self.settings.acronym_weight
        )


Derived = tuple[Acronyms, Definitions, dict[tuple[str, int], str], DocumentNames]


def derive(snapshot: Snapshot, titles: Mapping[str, str]) -> Derived:
    """What ranking needs from the chunks besides the indexes (index.derived keeps it)."""
    texts = {c.vector_id: c.chunk.text for c in snapshot.chunks}
    definitions = Definitions.from_documents(snapshot.texts)
    return (
        Acronyms.from_texts(texts.values()),
        definitions,
        holders(definitions.all_places(), snapshot),
        DocumentNames.from_titles(titles, list(texts.values())),
    )


def holders(places: list[tuple[str, int]], snap: Snapshot) -> dict[tuple[str, int], str]:
    """(doc_id, offset) -> vector id of the first chunk that holds that offset. Looks only at
    the chunks of the place's own document: all chunks for every place grew as their product
    (80 s at 100k chunks)."""
    by_doc: dict[str, list[StoredChunk]] = {}
    for c in snap.chunks:
        by_doc.setdefault(c.chunk.doc_id, []).append(c)
    found: dict[tuple[str, int], str] = {}
    for doc_id, offset in dict.fromkeys(places):
        for c in by_doc.get(doc_id, ()):
            if c.chunk.start <= offset < c.chunk.end:
                found[doc_id, offset] = c.vector_id
                break
    return found


_ORDINAL_WORD = re.compile(r"\b(" + "|".join(ORDINALS) + r")\b", re.IGNORECASE)
_NUMBERED = re.compile(rf"\b({SERIES})\s+([1-9])\b", re.I)


def with_ordinals(query: str) -> str:
    """The query with each ordinal also as its number and each small label number also as its
    ordinal, so that "the second cohort" finds "Cohort 2" and "Cohort 2" finds "the second
    cohort"."""
    added = [str(ORDINALS.index(m.group(1).lower()) + 1) for m in _ORDINAL_WORD.finditer(query)]
    added += [ORDINALS[int(m.group(2)) - 1] for m in _NUMBERED.finditer(query)]
    return f"{query} {' '.join(added)}" if added else query


def keyword_text(section: str, text: str) -> str:
    return f"{section}\n{text}" if section else text
