"""Composing an answer from the picked evidence: quotes cut and merged into citations, and the
Markdown and plain-text renderings from the templates in prompts/."""

from __future__ import annotations

import re
from typing import Any

from answer.evidence import Candidate
from answer.library import Library
from answer.lists import ENTRY_ROWS, OrgEntry, evidence_kind, measures_in
from pathways.types import Answer, Citation
from prompts import render

SENTENCES = {"plain": 4, "list": 10, "orgs": 8}  # most sentences an answer of each style quotes
WINDOW_CHARS = 420  # a short sentence is quoted with the next one of its paragraph
RELATED = 3  # excerpts shown beside an abstention


def rendered(
    question: str,
    confidence: float,
    citations: list[Citation],
    *,
    style: str,
    sentences: list[dict[str, Any]] | None = None,
    entries: list[dict[str, Any]] | None = None,
    related: list[Citation] | None = None,
) -> Answer:
    """An Answer with its Markdown and plain-text renderings from the templates in prompts/."""
    context = {
        "abstained": related is not None,
        "style": style,
        "sentences": sentences or [],
        "entries": entries or [],
        "related": related or [],
        "citations": citations or related or [],
    }
    return Answer(
        question=question,
        answer=render("answer.md.j2", **context),
        abstained=related is not None,
        confidence=confidence,
        citations=citations,
        related=related or [],
        text=render("answer.txt.j2", **context),
    )


def merge_spans(spans: list[tuple[str, int, int]]) -> list[tuple[str, int, int]]:
    """Overlapping spans of one document become one, in the place of the first of them. A span
    that overlaps two earlier ones joins them both, so no two results ever overlap."""
    out: list[tuple[str, int, int]] = []
    for doc_id, start, end in spans:
        hits = [i for i, (d, s, e) in enumerate(out) if d == doc_id and start < e and s < end]
        joined = (
            doc_id,
            min([start, *(out[i][1] for i in hits)]),
            max([end, *(out[i][2] for i in hits)]),
        )
        place = hits[0] if hits else len(out)
        out = [span for i, span in enumerate(out) if i not in hits]
        out.insert(place, joined)
    return out


def display(quote: str) -> str:
    """A quote as shown inside an answer: white space folded, a leading bullet mark or footnote
    number dropped."""
    folded = " ".join(quote.split()).lstrip("•·*- ").strip()
    return re.sub(r"^\[\d{1,3}\]\s+", "", folded)  # a footnote's own number is no citation


def cite_row(lib: Library, n: int, row: int) -> Citation:
    """Citation [n] of one sentence of the sentence table."""
    start, end = lib.sentences.table.spans[row]
    return lib.citation(n, lib.sentences.table.doc_ids[row], start, end)


def compose(
    lib: Library, question: str, style: str, picked: list[Candidate], confidence: float
) -> Answer:
    """An answer quoting the picked sentences (each with what it introduces), overlapping
    quotes merged, every one a citation."""
    items = style == "list"
    spans = merge_spans([lib.sentences.extend(c.row, WINDOW_CHARS, items=items) for c in picked])
    citations = [lib.citation(i + 1, d, s, e) for i, (d, s, e) in enumerate(spans)]
    sentences = [{"n": c.n, "text": display(c.quote)} for c in citations]
    return rendered(question, confidence, citations, style=style, sentences=sentences)


def compose_orgs(lib: Library, question: str, entries: list[OrgEntry], confidence: float) -> Answer:
    """An answer listing organizations, each with its leading sentence and how we know."""
    citations: list[Citation] = []
    shown = []
    for entry in entries[: SENTENCES["orgs"]]:
        rows = entry.rows[:ENTRY_ROWS]  # quoted by no other entry (answer.organizations)
        first = len(citations) + 1
        citations.extend(cite_row(lib, first + i, r) for i, r in enumerate(rows))
        sentence = display(lib.sentences.text(rows[0]))
        joined = " ".join(lib.sentences.text(r) for r in rows)
        shown.append(
            {
                "name": entry.name, "kind_label": entry.kind_label, "sentence": sentence,
                "n": first, "evidence_kind": evidence_kind(joined),
                "measures": measures_in(joined),
                "more": list(range(first + 1, first + len(rows))),
            }
        )  # fmt: skip
    return rendered(question, confidence, citations, style="orgs", entries=shown)


def abstain(lib: Library, question: str, confidence: float, candidates: list[Candidate]) -> Answer:
    """No answer; the best sentence of each of the top excerpts as related reading."""
    related: list[Citation] = []
    seen: set[int] = set()
    for c in candidates:
        if c.chunk_rank and c.chunk_rank not in seen and len(related) < RELATED:
            seen.add(c.chunk_rank)
            d, start, end = lib.sentences.extend(c.row, WINDOW_CHARS)
            related.append(lib.citation(len(related) + 1, d, start, end))
    return rendered(question, confidence, [], style="plain", related=related)
