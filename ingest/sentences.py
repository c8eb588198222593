"""Sentence spans of cleaned text: the units that answers quote verbatim."""

from __future__ import annotations

import re
from collections.abc import Iterator

# A sentence ends at . ! ? (optionally followed by a closing quote or bracket) before white
# space and an upper-case letter, digit or opening quote; or at a line break.
_END = re.compile(r"(?<=[.!?])[\"”’)\]]{0,2}(?=\s+[\"“‘(\[]?[A-Z0-9])|\n")
# Abbreviations that end with a period but not a sentence.
_ABBREV = re.compile(
    r"\b(?:e\.g|i\.e|etc|vs|Dr|Mr|Ms|Mrs|St|No|Jr|Sr|U\.S|Inc|Co|Corp|Ph\.D|a\.m|p\.m|approx)\.$",
    re.IGNORECASE,
)
_INITIAL = re.compile(r"\b[A-Z]\.$")
MIN_CHARS = 25
MAX_CHARS = 600


def sentence_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """(start, end) of each sentence in text[start:end], stripped of surrounding white space."""
    end = len(text) if end is None else end
    spans: list[tuple[int, int]] = []
    cursor = start
    for boundary in _boundaries(text, start, end):
        if boundary < end and _is_abbreviation(text, cursor, boundary):
            continue
        spans.extend(_split_long(text, *_strip(text, cursor, boundary)))
        cursor = boundary
    return [(s, e) for s, e in spans if e - s >= MIN_CHARS and _has_words(text[s:e])]


def _boundaries(text: str, start: int, end: int) -> Iterator[int]:
    for match in _END.finditer(text, start, end):
        yield match.end()
    yield end


def _is_abbreviation(text: str, start: int, boundary: int) -> bool:
    head = text[start:boundary].rstrip('"”’)] \n')
    return bool(_ABBREV.search(head) or _INITIAL.search(head))


def _strip(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _split_long(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Very long 'sentences' (lists run together) are cut at semicolons or bullets."""
    if end - start <= MAX_CHARS:
        return [(start, end)] if end > start else []
    pieces, cursor = [], start
    for match in re.finditer(r"(?<=;)\s+|\s+(?=[·•] )", text[start:end]):
        cut = start + match.start()
        if cut - cursor >= MIN_CHARS:
            pieces.append(_strip(text, cursor, cut))
            cursor = start + match.end()
    pieces.append(_strip(text, cursor, end))
    return [p for p in pieces if p[1] > p[0]]


def _has_words(sentence: str) -> bool:
    return len(re.findall(r"[A-Za-z]{3,}", sentence)) >= 3
