"""Organization names with a type word (ingest.orgs): a run of capitalized words ending in one
("... Unified School District"), or one heading an "of/for" phrase ("University of California")."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence

from ingest.org_tokens import (
    _bare,
    _display,
    _Found,
    _is_allcaps,
    _is_name_word,
    _is_office_title,
    _is_possessive,
    _linked,
    _Token,
)
from ingest.org_words import (
    _ABBREVIATIONS,
    AGENCY_HEADS,
    CONNECTORS,
    CONTINUERS,
    FIXED_PHRASES,
    GENERIC_WORDS,
    HEAD_CONNECTORS,
    HEAD_OF_KINDS,
    MAX_MODIFIERS,
    NO_AND_KINDS,
    QUANTIFIERS,
    STANDALONE_SUFFIXES,
    STATE_NICKNAMES,
    STATE_WORDS,
    SUFFIX_INDEX,
    SUFFIX_PHRASES,
    US_STATES,
    WORK_TITLE_WORDS,
    WORKFORCE_WORDS,
    OrgMention,
)

logger = logging.getLogger(__name__)

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
