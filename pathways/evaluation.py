"""Retrieval evaluation against a JSONL question set (see ``eval/README.md``).

Everything here is pure and independent of how retrieval works: ``evaluate`` takes a
``retrieve(question, k)`` callable and scores the passages it returns against the question set
(``pathways.eval_set``) under the README hit rule (``pathways.hit_rule``), into a report
(``pathways.eval_report``). Their names are importable from here too.
"""

from __future__ import annotations

import logging
import math
import re
import statistics
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath, PureWindowsPath

from pathways.eval_report import (
    BUDGET_WORDS,
    K_VALUES,
    NDCG_K,
    EvalReport,
    MetricSummary,
    Miss,
    QuestionResult,
    QuestionScore,
    QuoteRank,
    format_report,
    report_to_dict,
)
from pathways.eval_set import (
    KINDS,
    EvalQuestion,
    EvalSetError,
    Evidence,
    load_eval_set,
    parse_question,
)
from pathways.hit_rule import is_hit, lcs_length, normalize, prepare, prepared_hit, words

__all__ = [  # the question set, the hit rule and the report, for callers of the evaluation
    "BUDGET_WORDS", "K_VALUES", "NDCG_K", "EvalQuestion", "EvalReport", "EvalSetError",
    "Evidence", "MetricSummary", "Miss", "Passage", "QuestionResult", "QuestionScore",
    "QuoteRank", "evaluate", "format_report", "is_hit", "lcs_length", "load_eval_set",
    "normalize", "parse_question", "quote_ranks", "report_to_dict", "summarize", "words",
    "within_budget",
]  # fmt: skip

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Passage:
    """A retrieved passage. ``file`` is its source file name, or None to match any quote."""

    file: str | None
    text: str


def _base_name(file: str) -> str:
    return PureWindowsPath(PurePosixPath(file).name).name


def _same_file(evidence_file: str, passage_file: str | None) -> bool:
    return passage_file is None or _base_name(passage_file) == _base_name(evidence_file)


def within_budget(passages: Sequence[Passage], budget: int = BUDGET_WORDS) -> list[Passage]:
    """The ranked passages cut at ``budget`` words in all: what a reader (or a model) sees
    when it reads the results in order up to that many words. Fair across chunk sizes."""
    out: list[Passage] = []
    left = budget
    for p in passages:
        if left <= 0:
            break
        spans = list(re.finditer(r"\S+", p.text))
        cut = p.text if len(spans) <= left else p.text[: spans[left - 1].end()]
        out.append(Passage(p.file, cut))
        left -= len(spans)
    return out


def quote_ranks(question: EvalQuestion, passages: Sequence[Passage]) -> list[int | None]:
    """Per evidence quote: 1-based rank of the first passage that hits it, or None."""
    prepared = [prepare(p.text) for p in passages]
    ranks: list[int | None] = []
    for ev in question.evidence:
        quote = prepare(ev.quote)
        hits = (
            rank
            for rank, (passage, prep) in enumerate(zip(passages, prepared, strict=True), start=1)
            if _same_file(ev.file, passage.file) and prepared_hit(quote, prep)
        )
        ranks.append(next(hits, None))
    return ranks


# --------------------------------------------------------------------------- scoring


def _within(ranks: Sequence[int | None], k: int) -> list[bool]:
    return [r is not None and r <= k for r in ranks]


def _dcg(positions: Iterable[int]) -> float:
    return sum(1.0 / math.log2(pos + 1) for pos in positions)


def ndcg(ranks: Sequence[int | None], k: int = NDCG_K) -> float:
    """Binary-gain nDCG@k where each quote is one relevant item.

    A passage gains 1 if it is the first hit of at least one quote, so the gain positions are
    the distinct first-hit ranks within k. Ideal: min(n_quotes, k) hits at ranks 1, 2, ...
    """
    if not ranks:
        return 0.0
    gains = {r for r in ranks if r is not None and r <= k}
    ideal = _dcg(range(1, min(len(ranks), k) + 1))
    return _dcg(gains) / ideal


def score_question(
    ranks: Sequence[int | None],
    k_values: Sequence[int] = K_VALUES,
    budget_ranks: Sequence[int | None] = (),
) -> QuestionScore:
    """Recall@k, all-hit@k, reciprocal rank and nDCG@10 from per-quote first-hit ranks."""
    if not ranks:
        raise ValueError("score_question needs at least one quote rank")
    recall = {k: sum(_within(ranks, k)) / len(ranks) for k in k_values}
    all_hit = {k: float(all(_within(ranks, k))) for k in k_values}
    found = [r for r in ranks if r is not None]
    reciprocal_rank = 1.0 / min(found) if found else 0.0
    budget = sum(r is not None for r in budget_ranks) / len(ranks)
    return QuestionScore(recall, all_hit, reciprocal_rank, ndcg(ranks), budget)


def summarize(scores: Sequence[QuestionScore], k_values: Sequence[int] = K_VALUES) -> MetricSummary:
    """Mean of each metric over questions (all zeros when there are none)."""

    def mean(values: Iterable[float]) -> float:
        return statistics.fmean(values) if scores else 0.0

    return MetricSummary(
        n=len(scores),
        recall={k: mean(s.recall[k] for s in scores) for k in k_values},
        all_hit={k: mean(s.all_hit[k] for s in scores) for k in k_values},
        mrr=mean(s.reciprocal_rank for s in scores),
        ndcg=mean(s.ndcg for s in scores),
        budget=mean(s.budget for s in scores),
    )


def _kind_order(kind: str) -> tuple[int, str]:
    return (KINDS.index(kind) if kind in KINDS else len(KINDS), kind)


def summarize_by_kind(results: Sequence[QuestionResult]) -> dict[str, MetricSummary]:
    """One summary per kind among scored questions, in the order of KINDS."""
    kinds = sorted({r.kind for r in results if r.score is not None}, key=_kind_order)
    return {
        kind: summarize([r.score for r in results if r.kind == kind and r.score is not None])
        for kind in kinds
    }


def _miss(result: QuestionResult, k: int) -> Miss | None:
    if all(_within(result.ranks, k)):
        return None
    quotes = tuple(QuoteRank(q, r) for q, r in zip(result.quotes, result.ranks, strict=True))
    return Miss(id=result.id, question=result.question, quotes=quotes)


def evaluate_question(
    question: EvalQuestion, retrieve: Callable[[str, int], Sequence[Passage]], k: int = 10
) -> QuestionResult:
    """Retrieve top-k for one question (timed) and score it; unanswerable ones get no score."""
    start = time.perf_counter()
    passages = list(retrieve(question.question, k))[:k]
    latency_ms = (time.perf_counter() - start) * 1000.0
    ranks = tuple(quote_ranks(question, passages))
    budget_ranks = quote_ranks(question, within_budget(passages)) if ranks else []
    return QuestionResult(
        id=question.id,
        question=question.question,
        kind=question.kind,
        quotes=tuple(ev.quote for ev in question.evidence),
        ranks=ranks,
        score=score_question(ranks, budget_ranks=budget_ranks) if ranks else None,
        latency_ms=latency_ms,
    )


def evaluate(
    questions: Sequence[EvalQuestion],
    retrieve: Callable[[str, int], Sequence[Passage]],
    k: int = 10,
) -> EvalReport:
    """Run every question through ``retrieve`` and aggregate the retrieval metrics.

    Unanswerable questions (no evidence) are retrieved and timed but not scored.
    """
    results = [evaluate_question(q, retrieve, k) for q in questions]
    scored = [r for r in results if r.score is not None]
    latencies = [r.latency_ms for r in results]
    return EvalReport(
        k=k,
        overall=summarize([r.score for r in scored if r.score is not None]),
        by_kind=summarize_by_kind(results),
        misses=tuple(m for r in scored if (m := _miss(r, k)) is not None),
        n_questions=len(results),
        n_skipped_unanswerable=len(results) - len(scored),
        median_latency_ms=statistics.median(latencies) if latencies else 0.0,
        results=tuple(results),
    )
