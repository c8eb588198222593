"""Fit the answer models on labelled questions, and measure them out of fold.

    samples = collect(answerer, questions)       # retrieval and features, once per question
    model = fit_model(samples)                   # what `pathways fit` ships
    report = cross_validate(answerer, samples)   # figures on questions each fit did not see

A candidate sentence is labelled relevant when citing it cites gold evidence (the hit rule of
eval/README.md), or when its words lie inside a gold quote. The support model learns whether a
question is answerable from what its evidence looks like; its abstention threshold is the one
that refuses at most ``max_false_refusals`` of the answerable questions it did not see.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

import numpy as np

from answer.compose import WINDOW_CHARS
from answer.features import QUESTION_FEATURES, SENTENCE_FEATURES
from answer.library import Library
from answer.model import AnswerModel, Logistic
from answer.qa import Answerer, Gathered, lacks_figure, support_vector, top_similarity
from pathways.evaluation import EvalQuestion, is_hit, lcs_length, normalize
from pathways.text import words
from pathways.types import Answer

logger = logging.getLogger(__name__)

FOLDS = 5
SEED = 13
MAX_FALSE_REFUSALS = 0.03
SELECT_MARGINS = (0.1, 0.2, 0.4, 0.8, 100.0)


@dataclass
class Sample:
    question: EvalQuestion
    gathered: Gathered
    labels: np.ndarray  # per candidate row: citing it cites gold evidence


def collect(
    answerer: Answerer,
    questions: Sequence[EvalQuestion],
    progress: Callable[[int, int], None] | None = None,
) -> list[Sample]:
    lib = answerer.library()
    files = lib.files
    samples = []
    for i, q in enumerate(questions):
        g = answerer.gather(q.question)
        samples.append(Sample(q, g, relevant_rows(lib, q, g.rows, files)))
        if progress:
            progress(i + 1, len(questions))
    return samples


def relevant_rows(
    lib: Library, q: EvalQuestion, rows: Sequence[int], files: dict[str, str]
) -> np.ndarray:
    quotes = [(ev.file, normalize(ev.quote), set(words(ev.quote))) for ev in q.evidence]
    out = np.zeros(len(rows), dtype=bool)
    for i, row in enumerate(rows):
        file = files.get(lib.row_doc(row))
        said = lib.sentences.text(row)
        said_words = words(said)
        doc_id, start, end = lib.sentences.extend(row, WINDOW_CHARS)
        cited = lib.sentences.texts[doc_id][start:end]
        for qfile, quote, qset in quotes:
            if qfile != file or len(set(said_words) & qset) < 0.5 * len(set(said_words)):
                continue
            inside = len(said_words) >= 4 and lcs_length(said_words, words(quote)) >= 0.8 * len(
                said_words
            )
            if inside or is_hit(quote, cited):
                out[i] = True
                break
    return out


# --------------------------------------------------------------------------- fitting


def fit_logistic(x: np.ndarray, y: np.ndarray, names: tuple[str, ...], c: float) -> Logistic:
    from sklearn.linear_model import LogisticRegression

    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale < 1e-9] = 1.0
    if len(set(y.tolist())) < 2:  # nothing to learn: a constant at the base rate
        base = float(np.clip(y.mean() if len(y) else 0.5, 0.01, 0.99))
        return Logistic(names, mean, scale, np.zeros(len(names)), float(np.log(base / (1 - base))))
    clf = LogisticRegression(C=c, max_iter=2000)
    clf.fit((x - mean) / scale, y)
    return Logistic(names, mean, scale, clf.coef_[0].astype(np.float64), float(clf.intercept_[0]))


GRID = (-2.0, -1.0, -0.5, -0.3, -0.2, -0.1, 0.0, 0.1, 0.2, 0.3, 0.5, 0.8, 1.2, 2.0)
SWEEPS = 3


class Stacked:
    """The candidates of the questions with relevant ones, stacked for fast re-scoring."""

    def __init__(self, samples: Sequence[Sample]) -> None:
        used = [s for s in samples if s.labels.any()]
        self.x = np.vstack([s.gathered.features for s in used]) if used else np.zeros((0, 1))
        self.labels = np.concatenate([s.labels for s in used]) if used else np.zeros(0, bool)
        sizes = [len(s.labels) for s in used]
        self.starts = np.cumsum([0, *sizes[:-1]]).astype(int)
        self.group = np.repeat(np.arange(len(used)), sizes)

    def first_ranks(self, weights: np.ndarray) -> np.ndarray:
        """Per question: rank of its best-scored relevant sentence."""
        if not len(self.starts):
            return np.zeros(0)
        scores = self.x @ weights
        best = np.maximum.reduceat(np.where(self.labels, scores, -np.inf), self.starts)
        above = (scores > best[self.group]).astype(int)
        return 1 + np.add.reduceat(above, self.starts)


def ranking_quality(ranks: np.ndarray) -> float:
    """Mean reciprocal rank plus the share found within the first 4 (a short answer's size)."""
    return float(np.mean(1.0 / ranks) + np.mean(ranks <= 4)) if len(ranks) else 0.0


def fit_sentences(samples: Sequence[Sample], c: float = 1.0) -> Logistic:
    """A linear sentence score fitted for what an answer needs: a relevant sentence among the
    first few. Pairwise logistic regression (relevant vs not, within a question) gives the
    start; coordinate ascent on ``ranking_quality`` refines it, with the dense similarity's
    weight fixed at 1 as the scale."""
    names = SENTENCE_FEATURES
    stacked = Stacked(samples)
    weights = pairwise_start(samples, c)
    best = ranking_quality(stacked.first_ranks(weights))
    for _ in range(SWEEPS):
        for j in range(1, len(names)):
            for value in GRID:
                trial = weights.copy()
                trial[j] = value
                quality = ranking_quality(stacked.first_ranks(trial))
                if quality > best + 1e-9:
                    best, weights = quality, trial
    zeros = np.zeros(len(names))
    return Logistic(names, zeros, np.ones(len(names)), weights, 0.0)


def pairwise_start(samples: Sequence[Sample], c: float, pairs: int = 100) -> np.ndarray:
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(SEED)
    diffs = []
    for s in samples:
        if s.labels.any() and not s.labels.all():
            pos, neg = s.gathered.features[s.labels], s.gathered.features[~s.labels]
            diffs.append(
                pos[rng.integers(0, len(pos), pairs)] - neg[rng.integers(0, len(neg), pairs)]
            )
    start = np.zeros(len(SENTENCE_FEATURES))
    start[0] = 1.0
    if not diffs:
        return start
    d = np.vstack(diffs)
    clf = LogisticRegression(C=c, max_iter=3000, fit_intercept=False)
    clf.fit(np.vstack([d, -d]), np.r_[np.ones(len(d)), np.zeros(len(d))])
    w = clf.coef_[0]
    return w / w[0] if w[0] > 0 else start


def folds_of(n: int, k: int = FOLDS, seed: int = SEED) -> list[np.ndarray]:
    order = np.random.default_rng(seed).permutation(n)
    return [order[i::k] for i in range(k)]


def fit_model(
    answerer: Answerer,
    samples: Sequence[Sample],
    *,
    c: float = 1.0,
    inner: int = FOLDS,
) -> AnswerModel:
    """Both models, the selection margin and the threshold. Everything after the sentence
    model is fitted on what out-of-fold sentence models give (as new questions will meet
    it): the margin that cites the most gold evidence, the support model's labels (would the
    answer cite gold evidence) and features, and the threshold, set on out-of-fold support
    probabilities so that at most MAX_FALSE_REFUSALS of answerable questions are refused."""
    lib = answerer.library()
    n = len(samples)
    inner_models, owner = inner_sentence_models(samples, inner, c)
    margin, y = best_margin(answerer, samples, inner_models, owner, c)
    qx = np.array(
        [support_vector(lib, s.gathered, inner_models[owner[i]]) for i, s in enumerate(samples)]
    )
    answerable = np.array([s.question.answerable for s in samples])
    oof = np.zeros(n)
    for part in folds_of(n, inner, SEED + 2):
        keep = np.setdiff1d(np.arange(n), part)
        oof[part] = fit_logistic(qx[keep], y[keep], QUESTION_FEATURES, c).prob(qx[part])
    closest = np.array([top_similarity(s.gathered) for s in samples])
    topic_floor = float(closest[answerable].min()) if answerable.any() else 0.0
    threshold = refusal_threshold(
        oof,
        answerable,
        np.array([lacks_figure(s.gathered) for s in samples]) | (closest < topic_floor),
    )
    info = {"questions": n, "answerable": int(answerable.sum()), "c": c,
            "embedding_model": answerer.settings.embedding_model,
            "fitted": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")}  # fmt: skip
    sentence = fit_sentences(samples, c)
    support = fit_logistic(qx, y, QUESTION_FEATURES, c)
    return AnswerModel(sentence, support, threshold, margin, topic_floor, info)


def inner_sentence_models(
    samples: Sequence[Sample], inner: int, c: float
) -> tuple[list[Logistic], np.ndarray]:
    """Sentence models fitted with each inner fold held out, and for each sample the index of
    the model that did not see it."""
    models: list[Logistic] = []
    owner = np.zeros(len(samples), dtype=int)
    for part in folds_of(len(samples), inner, SEED + 1):
        held = set(part.tolist())
        models.append(fit_sentences([s for i, s in enumerate(samples) if i not in held], c))
        owner[part] = len(models) - 1
    return models, owner


def best_margin(
    answerer: Answerer,
    samples: Sequence[Sample],
    models: list[Logistic],
    owner: np.ndarray,
    c: float,
) -> tuple[float, np.ndarray]:
    """The selection margin whose answers (from the out-of-fold sentence models) cite the
    most gold evidence, and for each sample whether its answer did."""
    files = answerer.library().files
    always = fit_logistic(np.zeros((1, len(QUESTION_FEATURES))), np.ones(1), QUESTION_FEATURES, c)

    def cited(margin: float) -> np.ndarray:
        trials = [AnswerModel(m, always, -1.0, margin) for m in models]
        return np.array([
            s.question.answerable
            and gold_cited(s.question, answerer.decide(s.gathered, trials[owner[i]]), files)
            for i, s in enumerate(samples)
        ])  # fmt: skip

    by_margin = {m: cited(m) for m in SELECT_MARGINS}
    margin = max(SELECT_MARGINS, key=lambda m: (by_margin[m].sum(), -m))
    return margin, by_margin[margin]


def refusal_threshold(probs: np.ndarray, answerable: np.ndarray, ruled: np.ndarray) -> float:
    """The highest threshold that, with the answerable questions the figure rule already
    refuses, refuses at most MAX_FALSE_REFUSALS of the answerable ones."""
    budget = int(np.floor(MAX_FALSE_REFUSALS * answerable.sum())) - int((ruled & answerable).sum())
    kept = np.sort(probs[answerable & ~ruled])
    if not len(kept):
        return 0.5
    return float(kept[max(0, budget)]) - 1e-6 if budget >= 0 else float(kept[0]) - 1e-6


# --------------------------------------------------------------------------- measuring


def gold_hits(q: EvalQuestion, answer: Answer, files: dict[str, str]) -> list[bool]:
    """Per gold quote: whether a citation of the same file hits it (the eval hit rule)."""
    return [
        any(files.get(c.doc_id) == ev.file and is_hit(ev.quote, c.quote) for c in answer.citations)
        for ev in q.evidence
    ]


def gold_cited(q: EvalQuestion, answer: Answer, files: dict[str, str]) -> bool:
    return any(gold_hits(q, answer, files))


def entity_share(q: EvalQuestion, answer: Answer) -> float | None:
    if not q.entities:
        return None
    text = (answer.answer + " " + " ".join(c.quote for c in answer.citations)).lower()
    return sum(e.lower() in text for e in q.entities) / len(q.entities)


def cross_validate(
    answerer: Answerer, samples: Sequence[Sample], *, c: float = 1.0, k: int = FOLDS
) -> list[dict[str, Any]]:
    """One row per question, answered by a model fitted without its fold."""
    lib = answerer.library()
    files = lib.files
    rows: list[dict[str, Any]] = []
    for fold, part in enumerate(folds_of(len(samples), k)):
        held = set(part.tolist())
        model = fit_model(answerer, [s for i, s in enumerate(samples) if i not in held], c=c)
        logger.info(
            "fold %d: threshold %.3f margin %.2f", fold, model.threshold, model.select_margin
        )
        for i in part:
            s = samples[i]
            ans = answerer.decide(s.gathered, model)
            row = question_row(s.question, ans, lib, files, fold)
            forced = answerer.decide(s.gathered, replace(model, threshold=-1.0))
            row["supported"] = s.question.answerable and gold_cited(s.question, forced, files)
            rows.append(row)
    return sorted(rows, key=lambda r: r["id"])


def question_row(
    q: EvalQuestion, ans: Answer, lib: Library, files: dict[str, str], fold: int
) -> dict[str, Any]:
    quotes = [*ans.citations, *ans.related]
    return {
        "id": q.id, "audience": q.audience or "-", "kind": q.kind, "fold": fold,
        "question": q.question, "answerable": q.answerable, "abstained": ans.abstained,
        "confidence": ans.confidence,
        "gold_cited": gold_cited(q, ans, files) if q.answerable and not ans.abstained else False,
        "entities": entity_share(q, ans) if not ans.abstained else (0.0 if q.entities else None),
        "quotes_exact": sum(lib.structure[c.doc_id].text[c.start : c.end] == c.quote
                            for c in quotes),
        "quotes": len(quotes),
        "longest_quote_words": max((len(c.quote.split()) for c in quotes), default=0),
    }  # fmt: skip


def fit_and_measure(
    answerer: Answerer,
    questions: Sequence[EvalQuestion],
    *,
    folds: int = FOLDS,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[AnswerModel, list[dict[str, Any]]]:
    """The model fitted on every question, and the out-of-fold rows that measure it (none
    when folds < 2)."""
    samples = collect(answerer, questions, progress)
    rows = cross_validate(answerer, samples, k=folds) if folds >= 2 else []
    model = fit_model(answerer, samples)
    return model, rows
