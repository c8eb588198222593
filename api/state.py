"""What the API holds for its lifetime: settings, the model, the searcher, the answerer, the
ingestor for uploads and the rate limiter."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, Request

from answer.qa import Answerer
from api.ratelimit import RateLimiter
from index.embedder import Embedder, configure_hub
from index.retrieval import HybridSearcher
from ingest.pipeline import Ingestor
from pathways.settings import Settings

logger = logging.getLogger(__name__)

UPLOAD_LOCK_TIMEOUT = 30.0  # seconds an upload or delete waits for a CLI ingest's document


@dataclass
class AppState:
    settings: Settings
    embedder: Embedder
    searcher: HybridSearcher
    answerer: Answerer
    ingestor: Ingestor
    limiter: RateLimiter
    write_lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def load(cls, settings: Settings, embedder: Embedder | None = None) -> AppState:
        """Open the query encoder (the ONNX export; torch loads only for an upload) and the
        index, so that the first request is not slow."""
        configure_hub(settings.allow_hub)
        if embedder is None:
            embedder = Embedder.from_settings(settings, serving=True)
        embedder.query_encoder  # noqa: B018
        searcher = HybridSearcher(settings, embedder)
        try:
            searcher.snapshot()  # derived indexes now, not in the first request
        except Exception as e:  # e.g. the Chroma server is down: requests retry and report it
            logger.warning("index not loaded at start-up: %s", e)
        return cls(
            settings=settings,
            embedder=embedder,
            searcher=searcher,
            answerer=Answerer(settings, searcher, embedder),
            ingestor=Ingestor(
                settings, embedder, lock_timeout=UPLOAD_LOCK_TIMEOUT, hold_store=False
            ),
            limiter=RateLimiter(settings.rate_limit),
        )


def get_state(request: Request) -> AppState:
    return request.app.state.pathways  # type: ignore[no-any-return]


StateDep = Annotated[AppState, Depends(get_state)]
