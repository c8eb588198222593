"""Rule-based recognition of organizations named in career-pathway reports.

Names in this field follow strong conventions. A run of capitalized words ends in a type word
("... Unified School District", "... County Office of Education", "... Consortium"), or a type
word heads an "of/for" phrase ("University of California", "Corporation for ..."). A document
also teaches us names of its own: acronyms it defines ("Alameda County Office of Education
(ACOE)", glossary lines "VUSD  Visalia Unified School District"), appositions ("Leprino, the
nation's largest mozzarella cheese maker"), "X, led by the Y", and the bare place name of a
district it has named in full ("Porterville" after "Porterville Unified School District").
US states count when they act ("Hawaii schools", "Tennessee:"), not as places ("in Texas").

Run `find_organizations` on a whole cleaned document and assign mentions to chunks by offset:
acronym and short-name mentions depend on the document's own definitions. Precision comes
first: a type word with no proper name in front ("The School District", "Each Consortium")
names nothing.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Iterable, Sequence
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


# --------------------------------------------------------------------------- tokens


@dataclass(frozen=True)
class _Token:
    text: str  # apostrophes normalized; a line-broken "Tulare- Kings" is one token
    start: int
    end: int
    role: str  # "word", "punct" or "url"
    joined: bool  # whether the gap before it can sit inside a name


@dataclass(frozen=True)
class _Found:
    mention: OrgMention
    stem: tuple[str, ...]  # proper-name words in front of the type word
    priority: int  # higher wins when two candidates cover the same span


def _soft_gap(text: str, prev_end: int, start: int) -> bool:
    """A gap a name can continue across: one space, or a line break after a wrapped line."""
    gap = text[prev_end:start]
    if "\n" not in gap:
        return len(gap) <= 1
    if gap.count("\n") > 1:
        return False
    line_start = text.rfind("\n", 0, prev_end) + 1
    return prev_end - line_start >= WRAPPED_LINE_MIN


def _ends_on_next_line(text: str, prev: _Token, start: int, word: str) -> bool:
    """A type word alone on the next line ends the name ("California Partnership\nAcademies")."""
    gap = text[prev.end : start]
    capitalized = word[0].isupper() and prev.role == "word" and prev.text[0].isupper()
    return capitalized and gap.count("\n") == 1 and word in SUFFIX_INDEX


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    for match in _TOKEN_RE.finditer(text):
        role = match.lastgroup or "punct"
        word = match.group().replace("’", "'")
        prev = tokens[-1] if tokens else None
        joined = prev is not None and (
            _soft_gap(text, prev.end, match.start())
            or _ends_on_next_line(text, prev, match.start(), word)
        )
        if prev and role == "word" and joined and prev.text.endswith("-") and word[0].isupper():
            tokens[-1] = _Token(prev.text + word, prev.start, match.end(), "word", prev.joined)
        else:
            tokens.append(_Token(word, match.start(), match.end(), role, joined))
    return tokens


def _bare(word: str) -> str:
    """The word without a possessive ending."""
    return _POSSESSIVE_RE.sub("", word)


def _is_possessive(word: str) -> bool:
    return bool(_POSSESSIVE_RE.search(word)) and not word.endswith("ss'")


def _is_office_title(word: str) -> bool:
    return word.endswith("'s") and word[:-2] in OFFICE_TITLES


def _is_allcaps(word: str) -> bool:
    letters = [c for c in word if c.isalpha()]
    return len(letters) >= 2 and all(c.isupper() for c in letters)


def _is_name_word(token: _Token) -> bool:
    """A capitalized word that can sit inside a proper name."""
    return (
        token.role == "word" and token.text[0].isupper() and _bare(token.text) not in NOT_NAME_WORDS
    )


def _linked(tokens: Sequence[_Token], index: int) -> bool:
    """Whether token `index` exists and continues the phrase of the token before it."""
    return 0 < index < len(tokens) and tokens[index].joined


def _display(words: Iterable[str]) -> str:
    return " ".join(words)


# --------------------------------------------------------------------------- type-word names


def _match_suffix(tokens: Sequence[_Token], j: int) -> tuple[tuple[str, ...], str] | None:
    """The longest type-word phrase starting at token j, as (words, kind)."""
    for words, kind in SUFFIX_INDEX.get(tokens[j].text, ()):
        span = tokens[j : j + len(words)]
        if tuple(t.text for t in span) == words and all(
            _linked(tokens, n) for n in range(j + 1, j + len(words))
        ):
            return words, kind
    return None


def _starts_fixed_phrase(tokens: Sequence[_Token], index: int) -> bool:
    """Whether a phrase like "College and Career" starts at token `index`."""
    for phrase in FIXED_PHRASES:
        span = tokens[index : index + len(phrase)]
        if tuple(t.text for t in span) == phrase:
            return all(_linked(tokens, n) for n in range(index + 1, index + len(phrase)))
    return False


def _suffix_follows(tokens: Sequence[_Token], k: int) -> bool:
    """Whether a type word occurs in the capitalized stretch starting at token k."""
    index = k
    while _linked(tokens, index):
        if _match_suffix(tokens, index):
            return True
        if not (_is_name_word(tokens[index]) or tokens[index].text in CONNECTORS):
            return False
        index += 1
    return False


def _is_final(tokens: Sequence[_Token], k: int) -> bool:
    """Whether a name ending before token k really ends there (is not part of a longer one)."""
    if not _linked(tokens, k):
        return True
    if _starts_fixed_phrase(tokens, k - 1):
        return False
    nxt = tokens[k]
    if _is_name_word(nxt):
        return _is_allcaps(nxt.text)
    if nxt.text in ("and", "&"):
        joins_name = _linked(tokens, k + 1) and _is_name_word(tokens[k + 1])
        return not joins_name or _suffix_follows(tokens, k + 1)
    if nxt.text in CONTINUERS and _linked(tokens, k + 1):
        return not (_is_name_word(tokens[k + 1]) or tokens[k + 1].text == "the")
    return True


def _ends_named_org(tokens: Sequence[_Token], index: int) -> bool:
    """Whether token `index` closes a type word that has a proper name in front."""
    if index < 1 or _starts_fixed_phrase(tokens, index):
        return False
    for width in range(1, 5):
        j = index - width + 1
        found = _match_suffix(tokens, j) if j >= 1 else None
        if found and len(found[0]) == width:
            return _linked(tokens, j) and _is_name_word(tokens[j - 1])
    return False


def _coordinates(tokens: Sequence[_Token], index: int) -> bool:
    """Whether "and" at token `index` joins two names ("CDE and the ...") instead of one."""
    before, after = tokens[index - 1].text, tokens[index + 1].text
    return after == "the" or _is_allcaps(before) or _ends_named_org(tokens, index - 1)


def _walk_back(tokens: Sequence[_Token], j: int, kind: str) -> int:
    """Index of the first word of the name whose type word starts at token j."""
    i = j
    while _linked(tokens, i) and j - i < MAX_MODIFIERS:
        prev = tokens[i - 1]
        if prev.text in ("and", "&"):
            if kind in NO_AND_KINDS or _coordinates(tokens, i - 1):
                break
        elif prev.text not in CONNECTORS and not _is_name_word(prev):
            break
        if _is_possessive(prev.text) and not _is_office_title(prev.text):
            break
        i -= 1
    while i < j and (tokens[i].text in CONNECTORS or tokens[i].text in ("and", "&")):
        i += 1
    return i


def _mid_sentence(tokens: Sequence[_Token], i: int) -> bool:
    """Whether a lowercase word precedes token i, so capitals at i signal a proper name."""
    if not _linked(tokens, i):
        return False
    prev = tokens[i - 1]
    return prev.role == "word" and prev.text[0].islower() and prev.text not in QUANTIFIERS


def _plausible_name(
    tokens: Sequence[_Token], words: Sequence[str], i: int, strict: bool, plural: bool = False
) -> bool:
    """Whether modifier `words` (starting at token i) make a proper name, not a description.

    One distinctive (non-generic) word is enough. Capitalized generic words only count in
    mid-sentence, two or more of them, before a singular type word ("the National Academy
    Foundation", but not "Career Academy" or "ten Linked Learning Academies"). `strict` (a
    lowercase type word: "consortium") needs a distinctive word that is not an acronym.
    """
    mods = [_bare(w) for w in words if w not in CONNECTORS and w not in ("and", "&")]
    distinctive = [w for w in mods if w.lower() not in GENERIC_WORDS]
    if strict:
        return any(not _is_allcaps(w) for w in distinctive)
    return bool(distinctive) or (len(mods) >= 2 and not plural and _mid_sentence(tokens, i))


def _initials(words: Sequence[str], with_lowercase: bool) -> str:
    parts = [part for word in words for part in word.split("-") if part]
    return "".join(p[0].upper() for p in parts if with_lowercase or p[0].isupper())


def _initials_match(acronym: str, words: Sequence[str]) -> bool:
    """Whether an all-caps `acronym` spells the initials of `words` ("CAP", "Capital Area ...")."""
    letters = re.sub(r"[^A-Z]", "", acronym)
    return (
        _is_allcaps(acronym)
        and len(letters) >= 2
        and letters in (_initials(words, False), _initials(words, True))
    )


def _expand(words: Sequence[str]) -> list[str]:
    """Display form: "Tulare COE" -> "Tulare County Office of Education", "consortium" -> "C..."."""
    last = words[-1]
    if last in _ABBREVIATIONS and not (last == "COE" and "County" in words):
        return [*words[:-1], *_ABBREVIATIONS[last]]
    return [*words[:-1], last.capitalize() if last.islower() else last]


def _refine_kind(words: Sequence[str], kind: str) -> str:
    """Settle agency-like names by who runs them: county education, the state, workforce."""
    if kind not in ("agency", "intermediary"):
        return kind
    state_led = words[0] in US_STATES or _display(words[:2]) in US_STATES
    state_led = state_led or words[0] in ("U.S.", "Governor's")
    if kind == "agency" and "County" in words and "Education" in words:
        return "county_office"
    if state_led and (kind == "agency" or words[-1] in AGENCY_HEADS or "Workforce" in words):
        return "state_agency"
    if kind == "agency":
        return "intermediary" if WORKFORCE_WORDS & set(words) else "other"
    return kind


def _suffix_candidates(tokens: Sequence[_Token]) -> list[_Found]:
    found: list[_Found] = []
    for j in range(len(tokens)):
        match = _match_suffix(tokens, j)
        if match and _is_final(tokens, j + len(match[0])):
            found += _name_before_suffix(tokens, j, *match)
    return found


def _name_before_suffix(
    tokens: Sequence[_Token], j: int, suffix: tuple[str, ...], kind: str
) -> list[_Found]:
    k = j + len(suffix)
    i = _walk_back(tokens, j, kind)
    if i + 1 < j and _initials_match(tokens[i].text, [t.text for t in tokens[i + 1 : k]]):
        i += 1  # "CAP Capital Area Partnership": a glossary acronym, not part of the name
    mods = [t.text for t in tokens[i:j]]
    if not mods:
        if _display(suffix) not in STANDALONE_SUFFIXES:
            return []
    elif tuple(t.text for t in tokens[i:k]) in SUFFIX_PHRASES:
        return []  # "Workforce Investment Board" is itself a type of organization
    elif not _plausible_name(tokens, mods, i, suffix[-1].islower(), suffix[-1].endswith("s")):
        return []
    if suffix == ("State",) and not _is_campus_name(tokens, i, j):
        return []
    if suffix[-1] == "Districts":
        return _split_districts(tokens, i, j, suffix)
    words = _expand([t.text for t in tokens[i:k]])
    mention = OrgMention(
        _display(words), _refine_kind(words, kind), tokens[i].start, tokens[k - 1].end
    )
    return [_Found(mention, tuple(_bare(m) for m in mods), len(suffix))]


def _is_campus_name(tokens: Sequence[_Token], i: int, j: int) -> bool:
    """ "Fresno State": one place word that is neither a state nor a nickname ("Golden")."""
    word = _bare(tokens[i].text)
    nickname = word in US_STATES or word in STATE_NICKNAMES or _is_allcaps(word)
    return j - i == 1 and not nickname


def _split_districts(
    tokens: Sequence[_Token], i: int, j: int, suffix: tuple[str, ...]
) -> list[_Found]:
    """ "San Leandro and Porterville Unified School Districts" -> two districts."""
    singular = (*suffix[:-1], "District")
    found = [_district(tokens, i, j, j + len(suffix), singular)]
    if _linked(tokens, i) and tokens[i - 1].text == "and":
        first = _walk_back(tokens, i - 1, "district")
        mods = [t.text for t in tokens[first : i - 1]]
        if first < i - 1 and _plausible_name(tokens, mods, first, False):
            found.append(_district(tokens, first, i - 1, i - 1, singular))
    return found


def _district(
    tokens: Sequence[_Token], i: int, j: int, end: int, suffix: tuple[str, ...]
) -> _Found:
    """District whose proper words are tokens i..j and whose surface ends before token `end`."""
    mods = tuple(t.text for t in tokens[i:j])
    name = _display((*mods, *suffix))
    mention = OrgMention(name, "district", tokens[i].start, tokens[end - 1].end)
    return _Found(mention, tuple(_bare(m) for m in mods), len(suffix))


# --------------------------------------------------------------------------- "X of Y" names


def _opens_of_phrase(tokens: Sequence[_Token], k: int) -> bool:
    """Whether token k is "of/for/on" before a proper word ("of California", "of the X")."""
    if not (_linked(tokens, k) and tokens[k].text in HEAD_CONNECTORS and _linked(tokens, k + 1)):
        return False
    if tokens[k + 1].text == "the":
        return _linked(tokens, k + 2) and _is_name_word(tokens[k + 2])
    return _is_name_word(tokens[k + 1])


def _extend_forward(tokens: Sequence[_Token], k: int) -> int:
    """End (exclusive) of the capitalized stretch that starts with connector token k."""
    index, end = k, k
    while _linked(tokens, index) and tokens[index].text not in WORK_TITLE_WORDS:
        token = tokens[index]
        if _is_name_word(token):
            end = index + 1
            if _is_possessive(token.text):
                break
        elif token.text not in CONNECTORS:
            break
        index += 1
    return end


def _head_kind(words: Sequence[str], head: str, tail: Sequence[str]) -> str:
    """Kind of an "X of Y" name; "University of California Curriculum Integration" is other."""
    kind = HEAD_OF_KINDS[head]
    if head == "School" and "Graduate" in words:
        return "college"
    if kind == "college" and len(tail) > 1 and tail[0] in STATE_WORDS:
        return "other" if _display(tail) not in US_STATES else kind
    return _refine_kind(words, kind)


def _head_of_candidates(tokens: Sequence[_Token]) -> list[_Found]:
    found: list[_Found] = []
    for j, token in enumerate(tokens):
        if token.text not in HEAD_OF_KINDS or not _opens_of_phrase(tokens, j + 1):
            continue
        k = _extend_forward(tokens, j + 1)
        i = _walk_back(tokens, j, HEAD_OF_KINDS[token.text])
        words = [t.text for t in tokens[i:k]]
        tail = [t.text for t in tokens[j + 2 : k] if t.text not in CONNECTORS]
        mods = [t.text for t in tokens[i:j]] + tail
        if tuple(words) in SUFFIX_PHRASES or not _plausible_name(tokens, mods, i, False):
            continue
        kind = _head_kind(words, token.text, tail)
        mention = OrgMention(_display(words), kind, tokens[i].start, tokens[k - 1].end)
        found.append(_Found(mention, (), 10))
    return found


# --------------------------------------------------------------------------- names from context


def _free(found: Iterable[_Found], start: int, end: int) -> bool:
    return all(f.mention.end <= start or f.mention.start >= end for f in found)


def _name_before(tokens: Sequence[_Token], c: int) -> int | None:
    """Start of a proper name that ends just before token c, if there is one."""
    i = _walk_back(tokens, c, "district")
    if i >= c:
        return None
    words = [_bare(t.text) for t in tokens[i:c]]
    distinctive = [w for w in words if w.lower() not in GENERIC_WORDS and w not in CONNECTORS]
    adverb = c - i == 1 and words[0].endswith("ly") and not _mid_sentence(tokens, i)
    return None if adverb or not distinctive or _display(words) in US_STATES else i


def _appositive_kind(tokens: Sequence[_Token], c: int) -> str | None:
    """Kind named by ", the nation's largest cheese maker" when token c is that comma."""
    if not (_linked(tokens, c + 1) and tokens[c + 1].text in ("a", "an", "the")):
        return None
    for m in range(c + 2, min(c + 3 + MAX_APPOSITIVE_GAP, len(tokens))):
        word = tokens[m].text
        if not (_linked(tokens, m) and tokens[m].role == "word" and word[0].islower()):
            return None
        if word in APPOSITIVE_NOUNS:
            return APPOSITIVE_NOUNS[word]
        if word in APPOSITIVE_BLOCKERS:
            return None
    return None


def _leads_to_org(tokens: Sequence[_Token], c: int, starts: set[int]) -> bool:
    """Whether comma token c opens ", led by (the) <a name already found>"."""
    words = [t.text for t in tokens[c + 1 : c + 4]]
    m = c + 4 if words[2:] == ["the"] else c + 3
    return words[:2] == ["led", "by"] and m < len(tokens) and tokens[m].start in starts


def _context_candidates(tokens: Sequence[_Token], found: Sequence[_Found]) -> list[_Found]:
    """Names typed by an apposition, or by "X, led by the Y" where Y was already found."""
    starts = {f.mention.start for f in found}
    extra: list[_Found] = []
    for c, token in enumerate(tokens):
        if token.text != ",":
            continue
        kind = _appositive_kind(tokens, c)
        if kind is None and _leads_to_org(tokens, c, starts):
            kind = "consortium"
        i = _name_before(tokens, c) if kind else None
        if kind is None or i is None:
            continue
        words = [_bare(t.text) for t in tokens[i:c]]
        start, end = tokens[i].start, tokens[c - 1].start + len(words[-1])
        if _free([*found, *extra], start, end):
            extra.append(_Found(OrgMention(_display(words), kind, start, end), tuple(words), 1))
    return extra


# --------------------------------------------------------------------------- acronyms


def _acronym_after(tokens: Sequence[_Token], k: int) -> str | None:
    """The acronym in "(ACR)", "(ACR," or "(or ACR," starting at token k."""
    if k >= len(tokens) or tokens[k].text != "(":
        return None
    index = k + 2 if k + 1 < len(tokens) and tokens[k + 1].text == "or" else k + 1
    words: list[str] = []
    while index < len(tokens) and len(words) < 2 and _ACRONYM_RE.fullmatch(tokens[index].text):
        words.append(tokens[index].text)
        index += 1
    closed = index < len(tokens) and tokens[index].text in (")", ",")
    return _display(words) if words and closed else None


def _acronym_before(tokens: Sequence[_Token], first: int, last: int) -> str | None:
    """The acronym in "ACR (Name)" where the name spans tokens first..last."""
    if first < 2 or tokens[first - 1].text != "(" or last + 1 >= len(tokens):
        return None
    acronym = tokens[first - 2].text
    closed = tokens[last + 1].text == ")"
    return acronym if closed and _ACRONYM_RE.fullmatch(acronym) else None


def _acronyms(
    text: str, tokens: Sequence[_Token], found: Sequence[_Found]
) -> dict[str, OrgMention]:
    """Acronym -> the mention it stands for.

    From "Name (ACR)", "ACR (Name)", glossary lines ("VUSD  Visalia Unified School District")
    and an all-caps word that spells the name's initials right before it ("CAP Capital Area
    Partnership").
    """
    index_of = {t.start: n for n, t in enumerate(tokens)}
    last_of = {t.end: n for n, t in enumerate(tokens)}
    aliases: dict[str, OrgMention] = {}
    for f in found:
        m = f.mention
        if m.start not in index_of or m.end not in last_of:
            continue
        first, last = index_of[m.start], last_of[m.end]
        glossary = _GLOSSARY_RE.fullmatch(text[text.rfind("\n", 0, m.start) + 1 : m.start])
        prefix = tokens[first - 1].text if _linked(tokens, first) else ""
        acronym = (
            _acronym_after(tokens, last + 1)
            or (glossary.group(1) if glossary else None)
            or _acronym_before(tokens, first, last)
            or (prefix if _initials_match(prefix, m.name.split()) else None)
        )
        if acronym and acronym not in m.name.split():
            aliases.setdefault(acronym, m)
    return aliases


def _alias_candidates(text: str, tokens: Sequence[_Token], found: Sequence[_Found]) -> list[_Found]:
    extra: list[_Found] = []
    for acronym, target in _acronyms(text, tokens, found).items():
        body = r"\s+".join(map(re.escape, acronym.split()))
        for match in re.finditer(rf"(?<![\w-]){body}(?![\w-])", text):
            if _free([*found, *extra], match.start(), match.end()):
                mention = OrgMention(target.name, target.kind, match.start(), match.end())
                extra.append(_Found(mention, (), 0))
    return extra


def _acronym_shape_candidates(tokens: Sequence[_Token], found: Sequence[_Found]) -> list[_Found]:
    """Undefined acronyms shaped like a district's or county office's: "WCCUSD", "SCOE"."""
    extra: list[_Found] = []
    for token in tokens:
        kind = next((k for k, rx in _ACRONYM_SHAPES if rx.fullmatch(token.text)), None)
        if token.role == "word" and kind and _free([*found, *extra], token.start, token.end):
            extra.append(_Found(OrgMention(token.text, kind, token.start, token.end), (), 0))
    return extra


# --------------------------------------------------------------------------- bare names


def _positions(tokens: Sequence[_Token]) -> dict[str, list[int]]:
    """Token indices by word (possessive removed)."""
    index: dict[str, list[int]] = {}
    for n, token in enumerate(tokens):
        if token.role == "word":
            index.setdefault(_bare(token.text), []).append(n)
    return index


def _standalone(
    tokens: Sequence[_Token], positions: dict[str, list[int]], words: Sequence[str]
) -> Iterable[tuple[int, int, int]]:
    """(token index, start, end) where `words` stand alone, no capitalized word glued on."""
    n = len(words)
    for s in positions.get(words[0], []):
        span = tokens[s : s + n]
        if len(span) < n or [_bare(t.text) for t in span] != list(words):
            continue
        if any(not _linked(tokens, x) for x in range(s + 1, s + n)):
            continue
        if any(_is_possessive(t.text) for t in span[:-1]):
            continue
        glued_before = _linked(tokens, s) and _is_name_word(tokens[s - 1])
        glued_after = _linked(tokens, s + n) and _is_name_word(tokens[s + n])
        if glued_before or (glued_after and not _is_possessive(span[-1].text)):
            continue
        yield s, span[0].start, span[-1].start + len(words[-1])


def _governing_word(tokens: Sequence[_Token], s: int) -> str:
    """The word governing a (maybe coordinated) name at token s: "in" for "in Ohio and Utah"."""
    index = s - 1
    while index >= 0 and (tokens[index].text in STATE_WORDS or tokens[index].text in ",/"):
        index -= 1
    while index >= 0 and tokens[index].text in PLACE_MODIFIERS:
        index -= 1
    while index >= 0 and tokens[index].text in ("and", "or"):
        index -= 1
        while index >= 0 and (tokens[index].text in STATE_WORDS or tokens[index].text == ","):
            index -= 1
    if index < 0:
        return ""
    if tokens[index].text == "of" and index and tokens[index - 1].text.lower() == "state":
        return "state of"
    return tokens[index].text.lower()


def _place_use(tokens: Sequence[_Token], s: int, prepositions: frozenset[str]) -> bool:
    """Whether the name at token s is a place ("in Texas", "Washington, DC 20001")."""
    after = [t.text for t in tokens[s + 1 : s + 3]]
    postal = len(after) == 2 and after[0] == "," and re.fullmatch(r"[A-Z]{2}|D\.C\.?", after[1])
    directional = s > 0 and tokens[s - 1].text in DIRECTIONS  # "northern California counties"
    return bool(postal) or directional or _governing_word(tokens, s) in prepositions


def _unique_stems(found: Sequence[_Found]) -> dict[tuple[str, ...], OrgMention]:
    """Short names that no other found name starts with.

    Districts and employers by their proper words ("Porterville", "Marriott"); names found
    from context ("OC Pathways, a collaborative ...") as they are.
    """
    stems: dict[tuple[str, ...], OrgMention] = {}
    ambiguous: set[tuple[str, ...]] = set()
    for f in found:
        stem, key = f.stem, canonical_key(f.mention.name)
        if not stem or (f.mention.kind not in ("district", "employer") and f.priority != 1):
            continue
        if _display(stem) in US_STATES or all(w.lower() in GENERIC_WORDS for w in stem):
            continue
        if any(
            canonical_key(g.mention.name) != key
            and tuple(g.mention.name.split()[: len(stem)]) == stem
            for g in found
        ):
            ambiguous.add(stem)
        stems.setdefault(stem, f.mention)
    return {stem: m for stem, m in stems.items() if stem not in ambiguous}


def _stem_candidates(
    tokens: Sequence[_Token], positions: dict[str, list[int]], found: Sequence[_Found]
) -> list[_Found]:
    """ "Porterville" once the text has named "Porterville Unified School District"."""
    extra: list[_Found] = []
    for stem, target in _unique_stems(found).items():
        for s, start, end in _standalone(tokens, positions, stem):
            if _free([*found, *extra], start, end) and not _place_use(
                tokens, s, PLACE_PREPOSITIONS
            ):
                extra.append(_Found(OrgMention(target.name, target.kind, start, end), (), 0))
    return extra


def _state_candidates(
    tokens: Sequence[_Token], positions: dict[str, list[int]], found: Sequence[_Found]
) -> list[_Found]:
    """US states used as actors: "Hawaii schools", "Tennessee:", "the state of Ohio"."""
    extra: list[_Found] = []
    for state in sorted(US_STATES):
        for s, start, end in _standalone(tokens, positions, state.split()):
            if _free([*found, *extra], start, end) and not _place_use(
                tokens, s, LOCATION_PREPOSITIONS
            ):
                extra.append(_Found(OrgMention(state, "state", start, end), (), 0))
    return extra


# --------------------------------------------------------------------------- public


def _resolve(found: Iterable[_Found]) -> list[_Found]:
    """Leftmost-longest non-overlapping mentions; equal spans go to the higher priority."""
    ordered = sorted(
        found, key=lambda f: (f.mention.start, f.mention.start - f.mention.end, -f.priority)
    )
    kept: list[_Found] = []
    for f in ordered:
        if not kept or f.mention.start >= kept[-1].mention.end:
            kept.append(f)
    return kept


def find_organizations(text: str) -> list[OrgMention]:
    """Organizations named in `text`, in order, with canonical display names and kinds."""
    tokens = _tokenize(text)
    positions = _positions(tokens)
    found = _resolve(_suffix_candidates(tokens) + _head_of_candidates(tokens))
    found = _resolve(found + _alias_candidates(text, tokens, found))
    found = _resolve(found + _context_candidates(tokens, found))
    found = _resolve(found + _acronym_shape_candidates(tokens, found))
    found = _resolve(found + _stem_candidates(tokens, positions, found))
    found = _resolve(found + _state_candidates(tokens, positions, found))
    return [f.mention for f in found]


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
