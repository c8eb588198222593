"""Export a sentence-transformers model to ONNX once, and check it against the torch model.

Needs torch (it runs where the model is loaded anyway: at ingest, or once when the first query
finds no export). Supported: a Transformer module followed by mean pooling and, optionally,
normalisation, with no default prompt; anything else is recorded as failed, with the reason, and
queries stay on sentence-transformers.

The check encodes ``CHECK_TEXTS`` (and any texts the caller adds, e.g. real chunks) with both
models, one at a time and as one padded batch, and keeps the export only if every vector is
within 1e-4 cosine of torch's. Measured: all-MiniLM-L6-v2 and all-mpnet-base-v2 (no token type
ids, 384 word pieces, 768 dimensions) both within 6e-8 on these texts and 1.2e-7 on 50 dev
questions and corpus paragraphs. ONNX Runtime's int8 dynamic quantisation was measured and
rejected: 1 - cos = 0.097 on these texts for all-MiniLM-L6-v2, far beyond 1e-3.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import shutil
import time
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from index.onnx_encoder import (
    FAILED_FILE,
    MAX_DEVIATION,
    EncoderSpec,
    EncoderUnavailable,
    ExportCache,
    OnnxQueryEncoder,
    write_atomic,
)

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

logger = logging.getLogger(__name__)

OPSET = 17
CHECK_TEXTS = (
    "What is CCPT?",
    "Which districts are doing career pathways well, and how do we know?",
    "  Work-based learning: internships, apprenticeships and job shadowing.  ",
    "Perkins V requires a comprehensive local needs assessment (CLNA) every two years.",
    "Programs of study align secondary and postsecondary coursework with industry credentials.",
    "Résumé, naïve café — déjà vu; 2017–2019 cohort: 45% completion (n = 1,204).",
    "x",
    "THE STATE PLAN FOR CAREER TECHNICAL EDUCATION",
    # longer than any model's window, so truncation is checked too
    " ".join(["Dual enrollment lets high school students earn college credit early."] * 60),
)


def unsupported_reason(model: SentenceTransformer) -> str | None:
    """Why this model cannot be exported as transformer + mean pooling, or None."""
    names = [type(m).__name__ for m in model]
    if not names or names[0] != "Transformer" or len(names) < 2 or names[1] != "Pooling":
        return f"modules {names}: only Transformer, Pooling[, Normalize] is supported"
    if any(n != "Normalize" for n in names[2:]):
        return f"modules {names}: only Transformer, Pooling[, Normalize] is supported"
    pooling = model[1]
    mode = getattr(pooling, "pooling_mode", None) or (
        "mean" if getattr(pooling, "pooling_mode_mean_tokens", False) else "other"
    )
    if mode != "mean":
        return f"pooling mode {mode!r}: only mean pooling is supported"
    if getattr(model, "default_prompt_name", None):
        return f"default prompt {model.default_prompt_name!r} is not supported"
    tokenizer = model.tokenizer
    if getattr(tokenizer, "backend_tokenizer", None) is None:
        return "the tokenizer is not a fast (tokenizers) tokenizer"
    return None


def last_hidden_module(auto_model: Any, input_names: Sequence[str]) -> Any:
    """The Hugging Face model taking positional tensors and returning the token embeddings
    (pooling happens in numpy, as sentence-transformers does it)."""
    import torch

    class LastHidden(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.inner = auto_model

        def forward(
            self,
            input_ids: torch.Tensor,
            attention_mask: torch.Tensor,
            token_type_ids: torch.Tensor | None = None,
        ) -> torch.Tensor:
            given = {"attention_mask": attention_mask, "token_type_ids": token_type_ids}
            kwargs = {k: v for k, v in given.items() if k in input_names}
            return self.inner(input_ids=input_ids, **kwargs).last_hidden_state

    return LastHidden().eval()


def export_graph(model: SentenceTransformer, target: Path) -> list[str]:
    """Write target/model.onnx; returns the graph's input names."""
    import torch

    tokenizer = model.tokenizer
    sample = tokenizer(
        ["a padded example", "a second and longer example sentence"],
        padding=True,
        return_tensors="pt",
    )
    accepted = set(getattr(tokenizer, "model_input_names", None) or sample.keys())
    names = [n for n in ("input_ids", "attention_mask", "token_type_ids") if n in accepted]
    if names[:2] != ["input_ids", "attention_mask"]:
        raise EncoderUnavailable(f"the model takes {sorted(accepted)}, not input_ids and a mask")
    auto_model = model[0].auto_model
    wrapped = last_hidden_module(auto_model, names)
    axes = {n: {0: "batch", 1: "sequence"} for n in [*names, "last_hidden_state"]}
    with eager_attention(auto_model), torch.inference_mode(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the tracer's notes on shapes taken as constants
        torch.onnx.export(
            wrapped,
            tuple(sample[n] for n in names),
            str(target / "model.onnx"),
            input_names=names,
            output_names=["last_hidden_state"],
            dynamic_axes=axes,
            opset_version=OPSET,
            dynamo=False,
        )
    external_weights(target / "model.onnx")
    return names


@contextmanager
def eager_attention(auto_model: Any) -> Iterator[None]:
    """Trace plain (eager) attention, which ONNX Runtime fuses into its Attention kernel: MiniLM
    queries cost 8.0 ms of CPU instead of 8.8 alone, 5.0 instead of 6.3 in batches of 8, with
    the same vectors. The model's own setting is restored afterwards (it embeds chunks)."""
    before = getattr(auto_model.config, "_attn_implementation", None)
    switch = getattr(auto_model, "set_attn_implementation", None)
    try:
        if switch is not None and before not in (None, "eager"):
            switch("eager")
    except (ValueError, TypeError) as e:  # a model without eager attention keeps its own
        logger.info("exporting with %s attention: %s", before, e)
    try:
        yield
    finally:
        if switch is not None and before not in (None, "eager"):
            switch(before)


def external_weights(path: Path) -> None:
    """Move the weights out of the protobuf into model.onnx.data: ONNX Runtime then opens the
    model in 80 ms of CPU instead of 190 (MiniLM), which every CLI run pays."""
    import onnx

    model = onnx.load(str(path))
    onnx.save_model(
        model, str(path), save_as_external_data=True, all_tensors_to_one_file=True,
        location=f"{path.name}.data", size_threshold=1024,
    )  # fmt: skip


def expected_dimension(model: SentenceTransformer) -> int:
    get = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
    return int(get() or 0)


def deviation(encoder: OnnxQueryEncoder, expected: np.ndarray, texts: Sequence[str]) -> float:
    """Largest 1 - cosine between the encoder's vectors and torch's, each text alone and all
    of them as one padded batch."""
    alone = np.vstack([encoder.encode([t]) for t in texts])
    batched = encoder.encode(texts)
    cosines = np.concatenate([(alone * expected).sum(1), (batched * expected).sum(1)])
    return float(1.0 - cosines.min())


def build_export(
    model: SentenceTransformer, model_hash: str, target: Path, extra_texts: Sequence[str] = ()
) -> EncoderSpec:
    """Export, check and describe the model in target (an empty folder)."""
    reason = unsupported_reason(model)
    if reason:
        raise EncoderUnavailable(reason)
    names = export_graph(model, target)
    tokenizer = model.tokenizer
    tokenizer.backend_tokenizer.save(str(target / "tokenizer.json"))
    spec = EncoderSpec(
        model_hash=model_hash,
        max_seq_length=int(model.max_seq_length or 512),
        do_lower_case=bool(getattr(model[0], "do_lower_case", False)),
        input_names=names,
        dimension=expected_dimension(model),
        pad_id=int(tokenizer.pad_token_id or 0),
        pad_token=str(tokenizer.pad_token or ""),
        deviation=1.0,
        checked_texts=0,
    )
    texts = [*CHECK_TEXTS, *extra_texts]
    expected = np.asarray(model.encode(texts, normalize_embeddings=True), dtype=np.float32)
    worst = deviation(OnnxQueryEncoder(target, spec), expected, texts)
    if worst > MAX_DEVIATION:
        raise EncoderUnavailable(f"ONNX vectors differ from torch's: 1 - cos = {worst:.2e}")
    return EncoderSpec(**{**spec.__dict__, "deviation": worst, "checked_texts": len(texts)})


@contextmanager
def export_lock(cache: ExportCache, model_hash: str) -> Iterator[None]:
    """One export at a time per model, across processes (two workers starting together)."""
    path = cache.lock_path(model_hash)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = path.open("w")
    except OSError as e:  # a read-only cache: queries fall back, with this reason
        raise EncoderUnavailable(f"cannot write to the ONNX cache {path.parent}: {e}") from e
    with handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def ensure_export(
    cache: ExportCache,
    model_dir: Path,
    model: SentenceTransformer,
    extra_texts: Sequence[str] = (),
) -> EncoderSpec:
    """The checked export of model_dir, built now if missing. Raises EncoderUnavailable (and
    records why, so no later process tries again) when the model cannot be exported."""
    model_hash = cache.model_hash(model_dir)
    with export_lock(cache, model_hash):
        spec = cache.state(model_hash)  # another process may have built it meanwhile
        if spec is not None:
            return spec
        final = cache.folder(model_hash)
        tmp = final.with_name(f".{final.name}.{os.getpid()}.tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        started = time.perf_counter()
        try:
            spec = build_export(model, model_hash, tmp, extra_texts)
            spec.save(tmp)
        except OSError as e:  # a full or read-only disk: try again another time
            shutil.rmtree(tmp, ignore_errors=True)
            raise EncoderUnavailable(f"cannot write the ONNX export to {tmp}: {e}") from e
        except Exception as e:  # the model cannot be exported: say why, once and for all
            shutil.rmtree(tmp, ignore_errors=True)
            reason = str(e) if isinstance(e, EncoderUnavailable) else f"{type(e).__name__}: {e}"
            record = {"reason": reason, "folder": str(model_dir)}
            write_atomic(final / FAILED_FILE, json.dumps(record))
            raise EncoderUnavailable(reason) from e
        shutil.rmtree(final, ignore_errors=True)
        tmp.rename(final)
    logger.info(
        "exported %s to ONNX in %.1fs (1 - cos <= %.1e on %d texts)",
        model_dir, time.perf_counter() - started, spec.deviation, spec.checked_texts,
    )  # fmt: skip
    return spec
