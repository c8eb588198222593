"""Question answering with verified citations. (Interface stub: the real selection, list answers
and abstention replace the body of `Answerer.answer`; the types and signatures stay.)"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from index.embedder import Embedder
from index.retrieval import HybridSearcher
from index.search import Excerpt, Filters
from pathways.settings import Settings


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


def cite(n: int, e: Excerpt) -> Citation:
    return Citation(n, e.doc_id, e.title, e.section, e.page, e.start, e.end, e.text, e.source_url)


class Answerer:
    def __init__(self, settings: Settings, searcher: HybridSearcher, embedder: Embedder) -> None:
        self.settings = settings
        self.searcher = searcher
        self.embedder = embedder

    def answer(self, question: str, k: int | None = None, filters: Filters | None = None) -> Answer:
        excerpts = self.searcher.search(question, k or 5, filters)
        citations = [cite(i + 1, e) for i, e in enumerate(excerpts[:3])]
        text = " ".join(f"{c.quote[:200]} [{c.n}]" for c in citations)
        return Answer(question, text, not citations, 0.5, citations)
