"""One settings object, read from PATHWAYS_* environment variables (and a .env file).

Build it at the entry points (CLI, API factory) and pass it down; never at import time.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

PACKAGED_MODEL = "all-MiniLM-L6-v2"
# Hard ceilings: the API publishes them in its schema; the limits below may only tighten them.
K_CEILING = 50
QUERY_CHARS_CEILING = 10_000
_SIMPLE_RATE = re.compile(r"[1-9][0-9]*/(second|minute|hour|day)")


# The sections of the settings, in order: the first field of each and its title (docs/settings.md
# and `pathways settings --markdown` list the fields under these titles).
SECTIONS: dict[str, str] = {
    "home": "Storage",
    "embedding_model": "Embedding",
    "chunk_tokens": "Chunking",
    "prune_missing": "Ingest",
    "default_k": "Limits (what a request may ask for; the API and the CLI check these)",
    "candidates": "Retrieval and scoring (query time: changing these never needs a re-ingest)",
    "answer_k": "Answers",
    "admin_key": "API and web page",
}


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PATHWAYS_", env_file=".env", extra="ignore")

    # --- storage -------------------------------------------------------------------------
    home: Path = Field(
        Path("data"), description="Data directory: Chroma, the document catalog, the keyword index."
    )
    corpus_dir: Path = Field(Path("corpus"), description="Folder that `pathways ingest` reads.")
    chroma_url: str | None = Field(
        None,
        description="URL of a Chroma server (`chroma run`), e.g. http://127.0.0.1:8001. "
        "Unset: an embedded Chroma inside `home`. Set: the catalog, texts and sentence table "
        "live in the server too, and `home` keeps only what a replica rebuilds from it (see "
        "README, Serving more traffic).",
    )
    lease_seconds: float = Field(
        30.0,
        ge=1,
        description="With a Chroma server: seconds after which the write lease of a writer that "
        "stopped renewing it (killed) is taken over by the next writer.",
    )

    # --- embedding -----------------------------------------------------------------------
    embedding_model: str = Field(
        PACKAGED_MODEL,
        description="sentence-transformers model: the packaged all-MiniLM-L6-v2 (default), a "
        "local folder, or a hub name (needs allow_hub).",
    )
    allow_hub: bool = Field(
        False,
        description="Allow downloading models from the Hugging Face hub (off: HF_HUB_OFFLINE=1).",
    )
    embed_batch_size: int = Field(32, ge=1, le=512, description="Chunks per embedding batch.")
    query_encoder: Literal["onnx", "torch"] = Field(
        "onnx",
        description="How queries are encoded: `onnx` (ONNX Runtime, the model's export checked "
        "to within 1e-4 cosine of torch; falls back to torch, logged, when it cannot be built) "
        "or `torch` (sentence-transformers). Chunks are always embedded with torch.",
    )
    cache_dir: Path | None = Field(
        None,
        description="Cache of the models' ONNX exports, keyed by the model folder's content "
        "hash and shared by every home. Unset: $XDG_CACHE_HOME/pathways, else ~/.cache/pathways.",
    )

    # --- chunking ------------------------------------------------------------------------
    chunk_tokens: int = Field(
        200, ge=32, le=510, description="Chunk size in the embedding model's word pieces."
    )
    chunk_overlap: int = Field(48, ge=0, le=256, description="Overlap between chunks, word pieces.")

    # --- ingest --------------------------------------------------------------------------
    prune_missing: bool = Field(
        True,
        description="When ingesting a folder, drop indexed documents whose file has gone from it.",
    )

    # --- limits: what a request may ask for (the API and the CLI check these) ---------------
    default_k: int = Field(
        5, ge=1, le=K_CEILING, description="Excerpts a search returns when it does not say (`k`)."
    )
    max_k: int = Field(
        K_CEILING,
        ge=1,
        le=K_CEILING,
        description=f"Most excerpts a search or an answer may ask for (`k`; at most {K_CEILING}).",
    )
    max_query_chars: int = Field(
        2000,
        ge=10,
        le=QUERY_CHARS_CEILING,
        description="Longest question or search accepted, in characters (after white space is "
        f"folded; at most {QUERY_CHARS_CEILING}).",
    )
    max_upload_mb: int = Field(
        50, ge=1, description="Largest file accepted for ingest or upload, MB."
    )
    max_request_kb: int = Field(
        64, ge=1, description="Largest request body accepted by endpoints other than upload, KB."
    )

    # --- retrieval and scoring (query time: changing these never needs a re-ingest) ---------
    candidates: int = Field(
        80, ge=5, le=500, description="Chunks taken from each of dense and BM25 search."
    )
    rrf_k: int = Field(
        20,
        ge=1,
        le=1000,
        description="Reciprocal-rank fusion constant: score = w / (rrf_k + rank).",
    )
    dense_weight: float = Field(1.0, ge=0, description="Weight of the dense ranking in fusion.")
    keyword_weight: float = Field(1.0, ge=0, description="Weight of the BM25 ranking in fusion.")
    named_weight: float = Field(
        1.0,
        ge=0,
        description='When a query names a document ("the Nashville memo"), the dense and BM25 '
        "rankings within that document join the fusion with this share of their weights.",
    )
    definition_weight: float = Field(
        4.0,
        ge=0,
        description="Fusion weight of the chunk where a document defines the term a query asks "
        "the meaning of (enough to put it first).",
    )
    acronym_weight: float = Field(
        0.25,
        ge=0,
        description="BM25 weight of the words a query gains from the documents' own acronym "
        "definitions (CTE <-> career technical education). 0 turns expansion off.",
    )
    min_dense_similarity: float = Field(
        0.25,
        ge=-1,
        le=1,
        description="When no query word occurs in the documents (another language, gibberish), "
        "dense hits below this cosine similarity are dropped, so the result is empty rather "
        "than unrelated passages.",
    )
    excerpt_max_chars: int = Field(
        3200,
        ge=0,
        description="Retrieved chunks of one document that touch or sit one chunk apart are "
        "merged into one excerpt up to this many characters. 0 turns merging off.",
    )
    reranker_model: Path | None = Field(
        None,
        description="Local folder of a sentence-transformers CrossEncoder that re-scores the "
        "top fused chunks. Unset: no re-ranking.",
    )
    rerank_depth: int = Field(
        30, ge=1, le=200, description="How many top fused chunks the re-ranker re-scores."
    )

    # --- answers -------------------------------------------------------------------------
    answer_k: int = Field(
        10, ge=1, le=K_CEILING, description="Excerpts an answer draws its sentences from."
    )
    llm_url: str | None = Field(
        None,
        description="OpenAI-compatible chat-completions endpoint (e.g. http://127.0.0.1:11434/v1). "
        "Unset: answers are extractive only.",
    )
    llm_model: str = Field("default", description="Model name sent to the LLM endpoint.")
    llm_api_key: str | None = Field(None, description="Bearer key for the LLM endpoint, if any.")
    llm_timeout: float = Field(30.0, gt=0, description="Seconds to wait for the LLM.")
    llm_max_tokens: int = Field(400, ge=16, description="Longest LLM answer, in tokens.")
    # --- API -----------------------------------------------------------------------------
    admin_key: SecretStr | None = Field(
        None,
        description="Key for the write endpoints (upload, delete), sent as `Authorization: "
        "Bearer KEY`. Unset: write endpoints are disabled (403).",
    )
    api_keys: Annotated[list[str], NoDecode] = Field(
        [],
        description="Comma-separated read keys. Set: /v1 read endpoints and document pages need "
        "one (`Authorization: Bearer KEY`). Empty: reads are open. /healthz is always open.",
    )
    cors_origins: Annotated[list[str], NoDecode] = Field(
        [],
        description="Comma-separated origins allowed to call the API from a browser (the sites "
        "that embed the widget), e.g. https://www.example.org. Empty: no cross-origin access.",
    )
    rate_limit: str = Field(
        "60/minute",
        description="Per-client limit on /v1/ask, /v1/search and /v1/organizations, `N/period` "
        "(second, minute, hour, day). Counted per client IP address, and per API key within it "
        "when one is sent.",
    )

    @field_validator("admin_key", mode="before")
    @classmethod
    def _blank_is_unset(cls, v: object) -> object:
        return None if isinstance(v, str) and not v.strip() else v

    @field_validator("api_keys", mode="before")
    @classmethod
    def _split_keys(cls, v: object) -> object:
        return [k.strip() for k in v.split(",") if k.strip()] if isinstance(v, str) else v

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, v: object) -> object:
        if isinstance(v, str):
            v = v.split(",")
        if isinstance(v, list):
            return [str(o).strip().rstrip("/") for o in v if str(o).strip()]
        return v

    @field_validator("rate_limit")
    @classmethod
    def _parse_rate_limit(cls, v: str) -> str:
        if _SIMPLE_RATE.fullmatch(v):  # the usual form; spares every CLI run importing limits
            return v
        from limits import parse

        try:
            parse(v)
        except ValueError as e:
            raise ValueError(f"rate_limit must look like '60/minute', not {v!r}") from e
        return v

    @field_validator("reranker_model", mode="before")
    @classmethod
    def _blank_is_off(cls, v: object) -> object:
        return None if isinstance(v, str) and not v.strip() else v

    @field_validator("max_k")
    @classmethod
    def _max_k_covers_default(cls, v: int, info) -> int:  # type: ignore[no-untyped-def]
        default = info.data.get("default_k", 5)
        if v < default:
            raise ValueError(f"max_k ({v}) must be at least default_k ({default})")
        return v

    @field_validator("chunk_overlap")
    @classmethod
    def _overlap_below_size(cls, v: int, info) -> int:  # type: ignore[no-untyped-def]
        size = info.data.get("chunk_tokens", 200)
        if v >= size:
            raise ValueError(f"chunk_overlap ({v}) must be smaller than chunk_tokens ({size})")
        return v

    @property
    def catalog_path(self) -> Path:
        return self.home / "catalog.sqlite3"

    @property
    def chroma_path(self) -> Path:
        return self.home / "chroma"

    @property
    def uploads_dir(self) -> Path:
        return self.home / "uploads"

    def collection_name(self) -> str:
        """Chroma collection named after what built it: model and chunking parameters."""
        model = re.sub(r"[^a-zA-Z0-9]+", "-", Path(self.embedding_model).name).strip("-").lower()
        spec = f"{self.embedding_model}|{self.chunk_tokens}|{self.chunk_overlap}|v1"
        digest = hashlib.sha1(spec.encode()).hexdigest()[:8]
        return f"pw-{model[:32]}-c{self.chunk_tokens}o{self.chunk_overlap}-{digest}"
