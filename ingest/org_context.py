"""Organization names a document teaches (ingest.orgs): from context (appositions, "led by"), its
own acronyms and glossary lines, bare names of districts it named in full, acting US states."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Sequence

from ingest.org_names import _initials_match, _mid_sentence, _walk_back
from ingest.org_tokens import (
    _bare,
    _display,
    _Found,
    _is_name_word,
    _is_possessive,
    _linked,
    _Token,
)
from ingest.org_words import (
    _ACRONYM_RE,
    _ACRONYM_SHAPES,
    _GLOSSARY_RE,
    APPOSITIVE_BLOCKERS,
    APPOSITIVE_NOUNS,
    CONNECTORS,
    DIRECTIONS,
    GENERIC_WORDS,
    LOCATION_PREPOSITIONS,
    MAX_APPOSITIVE_GAP,
    PLACE_MODIFIERS,
    PLACE_PREPOSITIONS,
    STATE_WORDS,
    US_STATES,
    OrgMention,
    canonical_key,
)

logger = logging.getLogger(__name__)

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
