"""ingest.clean on short excerpts of the real corpus (copied here; no "
"corpus needed at test time)."""

from __future__ import annotations

from ingest.clean import clean_document, clean_text
from pathways.types import Page

# california-state-plan-for-cte-2023.txt, line 2 (shortened): Word footnote text pasted into the
# paragraph after the sentence that cites it.
STATE_PLAN_FOOTNOTE = (
    "[bookmark: _Hlk126064736]California’s educational systems and structures must respond – with "
    "a focus on equity[footnoteRef:1] – to fundamental changes in the ways people work and learn "
    "in California and the ways in which they will do so in the future. [1:  A definition of "
    "equity can be found in the California Workforce Pathways Joint Advisory Committee’s Guiding "
    "Policy Principles to Support Student-Centered K-14+ Pathways (see Appendix A).] \n"
    "\n"
    "These patterns also raise urgent questions about preparing California’s future workforce.\n"
)
EQUITY_NOTE = (
    "[1] A definition of equity can be found in the California Workforce Pathways Joint Advisory "
    "Committee’s Guiding Policy Principles to Support Student-Centered K-14+ Pathways (see "
    "Appendix A)."
)

# ccpt-two-years-in-implementation-report-2017.txt, lines 46-52.
TWO_YEARS_INTRODUCTION = (
    " INTRODUCTION \n"
    "\n"
    "In July 2014, the California legislature passed Assembly Bill 86, which established the "
    "California \n"
    "Career Pathways Trust (CCPT) through the California Department of Education (CDE).1 The \n"
    "initiative funds new regional consortia of K-12 educators, community colleges, and employers "
    "to \n"
    "establish career pathways designed to lead secondary students to a postsecondary degree or \n"
    "certification aligned with regional workforce needs.2 \n"
)

# ccpt-two-years, lines 152-156: hard-wrapped with a real hyphen at a line end.
TWO_YEARS_WORK_BASED = (
    "All Cohort 1 consortia offered pathway-related training for K-12 and community college \n"
    "educators; funded new positions tasked with coaching, developing, and "
    "coordinating K-12 work-\n"
    "based learning opportunities; and financed costs associated with "
    "various convenings designed \n"
    "to promote cross-sector and regional conversation among district and community college \n"
    "educators and employers. \n"
)

# ccpt-two-years, lines 77-92: a paragraph interrupted by the page's footnotes.
TWO_YEARS_PAGE_FOOT = (
    "CCPT stands in contrast to other similar pathway-focused initiatives such as the Linked \n"
    "Learning Pilot Initiative or California Partnership Academies (CPAs), which established the "
    "CTE \n"
    "Pathways Program, both of which require specific data and metrics in "
    "reporting. For example, \n"
    "the CPAs must have 50 percent of its students deemed to be at risk in each pathway, use a \n"
    "\n"
    "                                                \n"
    "1 The California Department of Education manages the state’s K-12 education system and "
    "enforces education \n"
    "law and regulations, as noted here: http://www.cde.ca.gov/eo/mn/rr/. For a complete "
    "description of the \n"
    "regulatory and policy context of CCPT, see the Appendix of this report.  \n"
    "2 The funding and guidelines for CCPT come through the CDE, which primarily manages the "
    "elementary and \n"
    "secondary education systems. \n"
    " cohort model for its students, provide staff professional development, and designate \n"
    "connections with a local Workforce Investment Board. \n"
)

# ccpt-two-years, lines 2612-2621: a page number between the two halves of a sentence.
TWO_YEARS_PAGE_NUMBER = (
    "To this point, an advocate for business engagement with CCPT pathways highlighted the "
    "“difficulty \n"
    "\n"
    "\n"
    " \n"
    "\n"
    " \n"
    "63 \n"
    "\n"
    "establishing a business case for establishing a work-based learning opportunity” and "
    "stressed \n"
    "the need to identify and communicate an appealing “pitch” to the broader business "
    "community.13 \n"
)


def test_word_footnote_leaves_the_sentence_and_follows_its_paragraph() -> None:
    doc = clean_document([Page(None, STATE_PLAN_FOOTNOTE)])
    paragraphs = doc.text.split("\n\n")
    assert paragraphs == [
        "California’s educational systems and structures must respond – with a focus on equity – "
        "to fundamental changes in the ways people work and learn in California and the ways in "
        "which they will do so in the future.",
        EQUITY_NOTE,
        "These patterns also raise urgent questions about preparing California’s future workforce.",
    ]
    start = doc.text.index("[1] ")
    assert doc.footnotes == ((start, start + len(EQUITY_NOTE)),)


def test_footnote_in_mid_paragraph_moves_after_the_whole_paragraph() -> None:
    text = (
        "Californians face challenges[footnoteRef:3]. [3:  California Future of Work Commission, "
        "March 2021]  It also found that 45 percent of Californians in poverty work."
    )
    assert clean_text(text) == (
        "Californians face challenges. It also found that 45 percent of Californians in poverty "
        "work.\n\n[3] California Future of Work Commission, March 2021"
    )


def test_bookmarks_and_image_placeholders_are_removed() -> None:
    text = (
        "[image: ]\n"
        "[bookmark: _Toc126164521][bookmark: Introduction]Introduction\n"
        "[bookmark: _Hlk63774954]Ranger Pathways: Hamilton Community Schools, OH\n"
    )
    assert clean_text(text) == "Introduction\n\nRanger Pathways: Hamilton Community Schools, OH"


def test_glued_footnote_numbers_are_dropped_and_hard_wraps_joined() -> None:
    doc = clean_document([Page(None, TWO_YEARS_INTRODUCTION)])
    assert doc.text == (
        "INTRODUCTION\n\nIn July 2014, the California legislature passed Assembly Bill 86, which "
        "established the California Career Pathways Trust (CCPT) through the California Department "
        "of Education (CDE). The initiative funds new regional consortia of K-12 educators, "
        "community colleges, and employers to establish career pathways designed to lead secondary "
        "students to a postsecondary degree or certification aligned with regional workforce needs."
    )


def test_real_numbers_survive_footnote_number_removal() -> None:
    text = (
        "Cohort 1 (FY 2014–2018) funded 12 regional consortia with up to $15 million each, 16 \n"
        "regional consortia with up to $6 million each, a 2.5 percent share, a commitment of "
        "$297.6 million.\n"
    )
    assert clean_text(text) == (
        "Cohort 1 (FY 2014–2018) funded 12 regional consortia with up to $15 million each, 16 "
        "regional consortia with up to $6 million each, a 2.5 percent share, a commitment of "
        "$297.6 million."
    )


def test_line_end_hyphen_of_a_compound_is_kept() -> None:
    text = clean_text(TWO_YEARS_WORK_BASED)
    assert "coordinating K-12 work-based learning opportunities" in text
    assert "\n" not in text


def test_line_end_hyphen_is_dropped_only_with_evidence_from_the_document() -> None:
    text = (
        "The report describes early implementation of pathways in every region and its county \n"
        "offices, and what implemen-\n"
        "tation asks of teachers, counselors, and employers across the twelve consortia of CCPT. \n"
    )
    assert "what implementation asks" in clean_text(text)
    assert "high-wage" in clean_text("jobs in high-\nwage careers across the state")


def test_line_end_hyphen_wins_over_a_numbered_item_reading() -> None:
    # ccpt-two-years lines 2609-2610
    text = (
        "Employers receive no funds for participation, and many see few direct short-term benefits "
        "to \n"
        "their involvement in CTE pathway efforts, especially those with K-\n"
        "12. Instead they see costs in terms of time, responsibility, and employee productivity. \n"
    )
    assert clean_text(text).endswith(
        "especially those with K-12. Instead they see costs in terms of time, responsibility, and "
        "employee productivity."
    )


def test_hyphen_space_inside_a_line_is_closed_unless_a_conjunction_follows() -> None:
    text = "Tulare- Kings pathways lead to high- wage jobs, with on- and off-ramps across K- 20."
    assert clean_text(text) == (
        "Tulare-Kings pathways lead to high-wage jobs, with on- and off-ramps across K-20."
    )


def test_pdf_page_foot_footnotes_follow_the_paragraph_they_interrupted() -> None:
    doc = clean_document([Page(None, TWO_YEARS_PAGE_FOOT)])
    paragraphs = doc.text.split("\n\n")
    assert paragraphs[0].endswith(
        "in each pathway, use a cohort model for its students, provide staff professional "
        "development, and designate connections with a local Workforce Investment Board."
    )
    assert paragraphs[1:] == [
        "[1] The California Department of Education manages the state’s K-12 education system and "
        "enforces education law and regulations, as noted here: http://www.cde.ca.gov/eo/mn/rr/. "
        "For a complete description of the regulatory and policy context of CCPT, see the Appendix "
        "of this report.",
        "[2] The funding and guidelines for CCPT come through the CDE, which primarily manages the "
        "elementary and secondary education systems.",
    ]
    assert len(doc.footnotes) == 2


def test_page_number_line_is_removed_and_the_split_sentence_rejoined() -> None:
    assert clean_text(TWO_YEARS_PAGE_NUMBER) == (
        "To this point, an advocate for business engagement with CCPT pathways highlighted the "
        "“difficulty establishing a business case for establishing a work-based learning "
        "opportunity” and stressed the need to identify and communicate an appealing “pitch” to "
        "the broader business community."
    )


def test_bullets_stay_separate_paragraphs() -> None:
    # ccpt-two-years lines 482-485 (hard-wrapped) and the state plan's "·" bullets (one per line)
    wrapped = (
        "Cohort 1 CCPT proposals included a wide range of partners: \n"
        "• 167 school districts \n"
        "• 371 high schools \n"
        "• 35 middle schools \n"
    )
    assert clean_text(wrapped).split("\n\n") == [
        "Cohort 1 CCPT proposals included a wide range of partners:",
        "• 167 school districts",
        "• 371 high schools",
        "• 35 middle schools",
    ]
    flowing = (
        "The four key priorities are:\n"
        "· Supply that meets demand: As the most populous state, California has a unique "
        "opportunity to serve as a pathbreaker in 21st-century CTE.\n"
        "· Systems alignment: Aligning systems to close skill, employment, and equity gaps.\n"
        "1. Which districts are doing career pathways well? How do we know? \n"
        "- ▶ Acknowledge and confront outdated notions of vocational education.\n"
    )
    assert clean_text(flowing).split("\n\n") == [
        "The four key priorities are:",
        "• Supply that meets demand: As the most populous state, California has a unique "
        "opportunity to serve as a pathbreaker in 21st-century CTE.",
        "• Systems alignment: Aligning systems to close skill, employment, and equity gaps.",
        "1. Which districts are doing career pathways well? How do we know?",
        "• Acknowledge and confront outdated notions of vocational education.",
    ]


def test_markdown_escapes_bold_and_links_are_cleaned() -> None:
    # ccpt-voices-from-the-field-2019.txt, lines 5-7, 9 and 35 (shortened)
    text = (
        "**CALIFORNIA CAREER PATHWAYS TRUST LEADERS\n"
        "REFLECT ON TRANSFORMING SYSTEMS THAT SUSTAIN**\n"
        "\n"
        "Over the past three years, JFF has engaged deeply with CCPT consortia. [JFF's recent "
        "research](#) found that the CCPT funds did advance programmatic priorities.\n"
        "\n"
        "Representing a statewide investment of more than \\$500 million dollars, CCPT offered an "
        "unprecedented opportunity.\n"
    )
    assert clean_text(text).split("\n\n") == [
        "CALIFORNIA CAREER PATHWAYS TRUST LEADERS REFLECT ON TRANSFORMING SYSTEMS THAT SUSTAIN",
        "Over the past three years, JFF has engaged deeply with CCPT consortia. JFF's recent "
        "research found that the CCPT funds did advance programmatic priorities.",
        "Representing a statewide investment of more than $500 million dollars, CCPT offered an "
        "unprecedented opportunity.",
    ]


def test_odd_spaces_and_superscripts_are_normalized() -> None:
    text = "This brief is the third installment in the\u00a0CTE on the Frontier\u00a0series.¹ Next"
    assert clean_text(text) == (
        "This brief is the third installment in the CTE on the Frontier series. Next"
    )


def test_paragraph_broken_by_a_column_break_is_rejoined() -> None:
    # ccpt-voices-from-the-field-2019.txt, lines 37-39 (shortened)
    text = (
        "While most consortia did not frame CCPT goals in terms of systems change, the site leaders"
        "\n\nin this sample did approach the CCPT opportunity in ways similar to what the Fresno "
        "leader described.\n\nAccording to the leaders in this sample, those conversations helped."
    )
    assert clean_text(text).split("\n\n") == [
        "While most consortia did not frame CCPT goals in terms of systems "
        "change, the site leaders "
        "in this sample did approach the CCPT opportunity in ways similar to what the Fresno "
        "leader described.",
        "According to the leaders in this sample, those conversations helped.",
    ]


def test_heading_wrapped_over_two_caps_lines_stays_one_paragraph() -> None:
    # ccpt-two-years lines 287-292
    text = (
        "steeped in postsecondary career pathway development and implementation. \n"
        "\n"
        "NEW AND STRENGTHENED RELATIONSHIPS AMONG \n"
        "STAKEHOLDERS \n"
        "\n"
        "Every consortia leader saw new relationships as a benefit of CCPT and essential to "
        "promoting \n"
        "collaboration among employers, community colleges, and K-12 districts "
        "within the regions. \n"
    )
    doc = clean_document([Page(None, text)])
    assert doc.text.split("\n\n")[1] == "NEW AND STRENGTHENED RELATIONSHIPS AMONG STAKEHOLDERS"
    assert [h.title for h in doc.headings] == [
        "New and Strengthened Relationships Among Stakeholders"
    ]


def test_page_at_follows_a_paragraph_across_a_page_break() -> None:
    pages = [
        Page(
            1,
            "COMMON IMPLEMENTATION CHALLENGES\n\nRegional thinking and action are both a "
            "strength of the CCPT vision and the\nsource of many implementation challenges that "
            "consortia faced in their\n",
        ),
        Page(
            2,
            "Cohort 1 years of work across the state.\n\nSTAFFING\n\nMost consortia "
            "experienced difficulties finding qualified staff.\n",
        ),
        Page(3, "Coaches play a crucial role in brokering relationships.\n"),
    ]
    doc = clean_document(pages)
    assert doc.text.split("\n\n") == [
        "COMMON IMPLEMENTATION CHALLENGES",
        "Regional thinking and action are both a strength of the CCPT vision and the source of "
        "many implementation challenges that consortia faced in their Cohort 1 years of work "
        "across the state.",
        "STAFFING",
        "Most consortia experienced difficulties finding qualified staff.",
        "Coaches play a crucial role in brokering relationships.",
    ]
    second_page = doc.text.index("Cohort 1 years")
    third_page = doc.text.index("Coaches play")
    assert doc.page_breaks == ((0, 1), (second_page, 2), (third_page, 3))
    assert doc.page_at(0) == 1
    assert doc.page_at(second_page - 2) == 1  # "their" ends page 1 mid-paragraph
    assert doc.page_at(second_page) == 2
    assert doc.page_at(doc.text.index("STAFFING")) == 2
    assert doc.page_at(third_page - 1) == 2
    assert doc.page_at(len(doc.text) - 1) == 3


def test_running_headers_and_page_numbers_are_removed_from_pages() -> None:
    pages = [
        Page(n, f"Two Years Into CCPT\n{body}\n{n + 10}\n")
        for n, body in enumerate(
            ["Consortia struggled.", "Coaches matter.", "Data is hard.", "Employers engage."],
            start=1,
        )
    ]
    doc = clean_document(pages)
    assert doc.text.split("\n\n") == [
        "Consortia struggled.",
        "Coaches matter.",
        "Data is hard.",
        "Employers engage.",
    ]
    assert doc.page_at(doc.text.index("Data")) == 3


def test_unpaginated_text_has_no_page_breaks() -> None:
    doc = clean_document([Page(None, TWO_YEARS_PAGE_NUMBER)])
    assert doc.page_breaks == ()
    assert doc.page_at(10) is None


def test_clean_text_is_the_document_text() -> None:
    assert clean_text(STATE_PLAN_FOOTNOTE) == clean_document([Page(None, STATE_PLAN_FOOTNOTE)]).text
