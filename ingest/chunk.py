"""Cleaned text -> overlapping, sentence-aware chunks that fit the embedding model's window.

Splitting is llama-index's SentenceSplitter, counting the embedding model's own word pieces.
Chunks never cross a heading, so each has one section path; every chunk keeps its character
offsets in the cleaned text and its pages.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from pathways.types import Chunk, CleanDocument

if TYPE_CHECKING:  # imported when splitting: llama-index takes a second to import
    from llama_index.core.node_parser import SentenceSplitter

Tokenize = Callable[[str], list[str]]


def section_blocks(doc: CleanDocument) -> Iterator[tuple[int, int]]:
    """Spans of body text between consecutive headings (headings themselves excluded)."""
    cursor = 0
    for heading in doc.headings:
        if heading.start > cursor:
            yield cursor, heading.start
        cursor = max(cursor, heading.end)
    if cursor < len(doc.text):
        yield cursor, len(doc.text)


def locate(text: str, piece: str, start: int) -> tuple[int, int] | None:
    """Where piece occurs in text at or after start: exactly, or modulo whitespace."""
    at = text.find(piece, start)
    if at >= 0:
        return at, at + len(piece)
    pattern = r"\s+".join(re.escape(w) for w in piece.split())
    found = re.compile(pattern).search(text, start)
    return (found.start(), found.end()) if found else None


def make_splitter(tokenize: Tokenize, chunk_tokens: int, overlap: int) -> SentenceSplitter:
    from llama_index.core.node_parser import SentenceSplitter

    return SentenceSplitter(
        chunk_size=chunk_tokens,
        chunk_overlap=overlap,
        tokenizer=tokenize,
        paragraph_separator="\n\n",
        include_metadata=False,
        include_prev_next_rel=False,
    )


def chunk_document(
    doc_id: str,
    doc: CleanDocument,
    tokenize: Tokenize,
    *,
    chunk_tokens: int,
    overlap: int,
) -> list[Chunk]:
    """Split each section's text into chunks of at most chunk_tokens word pieces."""
    splitter = make_splitter(tokenize, chunk_tokens, overlap)
    chunks: list[Chunk] = []
    for block_start, block_end in section_blocks(doc):
        block = doc.text[block_start:block_end]
        if not block.strip():
            continue
        section = doc.section_at(block_start)
        cursor = block_start
        for split in splitter.split_text(block):
            piece = split.strip()
            if not piece:
                continue
            span = locate(doc.text, piece, cursor) or locate(doc.text, piece, block_start)
            if span is None:  # cannot happen for SentenceSplitter output; keep offsets honest
                continue
            start, end = span
            chunks.append(
                Chunk(
                    doc_id=doc_id,
                    ordinal=len(chunks),
                    text=doc.text[start:end],
                    start=start,
                    end=end,
                    section=section,
                    page_start=doc.page_at(start),
                    page_end=doc.page_at(max(start, end - 1)),
                )
            )
            cursor = start + 1
    return chunks


def embedding_text(chunk: Chunk, title: str, tokenize: Tokenize, budget: int) -> str:
    """What the model embeds: the section path as context, then the chunk, within budget."""
    context = chunk.section.split(" > ")[-1] if chunk.section else title
    if not context:
        return chunk.text
    body_tokens = len(tokenize(chunk.text))
    room = budget - body_tokens - 2
    if room < 4:
        return chunk.text
    words = context.split()
    while words and len(tokenize(" ".join(words))) > room:
        words.pop()
    return f"{' '.join(words)}: {chunk.text}" if words else chunk.text
