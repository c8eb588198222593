"""Merge retrieved chunks of one document that touch into one contiguous excerpt.

Overlapping chunks repeat each other, and a list spread over a section comes back as several
neighbouring chunks; each would take a result slot of its own. Walking the ranked chunks best
first, a chunk that overlaps, touches or sits at most ``max_gap`` chunks away from an excerpt
already chosen joins that excerpt (which keeps its rank and score), as long as the excerpt
stays within ``max_chars``. Excerpts are spans of the document text, so quotes stay exact.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from pathways.types import Chunk


@dataclass
class Span:
    """A run of chunks of one document: [start, end) in its text, ordinals first..last."""

    doc_id: str
    start: int
    end: int
    first: int
    last: int
    score: float
    ids: list[str] = field(default_factory=list)  # member ids, best first

    @classmethod
    def of(cls, vid: str, chunk: Chunk, score: float) -> Span:
        return cls(chunk.doc_id, chunk.start, chunk.end, chunk.ordinal, chunk.ordinal, score, [vid])

    def overlaps(self, chunk: Chunk) -> bool:
        return chunk.doc_id == self.doc_id and chunk.start < self.end and chunk.end > self.start

    def near(self, chunk: Chunk, max_gap: int) -> bool:
        if chunk.doc_id != self.doc_id:
            return False
        return (
            self.overlaps(chunk)
            or self.first - 1 - max_gap <= chunk.ordinal <= self.last + 1 + max_gap
        )

    def absorb(self, vid: str, chunk: Chunk, max_chars: int, others: Sequence[Span]) -> bool:
        """Grow to include chunk unless that makes the span longer than max_chars or makes it
        overlap another span (two spans of one document growing towards each other)."""
        start, end = min(self.start, chunk.start), max(self.end, chunk.end)
        if end - start > max_chars:
            return False
        if any(o is not self and o.doc_id == self.doc_id and o.start < end and start < o.end
               for o in others):  # fmt: skip
            return False
        self.start, self.end = start, end
        self.first, self.last = min(self.first, chunk.ordinal), max(self.last, chunk.ordinal)
        self.ids.append(vid)
        return True


def merge_neighbours(
    ranked: Sequence[tuple[str, float]],
    chunks: Mapping[str, Chunk],
    k: int,
    max_chars: int,
    max_gap: int = 1,
) -> list[Span]:
    """At most k spans, best first. Every ranked chunk is considered: one that cannot start
    a new span (k already chosen) may still join a chosen one. A chunk overlapping a span that
    is already full is dropped: it would mostly repeat it."""
    spans: list[Span] = []
    for vid, score in ranked:
        chunk = chunks[vid]
        if any(s.near(chunk, max_gap) and s.absorb(vid, chunk, max_chars, spans) for s in spans):
            continue
        if len(spans) < k and not any(s.overlaps(chunk) for s in spans):
            spans.append(Span.of(vid, chunk, score))
    return spans
