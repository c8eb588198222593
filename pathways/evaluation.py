"""Retrieval evaluation against a JSONL question set (see ``eval/README.md``).

Everything here is pure and independent of how retrieval works: ``evaluate`` takes a
``retrieve(question, k)`` callable and scores the passages it returns. A passage is a hit for
a quote under exactly the README rule: after ``normalize``, the quote is a substring of the
passage, or the longest common subsequence of their word lists covers at least 80% of the
quote's words.
"""

from __future__ import annotations

import json
import logging
import math
import re
import statistics
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any, TypeVar

from pathways.errors import PathwaysError
from pathways.text import words

logger = logging.getLogger(__name__)

KINDS: tuple[str, ...] = ("fact", "list", "why", "how", "numeric", "compare", "unanswerable")
K_VALUES: tuple[int, ...] = (1, 3, 5, 10)
NDCG_K = 10
BUDGET_WORDS = 1000  # budget recall: evidence inside the first this many words of the results
HIT_NUMERATOR, HIT_DENOMINATOR = 4, 5  # the 80% LCS threshold, kept as an exact fraction

T = TypeVar("T")


class EvalSetError(PathwaysError):
    """The evaluation set file is missing or has a malformed line."""

    status_code = 422


# --------------------------------------------------------------------------- data


@dataclass(frozen=True)
class Evidence:
    file: str
    quote: str


@dataclass(frozen=True)
class EvalQuestion:
    id: str
    question: str
    kind: str
    evidence: tuple[Evidence, ...]
    answer: str
    entities: tuple[str, ...]
    paraphrased: bool
    audience: str = ""  # policy | staff | public, where the set says

    @property
    def answerable(self) -> bool:
        return bool(self.evidence)


@dataclass(frozen=True)
class Passage:
    """A retrieved passage. ``file`` is its source file name, or None to match any quote."""

    file: str | None
    text: str


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


# --------------------------------------------------------------------------- loading


def load_eval_set(path: Path) -> list[EvalQuestion]:
    """Read one question per non-blank line; raise EvalSetError naming the bad line."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as e:
        raise EvalSetError(f"Cannot read evaluation set {path}: {e}") from e
    questions: list[EvalQuestion] = []
    seen: set[str] = set()
    for lineno, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        question = parse_question(line, where=f"{path}:{lineno}")
        if question.id in seen:
            raise EvalSetError(f"{path}:{lineno}: duplicate question id {question.id!r}")
        seen.add(question.id)
        questions.append(question)
    return questions


def parse_question(line: str, where: str = "<line>") -> EvalQuestion:
    """Parse and validate one JSONL line; ``where`` prefixes error messages."""
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as e:
        raise EvalSetError(f"{where}: invalid JSON: {e.msg} (column {e.colno})") from e
    if not isinstance(obj, dict):
        raise EvalSetError(f"{where}: expected a JSON object, got {type(obj).__name__}")
    kind = _field(obj, "kind", str, where)
    if kind not in KINDS:
        raise EvalSetError(f"{where}: unknown kind {kind!r}; expected one of {', '.join(KINDS)}")
    evidence = _parse_evidence(_field(obj, "evidence", list, where), where)
    if (kind == "unanswerable") == bool(evidence):
        raise EvalSetError(f"{where}: evidence must be empty exactly when kind is 'unanswerable'")
    entities = _field(obj, "entities", list, where)
    if not all(isinstance(e, str) for e in entities):
        raise EvalSetError(f"{where}: 'entities' must be a list of strings")
    return EvalQuestion(
        id=_field(obj, "id", str, where),
        question=_field(obj, "question", str, where),
        kind=kind,
        evidence=evidence,
        answer=_field(obj, "answer", str, where),
        entities=tuple(entities),
        paraphrased=_field(obj, "paraphrased", bool, where),
        audience=str(obj.get("audience", "")),
    )


def _field(obj: Mapping[str, Any], key: str, kind: type[T], where: str) -> T:
    if key not in obj:
        raise EvalSetError(f"{where}: missing field {key!r}")
    value = obj[key]
    if not isinstance(value, kind):
        raise EvalSetError(f"{where}: field {key!r} must be {kind.__name__}, got {value!r:.60}")
    return value


def _parse_evidence(items: list[Any], where: str) -> tuple[Evidence, ...]:
    evidence: list[Evidence] = []
    for i, item in enumerate(items):
        at = f"{where}: evidence[{i}]"
        if not isinstance(item, dict):
            raise EvalSetError(f"{at} must be an object with 'file' and 'quote'")
        file, quote = _field(item, "file", str, at), _field(item, "quote", str, at)
        if not file.strip() or not words(quote):
            raise EvalSetError(f"{at}: 'file' and 'quote' must be non-empty")
        evidence.append(Evidence(file=file, quote=quote))
    return tuple(evidence)


# --------------------------------------------------------------------------- hit rule

_ARTIFACT_TAGS = re.compile(r"\[bookmark: [^\]]*\]|\[footnoteRef:\d+\]|\[image: [^\]]*\]")
_PAGE_NUMBER_LINE = re.compile(r"(?m)^[ \t]*\d{1,3}[ \t]*$")
_LOCAL_LINK = re.compile(r"\[([^\]]*)\]\(#\)")
_WHITESPACE = re.compile(r"\s+")


def normalize(text: str) -> str:
    """Remove extraction artifacts, then collapse whitespace (README 'Normalization')."""
    text = _ARTIFACT_TAGS.sub(" ", text)
    text = _PAGE_NUMBER_LINE.sub(" ", text)
    text = _LOCAL_LINK.sub(r"\1", text)
    text = text.replace("**", "").replace("\\$", "$")
    return _WHITESPACE.sub(" ", text).strip()


def lcs_length(a: Sequence[str], b: Sequence[str]) -> int:
    """Length of the longest common subsequence of two word lists (O(len(a) * len(b)))."""
    prev = [0] * (len(b) + 1)
    for x in a:
        cur = [0]
        for j, y in enumerate(b):
            cur.append(prev[j] + 1 if x == y else max(prev[j + 1], cur[j]))
        prev = cur
    return prev[-1]


@dataclass(frozen=True)
class _Prepared:
    """A normalized text with its word list and word counts, computed once."""

    text: str
    words: tuple[str, ...]
    counts: Counter[str]


def _prepare(text: str) -> _Prepared:
    norm = normalize(text)
    ws = tuple(words(norm))
    return _Prepared(text=norm, words=ws, counts=Counter(ws))


def _enough(matched: int, n_quote_words: int) -> bool:
    # matched >= 0.8 * n, in integer arithmetic.
    return matched * HIT_DENOMINATOR >= n_quote_words * HIT_NUMERATOR


def _prepared_hit(quote: _Prepared, passage: _Prepared) -> bool:
    if quote.text in passage.text:
        return True
    n = len(quote.words)
    # Upper bound on the LCS: each quote word can match at most as often as it occurs in both.
    bound = sum(min(c, passage.counts[w]) for w, c in quote.counts.items())
    if not _enough(bound, n):
        return False
    # Passage words absent from the quote can never be part of the LCS; drop them first.
    relevant = [w for w in passage.words if w in quote.counts]
    return _enough(lcs_length(quote.words, relevant), n)


def is_hit(quote: str, passage: str) -> bool:
    """True if ``passage`` contains ``quote`` under the README hit rule."""
    return _prepared_hit(_prepare(quote), _prepare(passage))


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
    prepared = [_prepare(p.text) for p in passages]
    ranks: list[int | None] = []
    for ev in question.evidence:
        quote = _prepare(ev.quote)
        hits = (
            rank
            for rank, (passage, prep) in enumerate(zip(passages, prepared, strict=True), start=1)
            if _same_file(ev.file, passage.file) and _prepared_hit(quote, prep)
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


# --------------------------------------------------------------------------- output

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
