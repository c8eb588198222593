"""Search: the right passage near the top of the real corpus (slow), filters that filter (tiny)."""

from __future__ import annotations

import pytest

from index.query import read_query
from index.retrieval import reciprocal_rank_fusion
from index.search import Filters
from pathways.errors import InvalidQuery
from pathways.settings import Settings


@pytest.mark.slow
def test_jff_site_visits_question_finds_the_consortia_passage(searcher):  # type: ignore[no-untyped-def]
    hits = searcher.search(
        "Which consortia did JFF visit for multiday site visits in spring 2016?", k=3
    )
    passage = next((h for h in hits if "Tulare-Kings" in h.text), None)
    assert passage is not None, [h.text[:80] for h in hits]
    assert "East Bay" in passage.text and "Capital Academies" in passage.text
    assert passage.title.startswith("Two Years Into CCPT")
    assert passage.section  # carries its section path


@pytest.mark.slow
@pytest.mark.parametrize(
    ("question", "doc_id", "needle"),
    [
        (
            "How does Lancaster ISD's STEM model change from elementary to high school?",
            "nashville-national-pathway-exemplars-memo-2021",
            "awareness in elementary schools",
        ),
        (
            "what do students get out of the Marriott hospitality internship besides the pay?",
            "california-state-plan-for-cte-2023",
            "Marriott",
        ),
        (
            "how does JFF define systems change in its CCPT work?",
            "ccpt-voices-from-the-field-2019",
            "Corporation for Supportive Housing",
        ),
    ],
)
def test_known_passage_ranks_first(searcher, question: str, doc_id: str, needle: str):  # type: ignore[no-untyped-def]
    top = searcher.search(question, k=5)[0]
    assert top.doc_id == doc_id and needle in top.text


def test_doc_type_filter_only_returns_that_type(tiny_searcher):  # type: ignore[no-untyped-def]
    hits = tiny_searcher.search("dual enrollment", k=10, filters=Filters(doc_type=("state-plan",)))
    assert hits and {h.doc_id for h in hits} == {"california-state-plan-for-cte-2023"}


def test_year_range_filter(tiny_searcher):  # type: ignore[no-untyped-def]
    hits = tiny_searcher.search(
        "career pathways", k=10, filters=Filters(year_min=2019, year_max=2021)
    )
    assert hits and all(h.year is not None and 2019 <= h.year <= 2021 for h in hits)
    assert "ccpt-two-years-in-implementation-report-2017" not in {h.doc_id for h in hits}


def test_filter_that_matches_nothing_returns_nothing(tiny_searcher):  # type: ignore[no-untyped-def]
    assert tiny_searcher.search("career pathways", k=5, filters=Filters(doc_id=("nope",))) == []


def test_results_are_unique_and_ranked(tiny_searcher):  # type: ignore[no-untyped-def]
    hits = tiny_searcher.search("work-based learning coordinators and coaches", k=10)
    ids = [h.chunk_id for h in hits]
    assert len(ids) == len(set(ids)) == 10
    assert [h.rank for h in hits] == list(range(1, 11))
    assert all(a.score >= b.score for a, b in zip(hits, hits[1:], strict=False))


def test_fusion_returns_each_id_once_and_rewards_agreement():
    dense = [("a", 0.9), ("b", 0.8), ("c", 0.7)]
    sparse = [("c", 12.0), ("a", 9.0), ("d", 1.0)]
    fused = reciprocal_rank_fusion([dense, sparse], [1.0, 1.0])
    ids = [i for i, _ in fused]
    assert sorted(ids) == ["a", "b", "c", "d"]
    assert ids[0] == "a"  # ranked 1st and 2nd beats 3rd and 1st
    assert ids.index("c") < ids.index("b") and ids[-1] == "d"


@pytest.mark.parametrize("bad", ["", "   ", "x" * 5000])
def test_bad_queries_are_rejected_with_a_message(bad: str):
    with pytest.raises(InvalidQuery) as err:
        read_query(bad, Settings(max_query_chars=2000))
    assert "query" in str(err.value).lower()
