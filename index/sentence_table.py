"""The sentence table every answer reads: each indexed sentence's document, span and vector."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class SentenceTable:
    """Every indexed sentence: its document, span and unit-length vector (row i of vectors)."""

    doc_ids: list[str]
    spans: list[tuple[int, int]]
    vectors: np.ndarray


def sentence_table(
    rows: Iterable[Mapping[str, Any]], count: int, keep: Collection[str] | None
) -> SentenceTable:
    """The table of ``count`` rows (doc_id, start, end, float32 vector bytes), of the ``keep``
    documents only if given, streamed into one preallocated matrix."""
    ids: dict[str, str] = {}  # one string per document, not one per sentence
    doc_ids: list[str] = []
    spans: list[tuple[int, int]] = []
    matrix: np.ndarray | None = None
    for r in rows:
        if keep is not None and r["doc_id"] not in keep:
            continue
        vector = np.frombuffer(r["vector"], dtype=np.float32)
        if matrix is None:
            matrix = np.empty((count, vector.size), dtype=np.float32)  # untouched rows cost no RSS
        matrix[len(doc_ids)] = vector
        doc_ids.append(ids.setdefault(r["doc_id"], r["doc_id"]))
        spans.append((r["start"], r["end"]))
    if matrix is None:
        return SentenceTable([], [], np.zeros((0, 0), dtype=np.float32))
    return SentenceTable(doc_ids, spans, matrix[: len(doc_ids)])
