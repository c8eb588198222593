"""Queries that name a document prefer its passages, and only such queries do."""

from __future__ import annotations

import pytest

from index.docnames import DocumentNames
from index.search import Filters

TITLES = {
    "plan": "California State Plan for Career Technical Education: A Vision for Equity",
    "memo": "National Exemplars in K-12 Career Pathways (research memo for the Nashville network)",
    "report": "Two Years Into CCPT: Many Challenges and Great Promise",
    "summary": "California Career Pathways Trust Implementation Report: Executive Summary",
    "voices": "Voices from the Field: California Career Pathways Trust Leaders Reflect",
}
PASSAGES = ["Nashville appears once.", *["Career pathways in California."] * 20]


@pytest.mark.parametrize(
    ("query", "named"),
    [
        ("What does the state plan say about equity?", ["plan"]),
        ("what reports does the Nashville memo recommend?", ["memo"]),
        ("What did the executive summary conclude?", ["summary"]),
        ("How many employers joined CCPT consortia?", []),  # "many": a common word
        ("What do California career pathways measure?", []),  # words of several titles
        ("Nashville districts", []),  # first word: not necessarily a proper name
    ],
)
def test_named_documents(query: str, named: list[str]):
    names = DocumentNames.from_titles(TITLES, PASSAGES)
    assert names.named(query) == named


def test_a_proper_name_common_in_the_passages_names_nothing():
    passages = ["Nashville pathways."] * 5 + ["Other text."] * 5
    assert DocumentNames.from_titles(TITLES, passages).named("the Nashville work") == []


@pytest.mark.slow
def test_naming_a_document_brings_its_passages_forward(searcher):  # type: ignore[no-untyped-def]
    query = "which further reading does the Nashville memo list?"
    top = searcher.search(query, k=5)
    assert [e.doc_id for e in top[:3]] == ["nashville-national-pathway-exemplars-memo-2021"] * 3
    # other documents are not hidden: the same query with a filter still answers from them

    other = searcher.search(
        query, k=3, filters=Filters(doc_id=("ccpt-voices-from-the-field-2019",))
    )
    assert other and all(e.doc_id == "ccpt-voices-from-the-field-2019" for e in other)
