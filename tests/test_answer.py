"""Cited answers: verbatim quotes, lists, abstention (the tiny corpus; on the real corpus: slow)."""

from __future__ import annotations

import json
import re
from dataclasses import replace

import pytest
from click.testing import CliRunner

from answer.lists import answer_style, asks_quantity, states_quantity
from index.store import Catalog
from pathways.cli import main
from pathways.settings import Settings
from pathways.types import Answer


def assert_quotes_verbatim(answer: Answer, settings: Settings) -> None:
    catalog = Catalog(settings.catalog_path)
    for c in [*answer.citations, *answer.related]:
        found = catalog.get_document(c.doc_id)
        assert found is not None
        assert found[1][c.start : c.end] == c.quote, (c.doc_id, c.start, c.end)


@pytest.mark.slow
def test_answer_quotes_equal_the_document_text(answerer, corpus_settings):  # type: ignore[no-untyped-def]
    answer = answerer.answer("How is Porterville attracting and keeping teachers for its pathways?")
    assert not answer.abstained and answer.citations
    assert_quotes_verbatim(answer, corpus_settings)
    for c in answer.citations:
        assert f"[{c.n}]" in answer.answer
    assert any("Porterville" in c.quote for c in answer.citations)


@pytest.mark.slow
def test_answer_sentences_are_quotes_not_rewordings(answerer):  # type: ignore[no-untyped-def]
    answer = answerer.answer(
        "What existing structure did the Tulare-Kings Pathway Project build on?"
    )
    flat = " ".join(answer.answer.split())
    for c in answer.citations:
        assert " ".join(c.quote.split()) in flat


@pytest.mark.slow
def test_unanswerable_questions_abstain_and_show_related(answerer, corpus_settings):  # type: ignore[no-untyped-def]
    for question in (
        "What percent of Tennessee graduates earned a credential in 2022?",
        "What percentage of California high schools offer a robotics pathway?",
    ):
        answer = answerer.answer(question)
        assert answer.abstained, question
        assert answer.citations == [] and answer.related
        assert "do not answer" in answer.answer
        assert all(len(c.quote.split()) <= 150 for c in answer.related)
        assert_quotes_verbatim(answer, corpus_settings)


def test_an_off_topic_question_gets_a_short_refusal(tiny_answerer):  # type: ignore[no-untyped-def]
    for question in (
        "hi! does anyone have a good enchilada recipe for our potluck?",
        "who won the world series last year",
    ):
        answer = tiny_answerer.answer(question)
        assert answer.abstained, answer.answer
        assert answer.citations == [] and answer.related == []
        assert "do not answer" in answer.answer


@pytest.mark.slow
def test_organization_list_names_districts_with_how_we_know(answerer):  # type: ignore[no-untyped-def]
    answer = answerer.answer("Which districts are doing career pathways well, and how do we know?")
    assert not answer.abstained
    assert answer.answer.count("\n- **") >= 3 or answer.answer.startswith("- **")
    assert "How we know" in answer.answer
    assert "School District" in answer.answer or "Unified" in answer.answer
    # no entry rests on a passing mention: the methodology's "(e.g., Vallejo, Oxnard, …)"
    assert "phone or in-person interviews" not in answer.answer
    # and no sentence is quoted for two entries
    spans = [(c.doc_id, c.start, c.end) for c in answer.citations]
    assert len(spans) == len(set(spans))


@pytest.mark.slow
def test_organizations_endpoint_data(answerer, corpus_settings):  # type: ignore[no-untyped-def]
    found = answerer.organizations("employer engagement and internships", limit=5)
    assert len(found) == 5
    names = [f["name"] for f in found]
    assert len(set(names)) == 5
    mentions = Catalog(corpus_settings.catalog_path).orgs()
    for org in found:
        assert org["citations"] and org["evidence_kind"]
        # the lead sentence really names the organization (by name or acronym)
        assert any(
            doc == org["doc_id"] and m.key == org["key"] and org["start"] <= m.start < org["end"]
            for doc, m in mentions
        ), org["name"]


@pytest.mark.slow
def test_list_question_is_a_bulleted_list(answerer):  # type: ignore[no-untyped-def]
    answer = answerer.answer("what are the barriers to dual enrollment?")
    assert answer.answer.startswith("- ")
    assert len(answer.citations) >= 3


@pytest.mark.parametrize(
    ("question", "style"),
    [
        ("Which districts are doing career pathways well?", "orgs"),
        ("are there districts with a one-stop shop for employers?", "orgs"),
        ("What pathways did the Fresno-Madera K-16 Collaborative work on?", "plain"),
        ("what new staff positions did CCPT grants pay for?", "list"),
        ("Why is agriculture hard to engage?", "plain"),
        ("What do districts measure to know if pathways work?", "list"),
        ("What role do intermediaries play in work-based learning?", "plain"),
        ("Which large urban districts use career academies?", "orgs"),
        ("What practical hurdles stop employers from hosting students?", "list"),
        ("What kinds of consortia exist?", "orgs"),
        ("what actually works for recruiting students and families?", "plain"),
    ],
)
def test_answer_style(question: str, style: str):
    assert answer_style(question) == style


def test_quantity_questions_need_quantities():
    assert asks_quantity("What percentage of graduates enrolled?") == "share"
    assert asks_quantity("How many business partners were listed?") == "count"
    assert asks_quantity("Why do employers prefer college students?") is None
    assert not states_quantity("one of the highest ratios in the country", "share")
    assert states_quantity("Attendance rose to 94 percent.", "share")
    assert states_quantity("It took twelve business partners.", "count")
    assert asks_quantity("How much did the company pay its interns per hour?") == "money"
    assert asks_quantity("What was the total budget of the network?") == "money"
    assert asks_quantity("What is the starting salary of a teacher?") == "money"
    assert asks_quantity("What is the median wage of completers?") == "share"
    assert asks_quantity("Do partners have to pick up the cost?") is None
    assert states_quantity("Interns earned $15 an hour.", "money")
    assert not states_quantity("The program began with two resorts in 1992.", "money")
    # years and labels are no counts; numbers and number words are
    assert not states_quantity("In 2012, the district built a STEM model.", "count")
    assert not states_quantity("The report is listed under Cohort 2 in the appendix.", "count")
    assert states_quantity("This year it took about 110 business partners.", "count")
    assert states_quantity("More than 10,000 courses are now approved.", "count")
    # a number the question holds is no answer to it
    question = "How many schools run the P-TECH 9-14 model?"
    assert not states_quantity("The P-TECH 9-14 model started in New York City.", "count", question)
    assert states_quantity("Over 200 schools run the P-TECH 9-14 model.", "count", question)
    assert asks_quantity("How much money does the CTE Incentive Grant hand out?") == "money"


@pytest.mark.slow
def test_a_question_asking_for_a_figure_needs_one_in_the_top_excerpts(answerer):  # type: ignore[no-untyped-def]
    # the reports discuss welding programs, never their graduates' wages
    answer = answerer.answer(
        "What is the median starting wage of welding program graduates in Fresno?"
    )
    assert answer.abstained, answer.answer
    # the figure may sit in the sentence's excerpt ("A leader in Porterville: …")
    answer = answerer.answer(
        "How many business partners did it take for Porterville to interview all its juniors?"
    )
    assert not answer.abstained and "110 business partners" in answer.answer


def test_cli_ask_json_shape(tiny_settings):  # type: ignore[no-untyped-def]
    result = CliRunner().invoke(
        main,
        ["--home", str(tiny_settings.home), "ask", "What did the Marriott internship offer?",
         "--json"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) >= {"question", "answer", "abstained", "confidence", "citations"}
    keys = {"n", "doc_id", "title", "section", "page", "start", "end", "quote", "source_url"}
    assert data["citations"] and all(set(c) == keys for c in data["citations"])
    assert any("Marriott" in c["quote"] for c in data["citations"])


def test_a_sentence_introducing_a_list_is_quoted_with_its_items():
    from answer.evidence import list_end

    text = (
        "Cohort 1 proposals included partners:\n\n• 167 school districts\n\n• 17 charter "
        "schools\n\n• 845 business organizations\n\nTHE LEAD AGENCY\n\nNext paragraph."
    )
    intro_end = text.index(":") + 1
    end = list_end(text, intro_end, len(text))
    assert text[:end].endswith("• 845 business organizations")
    # an item cut by the limit is left out rather than quoted in part
    cut = list_end(text, intro_end, text.index("business") + 3)
    assert text[:cut].endswith("• 17 charter schools")
    # no items: the sentence stands alone
    assert list_end("Partners:\n\nPlain text.", 9, 30) == 9


@pytest.mark.parametrize(
    ("heading", "reference"),
    [
        ("Coordination of Resources and Opportunities", False),
        ("Professional Supports", False),
        ("Sources", True),
        ("Acknowledgements", True),
        ("Glossary", True),
        ("Endnotes", True),
    ],
)
def test_only_reference_sections_are_kept_out_of_organization_lists(heading: str, reference: bool):
    from answer.library import REFERENCE_SECTION

    assert bool(REFERENCE_SECTION.search(heading)) is reference


@pytest.mark.slow
def test_organizations_with_a_one_stop_shop_are_found(answerer):  # type: ignore[no-untyped-def]
    answer = answerer.answer(
        "are there districts with a one-stop shop for employers who want to offer internships?"
    )
    first = answer.citations[0].quote
    assert "one-stop" in first and "Porterville" in first and "San Bernardino" in first


def _sentence_index(text: str):  # type: ignore[no-untyped-def]
    import numpy as np

    from answer.evidence import SentenceIndex
    from index.store import SentenceTable
    from pathways.text import sentence_spans

    spans = sentence_spans(text)
    table = SentenceTable(["doc"] * len(spans), spans, np.zeros((len(spans), 4), np.float32))
    return SentenceIndex(table, {"doc": text}), spans


def test_list_answers_quote_the_sentences_that_add_parallel_items():
    text = (
        "CDE supports CTE Online, a resource connecting educators to curriculum models. "
        "The CDE also sponsors the website My Digital Chalkboard with teaching resources. "
        "Another site, Course Share, hosts syllabi for pathway courses. "
        "Funding for these sites has been uneven across the state of California.\n\n"
        "A new paragraph."
    )
    index, spans = _sentence_index(text)
    _, start, end = index.extend(0, 420, items=True)
    assert text[start:end].endswith("hosts syllabi for pathway courses.")
    # a short answer keeps to one following sentence
    _, start, end = index.extend(0, 420)
    assert text[start:end].endswith("with teaching resources.")


@pytest.mark.parametrize(
    ("sentence", "kind"),
    [
        ("Enrollment in its pathways grew from 300 to 1,200 students.", "a reported figure"),
        ("About 45 percent of seniors completed A-G courses.", "a reported figure"),
        ("It links K-12 schools and local employers.", "a program description"),
        ("Grades 9–12 take the course in the academy.", "a program description"),
        ("In 2017, the consortium hired a coordinator.", "a program description"),
        ("“We started small,” the director said.", "a practitioner's account"),
    ],
)
def test_how_we_know_counts_no_grade_band_or_year_as_a_figure(sentence: str, kind: str):
    from answer.lists import evidence_kind

    assert evidence_kind(sentence) == kind


def test_overlapping_quotes_merge_into_one_even_across_two_earlier_ones():
    from answer.compose import merge_spans

    # the third overlaps both earlier ones, which only touch each other
    spans = [("d", 300, 400), ("d", 100, 299), ("d", 250, 400), ("e", 0, 50), ("d", 0, 10)]
    assert merge_spans(spans) == [("d", 100, 400), ("e", 0, 50), ("d", 0, 10)]


def test_a_lead_in_is_quoted_with_what_it_announces_never_alone():
    text = (
        "Many grantees used CCPT resources to buy new equipment for their labs. "
        "A rural K-12 superintendent said:\n\n"
        "To start an engineering program is really expensive because you need equipment. "
        "So, thanks to CCPT we have 3D printers.\n\n"
        "A later paragraph about something else."
    )
    index, spans = _sentence_index(text)
    said = "So, thanks to CCPT we have 3D printers."
    # the lead-in itself takes the paragraph it announces
    _, start, end = index.extend(1, 420)
    assert text[start:end].startswith("A rural K-12") and text[start:end].endswith(said)
    # a sentence followed by a lead-in: the window takes the lead-in with its paragraph
    _, start, end = index.extend(0, 420)
    assert text[start:end].startswith("Many grantees") and text[start:end].endswith(said)
    # a lead-in that announces items takes all of them, whether cited or extending a window
    listed = (
        "Cohort 1 consortia proposed anywhere from 1 to 21 pathways. Across the state, five "
        "sectors received the most attention as pathway choices:\n\n"
        "• Health and Medical Technology (17 consortia)\n\n"
        "• Manufacturing and Product Development (13 consortia)\n\n"
        "Although grantee reports indicate shortfalls, every respondent pointed to gains."
    )
    index, _ = _sentence_index(listed)
    for row in (0, 1):
        _, start, end = index.extend(row, 420)
        assert listed[start:end].endswith("Product Development (13 consortia)")
    index, _ = _sentence_index(text)
    # ... or, when the announced paragraph does not fit, leaves the lead-in out
    long = text.replace("because you need equipment.", "because you need " + "tools, " * 200 + ".")
    index, _ = _sentence_index(long)
    _, start, end = index.extend(0, 420)
    assert (
        long[start:end] == "Many grantees used CCPT resources to buy new equipment for their labs."
    )


def test_sentences_name_rare_capitalized_things_but_not_their_first_word():
    text = (
        "Districts built pathways with help from Linked Learning coaches. "
        "Several districts formed partnerships with colleges and local employers."
    )
    index, _ = _sentence_index(text)
    assert index.names(0) == {"linked", "learning"}
    assert index.names(1) == set()


def test_a_bare_link_is_never_evidence():
    text = (
        "Great Lakes case study on pathways in four communities.\n\n"
        "http://glccpp.com/wp-content/uploads/great-lakes-case-withsummary.pdf\n\n"
        "Educate Texas: https://www.edtx.org/our-impact-areas/college-career-readiness"
    )
    index, spans = _sentence_index(text)
    assert len(spans) == 3
    assert [row for row in range(3) if not index.no_evidence(row)] == [0]


def test_a_phrase_the_question_sets_aside_does_not_count_as_a_match():
    from answer.evidence import question_terms, terms

    assert "ccpt" not in question_terms("Besides CCPT, what other funding sources are used?")
    assert "fund" in question_terms("Besides CCPT, what other funding sources are used?")
    assert question_terms("What barriers do CCPT consortia face?") == terms(
        "What barriers do CCPT consortia face?"
    )


def test_a_posed_question_is_not_evidence_but_a_rhetorical_one_is():
    text = (
        "Request\n\n"
        "1. Which districts are doing career pathways well? How do we know?\n\n"
        "Pathways now call for rigor. For instance, can a student in a woodworking class show "
        "the mathematics of a bowl? Teachers find this hard."
    )
    index, spans = _sentence_index(text)
    questions = {text[s:e]: index.posed_question(row) for row, (s, e) in enumerate(spans)}
    assert questions["Which districts are doing career pathways well?"]
    rhetorical = next(q for q in questions if "woodworking" in q)
    assert not questions[rhetorical]
    assert not questions["Pathways now call for rigor."]


@pytest.mark.slow
def test_an_organization_entry_leads_with_a_sentence_about_that_organization(answerer):  # type: ignore[no-untyped-def]
    entries = answerer.organizations("Which districts are doing career pathways well?", limit=5)
    about_itself = 0
    for entry in entries:
        word = entry["name"].split()[0]
        at = entry["what"].find(word)
        about_itself += 0 <= at <= 0.35 * len(entry["what"])
    assert about_itself >= 4, [(e["name"], e["what"][:80]) for e in entries]


def test_a_citation_never_cuts_a_speaker_off_mid_quotation():
    text = (
        "Networks reportedly also function well in these smaller East Bay nodes. For example, "
        "the Alameda COE supported a subregional Superintendents’ Council that, in the view of "
        "the superintendent, has been a “great value-add. Very few of our superintendents miss "
        "meetings.... That is a key touch point for us.” Another strategy takes a learning "
        "approach.\n\n"
        "A community college administrator said: “From the community college perspective, CCPT "
        "built new relationships. Faculty are now having regular Friday evening meetings with "
        "high school faculty; it’s a new thing.” A district educator agreed with that view."
    )
    index, spans = _sentence_index(text)

    def row_of(fragment: str) -> int:
        return next(i for i, (s, e) in enumerate(spans) if fragment in text[s:e])

    # a sentence opening a quotation is quoted up to the closing mark
    _, start, end = index.extend(row_of("Alameda COE"), 0)
    quoted = text[start:end]
    assert quoted.startswith("For example, the Alameda COE")
    assert quoted.endswith("That is a key touch point for us.”")
    # a sentence closing a quotation is quoted from the sentence that opened it
    _, start, end = index.extend(row_of("Friday evening"), 0)
    quoted = text[start:end]
    assert quoted.startswith("A community college administrator said: “From")
    assert quoted.endswith("it’s a new thing.”")
    # balanced sentences are untouched
    _, start, end = index.extend(row_of("Networks reportedly"), 0)
    assert text[start:end].endswith("also function well in these smaller East Bay nodes.")


@pytest.mark.slow
def test_back_matter_and_bylines_are_never_evidence(answerer):  # type: ignore[no-untyped-def]
    import numpy as np

    from answer.evidence import SentenceIndex
    from index.store import SentenceTable
    from pathways.text import sentence_spans

    text = (
        "The first lesson, they said, is that leaders have to be willing to take risks.\n"
        "Senior Program Manager, JFF\n"
        "4 M. McLaughlin, V. Lundy-Wagner, and B. Groves, Two Years Into CCPT, JFF, 2017.\n"
        "This research was made possible through generous support from the Stuart Foundation.\n"
    )
    spans = sentence_spans(text)
    heads = ["Lessons", "Author", "Endnotes", "Acknowledgements"]
    vectors = np.ones((len(spans), 4), np.float32) / 2
    index = SentenceIndex(SentenceTable(["doc"] * len(spans), spans, vectors), {"doc": text}, heads)
    evidence = [index.text(row)[:20] for row in range(len(spans)) if not index.no_evidence(row)]
    assert evidence == ["The first lesson, th"]
    # and on the real corpus: the leadership-lessons question cites no endnote or byline
    answer = answerer.answer(
        "What leadership lessons did the consortium leaders in the Voices from the Field brief "
        "pass on?"
    )
    assert answer.citations
    for c in answer.citations:
        assert not re.search(r"endnotes|acknowledg", c.section, re.I), c.section
        assert len(c.quote.split()) >= 5, c.quote


def test_a_list_answer_quotes_the_enumeration_a_sentence_announces():
    # ccpt-voices-from-the-field-2019.txt, shortened: the lessons follow in ordinal paragraphs
    text = (
        "The leaders said that working on the CCPT grant programs taught them three major "
        "lessons that could benefit others.\n\n"
        "The first lesson, they said, is that leaders have to be willing to take risks.\n\n"
        "Second, they said that leaders must be open to considering new approaches to "
        "leadership.\n\n"
        "Third, they said that leaders must prioritize experimentation and learning.\n\n"
        "By most accounts, the CCPT grant program had a considerable impact in California.\n"
    )
    index, spans = _sentence_index(text)
    _, start, end = index.extend(0, 420, items=True)
    quoted = text[start:end]
    assert quoted.endswith("prioritize experimentation and learning.")
    assert "take risks" in quoted and "By most accounts" not in quoted
    # only list answers follow an enumeration, and a count of years announces nothing
    assert text[slice(*index.extend(0, 0)[1:])].endswith("could benefit others.")
    years = "Over the past three years, JFF has engaged deeply with consortia.\n\nFirst, a note."
    index, _ = _sentence_index(years)
    assert years[slice(*index.extend(0, 0, items=True)[1:])].endswith("deeply with consortia.")


@pytest.mark.slow
def test_a_series_member_no_report_names_is_unknown(answerer):  # type: ignore[no-untyped-def]
    from index.query import analyse_query, series_members

    assert [m for m, _ in series_members("Cohort 2 grants and the second CCPT cohort")] == [
        ("cohort", 2),
        ("cohort", 2),
    ]
    # the reports know Cohorts 1 and 2: a third is a name they never mention, which the
    # support model reads as a feature (no rule: none of the bank's questions needs one)
    lib = answerer.library()
    assert ("cohort", 2) in lib.series
    assert ("cohort", 3) not in lib.series
    question = analyse_query("When does the application window for a third CCPT cohort open?")
    assert lib.unknown_specifics(question) == ["third CCPT cohort"]  # CCPT itself is known


@pytest.mark.slow
def test_a_figure_question_with_no_figure_in_the_top_excerpts_abstains(answerer):  # type: ignore[no-untyped-def]
    from answer.qa import lacks_figure

    # the reports describe Visalia's insurance rider, never what it costs
    gathered = answerer.gather("How much does Visalia Unified pay for its insurance rider?")
    assert lacks_figure(gathered)
    # the rule, not the threshold, refuses it: with a threshold that answers everything
    always = replace(answerer.model(), threshold=-1.0)
    answer = answerer.decide(gathered, always)
    assert answer.abstained and answer.related
    # a count the top excerpts do state is no reason to abstain
    assert not lacks_figure(
        answerer.gather("How many employers partner with the Tulare-Kings Pathways Project?")
    )
