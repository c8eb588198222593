"""Query encoding with ONNX Runtime and the `tokenizers` library: no torch, no transformers.

A sentence-transformers folder (transformer, mean pooling, normalisation) is exported once by
``index.onnx_export`` (which does need torch) into a cache folder named after the model folder's
content hash, with its tokenizer and an ``encoder.json`` recording how it was checked against
the torch model. This module finds that export and encodes with it; importing it loads neither
torch nor transformers.

Cache layout under the cache root::

    onnx/<hash>/model.onnx, model.onnx.data, tokenizer.json, encoder.json   a checked export
    onnx/<hash>/failed.json   why no export could be made (not tried again)
    onnx/paths/<key>.json   the content hash of a folder as it was (path, file sizes, mtimes),
                            so that a process start hashes nothing
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

logger = logging.getLogger(__name__)

# Part of every export's identity: a change to how we export or check builds new exports.
EXPORT_VERSION = 3
SPEC_FILE = "encoder.json"
FAILED_FILE = "failed.json"
MAX_DEVIATION = 1e-4  # 1 - cosine(ONNX, torch) allowed on the check texts


class EncoderUnavailable(Exception):
    """No ONNX export can serve this model; the message says why (the caller falls back)."""


@dataclass(frozen=True)
class EncoderSpec:
    """What an export is and how it was checked (``encoder.json``)."""

    model_hash: str
    max_seq_length: int
    do_lower_case: bool
    input_names: list[str]
    dimension: int
    pad_id: int
    pad_token: str
    deviation: float  # largest 1 - cosine against the torch model on the check texts
    checked_texts: int

    def save(self, folder: Path) -> None:
        (folder / SPEC_FILE).write_text(json.dumps(asdict(self), indent=2))

    @classmethod
    def load(cls, folder: Path) -> EncoderSpec:
        return cls(**json.loads((folder / SPEC_FILE).read_text()))


def default_cache_root() -> Path:
    """$XDG_CACHE_HOME/pathways, else ~/.cache/pathways."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "pathways"


def model_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() and ".git" not in p.parts)


def content_hash(folder: Path) -> str:
    """sha256 over every file's relative path and bytes, with the export version."""
    h = hashlib.sha256(f"export-v{EXPORT_VERSION}".encode())
    for path in model_files(folder):
        h.update(str(path.relative_to(folder)).encode() + b"\0")
        with path.open("rb") as f:
            while block := f.read(1 << 20):
                h.update(block)
    return h.hexdigest()[:32]


def fingerprint(folder: Path) -> str:
    """Cheap identity of a folder as it is now: its path and each file's name, size and mtime."""
    h = hashlib.sha256(f"export-v{EXPORT_VERSION}|{folder.resolve()}".encode())
    for path in model_files(folder):
        st = path.stat()
        h.update(f"{path.relative_to(folder)}|{st.st_size}|{st.st_mtime_ns}\0".encode())
    return h.hexdigest()[:32]


class ExportCache:
    """The exports under one cache root, found by model folder."""

    def __init__(self, root: Path) -> None:
        self.root = root / "onnx"

    def model_hash(self, model_dir: Path) -> str:
        """The folder's content hash, read from a pointer when the folder is unchanged since it
        was last hashed (hashing reads the whole model, too slow for every process start)."""
        pointer = self.root / "paths" / f"{fingerprint(model_dir)}.json"
        try:
            return str(json.loads(pointer.read_text())["hash"])
        except (OSError, ValueError, KeyError):
            pass
        digest = content_hash(model_dir)
        try:
            write_atomic(pointer, json.dumps({"hash": digest, "folder": str(model_dir)}))
        except OSError as e:  # a read-only cache still works; it just hashes every time
            logger.info("cannot record the model hash in %s: %s", pointer, e)
        return digest

    def folder(self, model_hash: str) -> Path:
        return self.root / model_hash

    def lock_path(self, model_hash: str) -> Path:
        return self.root / f"{model_hash}.lock"

    def state(self, model_hash: str) -> EncoderSpec | None:
        """The export's spec if it was built; raises EncoderUnavailable if building it failed."""
        folder = self.folder(model_hash)
        failed = folder / FAILED_FILE
        if failed.is_file():
            reason = json.loads(failed.read_text()).get("reason", "unknown")
            raise EncoderUnavailable(f"the ONNX export of this model failed earlier: {reason}")
        if not (folder / SPEC_FILE).is_file():
            return None
        try:
            return EncoderSpec.load(folder)
        except (OSError, ValueError, TypeError) as e:  # torn or from another version: rebuild
            logger.info("ONNX export in %s not usable (%s); it will be rebuilt", folder, e)
            return None


def write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text)
    tmp.replace(path)


class OnnxQueryEncoder:
    """Encodes texts as the sentence-transformers model does (truncate, mean-pool, normalise).

    One ONNX Runtime session, safe to share between threads. ``threads`` caps the session's
    intra-op threads: 1 suits a server, whose concurrent requests already fill the cores.
    """

    def __init__(self, folder: Path, spec: EncoderSpec, *, threads: int = 1) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        self.spec = spec
        model_file = folder / "model.onnx"
        options = ort.SessionOptions()
        options.intra_op_num_threads = max(1, threads)
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.log_severity_level = 3
        self.session = ort.InferenceSession(
            str(model_file), options, providers=["CPUExecutionProvider"]
        )
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tokenizer.enable_truncation(max_length=spec.max_seq_length)
        self.tokenizer.no_padding()
        self.path = model_file

    @property
    def dimension(self) -> int:
        return self.spec.dimension

    def feeds(self, texts: Sequence[str]) -> dict[str, np.ndarray]:
        if self.spec.do_lower_case:
            texts = [t.lower() for t in texts]
        encodings = self.tokenizer.encode_batch(list(texts))
        width = max(len(e.ids) for e in encodings)
        ids = np.full((len(encodings), width), self.spec.pad_id, dtype=np.int64)
        mask = np.zeros_like(ids)
        types = np.zeros_like(ids)
        for row, e in enumerate(encodings):
            n = len(e.ids)
            ids[row, :n], mask[row, :n], types[row, :n] = e.ids, e.attention_mask, e.type_ids
        named = {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}
        return {name: named[name] for name in self.spec.input_names}

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """One unit-length float32 row per text."""
        if not texts:
            return np.zeros((0, self.spec.dimension), dtype=np.float32)
        feeds = self.feeds(texts)
        hidden = self.session.run(None, feeds)[0]
        mask = feeds["attention_mask"][..., None].astype(np.float32)
        pooled = (hidden * mask).sum(axis=1) / np.clip(mask.sum(axis=1), 1e-9, None)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return np.asarray(pooled / np.clip(norms, 1e-12, None), dtype=np.float32)


def open_export(
    cache: ExportCache, model_dir: Path, *, threads: int = 1
) -> OnnxQueryEncoder | None:
    """The encoder for model_dir if its export exists; None if it was never built;
    EncoderUnavailable if it cannot be (built or opened)."""
    model_hash = cache.model_hash(model_dir)
    spec = cache.state(model_hash)
    if spec is None:
        return None
    try:
        return OnnxQueryEncoder(cache.folder(model_hash), spec, threads=threads)
    except Exception as e:  # onnxruntime and tokenizers raise their own types for a bad file
        raise EncoderUnavailable(f"cannot open the ONNX export: {e}") from e


def describe(encoder: Any) -> str:
    """One line for logs and benchmarks: which encoder serves queries."""
    batched = hasattr(encoder, "inner")
    encoder = getattr(encoder, "inner", encoder)
    if isinstance(encoder, OnnxQueryEncoder):
        spec = encoder.spec
        how = ", concurrent queries batched" if batched else ""
        return f"ONNX Runtime fp32{how} ({encoder.path}; 1 - cos vs torch <= {spec.deviation:.1e})"
    return "sentence-transformers (torch)"
