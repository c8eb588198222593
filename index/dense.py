"""Dense search over a local copy of the chunk vectors, derived from Chroma like the BM25 index.

Chroma stays the store of record. A searcher copies the vectors of the catalog's current chunks
into one normalised float32 matrix, saved under PATHWAYS_HOME/vectors/ and named by the chunk
ids (which are content-addressed: ``doc@version:ordinal``), and then ranks a query by one
matrix-vector product. That makes a search exact, a few microseconds per thousand chunks, and
lets a process that only searches (a CLI run) skip importing chromadb (0.6 s of CPU) and opening
its client. When the chunks change, rows of unchanged chunks are reused and only new ones are
fetched from Chroma.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

logger = logging.getLogger(__name__)

# fetch(ids) -> (ids found, their vectors); ids Chroma does not hold are left out
Fetch = Callable[[Sequence[str]], tuple[list[str], np.ndarray]]


def ids_digest(ids: Sequence[str]) -> str:
    return hashlib.sha256("\n".join(ids).encode()).hexdigest()[:32]


def top_rows(scores: np.ndarray, k: int) -> np.ndarray:
    """Indices of the k highest scores, best first, ties in row order: the first k of a stable
    argsort of -scores, without sorting every row (a partition finds the k-th score)."""
    if k <= 0:
        return np.zeros(0, dtype=np.int64)
    if k >= len(scores):
        return np.argsort(-scores, kind="stable")
    kth = np.partition(-scores, k - 1)[k - 1]
    candidates = np.flatnonzero(-scores <= kth)  # in row order; ties at the k-th all included
    return candidates[np.argsort(-scores[candidates], kind="stable")][:k]


class VectorMatrix:
    """Row i is the unit vector of ids[i]."""

    def __init__(self, ids: Sequence[str], matrix: np.ndarray, wanted: str) -> None:
        self.ids = list(ids)
        self.matrix = matrix
        self.wanted = wanted  # ids_digest of the chunk ids this copy was made for
        self.row = {vid: i for i, vid in enumerate(self.ids)}
        self.docs = np.zeros(len(self.ids), dtype=str)  # each row's document, set by its user

    def search(
        self, vector: np.ndarray, k: int, allowed: np.ndarray | None = None
    ) -> list[tuple[str, float]]:
        """(id, cosine similarity) of the k nearest rows, best first; ``allowed`` is a boolean
        mask of the rows a filter admits."""
        if not self.ids or k <= 0:
            return []
        scores = self.matrix @ np.asarray(vector, dtype=np.float32)
        if allowed is not None:
            scores = np.where(allowed, scores, -np.inf)
            k = min(k, int(allowed.sum()))
        return [(self.ids[i], float(scores[i])) for i in top_rows(scores, k)]

    def mask(self, admitted: Callable[[str], bool]) -> np.ndarray:
        return np.fromiter((admitted(v) for v in self.ids), dtype=bool, count=len(self.ids))

    # --- persistence -----------------------------------------------------------------------
    def save(self, folder: Path) -> None:
        tmp = folder.with_name(f".{folder.name}.{os.getpid()}.tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        np.save(tmp / "vectors.npy", self.matrix)
        (tmp / "ids.json").write_text(json.dumps({"wanted": self.wanted, "ids": self.ids}))
        shutil.rmtree(folder, ignore_errors=True)
        tmp.rename(folder)

    @classmethod
    def load(cls, folder: Path) -> VectorMatrix | None:
        try:
            saved = json.loads((folder / "ids.json").read_text())
            matrix = np.load(folder / "vectors.npy", mmap_mode="r")
        except (OSError, ValueError) as e:
            logger.info("vector copy at %s not usable (%s); rebuilding", folder, e)
            return None
        if matrix.shape[0] != len(saved.get("ids", ())):
            return None
        return cls(saved["ids"], matrix, str(saved.get("wanted", "")))


def load_or_build(
    folder: Path, ids: Sequence[str], fetch: Fetch, previous: VectorMatrix | None = None
) -> VectorMatrix:
    """The copy of these chunks' vectors: from disk if it was made for exactly these ids, else
    built from ``previous`` (rows reused) and Chroma (the rest), and saved."""
    wanted = ids_digest(ids)
    saved = VectorMatrix.load(folder)
    if saved is not None and saved.wanted == wanted:
        return saved
    old = previous if previous is not None else saved
    reuse = [v for v in ids if old is not None and v in old.row]
    missing = [v for v in ids if old is None or v not in old.row]
    found, vectors = fetch(missing) if missing else ([], np.zeros((0, 0), dtype=np.float32))
    rows: dict[str, np.ndarray] = dict(zip(found, vectors, strict=True))
    if old is not None:
        rows.update({v: np.asarray(old.matrix[old.row[v]]) for v in reuse})
    kept = [v for v in ids if v in rows]
    if len(kept) < len(ids):  # stamped so that the next load asks Chroma for them again
        logger.warning("%d of %d chunks have no vector in Chroma", len(ids) - len(kept), len(ids))
        wanted = ids_digest(kept)
    matrix = np.vstack([rows[v] for v in kept]) if kept else np.zeros((0, 1), dtype=np.float32)
    built = VectorMatrix(kept, normalised(matrix), wanted)
    try:
        built.save(folder)
    except OSError as e:  # a read-only home still searches; it just rebuilds next time
        logger.warning("cannot save the vector copy to %s: %s", folder, e)
    return built


def normalised(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True) if matrix.size else 1.0
    return np.asarray(matrix / np.clip(norms, 1e-12, None), dtype=np.float32)
