"""The README hit rule: a passage is a hit for a quote when, after ``normalize``, the quote is
a substring of the passage, or the longest common subsequence of their word lists covers at
least 80% of the quote's words (see ``eval/README.md``)."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from pathways.text import words

HIT_NUMERATOR, HIT_DENOMINATOR = 4, 5  # the 80% LCS threshold, kept as an exact fraction

_ARTIFACT_TAGS = re.compile(r"\[bookmark: [^\]]*\]|\[footnoteRef:\d+\]|\[image: [^\]]*\]")
_PAGE_NUMBER_LINE = re.compile(r"(?m)^[ \t]*\d{1,3}[ \t]*$")
_LOCAL_LINK = re.compile(r"\[([^\]]*)\]\(#\)")
_WHITESPACE = re.compile(r"\s+")


def normalize(text: str) -> str:
    """Remove extraction artifacts, then collapse whitespace (README 'Normalization')."""
    text = _ARTIFACT_TAGS.sub(" ", text)
    text = _PAGE_NUMBER_LINE.sub(" ", text)
    text = _LOCAL_LINK.sub(r"\1", text)
    text = text.replace("**", "").replace("\\$", "$")
    return _WHITESPACE.sub(" ", text).strip()


def lcs_length(a: Sequence[str], b: Sequence[str]) -> int:
    """Length of the longest common subsequence of two word lists (O(len(a) * len(b)))."""
    prev = [0] * (len(b) + 1)
    for x in a:
        cur = [0]
        for j, y in enumerate(b):
            cur.append(prev[j] + 1 if x == y else max(prev[j + 1], cur[j]))
        prev = cur
    return prev[-1]


@dataclass(frozen=True)
class Prepared:
    """A normalized text with its word list and word counts, computed once."""

    text: str
    words: tuple[str, ...]
    counts: Counter[str]


def prepare(text: str) -> Prepared:
    norm = normalize(text)
    ws = tuple(words(norm))
    return Prepared(text=norm, words=ws, counts=Counter(ws))


def _enough(matched: int, n_quote_words: int) -> bool:
    # matched >= 0.8 * n, in integer arithmetic.
    return matched * HIT_DENOMINATOR >= n_quote_words * HIT_NUMERATOR


def prepared_hit(quote: Prepared, passage: Prepared) -> bool:
    if quote.text in passage.text:
        return True
    n = len(quote.words)
    # Upper bound on the LCS: each quote word can match at most as often as it occurs in both.
    bound = sum(min(c, passage.counts[w]) for w, c in quote.counts.items())
    if not _enough(bound, n):
        return False
    # Passage words absent from the quote can never be part of the LCS; drop them first.
    relevant = [w for w in passage.words if w in quote.counts]
    return _enough(lcs_length(quote.words, relevant), n)


def is_hit(quote: str, passage: str) -> bool:
    """True if ``passage`` contains ``quote`` under the README hit rule."""
    return prepared_hit(prepare(quote), prepare(passage))
