"""Question answering with verified citations, fully offline by default.

retrieve excerpts -> score their sentences -> pick relevant, different ones -> compose an
answer in which every sentence is a verbatim quote with its [n] citation. When no sentence
clears the calibrated threshold the answer abstains and shows related excerpts instead.

Here: gathering a question's evidence and deciding. The corpus view is answer.library, the
composing and rendering answer.compose, organization entries answer.organizations.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Any

import numpy as np

from answer.compose import SENTENCES, abstain, compose, compose_orgs, rendered
from answer.evidence import Candidate, select, span_ranks
from answer.features import (
    DENSE,
    FIGURE_MATCH,
    GAP_EXCERPTS,
    Analysis,
    analyse,
    question_vector,
    sentence_matrix,
)
from answer.library import Library
from answer.llm import synthesize
from answer.model import AnswerModel, Logistic, load_model
from answer.organizations import ORG_POOL, org_entries, organization_list
from index.embedder import Embedder
from index.query import Query, as_query
from index.retrieval import HybridSearcher
from index.search import Excerpt, Filters
from pathways.settings import Settings
from pathways.types import Answer

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Gathered:
    """A question's evidence before any fitted decision (see Answerer.gather)."""

    query: Analysis
    excerpts: list[Excerpt]
    rows: list[int]  # candidate sentence rows
    ranks: list[int | None]  # rank of the excerpt holding each; None: taken from the corpus
    features: np.ndarray  # SENTENCE_FEATURES per row
    texts: list[str]  # text, section and title of the top excerpts
    unknown: int  # years and names of the question no document mentions
    figure_found: bool  # a sentence of a top excerpt states the kind of figure asked for
    defining: frozenset[int] = frozenset()  # rows where a report defines the term asked about
    library: Library | None = None  # the generation the rows index (a writer may commit later)

    @property
    def inside(self) -> np.ndarray:
        """Which candidates lie in the retrieved excerpts (not taken from the whole corpus)."""
        return np.array([r is not None for r in self.ranks], dtype=bool)


def support_vector(lib: Library, g: Gathered, sentence: Logistic) -> np.ndarray:
    """QUESTION_FEATURES of a gathered question, with its candidates scored by ``sentence``."""
    scores = sentence.logit(g.features) if g.rows else np.zeros(0)
    inside = g.inside
    return question_vector(
        lib.sentences,
        g.query,
        probs=scores[inside],
        features=g.features[inside],
        excerpt_text=g.texts,
        unknown=g.unknown,
    )


def top_similarity(g: Gathered) -> float:
    """The best dense similarity of a sentence in the retrieved excerpts."""
    inside = g.inside
    return float(g.features[inside, DENSE].max()) if inside.any() else 0.0


def off_topic(g: Gathered, model: AnswerModel) -> bool:
    """No sentence of the retrieved excerpts is as close to the question as the closest one
    was for every answerable question the model was fitted on: the question is about
    something else ("is it gonna rain", "help with my chem homework")."""
    return top_similarity(g) < model.topic_floor


def lacks_figure(g: Gathered) -> bool:
    """The question asks for a figure (how many, how much, what share) and no sentence of the
    top GAP_EXCERPTS excerpts states one: the reports discuss the subject, not the number.
    Requiring the figure to be about what the question names as well refused more unanswerable
    questions but 6 of 165 answerable ones (docs/answers.md)."""
    return g.query.quantity is not None and not g.figure_found


def candidate_ranks(
    lib: Library, excerpts: list[Excerpt], org_filters: Filters | None
) -> dict[int, int | None]:
    """Candidate sentence row -> rank of the excerpt holding it. With ``org_filters`` (an
    organization list), also every sentence naming an organization in a document the filters
    admit, with no rank."""
    spans = [(e.doc_id, e.start, e.end) for e in excerpts]
    ranks: dict[int, int | None] = dict(span_ranks(lib.sentences, spans))
    if org_filters is not None:
        allowed = {d for d, doc in lib.documents.items() if org_filters.admits(doc)}
        for row in lib.org_rows:
            if lib.row_doc(row) in allowed:
                ranks.setdefault(row, None)
    return ranks


def defining_rows(lib: Library, rows: list[int], places: list[tuple[str, int]]) -> frozenset[int]:
    """The candidate rows where a report defines the term the question asks about."""
    bounds = lib.sentences.table.spans
    return frozenset(
        r for r in rows for d, at in places
        if lib.row_doc(r) == d and bounds[r][0] <= at < bounds[r][1]
    )  # fmt: skip


class Answerer:
    def __init__(self, settings: Settings, searcher: HybridSearcher, embedder: Embedder) -> None:
        self.settings = settings
        self.searcher = searcher
        self.embedder = embedder
        self._lock = threading.Lock()
        self._library: Library | None = None
        self._model: AnswerModel | None = None

    def library(self) -> Library:
        """The library of the catalog's current generation, built again after a writer commits
        (and again if one committed while it was being built)."""
        with self._lock:
            library = self._library
            for _ in range(5):
                generation = self.searcher.catalog.generation()
                if library is not None and library.generation == generation:
                    break
                library = self._library = Library(self.searcher)
            assert library is not None
            return library

    # --- public -------------------------------------------------------------------------
    def answer(
        self, question: str | Query, k: int | None = None, filters: Filters | None = None
    ) -> Answer:
        """The answer to a question (checked at the edge: index.query.read_query)."""
        answer = self.decide(self.gather(question, k, filters), self.model())
        if self.settings.llm_url and not answer.abstained:
            return synthesize(self.settings, answer)
        return answer

    def model(self) -> AnswerModel:
        if self._model is None:
            self._model = load_model(self.settings.home, self.settings.embedding_model)
        return self._model

    def gather(
        self,
        question: str | Query,
        k: int | None = None,
        filters: Filters | None = None,
        *,
        orgs: bool = False,
    ) -> Gathered:
        """Everything the fitted models read about a question, computed once: its analysis,
        the retrieved excerpts and the features of every sentence in them (and, for an
        organization list, of every sentence naming an organization)."""
        lib = self.library()
        self.searcher.require_index(lib.snapshot)
        asked = self.searcher.encode(as_query(question))  # one vector for search and sentences
        query = analyse(asked, lib.sentences)
        orgs = orgs or query.style == "orgs"
        pool = ORG_POOL if orgs else (k or self.settings.answer_k)
        excerpts = self.searcher.search(asked, pool, filters, lib.snapshot)
        vector = self.searcher.query_vector(asked)
        ranks = candidate_ranks(lib, excerpts, (filters or Filters()) if orgs else None)
        rows = [r for r in ranks if not lib.sentences.no_evidence(r)]
        row_ranks = [ranks[r] for r in rows]
        dense = lib.sentences.table.vectors[rows] @ vector if rows else np.zeros(0)
        features = sentence_matrix(
            lib.sentences,
            query,
            rows,
            ranks=row_ranks,
            dense=dense,
            headings=[lib.section(r) for r in rows],
            titles=[lib.title(r) for r in rows],
        )
        texts = [t for e in excerpts[:GAP_EXCERPTS] for t in (e.text, e.section, e.title)]
        found = query.quantity is not None and any(
            rank is not None and rank <= GAP_EXCERPTS and features[i, FIGURE_MATCH] > 0
            for i, rank in enumerate(row_ranks)
        )  # fmt: skip
        places = self.searcher.definitions.defining(asked.asked)
        return Gathered(
            query, excerpts, rows, row_ranks, features, texts,
            len(lib.unknown_specifics(asked)), found, defining_rows(lib, rows, places), lib,
        )  # fmt: skip

    def scored(
        self, lib: Library, g: Gathered, model: AnswerModel
    ) -> tuple[float, list[Candidate]]:
        """The support probability of the question and its candidates, best first."""
        probs = model.sentence.logit(g.features) if g.rows else np.zeros(0)
        qx = support_vector(lib, g, model.sentence)
        confidence = float(model.support.prob(qx[None, :])[0])
        candidates = sorted(
            (
                Candidate(row, lib.row_doc(row), *lib.sentences.table.spans[row],
                          float(g.features[i, 0]), float(g.features[i, 2]), g.ranks[i] or 0,
                          float(probs[i]))
                for i, row in enumerate(g.rows)
            ),
            key=lambda c: -c.score,
        )  # fmt: skip
        return confidence, candidates

    def decide(self, g: Gathered, model: AnswerModel) -> Answer:
        """Score the gathered sentences, abstain or answer, and compose."""
        lib = g.library or self.library()  # the rows index the library they were gathered from
        confidence, candidates = self.scored(lib, g, model)
        if off_topic(g, model):  # farther from every report than any answerable question
            return rendered(g.query.text, confidence, [], style="plain", related=[])
        if confidence < model.threshold or not candidates or lacks_figure(g):
            return abstain(lib, g.query.text, confidence, candidates)
        style = g.query.style
        if style == "orgs":
            entries = org_entries(lib, candidates, g.query.text)
            if len(entries) >= 2:
                return compose_orgs(lib, g.query.text, entries, confidence)
            style = "list"
        ranked = [c for c in candidates if c.chunk_rank]
        if not ranked:
            return abstain(lib, g.query.text, confidence, candidates)
        floor = ranked[0].score - model.select_margin
        # a question asking what a term means is answered first by the report's own definition
        lead = [c for c in ranked if c.row in g.defining][:1]
        rest = [c for c in ranked if c.row not in g.defining]
        vectors = lib.sentences.table.vectors
        picked = lead + select(rest, vectors, SENTENCES[style] - len(lead), floor=floor)
        if style == "plain":  # the strongest evidence first, the rest in reading order
            picked = picked[:1] + sorted(picked[1:], key=lambda c: (c.doc_id, c.start))
        return compose(lib, g.query.text, style, picked, confidence)

    def organizations(
        self, topic: str | Query, limit: int = 12, filters: Filters | None = None
    ) -> list[dict[str, Any]]:
        """Organizations relevant to a topic, each with its best evidence and citations."""
        g = self.gather(topic, filters=filters, orgs=True)
        lib = g.library or self.library()
        _, candidates = self.scored(lib, g, self.model())
        entries = org_entries(lib, candidates, g.query.text)[:limit]
        return organization_list(lib, entries)
