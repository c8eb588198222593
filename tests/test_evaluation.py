"""Spec for pathways.evaluation: the README hit rule, the metrics, and the dev set itself."""

import json
import math
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from pathways.errors import PathwaysError
from pathways.evaluation import (
    EvalQuestion,
    EvalSetError,
    Evidence,
    Passage,
    evaluate,
    format_report,
    is_hit,
    lcs_length,
    load_eval_set,
    normalize,
    quote_ranks,
    report_to_dict,
    score_question,
    words,
)

REPO = Path(__file__).resolve().parents[1]
DEV_SET = REPO / "eval" / "dev.jsonl"
CORPUS = REPO / "corpus"


def numbered(n: int, prefix: str = "w") -> list[str]:
    """n distinct words: w0 w1 ... w(n-1)."""
    return [f"{prefix}{i}" for i in range(n)]


def question(
    qid: str, quotes: Sequence[str], kind: str = "fact", file: str = "doc.txt"
) -> EvalQuestion:
    return EvalQuestion(
        id=qid,
        question=f"question {qid}?",
        kind=kind,
        evidence=tuple(Evidence(file=file, quote=q) for q in quotes),
        answer="",
        entities=(),
        paraphrased=False,
    )


# --------------------------------------------------------------------------- normalize


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("career [bookmark: _Toc123] pathways", "career pathways"),
        ("pathways.[footnoteRef:12] Next", "pathways. Next"),
        ("before [image: chart of enrollment] after", "before after"),
        ("see [Linked Learning](#) here", "see Linked Learning here"),
        ("a **bold** claim", "a bold claim"),
        (r"cost \$4.5 million", "cost $4.5 million"),
        ("end of page\n  17  \nnext page", "end of page next page"),
        ("end of page\n17\nnext page", "end of page next page"),
        ("tabs\tand\n\nline   breaks ", "tabs and line breaks"),
    ],
)
def test_normalize_removes_each_artifact_type(raw: str, expected: str) -> None:
    assert normalize(raw) == expected


def test_normalize_keeps_four_digit_lines_and_inline_numbers() -> None:
    # Only 1-3 digit lines are page numbers; a year on its own line is content.
    assert normalize("in\n2023\nand 17 schools") == "in 2023 and 17 schools"


def test_words_are_lowercased_word_runs() -> None:
    assert words("K-16 Collaborative's $4.5M") == ["k", "16", "collaborative", "s", "4", "5m"]


def test_lcs_length_small_cases() -> None:
    assert lcs_length([], ["a"]) == 0
    assert lcs_length(["a", "b", "c", "d"], ["a", "c", "d"]) == 3
    assert lcs_length(["a", "b", "c"], ["c", "b", "a"]) == 1


# --------------------------------------------------------------------------- hit rule


def test_substring_hit_after_normalization() -> None:
    quote = "partner institutions focused on\ncultivating shared approaches"
    passage = "The **partner institutions** focused on [image: x] cultivating shared approaches."
    assert is_hit(quote, passage)


def test_exact_80_percent_lcs_is_a_hit() -> None:
    quote = numbered(20)
    passage = list(quote)
    for i in (1, 5, 9, 13):  # drop 4 of 20 -> LCS 16 = 0.8 * 20 exactly
        passage[i] = "other"
    assert lcs_length(quote, passage) == 16
    assert is_hit(" ".join(quote), " ".join(passage))


def test_79_percent_lcs_is_a_miss() -> None:
    quote = numbered(29)
    passage = list(quote)
    for i in (0, 4, 8, 12, 16, 20):  # drop 6 of 29 -> LCS 23 = 79.3% < 80%
        passage[i] = "other"
    assert lcs_length(quote, passage) == 23
    assert not is_hit(" ".join(quote), " ".join(passage))
    passage[0] = quote[0]  # LCS 24 = 82.8%
    assert is_hit(" ".join(quote), " ".join(passage))


def test_threshold_is_exact_where_float_could_round() -> None:
    # 0.8 * 35 is exactly 28 by the rule; 28 of 35 words in order must hit.
    quote = numbered(35)
    passage = ["other" if i % 5 == 0 else w for i, w in enumerate(quote)]
    assert lcs_length(quote, passage) == 28
    assert is_hit(" ".join(quote), " ".join(passage))


def test_all_words_present_but_out_of_order_is_a_miss() -> None:
    # Passes the bag-of-words prefilter, so the LCS itself must reject it.
    quote = numbered(10)
    passage = list(reversed(quote))
    assert not is_hit(" ".join(quote), " ".join(passage))


def test_extra_words_inside_the_passage_do_not_prevent_a_hit() -> None:
    quote = numbered(10)
    passage = [w for q in quote for w in (q, "filler")]
    assert is_hit(" ".join(quote), "intro " + " ".join(passage) + " outro")


# --------------------------------------------------------------------------- ranks


def test_quote_ranks_first_hit_and_file_restriction() -> None:
    q1, q2, q3 = (" ".join(numbered(10, p)) for p in ("a", "b", "c"))
    q = question("x", [q1, q2, q3], file="doc.txt")
    passages = [
        Passage(file="other.txt", text=q1),  # right text, wrong file: ignored
        Passage(file=None, text="nothing relevant here"),
        Passage(file="corpus/doc.txt", text=f"lead in {q1} tail"),  # path matches by name
        Passage(file=None, text=q2),  # unknown file matches any quote
        Passage(file="doc.txt", text=q1),  # second hit for q1: rank stays 3
    ]
    assert quote_ranks(q, passages) == [3, 4, None]


# --------------------------------------------------------------------------- metrics


def test_score_question_hand_computed() -> None:
    # Three quotes, first hit at ranks 1, 4, never.
    # recall@1 = 1/3, @3 = 1/3, @5 = 2/3, @10 = 2/3; all_hit = 0 everywhere; RR = 1/1.
    # DCG  = 1/log2(2) + 1/log2(5)                 = 1 + 0.430677 = 1.430677
    # IDCG = 1/log2(2) + 1/log2(3) + 1/log2(4)     = 1 + 0.630930 + 0.5 = 2.130930
    # nDCG = 1.430677 / 2.130930                   = 0.671386
    s = score_question([1, 4, None])
    assert s.recall == pytest.approx({1: 1 / 3, 3: 1 / 3, 5: 2 / 3, 10: 2 / 3})
    assert s.all_hit == {1: 0.0, 3: 0.0, 5: 0.0, 10: 0.0}
    assert s.reciprocal_rank == 1.0
    assert s.ndcg == pytest.approx(0.671386, abs=1e-6)


def test_score_question_one_passage_hitting_two_quotes_gains_once() -> None:
    # Both quotes first hit by the passage at rank 3: recall@1 = 0, @3 = 1; all_hit@3 = 1.
    # RR = 1/3. DCG = 1/log2(4) = 0.5; IDCG = 1 + 1/log2(3) = 1.630930; nDCG = 0.306574.
    s = score_question([3, 3])
    assert s.recall == {1: 0.0, 3: 1.0, 5: 1.0, 10: 1.0}
    assert s.all_hit == {1: 0.0, 3: 1.0, 5: 1.0, 10: 1.0}
    assert s.reciprocal_rank == pytest.approx(1 / 3)
    assert s.ndcg == pytest.approx(0.306574, abs=1e-6)


def test_score_question_perfect_and_empty() -> None:
    assert score_question([2, 1]).ndcg == pytest.approx(1.0)
    none = score_question([None, None])
    assert (none.reciprocal_rank, none.ndcg, none.recall[10]) == (0.0, 0.0, 0.0)
    with pytest.raises(ValueError):
        score_question([])


def test_ndcg_only_counts_hits_within_10() -> None:
    # Hit at rank 11 is outside nDCG@10: DCG 0.
    assert score_question([11]).ndcg == 0.0
    assert score_question([10]).ndcg == pytest.approx(1 / math.log2(11))


# --------------------------------------------------------------------------- evaluate


def fake_retriever(ranked: dict[str, list[str]]) -> Callable[[str, int], list[Passage]]:
    def retrieve(text: str, k: int) -> list[Passage]:
        return [Passage(file=None, text=t) for t in ranked[text]][:k]

    return retrieve


def test_evaluate_overall_by_kind_misses_and_skips() -> None:
    qa, qb, qc = (" ".join(numbered(10, p)) for p in ("a", "b", "c"))
    questions = [
        question("f1", [qa]),  # fact: hit at 1
        question("f2", [qb]),  # fact: hit at 3
        question("l1", [qa, qc], kind="list"),  # list: qa at 2, qc absent -> miss
        question("u1", [], kind="unanswerable"),
    ]
    ranked = {
        "question f1?": [qa, "x", "y"],
        "question f2?": ["x", "y", qb],
        "question l1?": ["x", qa, "y"],
        "question u1?": ["x"],
    }
    report = evaluate(questions, fake_retriever(ranked), k=10)

    assert report.n_questions == 4
    assert report.n_skipped_unanswerable == 1
    assert report.overall.n == 3
    # recall@1: f1 1, f2 0, l1 0 -> 1/3; recall@3: 1, 1, 1/2 -> 5/6
    assert report.overall.recall[1] == pytest.approx(1 / 3)
    assert report.overall.recall[3] == pytest.approx(5 / 6)
    # MRR: (1 + 1/3 + 1/2) / 3 = 11/18
    assert report.overall.mrr == pytest.approx(11 / 18)
    assert list(report.by_kind) == ["fact", "list"]
    assert report.by_kind["fact"].n == 2
    assert report.by_kind["fact"].mrr == pytest.approx((1 + 1 / 3) / 2)
    assert report.by_kind["fact"].all_hit[5] == 1.0
    assert report.by_kind["list"].all_hit[5] == 0.0
    assert report.by_kind["list"].recall[10] == 0.5
    assert [m.id for m in report.misses] == ["l1"]
    assert [q.rank for q in report.misses[0].quotes] == [2, None]
    assert report.median_latency_ms >= 0.0


def test_evaluate_truncates_to_k() -> None:
    qa = " ".join(numbered(10, "a"))
    report = evaluate([question("f1", [qa])], fake_retriever({"question f1?": ["x", qa]}), k=1)
    assert report.results[0].ranks == (None,)
    assert [m.id for m in report.misses] == ["f1"]


def test_format_report_and_dict() -> None:
    qa = " ".join(numbered(80, "a"))
    questions = [question("f1", [qa]), question("l1", [qa, "missing words here"], kind="list")]
    ranked = {"question f1?": [qa], "question l1?": [qa]}
    report = evaluate(questions, fake_retriever(ranked), k=10)
    text = format_report(report)
    lines = text.splitlines()
    header = next(line for line in lines if line.startswith("kind"))
    assert header.split() == [
        "kind", "n", "R@1", "R@3", "R@5", "R@10", "All@5", "MRR", "nDCG@10", "B@1000w"
    ]  # fmt: skip
    # budget recall: f1's quote is in its passage's first 1,000 words; of l1's two, one is
    assert report.overall.budget == pytest.approx(0.75)
    assert any(line.split()[:3] == ["overall", "2", "0.750"] for line in lines)
    assert any(line.startswith("fact ") for line in lines)
    assert "Misses (1):" in text
    assert "question l1?" in text
    assert f'"{qa[:60]}" -> rank 1' in text
    assert '"missing words here" -> not in top 10' in text

    data = json.loads(json.dumps(report_to_dict(report)))
    assert data["overall"]["recall"]["1"] == 0.75
    assert data["misses"][0]["quotes"][1] == {"quote": "missing words here", "rank": None}
    assert data["questions"][0]["ranks"] == [1]


# --------------------------------------------------------------------------- loading


def good_line(**overrides: object) -> str:
    obj: dict[str, object] = {
        "id": "t1",
        "question": "q?",
        "kind": "fact",
        "evidence": [{"file": "a.txt", "quote": "some quote"}],
        "answer": "a",
        "entities": [],
        "paraphrased": False,
    }
    obj.update(overrides)
    return json.dumps(obj)


def test_load_eval_set_parses_and_skips_blank_lines(tmp_path: Path) -> None:
    path = tmp_path / "set.jsonl"
    path.write_text(good_line() + "\n\n" + good_line(id="t2", entities=["X"]) + "\n")
    qs = load_eval_set(path)
    assert [q.id for q in qs] == ["t1", "t2"]
    assert qs[0].evidence == (Evidence(file="a.txt", quote="some quote"),)
    assert qs[1].entities == ("X",)


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ('{"id": "t2", "question": ', "invalid JSON"),
        ("[1, 2]", "expected a JSON object"),
        (good_line(id="t2", question=None), "'question'"),
        (good_line(id="t2", kind="opinion"), "unknown kind"),
        (good_line(id="t2", kind="unanswerable"), "evidence must be empty"),
        (good_line(id="t2", evidence=[]), "evidence must be empty"),
        (good_line(id="t2", evidence=[{"file": "a.txt", "quote": " "}]), "non-empty"),
        (good_line(id="t2", evidence=[{"file": "a.txt"}]), "missing field 'quote'"),
        (good_line(id="t2", paraphrased="no"), "'paraphrased'"),
        (good_line(), "duplicate question id"),
    ],
)
def test_load_eval_set_reports_line_number(tmp_path: Path, bad: str, message: str) -> None:
    path = tmp_path / "set.jsonl"
    path.write_text(good_line() + "\n" + bad + "\n")
    with pytest.raises(EvalSetError, match=message) as info:
        load_eval_set(path)
    assert f"{path}:2:" in str(info.value)
    assert isinstance(info.value, PathwaysError)


def test_load_eval_set_missing_file(tmp_path: Path) -> None:
    with pytest.raises(EvalSetError, match="Cannot read"):
        load_eval_set(tmp_path / "nope.jsonl")


# --------------------------------------------------------------------------- the dev set


def test_dev_set_shape() -> None:
    qs = load_eval_set(DEV_SET)
    assert len(qs) == 30
    assert [q.id for q in qs] == [f"d{i:02d}" for i in range(1, 31)]
    unanswerable = [q for q in qs if not q.evidence]
    assert len(unanswerable) == 2
    assert all(q.kind == "unanswerable" for q in unanswerable)
    for q in qs:
        if q.evidence:
            assert all(ev.quote.strip() and ev.file.strip() for ev in q.evidence), q.id
    kinds = [q.kind for q in qs]
    counts = {k: kinds.count(k) for k in set(kinds)}
    assert counts == {"fact": 15, "list": 5, "why": 3, "how": 2, "numeric": 3, "unanswerable": 2}
    assert [q.id for q in qs if q.paraphrased] == ["d13", "d14", "d15"]


@pytest.mark.skipif(not CORPUS.is_dir(), reason="corpus/ not present")
def test_dev_set_quotes_hit_their_source_files() -> None:
    for q in load_eval_set(DEV_SET):
        for ev in q.evidence:
            source = (CORPUS / ev.file).read_text(encoding="utf-8")
            assert ev.quote in source, (q.id, ev.quote[:40])
            passage = Passage(file=ev.file, text=source)
            assert quote_ranks(question(q.id, [ev.quote], file=ev.file), [passage]) == [1]
