"""A question analysed once: its text checked against the limits at the edge (the API and the
CLI call ``read_query``), then what retrieval reads from it, worked out a single time.

Search, evidence selection and abstention all take the same ``Query``: the question is folded
and checked once, the term it asks the meaning of and the title words it names are stemmed
once, and its vector is encoded once per request (``Searcher.encode``).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from index.definitions import asked_term
from index.docnames import content_words
from pathways.errors import InvalidQuery
from pathways.settings import Settings


@dataclass(frozen=True)
class Query:
    """A question with what retrieval reads from it. Build it with ``read_query`` (at the
    edge, checked against the limits) or ``as_query`` (core callers that hold a string)."""

    text: str  # white space folded
    asked: tuple[tuple[str, ...], bool] | None  # the term it asks the meaning of (definitions)
    title_words: tuple[tuple[str, bool], ...]  # (stem, proper name) words that can name a title
    vector: np.ndarray | None = field(default=None, compare=False, repr=False)

    def with_vector(self, vector: np.ndarray) -> Query:
        return replace(self, vector=vector)


def fold(text: str) -> str:
    """The text with runs of white space as one space, trimmed."""
    return " ".join((text or "").split())


def analyse_query(text: str) -> Query:
    """The analysis of a question, without checking it against the limits."""
    text = fold(text)
    return Query(text=text, asked=asked_term(text), title_words=tuple(content_words(text)))


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
