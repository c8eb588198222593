"""Questions that ask what a term means find where a document defines it."""

from __future__ import annotations

import pytest

from index.definitions import Definitions, asked_term, glossary_terms, stems

GLOSSARY = (
    "GLOSSARY\n\n"
    "Access – The institutions’ responsiveness to individual students’ unique needs.\n\n"
    "Career Pathway – A coordinated, non-duplicative sequence of academic and technical "
    "content.\n\n"
    "Equity – To systemically create an environment of being fair and impartial for all.\n\n"
    "Coachella Valley – a region named in a paragraph that is not part of a glossary.\n\n"
    "Regular prose follows here."
)


def test_a_run_of_term_dash_definition_lines_is_a_glossary():
    terms = [term for term, _ in glossary_terms(GLOSSARY)]
    assert terms == ["Access", "Career Pathway", "Equity", "Coachella Valley"]
    offsets = dict(glossary_terms(GLOSSARY))
    assert GLOSSARY[offsets["Career Pathway"] :].startswith("Career Pathway – A coordinated")


def test_two_dash_lines_are_not_a_glossary():
    text = "Fresno – a city in the valley with many pathways.\n\nBoston – a city in the east.\n"
    assert list(glossary_terms(text)) == []


def test_inline_definitions_are_found():
    text = "Intro. The Department defines CTE as “a program of study that integrates.” More."
    found = Definitions.from_documents({"doc": text})
    assert found.lookup("what does CTE mean?") == [("doc", text.index("defines"))]


@pytest.mark.parametrize(
    ("question", "found"),
    [
        ("what's the official definition of a 'career pathway' in the state plan?", True),
        ("How do the reports define career pathways?", True),
        ("What is equity?", True),
        ("What is equity in CTE?", True),
        ("what is access like for rural students?", False),  # not asking for a definition
        ("Which districts improved access to internships?", False),
        ("What is the average salary of a CTE teacher?", False),
    ],
)
def test_lookup_only_answers_questions_about_a_defined_term(question: str, found: bool):
    definitions = Definitions.from_documents({"plan": GLOSSARY})
    assert bool(definitions.lookup(question)) is found


def test_asked_term_strips_articles_and_quotes():
    assert asked_term("what's the definition of a ‘career pathway’?") == (
        stems("career pathway"),
        True,
    )


@pytest.mark.slow
def test_a_definition_question_ranks_the_glossary_entry_first(searcher):  # type: ignore[no-untyped-def]
    excerpts = searcher.search("what is the official definition of a career pathway?", k=3)
    assert "non-duplicative sequence of academic and technical content" in excerpts[0].text
    assert excerpts[0].doc_id == "california-state-plan-for-cte-2023"


@pytest.mark.slow
def test_a_definition_answer_leads_with_the_definition(answerer):  # type: ignore[no-untyped-def]
    answer = answerer.answer("What is a career pathway?")
    assert not answer.abstained
    assert answer.citations[0].quote.startswith("Career Pathway – A coordinated")
    assert answer.answer.startswith("Career Pathway – A coordinated")
