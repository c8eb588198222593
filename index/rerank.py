"""Optional re-ranking of the top fused chunks by a cross-encoder.

Off by default: no cross-encoder ships with the project. To turn it on, point
PATHWAYS_RERANKER_MODEL at a local folder holding a sentence-transformers ``CrossEncoder``
(for example a copy of cross-encoder/ms-marco-MiniLM-L-6-v2); the searcher then re-scores its
top ``rerank_depth`` fused chunks with it. Anything with a ``score`` method fits the
``Reranker`` protocol, which is how tests plug in a fake one.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

from pathways.errors import ModelLoadError
from pathways.settings import Settings

logger = logging.getLogger(__name__)


class Reranker(Protocol):
    def score(self, query: str, passages: Sequence[str]) -> list[float]:
        """One relevance score per passage, higher is better."""
        ...


class CrossEncoderReranker:
    """A sentence-transformers CrossEncoder loaded from a local folder, on the CPU."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path).expanduser()
        self.model = load_cross_encoder(self.path)

    def score(self, query: str, passages: Sequence[str]) -> list[float]:
        if not passages:
            return []
        scores = self.model.predict([(query, p) for p in passages], show_progress_bar=False)
        return [float(s) for s in scores]


def load_cross_encoder(path: Path) -> Any:
    hint = (
        "Set PATHWAYS_RERANKER_MODEL to a local folder holding a sentence-transformers "
        "CrossEncoder, or unset it to search without re-ranking."
    )
    if not path.is_dir():
        raise ModelLoadError(f"Re-ranker model folder {str(path)!r} does not exist. {hint}")
    from sentence_transformers import CrossEncoder

    try:
        model = CrossEncoder(str(path), device="cpu", local_files_only=True)
    except Exception as e:  # the library raises many types for a folder that is not a model
        raise ModelLoadError(
            f"Cannot load the re-ranker model at {str(path)!r}: {e}. {hint}"
        ) from e
    logger.info("loaded re-ranker %s", path)
    return model


def load_reranker(settings: Settings) -> Reranker | None:
    """The configured re-ranker, or None when re-ranking is off."""
    if settings.reranker_model is None:
        return None
    return CrossEncoderReranker(settings.reranker_model)


def rerank(
    reranker: Reranker, query: str, ranked: Sequence[tuple[str, float]], texts: Sequence[str]
) -> list[tuple[str, float]]:
    """Order ranked (id, score) by the re-ranker's scores of texts (one per id)."""
    scores = reranker.score(query, texts)
    if len(scores) != len(ranked):
        raise ValueError(f"re-ranker returned {len(scores)} scores for {len(ranked)} passages")
    order = sorted(range(len(ranked)), key=lambda i: -scores[i])
    return [(ranked[i][0], scores[i]) for i in order]
