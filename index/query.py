"""A question analysed once: its text checked against the limits at the edge (the API and the
CLI call ``read_query``), then what retrieval and answering read from it (the term it asks the
meaning of, the words that can name a document, the years, names and numbered series members
it mentions), worked out a single time.

Search, evidence selection and abstention all take the same ``Query``: the question is folded
and checked once, the term it asks the meaning of and the title words it names are stemmed
once, and its vector is encoded once per request (``Searcher.encode``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

import numpy as np

from index.definitions import asked_term
from index.docnames import content_words
from pathways.errors import InvalidQuery
from pathways.settings import Settings
from pathways.text import ORDINALS, SERIES

SeriesMember = tuple[tuple[str, int], str]  # ((series, number), as written)
_SPECIFIC = re.compile(
    r"\b(?:19|20)\d\d\b|(?<![.?!]\s)(?<!^)\b[A-Z][A-Za-z]+\b"
)  # a year, or a capitalized word that does not start a sentence
_SERIES = rf"({SERIES})s?"
_SERIES_MEMBER = re.compile(
    rf"\b(?:{_SERIES}\s+(\d{{1,2}})\b|({'|'.join(ORDINALS)})\s+(?:[A-Z]{{2,}}\s+)?{_SERIES}\b)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Query:
    """A question with what retrieval and answering read from it. Build it with
    ``read_query`` (at the edge, checked against the limits) or ``as_query`` (core callers
    that hold a string)."""

    text: str  # white space folded
    asked: tuple[tuple[str, ...], bool] | None  # the term it asks the meaning of (definitions)
    title_words: tuple[tuple[str, bool], ...]  # (stem, proper name) words that can name a title
    specifics: tuple[str, ...] = ()  # the years and proper names it mentions, as written
    series: tuple[SeriesMember, ...] = ()  # the members of numbered series it names
    vector: np.ndarray | None = field(default=None, compare=False, repr=False)

    def with_vector(self, vector: np.ndarray) -> Query:
        return replace(self, vector=vector)


def fold(text: str) -> str:
    """The text with runs of white space as one space, trimmed."""
    return " ".join((text or "").split())


def analyse_query(text: str) -> Query:
    """The analysis of a question, without checking it against the limits."""
    text = fold(text)
    return Query(
        text=text,
        asked=asked_term(text),
        title_words=tuple(content_words(text)),
        specifics=tuple(m.group(0) for m in _SPECIFIC.finditer(text)),
        series=tuple(series_members(text)),
    )


def series_members(text: str) -> list[SeriesMember]:
    """((series, number), as written) for each member of a numbered series the text names:
    "Cohort 2" and "the second CCPT cohort" are both ("cohort", 2)."""
    out = []
    for m in _SERIES_MEMBER.finditer(text):
        if m.group(1):
            out.append(((m.group(1).lower(), int(m.group(2))), m.group(0)))
        else:
            out.append(((m.group(4).lower(), ORDINALS.index(m.group(3).lower()) + 1), m.group(0)))
    return out


def as_query(query: str | Query) -> Query:
    return query if isinstance(query, Query) else analyse_query(query)


def read_query(text: str, limits: Settings) -> Query:
    """The question a user typed, checked (not empty, at most max_query_chars long) and
    analysed. The API and the CLI call this once per request; core code trusts a Query."""
    max_chars = limits.max_query_chars
    folded = fold(text)
    if not folded:
        raise InvalidQuery("The query is empty: type a question or some keywords.")
    if len(folded) > max_chars:
        raise InvalidQuery(
            f"The query is {len(folded)} characters long; the limit is {max_chars}. Shorten it."
        )
    return analyse_query(folded)


def check_k(k: int | None, limits: Settings) -> int | None:
    """k as asked (None: the default), checked against max_k."""
    if k is not None and not 1 <= k <= limits.max_k:
        raise InvalidQuery(f"k must be between 1 and {limits.max_k}, not {k}.")
    return k
