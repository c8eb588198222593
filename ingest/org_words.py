"""The vocabulary of organization names (ingest.orgs): the kinds, the type words that end a name
("Unified School District"), the words that head an "of" phrase, words never inside a name,
places, and the token patterns."""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass

logger = logging.getLogger(__name__)


KINDS = (
    "district",
    "county_office",
    "consortium",
    "school",
    "college",
    "intermediary",
    "state_agency",
    "state",
    "employer",
    "foundation",
    "network",
    "other",
)


@dataclass(frozen=True)
class OrgMention:
    """One organization named in a text; `text[start:end]` is the surface form."""

    name: str  # canonical display name: "Long Beach Unified School District"
    kind: str  # one of KINDS
    start: int
    end: int


# --------------------------------------------------------------------------- vocabulary


def _table(spec: str) -> list[tuple[tuple[str, ...], str]]:
    """Parse "kind: phrase | phrase" lines into (words, kind) pairs."""
    rows: list[tuple[tuple[str, ...], str]] = []
    for line in spec.strip().splitlines():
        kind, _, phrases = line.partition(":")
        rows += [(tuple(p.split()), kind.strip()) for p in phrases.split("|") if p.strip()]
    return rows


def _words(spec: str) -> frozenset[str]:
    return frozenset(spec.split())


# Type words that end a name, by kind. "agency" is settled later by who runs it (_refine_kind).
# Lowercase entries ("consortium") need a capitalized proper word in front.
_SUFFIX_SPEC = """
district: Joint Unified School District | Unified School District | Unified School Districts
district: Unified school district | Joint Union High School District | Union High School District
district: High School District | Elementary School District | Union School District
district: Independent School District | City School District | Community School District
district: School District | School Districts | Unified | USD | ISD | JUSD | UHSD
district: Public Schools | Public schools | City Schools | Community Schools
county_office: County Office of Education | County Department of Education | County Office | COE
county_office: County Superintendent of Schools
consortium: Consortium | consortium | Collaborative | Pathways Project | Pathway Project
consortium: Alliance | Partnership | Coalition | Academies
school: High School | Middle School | Elementary School | Charter School | Academy
school: Regional Occupational Center | Regional Occupational Program
college: Community College District | College District | Community College | Community Colleges
college: City College | College | Colleges | University | State | Graduate School
intermediary: Chamber of Commerce | Workforce Development Board | Workforce Investment Board
intermediary: Workforce Board | Economic Development Corporation | Economic Development Council
intermediary: Partners in Education
agency: Department of Education | Board of Education | Department | Agency | Commission
agency: Committee | Council | Board | Bureau | Office
state_agency: Chancellor's Office | Chancellors Office | Chancellor Office | Governor's Office
other: Mayor's Office | of America | Institute | Association | Center | Project | Society
employer: Foods | Inc. | Inc | Corporation | Corp. | Company | Co. | LLC | Health | Healthcare
employer: Hospital | Medical Center | Resorts | Hotels | Bank | Instruments | Industries
employer: Airlines | Motors | Electric | Farms
foundation: Foundation
network: Network
"""
SUFFIXES = sorted(_table(_SUFFIX_SPEC), key=lambda row: -len(row[0]))
SUFFIX_INDEX: dict[str, list[tuple[tuple[str, ...], str]]] = {}
for _row in SUFFIXES:
    SUFFIX_INDEX.setdefault(_row[0][0], []).append(_row)
SUFFIX_PHRASES = frozenset(words for words, _ in SUFFIXES)

# Type words that name an organization with no proper name in front.
STANDALONE_SUFFIXES = frozenset(
    {"Chancellor's Office", "Chancellors Office", "Chancellor Office", "Governor's Office"}
)

# A type word heading an "of/for/on" phrase: "University of California".
_HEAD_SPEC = """
college: University | College
school: School | Academy
agency: Department | Office | Board | Bureau | Council | Commission | Committee | Agency
other: Corporation | Institute | Center | Association | Federation | Society | League
consortium: Alliance | Coalition | Partnership | Consortium
foundation: Foundation
network: Network
intermediary: Chamber
"""
HEAD_OF_KINDS = {words[0]: kind for words, kind in _table(_HEAD_SPEC)}
HEAD_CONNECTORS = _words("of for on")
AGENCY_HEADS = _words("Department Office Board Bureau Council Commission Committee Agency")
WORKFORCE_WORDS = _words("Workforce Employment Industry Economic Training")

# Lowercase words that can sit inside a name ("Pathways to Prosperity Network").
CONNECTORS = _words("of for the de du del la los las on to")
# Connectors after a type word that continue the name ("College of the Canyons").
CONTINUERS = _words("of for on de du del la los las")

# Kinds whose names do not contain "and": "Vallejo Unified and Oxnard Union High ..." is two.
NO_AND_KINDS = _words("district county_office school college state_agency")

# Phrases of the field that contain a type word but name nothing: "College and Career".
FIXED_PHRASES = (("College", "and", "Career"), ("Colleges", "and", "Careers"))

# Words before capitals that make them no proper-name signal ("their Adult Ed Consortium").
QUANTIFIERS = _words("""
    our their its his her my your this that these those each every any some many several most
    all both other such one two three four five six seven eight nine ten twelve
""")

# Title words that end an "X of Y" name: "Alliance for Quality Career Pathways Framework".
WORK_TITLE_WORDS = _words("Framework Report Act Program Plan Initiative Toolkit Guide Brief")

# Possessive titles that belong inside a name ("Governor's Council").
OFFICE_TITLES = _words("Chancellor Governor Mayor President Superintendent")

# Capitalized words that start sentences or point at something; never part of a name.
NOT_NAME_WORDS = _words("""
    The A An This That These Those Each Every Many Most Some Several All Any Both Either Neither
    Our Their Its His Her My Your We They It He She I You One Two Three Four Five Such Other
    Another Others In For At On By From With Within Without To Of As And But Or Nor If When While
    Whereas Although Though Because Since After Before During Under Through Throughout Across
    Among Between Including Like Unlike Via Per Into Over About Also However Additionally
    Similarly Moreover Furthermore Finally Today Currently Recently Now Then Thus Therefore
    Meanwhile Instead Still Yet Here There Where What Which Who Whom Whose How Why Is Are Was
    Were Be Been Has Have Had Do Does Did Can Could Will Would Should May Might Must Not No Yes
    Only Even Just Whether Once More Less Few Overall Together See Visit Contact Note Source
    Sources Figure Table Appendix Page Section Chapter Example Examples Beyond Despite Against
    Upon Toward Towards Around Near Outside Inside Following According Given Nearly Almost
    Approximately Please Lastly Second Third Specifically Ultimately Importantly Notably
    Generally Typically Indeed Rather Consequently Accordingly Likewise Elsewhere Perhaps
    Regardless Hence Otherwise Initially Eventually Previously Later Earlier Soon Again Already
    Often Sometimes Usually Always Never Let
""")

# Capitalized words that describe rather than name: "Career Academy", "Public Safety Academies".
GENERIC_WORDS = _words("""
    career careers technical technology technologies tech education educational vocational
    college colleges school schools public community local regional region state statewide
    national federal high middle elementary district districts county city unified union joint
    partnership partner partners academy academies pathway pathways linked learning work
    work-based based health engineering hospitality safety business arts art media information
    manufacturing construction law medical digital energy finance culinary design computer
    science sciences stem cte adult ed k-12 k12 k-14 k-16 new north south east west northern
    southern eastern western central student students youth workforce development investment
    economic employment training industry advisory executive professional support success
    program programs initiative grant network area mental allied behavioral global early quality
    high-quality teacher teachers superintendent superintendents member lead pilot graduate
    international american united nation center centers institute council board office
    department agency foundation consortium collaborative project leadership innovation action
    team research policy planning future access equity opportunity excellence readiness ready
    skills jobs job employer employers sector sectors alliance coalition system systems services
    service human resources affairs operations special general primary secondary postsecondary
    post-secondary higher continuing charter magnet applied occupational resource main other
    communication communications
""")

_STATES_SPEC = """
    Alabama|Alaska|Arizona|Arkansas|California|Colorado|Connecticut|Delaware|Florida|Georgia|
    Hawaii|Idaho|Illinois|Indiana|Iowa|Kansas|Kentucky|Louisiana|Maine|Maryland|Massachusetts|
    Michigan|Minnesota|Mississippi|Missouri|Montana|Nebraska|Nevada|New Hampshire|New Jersey|
    New Mexico|New York|North Carolina|North Dakota|Ohio|Oklahoma|Oregon|Pennsylvania|
    Rhode Island|South Carolina|South Dakota|Tennessee|Texas|Utah|Vermont|Virginia|Washington|
    West Virginia|Wisconsin|Wyoming
"""
US_STATES = frozenset(name.strip() for name in _STATES_SPEC.split("|"))
STATE_WORDS = frozenset(word for name in US_STATES for word in name.split())

# "X State" that is not a campus ("Golden State", "Member State").
STATE_NICKNAMES = _words("""
    Golden Empire Garden Keystone Sunshine Lone Silver Granite Bay Aloha Evergreen Beaver
    Buckeye Hoosier Volunteer Peach Pelican Magnolia Treasure Centennial Constitution Prairie
    Cornhusker Mountain Pine Green Ocean Old First Natural Hawkeye Sooner Palmetto Bluegrass
    Badger Gopher Equality Member Nation Welfare Police Head Secretary Steady Solid Home Free
    Sovereign Swing Red Blue Purple Battleground Frontier Island Border Deep Family Single
""")

# Words before a state name that make it a place rather than an actor ("in Texas").
LOCATION_PREPOSITIONS = _words("""
    in across throughout from to outside within around near at into of on between beyond
    through inside than
""")
# For a district or employer the document already named, only these make its bare name a
# place: "a leader from Fresno" is the district, "schools throughout Boston" the city.
PLACE_PREPOSITIONS = _words("in across throughout within around near outside inside")
# Words skipped when looking for the word that governs a name ("in the California ...").
DIRECTIONS = _words("northern southern eastern western central rural urban")
PLACE_MODIFIERS = DIRECTIONS | {"the"}

# "Leprino, the nation's largest mozzarella cheese maker": the noun gives the kind.
_APPOSITIVE_SPEC = """
consortium: consortium | collaborative | partnership | coalition | alliance
network: network
intermediary: intermediary
other: nonprofit | non-profit | organization
foundation: foundation
employer: company | corporation | firm | employer | manufacturer | maker | producer
employer: processor | retailer | hospital
district: district
college: college | university
"""
APPOSITIVE_NOUNS = {words[0]: kind for words, kind in _table(_APPOSITIVE_SPEC)}
APPOSITIVE_BLOCKERS = _words("of that which who and or with for in")

MAX_MODIFIERS = 8
MAX_APPOSITIVE_GAP = 4
WRAPPED_LINE_MIN = 60  # a line this long that ends mid-name was wrapped; a shorter one is a heading

_TOKEN_RE = re.compile(
    r"(?P<url>(?:https?://|www\.)\S+)"
    r"|(?P<word>(?:U\.S\.|Inc\.|Corp\.|Co\.|Ltd\.|St\.)|[A-Za-z0-9][\w'’&-]*)"
    r"|(?P<punct>\S)"
)
_ACRONYM_RE = re.compile(r"[A-Z][A-Z0-9&-]{1,9}")
_GLOSSARY_RE = re.compile(r"\s*([A-Z][A-Z0-9&-]{1,9})[ \t]{2,}(?:formerly\s+)?")
_ACRONYM_SHAPES = (
    ("district", re.compile(r"[A-Z]{1,6}(?:USD|UHSD|ISD)")),
    ("county_office", re.compile(r"[A-Z]{1,6}COE")),
)
_POSSESSIVE_RE = re.compile(r"(?:'s|s')$")
_ABBREVIATIONS = {
    "USD": ("Unified", "School", "District"),
    "ISD": ("Independent", "School", "District"),
    "JUSD": ("Joint", "Unified", "School", "District"),
    "UHSD": ("Union", "High", "School", "District"),
    "COE": ("County", "Office", "of", "Education"),
}


_KEY_EXPANSIONS = {
    "usd": "unified school district",
    "isd": "independent school district",
    "jusd": "joint unified school district",
    "uhsd": "union high school district",
    "coe": "county office of education",
    "dept": "department",
    "univ": "university",
    "academies": "academy",
    "colleges": "college",
    "pathways": "pathway",
    "schools": "school",
    "districts": "district",
    "chancellors": "chancellor",
    "partners": "partner",
}


def canonical_key(name: str) -> str:
    """Key under which spelling variants of one organization merge.

    "Long Beach USD", "Long Beach Unified" and "Long Beach Unified School District" share a
    key, as do "Tulare-Kings consortium" / "Tulare-Kings Consortium" and "Pathway" /
    "Pathways Project". "Porterville School District" stays apart from "Porterville
    Unified": that designator could name a different district.
    """
    text = unicodedata.normalize("NFKC", name).replace("’", "'").lower().replace("&", " and ")
    text = re.sub(r"'s\b|s'(?=\s|$)|'", "", text)
    words = re.sub(r"[^a-z0-9]+", " ", text).split()
    if words[:1] == ["the"]:
        words = words[1:]
    key = " ".join(_KEY_EXPANSIONS.get(w, w) for w in words)
    key = key.removesuffix(" consortium")
    for designator in ("unified", "independent"):
        if key.endswith(f" {designator} school district"):
            key = key.removesuffix(" school district")
    return key
