"""What a cleaned document adds to the index besides its chunks: the body sentences answers
quote, the organizations it names, and the metadata copied onto its vectors."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ingest.orgs import canonical_key, find_organizations
from pathways.text import sentence_spans
from pathways.types import DocumentMeta, OrgRow


def body_sentences(text: str, headings: Sequence[Any]) -> list[tuple[int, int]]:
    """Sentence spans outside headings: the units answers quote."""
    spans = []
    cursor = 0
    for heading in [*headings, None]:
        stop = len(text) if heading is None else heading.start
        if stop > cursor:
            spans.extend(sentence_spans(text, cursor, stop))
        if heading is not None:
            cursor = max(cursor, heading.end)
    return spans


def organizations(text: str) -> list[OrgRow]:
    return [
        OrgRow(m.name, canonical_key(m.name), m.kind, m.start, m.end)
        for m in find_organizations(text)
    ]


def doc_metadata(meta: DocumentMeta) -> dict[str, object]:
    """Metadata copied onto every vector, for filtering in Chroma."""
    return {
        "title": meta.title,
        "doc_type": meta.doc_type,
        "year": meta.year or 0,
        "region": meta.region,
    }
