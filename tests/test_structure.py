"""Heading detection and section paths, on excerpts of the real corpus."""

from __future__ import annotations

from ingest.clean import clean_document
from ingest.nesting import announced_count, announces, content_stems, stem_sequence
from ingest.structure import is_plain_heading, title_case
from pathways.types import CleanDocument, Page

# ccpt-two-years-in-implementation-report-2017.txt, lines 918-1114, shortened: the caps headings
# and the first lines of their sections, hard-wrapped as in the file.
CHALLENGES = (
    "COMMON IMPLEMENTATION CHALLENGES \n"
    "Regional thinking and action are both a strength of the CCPT vision and the source of many \n"
    "implementation challenges. Consortia struggled with similar implementation issues across \n"
    "regional contexts, despite differences in the maturity of existing "
    "networks and cross-sector \n"
    "relationships or depth of CTE roots. Central among them are lack of supportive leadership, \n"
    "insufficient intermediary organizations to provide technical assistance, difficulty "
    "attracting staff, a \n"
    "variety of issues related to collecting and using data, and the challenges of coordinating \n"
    "systems and resources. \n"
    "\n"
    "SUPPORTIVE LEADERSHIP \n"
    "\n"
    "Supportive, consistent leadership in all domains—K-12, postsecondary, and business—and at \n"
    "all levels—state, regional, district, site, and program—proved crucial to developing and \n"
    "supporting robust CCPT career pathways. \n"
    "\n"
    "STAFFING  \n"
    "\n"
    "CCPT implementation calls for several new positions, especially consortia staff responsible "
    "for \n"
    "coordinating communication and supporting K-12 work-based learning within the region. Most \n"
    "consortia experienced difficulties finding qualified staff and hiring them within the "
    "confines of the \n"
    "grant. A separate aspect of staffing that has emerged from the first two years’ work is the \n"
    "centrality of coaches to pathway work. \n"
    "\n"
    "COACHES \n"
    "\n"
    "Consortia that have prioritized hiring coaches report that they play a crucial role in "
    "brokering \n"
    "relationships between K-12 educators and employers. \n"
    "\n"
    " DATA CHALLENGES \n"
    "\n"
    "Accurate data are essential for developing and sustaining new pathway programs and systems. \n"
    "\n"
    " K-12 PUBLIC SCHOOLS \n"
    "\n"
    "California Career Pathways Trust asks participating K-12 schools and districts to think \n"
    "regionally and act locally. \n"
)

# california-state-plan-for-cte-2023.txt, lines 20-24 and 29-35 (shortened).
STATE_PLAN = (
    "[bookmark: _Toc126164522]A Bold Vision\n"
    "[bookmark: A_Bold_Vision]Equity is at the heart of the vision for excellence in CTE in "
    "California.\n"
    "[bookmark: Framework:_Key_Priorities_and_Themes][bookmark: _TOC_250006][bookmark: "
    "_Toc126164523]Looking forward, CTE in California must be at the forefront of removing "
    "barriers – real or perceived – among systems and institutions in order to achieve the vision "
    "of a statewide CTE system.\n"
    "Framework: Key Priorities and Themes\n"
    "The framework for this plan includes key priorities and themes anchored in equity and "
    "access.\n"
    "[bookmark: _TOC_250005][bookmark: _Toc126164524]Goals and Strategies for Years 1-3\n"
    "Over the next three years, California will aim to achieve four main goals, which are the "
    "core of this plan and have foundational threads of equity and access woven throughout.\n"
    "[bookmark: Goal_1:_Boost_data-informed_decision-mak][bookmark: _Toc126164525]Goal 1: Boost "
    "data-informed decision-making for equity and impact\n"
    "[bookmark: 1.1_Using_data_to_support_equity]1.1 \tUsing data to support equity\n"
    "· Build understanding of equity among all college and career pathways interest holders in "
    "California\n"
    "[bookmark: 1.2_Using_data_for_college_and_career_pa]1.2\tUsing data for college and career "
    "pathway design and impact\n"
    "· Use data such as labor market information to inform creation of all CTE programs\n"
    "[bookmark: Goal_2:_Expand_work-based_learning_in_al][bookmark: _Toc126164526]Goal 2: Expand "
    "work-based learning in all regions, with a focus on equity\n"
    "[bookmark: 2.1_Fostering_employer_engagement_and_co]2.1\tFostering employer engagement and "
    "co-ownership\n"
    "· Develop a framework and process for employer engagement and co-ownership\n"
    "[bookmark: _TOC_250004][bookmark: _Toc126164529]Long-term Areas of Focus\n"
    "Over the next 10 years, longer term areas of focus will drive efforts toward achieving the "
    "vision of this plan.\n"
)


def clean(text: str) -> CleanDocument:
    return clean_document([Page(None, text)])


def section_of(doc: CleanDocument, phrase: str) -> str:
    return doc.section_at(doc.text.index(phrase))


def test_caps_headings_nest_under_the_heading_that_announces_them() -> None:
    doc = clean(CHALLENGES)
    assert [(h.level, h.title) for h in doc.headings] == [
        (1, "Common Implementation Challenges"),
        (2, "Supportive Leadership"),
        (2, "Staffing"),
        (3, "Coaches"),
        (2, "Data Challenges"),
        (1, "K-12 Public Schools"),
    ]
    assert section_of(doc, "Consortia that have prioritized hiring coaches") == (
        "Common Implementation Challenges > Staffing > Coaches"
    )
    assert section_of(doc, "Accurate data are essential") == (
        "Common Implementation Challenges > Data Challenges"
    )
    assert section_of(doc, "think regionally") == "K-12 Public Schools"


def test_section_path_is_empty_before_the_first_heading_and_includes_the_heading_itself() -> None:
    doc = clean("Preface text without a heading.\n\n" + CHALLENGES)
    assert doc.section_at(0) == ""
    staffing = doc.text.index("STAFFING")
    assert doc.section_at(staffing) == "Common Implementation Challenges > Staffing"
    heading = next(h for h in doc.headings if h.title == "Staffing")
    assert (heading.start, heading.end) == (staffing, staffing + len("STAFFING"))


def test_toc_bookmarks_mark_headings_but_not_a_long_paragraph() -> None:
    doc = clean(STATE_PLAN)
    titles = [h.title for h in doc.headings]
    assert titles[:3] == [
        "A Bold Vision",
        "Framework: Key Priorities and Themes",
        "Goals and Strategies for Years 1-3",
    ]
    assert not any(t.startswith("Looking forward") for t in titles)
    assert "[bookmark" not in doc.text


def test_numbered_sections_nest_by_number_and_goals_by_their_label() -> None:
    doc = clean(STATE_PLAN)
    assert section_of(doc, "Use data such as labor market") == (
        "Goals and Strategies for Years 1-3 > Goal 1: Boost data-informed decision-making for "
        "equity and impact > 1.2 Using data for college and career pathway design and impact"
    )
    assert section_of(doc, "Develop a framework and process") == (
        "Goals and Strategies for Years 1-3 > Goal 2: Expand work-based learning in all regions, "
        "with a focus on equity > 2.1 Fostering employer engagement and co-ownership"
    )
    assert section_of(doc, "Over the next 10 years") == "Long-term Areas of Focus"


def test_markdown_headings_take_their_level_from_the_hashes() -> None:
    text = (
        "# Voices from the Field\n\nIntro.\n\n## Start with Sustainability\n\nText.\n\n"
        "### Fresno\n\nMore text.\n\n## Build Coalitions of the Willing\n\nEnd."
    )
    doc = clean(text)
    assert [(h.level, h.title) for h in doc.headings] == [
        (1, "Voices from the Field"),
        (2, "Start with Sustainability"),
        (3, "Fresno"),
        (2, "Build Coalitions of the Willing"),
    ]
    assert "#" not in doc.text
    assert section_of(doc, "More text") == (
        "Voices from the Field > Start with Sustainability > Fresno"
    )
    assert section_of(doc, "End.") == "Voices from the Field > Build Coalitions of the Willing"


def test_unannounced_caps_headings_stay_flat() -> None:
    # ccpt-voices-from-the-field-2019.txt: caps headings whose intros do not announce each other
    text = (
        "START WITH SUSTAINABILITY\n\nRepresenting a statewide investment of more than $500 "
        "million dollars, CCPT offered an unprecedented opportunity.\n\n"
        "BUILD COALITIONS OF THE WILLING\n\nTo fulfill the CCPT grant program's goal, the "
        "consortia had to take on three significant implementation tasks.\n"
    )
    doc = clean(text)
    assert [(h.level, h.title) for h in doc.headings] == [
        (1, "Start with Sustainability"),
        (1, "Build Coalitions of the Willing"),
    ]


def test_promising_practice_sidebars_are_leaves() -> None:
    text = (
        "DATA CHALLENGES\n\nCentral among the issues are promising practices and staffing.\n\n"
        "PROMISING PRACTICE: INNOVATE TULARE-KINGS\n\nITK was established in 2013.\n\n"
        "OUTREACH PROMISING PRACTICE: VISALIA UNIFIED SCHOOL DISTRICT\n\nVisalia offers ten "
        "academies.\n\n"
        "PROMISING PRACTICE: SUBREGIONAL COLLABORATION IN THE EAST BAY\n\nThe East Bay sprawls.\n\n"
        "STAFFING\n\nFinding staff is hard.\n"
    )
    doc = clean(text)
    assert [(h.level, h.title) for h in doc.headings] == [
        (1, "Data Challenges"),
        (2, "Promising Practice: Innovate Tulare-Kings"),
        (2, "Outreach Promising Practice: Visalia Unified School District"),
        (2, "Promising Practice: Subregional Collaboration in the East Bay"),
        (2, "Staffing"),
    ]


def test_plain_short_lines_are_headings_in_documents_without_caps_headings() -> None:
    # nashville-national-pathway-exemplars-memo-2021.txt, lines 3-8 (shortened)
    text = (
        "Request\n"
        "Nashville New Skills ready network is looking for national exemplars in career pathways "
        "at a K-12 district level. Possible questions include:\n"
        "1. Which districts are doing career pathways well? How do we know? \n"
        "Barriers\n"
        "· Dual enrollment and articulation agreements can be challenging to create and sustain.\n"
    )
    doc = clean(text)
    assert [h.title for h in doc.headings] == ["Request", "Barriers"]
    assert section_of(doc, "Dual enrollment") == "Barriers"


def test_plain_heading_shape() -> None:
    assert is_plain_heading("Delaware Pathways Project")
    assert is_plain_heading("ACE Academy: Fond Du Lac, WI")
    assert not is_plain_heading("Possible questions include:")
    assert not is_plain_heading("K-12 students and teachers benefit.")
    assert not is_plain_heading("https://www.ptech.org/about/")
    assert not is_plain_heading("County Offices of Education: lead five $15M grants")


def test_title_case_keeps_acronyms_from_the_body_and_vowelless_words() -> None:
    assert title_case("CCPT ACCOMPLISHMENTS AT YEAR TWO") == "CCPT Accomplishments at Year Two"
    assert title_case("PROMISING PRACTICE: INNOVATE TULARE-KINGS") == (
        "Promising Practice: Innovate Tulare-Kings"
    )
    assert title_case("THE ROLE OF THE LEA AND CTE", frozenset({"LEA", "CTE"})) == (
        "The Role of the LEA and CTE"
    )
    assert title_case("BENEFITS FOR K-12 STUDENTS") == "Benefits for K-12 Students"


def test_announcement_needs_most_words_close_together() -> None:
    lead = stem_sequence("Central among them are lack of supportive leadership, and difficulty.")
    assert announces(lead, content_stems("SUPPORTIVE LEADERSHIP"))
    assert not announces(lead, content_stems("DATA CHALLENGES"))
    far_apart = stem_sequence(
        "Data management was hard to staff for the grant, and they found many other things "
        "in the region very challenging."
    )
    assert not announces(far_apart, content_stems("DATA CHALLENGES"))
    assert content_stems("Staffing and Coaches") == frozenset({"staff", "coach"})


def test_a_lead_that_counts_its_subsections_takes_that_many_as_children() -> None:
    # ccpt-two-years-in-implementation-report-2017.txt, lines 2224-2380, shortened: the caps
    # subheads are announced by number ("four issues"), not by their words
    text = (
        "BARRIERS TO PROGRESS \n\n"
        "Although CCPT is leading to many positive changes, many college partners struggle. In "
        "all, there are four issues cited by community colleges indicating that CCPT work is "
        "bumping up against larger systemic barriers in their organizations. \n\n"
        "INCENTIVES AND OWNERSHIP \n\nThe complexity of California's community college system "
        "comes from its large size and its local governance structure. \n\n"
        "CAPACITY FOR STRATEGIC CHANGE \n\nCalifornia's community colleges are undertaking "
        "several substantial initiatives of their own. \n\n"
        "CULTURE OF DECISION MAKING AND COMPETITION \n\nThe authority of faculty senates "
        "shapes every decision. \n\n"
        "AVAILABLE OFFERINGS VERSUS INDUSTRY NEEDS \n\nSome programs do not match what "
        "industry needs. \n\n"
        "EMPLOYERS \n\nEmployers are the third partner. Over the past three years they have "
        "joined in. \n\n"
        "LOGISTICAL CHALLENGES \n\nLiability worries employers.\n"
    )
    doc = clean(text)
    assert [(h.level, h.title) for h in doc.headings] == [
        (1, "Barriers to Progress"),
        (2, "Incentives and Ownership"),
        (2, "Capacity for Strategic Change"),
        (2, "Culture of Decision Making and Competition"),
        (2, "Available Offerings Versus Industry Needs"),
        (1, "Employers"),  # the four are used up; "three years" announces nothing
        (1, "Logistical Challenges"),
    ]
    assert section_of(doc, "faculty senates") == (
        "Barriers to Progress > Culture of Decision Making and Competition"
    )


def test_counts_of_time_and_of_labels_announce_no_subsections() -> None:
    assert announced_count(["In all, there are four issues cited by colleges."]) == 4
    assert announced_count(["They learned three major lessons: take risks."]) == 3
    assert announced_count(["Over the past three years, JFF has engaged deeply."]) == 0
    assert announced_count(["Leaders reported similar year two outcomes."]) == 0
    assert announced_count(["The grant went to three districts in the region."]) == 0
