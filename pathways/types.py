"""The types every stage passes along: pages and cleaned documents from ingest, chunks and
document metadata in the index, citations and answers out of answer. Bottom layer: it imports
nothing of the project, and every room (ingest, index, answer, api) may import it."""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Page:
    number: int | None  # 1-based page number for paginated sources (PDF); None for flowing text
    text: str


@dataclass(frozen=True)
class Heading:
    start: int  # offset of the heading paragraph in CleanDocument.text
    end: int
    level: int  # 1 = top
    title: str  # display form


@dataclass(frozen=True)
class CleanDocument:
    text: str  # cleaned text, paragraphs joined by "\n\n"
    page_breaks: tuple[tuple[int, int], ...]  # sorted (offset, page); () when unpaginated
    headings: tuple[Heading, ...]
    footnotes: tuple[tuple[int, int], ...]  # (start, end) of footnote paragraphs in text

    def page_at(self, offset: int) -> int | None:
        """Page of the character at offset: the page of the last break at or before it."""
        at = bisect_right(self.page_breaks, (offset, float("inf"))) - 1
        return self.page_breaks[at][1] if at >= 0 else None

    def section_at(self, offset: int) -> str:
        """ "A > B > C" path of the headings enclosing offset; "" before the first heading."""
        at = bisect_right([h.start for h in self.headings], offset) - 1
        if at < 0:
            return ""
        path = [self.headings[at]]
        for heading in reversed(self.headings[:at]):
            if heading.level < path[0].level:
                path.insert(0, heading)
        return " > ".join(h.title for h in path)


@dataclass(frozen=True)
class DocumentMeta:
    doc_id: str
    title: str
    doc_type: str
    year: int | None
    region: str
    publisher: str
    authors: str
    source_url: str


@dataclass(frozen=True)
class Chunk:
    doc_id: str
    ordinal: int
    text: str
    start: int
    end: int
    section: str
    page_start: int | None
    page_end: int | None

    @property
    def chunk_id(self) -> str:
        return f"{self.doc_id}:{self.ordinal:04d}"


@dataclass(frozen=True)
class OrgRow:
    """An organization named in a document: display name, merge key, kind, offsets."""

    name: str
    key: str
    kind: str
    start: int
    end: int


@dataclass(frozen=True)
class Citation:
    n: int
    doc_id: str
    title: str
    section: str
    page: int | None
    start: int
    end: int
    quote: str  # == the document's cleaned text[start:end], exactly
    source_url: str


@dataclass(frozen=True)
class Answer:
    question: str
    answer: str  # Markdown with [n] markers
    abstained: bool
    confidence: float
    citations: list[Citation]
    related: list[Citation] = field(default_factory=list)  # shown when abstaining
    mode: str = "extractive"  # extractive | llm | extractive-fallback
    note: str | None = None
    text: str = ""  # plain-text rendering for terminals

    def as_dict(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "answer": self.answer,
            "abstained": self.abstained,
            "confidence": round(self.confidence, 3),
            "citations": [asdict(c) for c in self.citations],
            "related": [asdict(c) for c in self.related],
            "mode": self.mode,
            "note": self.note,
        }
