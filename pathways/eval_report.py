"""The evaluation report: its types, and how it is shown as a plain-text table (overall, then
each kind, then the misses) and as JSON."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pathways.hit_rule import normalize

K_VALUES: tuple[int, ...] = (1, 3, 5, 10)
NDCG_K = 10
BUDGET_WORDS = 1000  # budget recall: evidence inside the first this many words of the results


@dataclass(frozen=True)
class QuestionScore:
    recall: Mapping[int, float]  # k -> fraction of quotes hit within top k
    all_hit: Mapping[int, float]  # k -> 1.0 if every quote hit within top k, else 0.0
    reciprocal_rank: float
    ndcg: float  # nDCG@NDCG_K
    budget: float = 0.0  # fraction of quotes hit within the first BUDGET_WORDS words


@dataclass(frozen=True)
class QuestionResult:
    id: str
    question: str
    kind: str
    quotes: tuple[str, ...]
    ranks: tuple[int | None, ...]
    score: QuestionScore | None  # None for unanswerable questions
    latency_ms: float


@dataclass(frozen=True)
class MetricSummary:
    n: int
    recall: Mapping[int, float]
    all_hit: Mapping[int, float]
    mrr: float
    ndcg: float
    budget: float = 0.0


@dataclass(frozen=True)
class QuoteRank:
    quote: str
    rank: int | None


@dataclass(frozen=True)
class Miss:
    id: str
    question: str
    quotes: tuple[QuoteRank, ...]


@dataclass(frozen=True)
class EvalReport:
    k: int
    overall: MetricSummary
    by_kind: Mapping[str, MetricSummary]
    misses: tuple[Miss, ...]
    n_questions: int
    n_skipped_unanswerable: int
    median_latency_ms: float
    results: tuple[QuestionResult, ...]


_COLUMNS: tuple[str, ...] = (
    "n", "R@1", "R@3", "R@5", "R@10", "All@5", "MRR", "nDCG@10", f"B@{BUDGET_WORDS}w"
)  # fmt: skip


def _cells(summary: MetricSummary) -> list[str]:
    def fmt(value: float | None) -> str:
        return "-" if value is None else f"{value:.3f}"

    recall = [fmt(summary.recall.get(k)) for k in K_VALUES]
    return [
        str(summary.n),
        *recall,
        fmt(summary.all_hit.get(5)),
        fmt(summary.mrr),
        fmt(summary.ndcg),
        fmt(summary.budget),
    ]


def _table(rows: Sequence[tuple[str, MetricSummary]]) -> list[str]:
    label_width = max(len("kind"), *(len(label) for label, _ in rows))
    header = ["kind".ljust(label_width), *(c.rjust(7) for c in _COLUMNS)]
    lines = ["  ".join(header)]
    for label, summary in rows:
        lines.append("  ".join([label.ljust(label_width), *(c.rjust(7) for c in _cells(summary))]))
    return lines


def _miss_lines(misses: Sequence[Miss], k: int) -> list[str]:
    lines = [f"Misses ({len(misses)}):"]
    for miss in misses:
        lines.append(f"- {miss.id}: {miss.question}")
        for qr in miss.quotes:
            where = f"rank {qr.rank}" if qr.rank is not None else f"not in top {k}"
            snippet = normalize(qr.quote)[:60]
            lines.append(f'    "{snippet}" -> {where}')
    return lines


def format_report(report: EvalReport) -> str:
    """A plain-text table (overall, then each kind) followed by the list of misses."""
    intro = (
        f"{report.n_questions} questions, {report.overall.n} scored, "
        f"{report.n_skipped_unanswerable} unanswerable skipped; top k = {report.k}; "
        f"median latency {report.median_latency_ms:.1f} ms"
    )
    rows = [("overall", report.overall), *report.by_kind.items()]
    return "\n".join([intro, "", *_table(rows), "", *_miss_lines(report.misses, report.k)])


def _summary_to_dict(summary: MetricSummary) -> dict[str, Any]:
    return {
        "n": summary.n,
        "recall": {str(k): v for k, v in summary.recall.items()},
        "all_hit": {str(k): v for k, v in summary.all_hit.items()},
        "mrr": summary.mrr,
        "ndcg@10": summary.ndcg,
        f"budget@{BUDGET_WORDS}w": summary.budget,
    }


def _score_to_dict(score: QuestionScore) -> dict[str, Any]:
    return {
        "recall": {str(k): v for k, v in score.recall.items()},
        "all_hit": {str(k): v for k, v in score.all_hit.items()},
        "reciprocal_rank": score.reciprocal_rank,
        "ndcg@10": score.ndcg,
        f"budget@{BUDGET_WORDS}w": score.budget,
    }


def _result_to_dict(result: QuestionResult) -> dict[str, Any]:
    return {
        "id": result.id,
        "kind": result.kind,
        "ranks": list(result.ranks),
        "score": None if result.score is None else _score_to_dict(result.score),
        "latency_ms": result.latency_ms,
    }


def report_to_dict(report: EvalReport) -> dict[str, Any]:
    """A JSON-serializable view of the report (integer k keys become strings)."""
    return {
        "k": report.k,
        "n_questions": report.n_questions,
        "n_skipped_unanswerable": report.n_skipped_unanswerable,
        "median_latency_ms": report.median_latency_ms,
        "overall": _summary_to_dict(report.overall),
        "by_kind": {kind: _summary_to_dict(s) for kind, s in report.by_kind.items()},
        "misses": [
            {
                "id": m.id,
                "question": m.question,
                "quotes": [{"quote": q.quote, "rank": q.rank} for q in m.quotes],
            }
            for m in report.misses
        ],
        "questions": [_result_to_dict(r) for r in report.results],
    }
