"""Organization recognition on sentences copied from the corpus (CCPT reports, state plan, memo)."""

from __future__ import annotations

import pytest

from ingest.orgs import KINDS, OrgMention, canonical_key, find_organizations


def found(text: str) -> list[tuple[str, str, str]]:
    """(name, kind, surface form) for each mention, checking offsets on the way."""
    rows = []
    for m in find_organizations(text):
        surface = text[m.start : m.end]
        assert surface and surface == surface.strip(), m
        rows.append((m.name, m.kind, surface))
    return rows


# --------------------------------------------------------------------------- type-word names


def test_district_name_with_exact_offsets() -> None:
    text = (
        "Linked Learning pathway experiences. Porterville Unified School District conducts an "
        "end-of-\nyear survey of graduating pathway seniors"
    )
    [m] = find_organizations(text)
    assert m == OrgMention("Porterville Unified School District", "district", 37, 72)
    assert text[m.start : m.end] == "Porterville Unified School District"


def test_leading_the_is_not_part_of_the_name() -> None:
    text = "The Elk Grove Unified School District in Sacramento County provides exemplary"
    assert found(text) == [
        ("Elk Grove Unified School District", "district", "Elk Grove Unified School District")
    ]


def test_abbreviated_district_and_county_office_are_spelled_out() -> None:
    text = (
        "In 2012, Educate Texas, the Texas Instruments (TI) Foundation and the suburban Lancaster "
        "Independent School District (Lancaster ISD), located south of Dallas, collaborated to "
        "build a districtwide model for STEM education."
    )
    assert found(text) == [
        ("Texas Instruments", "employer", "Texas Instruments"),
        ("Texas Instruments", "employer", "TI"),
        (
            "Lancaster Independent School District",
            "district",
            "Lancaster Independent School District",
        ),
        ("Lancaster Independent School District", "district", "Lancaster ISD"),
    ]
    assert found("County formed a platform. According to a Tulare COE leader: ") == [
        ("Tulare County Office of Education", "county_office", "Tulare COE")
    ]


def test_consortium_collaborative_and_pathway_project() -> None:
    text = (
        "The Fresno-Madera K-16 Collaborative is a regional intersegmental partnership. "
        "East Bay Career Pathways in northern California, Capital Academies and Pathways in the \n"
        "California capital region, and the Tulare-Kings Pathway Project in the Central Valley."
    )
    assert [(n, k) for n, k, _ in found(text)] == [
        ("Fresno-Madera K-16 Collaborative", "consortium"),
        ("Tulare-Kings Pathway Project", "consortium"),
    ]


def test_lowercase_consortium_after_a_proper_name() -> None:
    text = (
        "The East Bay Career Pathways consortium has had some success in promoting K12-college "
        "partnerships. The Tulare-Kings consortium, for example, works directly with local"
    )
    assert found(text) == [
        (
            "East Bay Career Pathways Consortium",
            "consortium",
            "East Bay Career Pathways consortium",
        ),
        ("Tulare-Kings Consortium", "consortium", "Tulare-Kings consortium"),
    ]


def test_name_broken_across_a_wrapped_line_and_its_acronym() -> None:
    text = (
        "Reflecting on continuing their consortium’s CCPT work at grant’s end, a Capital Area \n"
        "Partnership (CAP) leader said: \n\nElk Grove’s CAP leaders hope"
    )
    rows = found(text)
    assert rows[0] == ("Capital Area Partnership", "consortium", "Capital Area \nPartnership")
    assert rows[1] == ("Capital Area Partnership", "consortium", "CAP")
    assert rows[2] == ("Capital Area Partnership", "consortium", "CAP")


def test_hyphen_broken_name() -> None:
    text = (
        "issue. For example, Tulare- Kings CCPT consortium established a College and Career \n"
        "Collaborative (CCC) as a “regional learning community” to stimulate regional dialogue and "
    )
    assert found(text) == [
        ("Tulare-Kings CCPT Consortium", "consortium", "Tulare- Kings CCPT consortium"),
        ("College and Career Collaborative", "consortium", "College and Career \nCollaborative"),
        ("College and Career Collaborative", "consortium", "CCC"),
    ]


def test_intermediaries_agencies_colleges_and_foundations() -> None:
    text = (
        "The Visalia Unified School District (VUSD) in Tulare County did exactly that—reviving the "
        "moribund Visalia Partners in Education (VPIE) to engage local business leaders. "
        "Porterville also works with Fresno State to place student teachers. Select staff from "
        "CDE and the California Community College Chancellor’s Office (CCCCO) were also spoken to. "
        "Additionally, we are grateful to the Stuart Foundation and the Noyce Foundation for their "
    )
    assert [(n, k, s) for n, k, s in found(text)] == [
        ("Visalia Unified School District", "district", "Visalia Unified School District"),
        ("Visalia Unified School District", "district", "VUSD"),
        ("Visalia Partners in Education", "intermediary", "Visalia Partners in Education"),
        ("Visalia Partners in Education", "intermediary", "VPIE"),
        ("Fresno State", "college", "Fresno State"),
        (
            "California Community College Chancellor's Office",
            "state_agency",
            "California Community College Chancellor’s Office",
        ),
        ("California Community College Chancellor's Office", "state_agency", "CCCCO"),
        ("Stuart Foundation", "foundation", "Stuart Foundation"),
        ("Noyce Foundation", "foundation", "Noyce Foundation"),
    ]


def test_of_phrases_and_state_agencies() -> None:
    text = (
        "During the pilot phase of the Collaborative, supported by the Governor’s Council on "
        "Post-Secondary Education since 2022, partner institutions focused on pathways. We "
        "referred consortia leaders to a 2003 report by the Corporation for Supportive Housing "
        "titled “Laying a New Foundation: Changing the Systems That Create and Sustain"
    )
    assert [(n, k) for n, k, _ in found(text)] == [
        ("Governor's Council on Post-Secondary Education", "state_agency"),
        ("Corporation for Supportive Housing", "other"),
    ]


def test_coordinated_districts_are_two_names() -> None:
    text = (
        "Only a few California districts (such as Vallejo Unified and Oxnard Union High School "
        "District) require that all high school students"
    )
    assert [(n, k) for n, k, _ in found(text)] == [
        ("California", "state"),  # an actor, like "Hawaii schools"
        ("Vallejo Unified", "district"),
        ("Oxnard Union High School District", "district"),
    ]


# --------------------------------------------------------------------------- names from context


def test_appositive_names_an_employer_and_a_collaborative() -> None:
    text = (
        "instance, Tulare career specialists point to the enthusiastic participation of Leprino, "
        "the nation’s largest mozzarella cheese maker. The company’s buy-in resulted from a "
        "sit-down"
    )
    assert found(text) == [("Leprino", "employer", "Leprino")]
    text = (
        "Alignment between K–12 education, community colleges, and industry are supported by OC "
        "Pathways, a collaborative led by the Orange County Department of Education and Orange "
        "County Regional Consortium. OC Pathways partners work together"
    )
    assert [(n, k) for n, k, _ in found(text)] == [
        ("OC Pathways", "consortium"),
        ("Orange County Department of Education", "county_office"),
        ("Orange County Regional Consortium", "consortium"),
        ("OC Pathways", "consortium"),
    ]


def test_led_by_and_acronym_definitions() -> None:
    text = (
        "the Los Angeles High Impact Information Technology, Entertainment and Entrepreneurship, "
        "and Communications Hubs regional consortium (or LA HI-TECH, led by the Pasadena Area "
        "Community College District), the Northern California Career Pathway Alliance (NCCPA, led "
        "by the Sonoma County Office of Education), and the Tulare-Kings Pathways Project "
        "(Tulare County Office of Education) describe their experiences. "
        "“CCPT allowed potential for what could be across all sectors,” said a leader from LA "
        "HI-TECH. In the NCCPA, a consortium made up of several northern California counties"
    )
    assert [(n, k, s) for n, k, s in found(text)] == [
        ("LA HI-TECH", "consortium", "LA HI-TECH"),
        (
            "Pasadena Area Community College District",
            "college",
            "Pasadena Area Community College District",
        ),
        (
            "Northern California Career Pathway Alliance",
            "consortium",
            "Northern California Career Pathway Alliance",
        ),
        ("Northern California Career Pathway Alliance", "consortium", "NCCPA"),
        ("Sonoma County Office of Education", "county_office", "Sonoma County Office of Education"),
        ("Tulare-Kings Pathways Project", "consortium", "Tulare-Kings Pathways Project"),
        ("Tulare County Office of Education", "county_office", "Tulare County Office of Education"),
        ("LA HI-TECH", "consortium", "LA HI-TECH"),
        ("Northern California Career Pathway Alliance", "consortium", "NCCPA"),
    ]


def test_glossary_lines_define_acronyms() -> None:
    text = (
        "LBUSD  Long Beach Unified School District \n\nLPAT  Local Project Action Team \n\n"
        "A former LBUSD administrator recalled that “when Long Beach City College was not getting"
    )
    assert found(text) == [
        ("Long Beach Unified School District", "district", "LBUSD"),
        ("Long Beach Unified School District", "district", "Long Beach Unified School District"),
        ("Long Beach Unified School District", "district", "LBUSD"),
        ("Long Beach City College", "college", "Long Beach City College"),
    ]


def test_bare_place_name_of_a_district_named_in_full() -> None:
    text = (
        "Porterville Unified School District conducts an end-of-year survey. There are some "
        "examples of efforts to create one-stop shops to coordinate employer outreach \n"
        "and develop work-based learning opportunities: Porterville has established such a "
        "resource in \ntheir district office, and Ventura County and San Bernardino City Unified "
        "School District \nreportedly have an effective one-stop shopping program."
    )
    assert [(n, s) for n, _, s in found(text)] == [
        ("Porterville Unified School District", "Porterville Unified School District"),
        ("Porterville Unified School District", "Porterville"),
        (
            "San Bernardino City Unified School District",
            "San Bernardino City Unified School District",
        ),
    ]


def test_bare_place_name_alone_is_not_an_organization() -> None:
    text = "Porterville also works with Fresno State to place student teachers in their CTE "
    assert found(text) == [("Fresno State", "college", "Fresno State")]


def test_employer_short_name_after_its_full_name() -> None:
    text = (
        "Coachella Valley High Hospitality California Partnership Academy started their work "
        "partnering with Marriott Resorts in the Coachella Valley in 1992. The program began with "
        "two of the Marriott resorts. The Marriott resorts internship program offers"
    )
    assert [(n, k, s) for n, k, s in found(text)] == [
        (
            "Coachella Valley High Hospitality California Partnership Academy",
            "school",
            "Coachella Valley High Hospitality California Partnership Academy",
        ),
        ("Marriott Resorts", "employer", "Marriott Resorts"),
        ("Marriott Resorts", "employer", "Marriott"),
        ("Marriott Resorts", "employer", "Marriott"),
    ]


# --------------------------------------------------------------------------- states


def test_states_as_actors_not_as_places() -> None:
    text = (
        "Right now several Hawaii schools have created and/or expanded to a wall to wall academy "
        "model. The state of Massachusetts was a state grantee in the JPMorgan Chase New Skills "
        "for Youth cohort. While the first models started in New York City P-Tech programs can "
        "be seen across the U.S from Texas to Ohio. 122 C St., NW, Suite 280, Washington, DC 20001"
    )
    assert [(n, k, s) for n, k, s in found(text)] == [
        ("Hawaii", "state", "Hawaii"),
        ("Massachusetts", "state", "Massachusetts"),
    ]


# --------------------------------------------------------------------------- precision


@pytest.mark.parametrize(
    "text",
    [
        "The School District must approve the plan. Each Consortium met. Many Districts agreed.",
        "A Career Academy is a small learning community within a high school.",
        "This consortium serves rural districts. The Collaborative met monthly.",
        "In the Los Angeles area, leaders worked to build a regional infrastructure that created",
        "noted: “Our Adult Ed Consortium has some of the same schools as our CCPT.... I think",
        "connections with a local Workforce Investment Board. CCPT is much looser in terms of its ",
        "The Golden State Pathways Program and dual enrollment are included in the budget.",
        "High-Quality College and Career pathways initiative through NSFY",
        "“Laying a New Foundation: Changing the Systems That Create and Sustain Supportive",
        "COE  County Office of Education \n\nWIB  Workforce Investment Board",
    ],
)
def test_generic_phrases_are_not_organizations(text: str) -> None:
    assert find_organizations(text) == []


def test_generic_plural_after_a_district_is_not_a_name() -> None:
    text = "The Visalia Unified School District offers ten Linked Learning Academies in five high "
    assert [n for n, _, _ in found(text)] == ["Visalia Unified School District"]


def test_mentions_are_ordered_disjoint_and_typed() -> None:
    text = (
        "Select staff from CDE and the California Community College Chancellor’s Office (CCCCO) "
        "were also spoken to or interviewed. The California Department of Education (CDE) has "
        "defined The California Way. Elk Grove Unified, Visalia, Porterville and other districts."
    )
    mentions = find_organizations(text)
    assert all(m.kind in KINDS for m in mentions)
    assert all(a.end <= b.start for a, b in zip(mentions, mentions[1:], strict=False))
    assert [text[m.start : m.end] for m in mentions] == [
        "CDE",
        "California Community College Chancellor’s Office",
        "CCCCO",
        "California Department of Education",
        "CDE",
        "Elk Grove Unified",
    ]


# --------------------------------------------------------------------------- merging


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Long Beach USD", "Long Beach Unified School District"),
        ("Long Beach Unified", "Long Beach Unified School District"),
        ("Lancaster ISD", "Lancaster Independent School District"),
        ("Tulare COE", "Tulare County Office of Education"),
        ("Tulare-Kings Pathway Project", "Tulare-Kings Pathways Project"),
        ("The Tulare-Kings consortium", "Tulare-Kings Consortium"),
        (
            "California Community Colleges Chancellor’s Office",
            "California Community College Chancellors Office",
        ),
    ],
)
def test_variants_share_a_key(a: str, b: str) -> None:
    assert canonical_key(a) == canonical_key(b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Porterville School District", "Porterville Unified School District"),
        ("Tulare-Kings Linked Learning Consortium", "Tulare-Kings Pathway Project"),
        ("Chancellor's Office", "California Community Colleges Chancellor's Office"),
    ],
)
def test_different_organizations_keep_different_keys(a: str, b: str) -> None:
    assert canonical_key(a) != canonical_key(b)


def test_mentions_of_one_district_merge_by_key() -> None:
    text = (
        "Long Beach Unified School District (LBUSD) has had a strong implementation of Linked "
        "Learning. Teachers at Long Beach Unified and Long Beach USD agree."
    )
    keys = {canonical_key(m.name) for m in find_organizations(text)}
    assert keys == {"long beach unified"}
