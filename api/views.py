"""Pure helpers for the HTML document view: where an offset falls (section, page) and the text
split around a cited passage."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Passage:
    before: str
    marked: str
    after: str
    start: int
    end: int
    section: str
    page: int | None


def section_at(headings: Sequence[dict[str, Any]], offset: int) -> str:
    """The heading path ("Part > Chapter") in force at `offset`; "" before the first heading."""
    path: list[tuple[int, str]] = []
    for h in sorted(headings, key=lambda h: int(h["start"])):
        if int(h["start"]) > offset:
            break
        level = int(h["level"])
        path = [(lv, t) for lv, t in path if lv < level] + [(level, str(h["title"]))]
    return " > ".join(t for _, t in path)


def page_at(page_breaks: Sequence[Sequence[int]], offset: int) -> int | None:
    """The page holding `offset`, from [offset, page] pairs; None for unpaginated text."""
    page = None
    for at, number in sorted((int(a), int(n)) for a, n in page_breaks):
        if at > offset:
            break
        page = number
    return page


def cited_passage(
    text: str,
    start: int | None,
    end: int | None,
    headings: Sequence[dict[str, Any]],
    page_breaks: Sequence[Sequence[int]],
) -> Passage | None:
    """The text split around text[start:end], or None when the range is missing or invalid."""
    if start is None or end is None or not 0 <= start < end <= len(text):
        return None
    return Passage(
        before=text[:start], marked=text[start:end], after=text[end:], start=start, end=end,
        section=section_at(headings, start), page=page_at(page_breaks, start),
    )  # fmt: skip
