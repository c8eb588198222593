"""Tokens of a text for organization recognition (ingest.orgs), and tests on single tokens."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ingest.org_words import (
    _POSSESSIVE_RE,
    _TOKEN_RE,
    NOT_NAME_WORDS,
    OFFICE_TITLES,
    SUFFIX_INDEX,
    WRAPPED_LINE_MIN,
    OrgMention,
)

logger = logging.getLogger(__name__)

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
