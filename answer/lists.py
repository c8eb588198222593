"""List questions: what shape of answer a question wants, and organization entries with
"how we know" evidence."""

from __future__ import annotations

import re
from dataclasses import dataclass

_ORG_NOUNS = (
    r"districts?|regions?|organi[sz]ations?|consortia|consortiums?|schools?|colleges?|states?|"
    r"employers?|companies|intermediar(?:y|ies)|partners?|counties|county offices|agencies|"
    r"networks?|collaboratives?|academies|universities|businesses|industr(?:y|ies)"
)
_ORG_PLURALS = (
    r"districts|regions|organi[sz]ations|consortia|consortiums|schools|colleges|states|employers|"
    r"companies|intermediaries|partners|counties|county offices|agencies|networks|collaboratives|"
    r"academies|universities|businesses|industries|funders|foundations"
)
# "which (large) districts", "what kinds of consortia"; not "what do districts measure", where
# the organizations are the subject of another question
_ORG_LIST = re.compile(
    rf"\b(?:which|what|who|name|list|are there|examples of|any)\s+"
    rf"(?:(?!(?:do|does|did|are|is|was|were|have|has|had|can|could|should|would|will)\b)"
    rf"[\w-]+\s+){{0,3}}?(?:{_ORG_PLURALS})\b",
    re.IGNORECASE,
)
_LIST = re.compile(
    r"\b(?:which|what (?:are|were|other|new|kinds?|types?|sorts?)|where can|list|name some|"
    r"examples? of|ways|strategies|barriers|challenges|lessons|steps|measures?|measuring|"
    r"metrics|indicators|sources|resources|practices|options|reports)\b",
    re.IGNORECASE,
)

KIND_LABELS = {
    "district": "school district",
    "county_office": "county office of education",
    "consortium": "consortium",
    "school": "school",
    "college": "college",
    "intermediary": "intermediary",
    "state_agency": "state agency",
    "state": "state",
    "employer": "employer",
    "foundation": "foundation",
    "network": "network",
}

MEASURES = {
    "attendance": r"\battend(?:ance|ed|ing)?\b",
    "enrollment": r"\benroll(?:ment|ed|ing|s)?\b",
    "credits earned": r"\bcredits?\b",
    "certifications": r"\bcertific(?:ation|ate)s?\b|\bcredentials?\b",
    "internships": r"\bintern(?:ship)?s?\b|\bjob shadow",
    "work-based learning": r"\bwork-based learning\b|\bWBL\b",
    "partnerships": r"\bpartner(?:ship)?s\b|\bemployers?\b",
    "graduation": r"\bgraduat(?:ion|ed|es|ing)\b",
    "college going": r"\bpostsecondary\b|\bcollege (?:going|enrollment|attendance)\b",
    "jobs and wages": r"\bwages?\b|\bhired\b|\bemployment\b|\bjobs?\b",
    "A–G completion": r"\bA[–-]G\b",
}
# a count or a change; not a grade band ("K-12", "9–12") nor a year ("in 2017")
_FIGURE = re.compile(
    r"\d+(?:\.\d+)?\s*(?:%|percent)|\b(?:doubled|tripled|increased|grew|rose|declined|fell)\b|"
    r"(?<![K\d][-–])\b(?!(?:19|20)\d\d\b)\d{2,}\b",
    re.IGNORECASE,
)
_ACCOUNT = re.compile(r"[“\"]|\b(?:said|says|told us|explained|reported|noted|according to)\b")


_KIND_WORDS = {
    "district": r"\bdistricts?\b|\bLEAs?\b",
    "county_office": r"\bcounty offices?\b|\bCOEs?\b|\bdistricts?\b",
    "consortium": r"\bconsorti(?:a|um|ums)\b|\bregions?\b|\bcollaboratives?\b|\bpartnerships?\b",
    "school": r"\bschools?\b|\bacadem(?:y|ies)\b",
    "college": r"\bcolleges?\b|\buniversit(?:y|ies)\b|\bpostsecondary\b",
    "employer": r"\bemployers?\b|\bcompan(?:y|ies)\b|\bbusiness(?:es)?\b|\bindustry\b",
    "intermediary": r"\bintermediar(?:y|ies)\b",
    "state": r"\bstates\b",
    "foundation": r"\bfoundations?\b|\bfunders?\b",
}


def wanted_kinds(question: str) -> set[str]:
    """Kinds of organization a question asks about ("which districts" -> districts, COEs)."""
    return {kind for kind, pattern in _KIND_WORDS.items() if re.search(pattern, question, re.I)}


def answer_style(question: str) -> str:
    """ "orgs" for questions asking which organizations, "list" for other enumerations,
    "plain" otherwise."""
    names_orgs = _ORG_LIST.search(question) is not None
    head = _asked_plural(question) if names_orgs else None
    if names_orgs and (head is None or re.fullmatch(_ORG_PLURALS, head, re.I)):
        return "orgs"
    if names_orgs or _LIST.search(question):
        return "list"  # "what practical hurdles stop employers…": a list, not of employers
    return "plain"


_ASKED = re.compile(r"\b(?:what|which)\s+((?:[\w’'-]+\s+){0,3})", re.IGNORECASE)
_MODIFIERS = frozenset(("kinds", "kind", "types", "type", "sorts", "sort", "examples", "of"))
_NOT_PLURAL = re.compile(r"(?:ss|us|is|ics|ous|'s|’s)$|^(?:this|these|those|its|has|was|does)$")
_VERBS = frozenset(
    ("works", "helps", "makes", "means", "happens", "matters", "counts", "stops", "keeps")
    + ("needs", "takes", "gets", "goes", "causes", "drives", "explains", "determines")
)
# Auxiliaries, prepositions and articles: right after "what"/"which" they show that no noun is
# asked for ("what is", "what to"). Not the stop list (pathways.text): a possessive must not
# end the phrase ("what our teachers teach").
_CLAUSE_WORDS = frozenset(
    ("do", "does", "did", "is", "are", "was", "were", "has", "have", "had", "can", "could")
    + ("should", "would", "will", "to", "for", "in", "on", "at", "by", "from", "with", "about")
    + ("the", "a", "an", "of")
)


def _asked_plural(question: str) -> str | None:
    """The plural noun a what/which question asks for, if its head is one: "what practical
    hurdles stop employers…" -> hurdles, "which large districts…" -> districts; None for
    "what is…", "what percentage of…", "what does…", "what actually works…"."""
    m = _ASKED.search(question)
    if not m:
        return None
    words = [w.lower() for w in m.group(1).split()]
    while words and words[0] in _MODIFIERS:
        words.pop(0)  # "what kinds of meetings"
    for i, word in enumerate(words[:3]):
        if word in _CLAUSE_WORDS or word.endswith("ly") or (i == 0 and word in _VERBS):
            return None  # "what actually works", "what helps", "what is"
        if len(word) > 3 and word.endswith("s") and not _NOT_PLURAL.search(word):
            return word
        if i == 2:
            break
    return None


_SHARE_QUESTION = re.compile(
    r"\b(?:what|which) (?:percent(?:age)?|share|proportion|fraction)\b|"
    r"\b(?:ratio|rate|percent(?:age)?|average|median)\b",
    re.IGNORECASE,
)
_MONEY_QUESTION = re.compile(
    r"\bhow much\b.*\b(?:pay|paid|cost|spen[dt]|budget|salar|wage|fund|price|earn|invest|"
    r"money|dollar|award|allocat|grant)|"
    r"\bwhat (?:is|was|were|are) (?:the |a |an )?(?:[\w-]+ ){0,2}(?:budget|costs?|"
    r"salar(?:y|ies)|wages?|price)\b",
    re.IGNORECASE,
)
_COUNT_QUESTION = re.compile(
    r"\bhow (?:many|much|long|often)\b|\bwhat (?:number|amount)\b|\btotal\b",
    re.IGNORECASE,
)
_SHARE = re.compile(r"\d\s*(?:%|percent)|\d+\s*(?:of|in|out of|to|:)\s*(?:every\s*)?\d|\d\.\d")
_MONEY = re.compile(
    r"\$\s?\d|\b\d[\d,.]*\s*(?:million|billion|thousand)?\s*dollars\b|\b(?:million|billion)\b",
    re.IGNORECASE,
)
_NUMBER = re.compile(r"(?<![\w.,-])(\d[\d,]*)\b")
_NUMBER_WORD = re.compile(
    r"\b(?:two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|dozens?|twenty|thirty|"
    r"forty|fifty|hundreds?|thousands?|millions?|billions?|half|doubled|tripled)\b",
    re.IGNORECASE,
)
_LABEL = re.compile(r"(?:^|\s)[A-Z][\w-]*\s+$")  # "Cohort 1", "AB 790", "Title 5"


def states_count(sentence: str) -> bool:
    """A count: a number word, or a number that is neither a year (1992) nor part of a label
    (a capitalized word before it, unless that word starts the sentence)."""
    if _NUMBER_WORD.search(sentence):
        return True
    for m in _NUMBER.finditer(sentence):
        if re.fullmatch(r"(?:19|20)\d\d", m.group(1)):
            continue
        before = sentence[: m.start()]
        if _LABEL.search(before) and before.strip().count(" ") > 0:
            continue
        return True
    return False


def asks_quantity(question: str) -> str | None:
    """ "share" for percentages, ratios and rates; "money" for pay, costs and budgets; "count"
    for other how many/how much; else None."""
    if _SHARE_QUESTION.search(question):  # "average salary", "median wage": a statistic
        return "share"
    if _MONEY_QUESTION.search(question):
        return "money"
    if _COUNT_QUESTION.search(question):
        return "count"
    return None


def states_quantity(sentence: str, kind: str, question: str = "") -> bool:
    """The sentence states the kind of number the question asks for. A number the question
    itself holds ("the P-TECH 9-14 model", "under $15 an hour") answers nothing."""
    for token in set(_QUESTION_NUMBER.findall(question)):
        sentence = re.sub(rf"(?<![\d.,]){re.escape(token)}(?![\d.,])", " ", sentence)
    if kind == "count":
        return states_count(sentence)
    return bool((_SHARE if kind == "share" else _MONEY).search(sentence))


_QUESTION_NUMBER = re.compile(r"\d[\d,.]*(?:[-–]\d+)?")


def evidence_kind(sentence: str) -> str:
    if _FIGURE.search(sentence):
        return "a reported figure"
    if _ACCOUNT.search(sentence):
        return "a practitioner's account"
    return "a program description"


def measures_in(sentence: str) -> list[str]:
    return [name for name, pattern in MEASURES.items() if re.search(pattern, sentence, re.I)]


ENTRY_ROWS = 2  # sentences an organization entry of an answer quotes: its lead and one more


@dataclass
class OrgEntry:
    key: str
    name: str
    kind: str
    score: float
    rows: list[int]  # sentence rows that mention it, best first

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, "")
