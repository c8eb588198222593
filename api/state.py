"""What the API holds for its lifetime: settings, the embedder and the searcher."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from index.embedder import Embedder, configure_hub
from index.retrieval import HybridSearcher
from pathways.settings import Settings


@dataclass
class AppState:
    settings: Settings
    embedder: Embedder
    searcher: HybridSearcher

    @classmethod
    def load(cls, settings: Settings) -> AppState:
        configure_hub(settings.allow_hub)
        embedder = Embedder(
            settings.embedding_model,
            allow_hub=settings.allow_hub,
            batch_size=settings.embed_batch_size,
        )
        embedder.model  # load now, so the first request is not slow  # noqa: B018
        return cls(settings=settings, embedder=embedder, searcher=HybridSearcher(settings, embedder))


def get_state(request: Request) -> AppState:
    return request.app.state.pathways  # type: ignore[no-any-return]


StateDep = Annotated[AppState, Depends(get_state)]
