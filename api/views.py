"""Pure helpers for the HTML document view: the text split around a cited passage, with the
section and page it falls in (from the document's own CleanDocument)."""

from __future__ import annotations

from dataclasses import dataclass

from pathways.types import CleanDocument


@dataclass(frozen=True)
class Passage:
    before: str
    marked: str
    after: str
    start: int
    end: int
    section: str
    page: int | None


def cited_passage(doc: CleanDocument, start: int | None, end: int | None) -> Passage | None:
    """The text split around text[start:end], or None when the range is missing or invalid."""
    text = doc.text
    if start is None or end is None or not 0 <= start < end <= len(text):
        return None
    return Passage(
        before=text[:start], marked=text[start:end], after=text[end:], start=start, end=end,
        section=doc.section_at(start), page=doc.page_at(start),
    )  # fmt: skip
