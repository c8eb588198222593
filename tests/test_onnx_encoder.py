"""The ONNX query encoder: the same vectors as the torch model on real text, no torch on the
query path, one export per model content, and a logged fallback for a model it cannot serve."""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from index.embedder import Embedder, TorchQueryEncoder, resolve_model_path
from index.onnx_encoder import MAX_DEVIATION, ExportCache, OnnxQueryEncoder
from index.retrieval import HybridSearcher
from pathways.settings import PACKAGED_MODEL, Settings

ROOT = Path(__file__).resolve().parents[1]
HEAVY = {"torch", "transformers", "sentence_transformers"}


def corpus_paragraphs(limit: int) -> list[str]:
    """Real paragraphs of every corpus document, short and long, in a fixed order."""
    out: list[str] = []
    for path in sorted((ROOT / "corpus").glob("*.txt")):
        paragraphs = [p.strip() for p in path.read_text().split("\n\n") if len(p.strip()) > 30]
        out += paragraphs[:: max(1, len(paragraphs) // (limit // 5))][: limit // 5]
    return out


@pytest.mark.slow  # every corpus document; the export itself is checked when it is built
def test_onnx_vectors_equal_torch_vectors_on_corpus_text(embedder: Embedder):
    encoder = embedder.query_encoder
    assert isinstance(encoder, OnnxQueryEncoder), "the packaged model must get an ONNX encoder"
    texts = corpus_paragraphs(60)
    texts += ["What is CCPT?", "Which districts are doing career pathways well?", " ".join(texts)]
    assert len(texts) >= 40
    expected = embedder.embed(texts)  # sentence-transformers (torch)
    one_by_one = np.vstack([encoder.encode([t]) for t in texts])
    batched = encoder.encode(texts)
    for got in (one_by_one, batched):
        cosines = (got * expected).sum(axis=1)
        assert 1.0 - cosines.min() < MAX_DEVIATION
        assert np.allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)
    assert embedder.encode_queries(["What is CCPT?"]).shape == (1, expected.shape[1])


def test_the_export_is_found_by_content_not_by_path(embedder: Embedder, tmp_path: Path):
    original = Path(resolve_model_path(PACKAGED_MODEL))
    copy = tmp_path / "copied-model"
    shutil.copytree(original, copy)
    cache = ExportCache(embedder.cache_root)
    assert cache.model_hash(copy) == cache.model_hash(original)
    (copy / "README.md").write_text("changed")
    assert cache.model_hash(copy) != cache.model_hash(original)


def test_search_and_ask_never_import_torch(tiny_settings: Settings, tiny_searcher: HybridSearcher):
    """The CLI as a user runs it, in a fresh process: the right passage, and no torch."""
    tiny_searcher.snapshot()  # the derived indexes exist, as `pathways ingest` leaves them
    tiny_searcher.embedder.query_encoder  # and the export (built by the session's model)  # noqa: B018
    env = {**os.environ, "PATHWAYS_HOME": str(tiny_settings.home), "HF_HUB_OFFLINE": "1"}
    env["PYTHONPATH"] = str(ROOT)
    for command in (
        ["search", "Lancaster ISD STEM", "--k", "2"],
        ["ask", "What is the Lancaster ISD STEM academy?"],
    ):
        done = subprocess.run(
            [sys.executable, "-X", "importtime", "-m", "pathways.cli", *command],
            env=env, cwd=ROOT, capture_output=True, text=True, timeout=300, check=False,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr[-2000:]
        assert "Lancaster" in done.stdout
        imported = set(re.findall(r"\|\s+([A-Za-z_]\w*)\s*$", done.stderr, flags=re.MULTILINE))
        assert "onnxruntime" in imported
        assert not imported & HEAVY, f"{command[0]} imported {imported & HEAVY}"


def unsupported_model(folder: Path) -> Path:
    """A copy of the packaged model that pools by the CLS token: ONNX export refuses it."""
    shutil.copytree(Path(resolve_model_path(PACKAGED_MODEL)), folder)
    pooling = folder / "1_Pooling" / "config.json"
    config = json.loads(pooling.read_text())
    config.update(pooling_mode_cls_token=True, pooling_mode_mean_tokens=False)
    pooling.write_text(json.dumps(config))
    return folder


def test_a_model_it_cannot_export_falls_back_to_torch_with_a_reason(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
):
    model = unsupported_model(tmp_path / "cls-model")
    cache_root = tmp_path / "cache"
    with caplog.at_level(logging.WARNING, logger="index.embedder"):
        embedder = Embedder(str(model), cache_root=cache_root)
        vector = embedder.embed_query("What is CCPT?")
    assert isinstance(embedder.query_encoder, TorchQueryEncoder)
    assert "only mean pooling is supported" in caplog.text
    np.testing.assert_allclose(vector, embedder.embed(["What is CCPT?"])[0], atol=1e-6)
    failed = next(cache_root.glob("onnx/*/failed.json"))
    assert "pooling" in json.loads(failed.read_text())["reason"]
    # a later process reads the recorded reason instead of loading torch to export again
    again = Embedder(str(model), cache_root=cache_root)
    assert isinstance(again.query_encoder, TorchQueryEncoder)
    assert "model" not in again.__dict__


def test_concurrent_queries_are_batched_with_the_same_vectors(embedder: Embedder):
    from concurrent.futures import ThreadPoolExecutor

    from index.batching import BatchingEncoder

    texts = corpus_paragraphs(40)[:24] + ["What is CCPT?"] * 4
    batching = BatchingEncoder(embedder.query_encoder, max_batch=8)
    with ThreadPoolExecutor(max_workers=12) as pool:
        got = list(pool.map(lambda t: batching.encode([t])[0], texts))
    alone = embedder.query_encoder.encode(texts)
    cosines = (np.vstack(got) * alone).sum(axis=1)
    assert 1.0 - cosines.min() < 1e-5
    assert batching.batches < len(texts)  # some queries shared a batch
    assert batching.encode(texts[:3]).shape == (3, alone.shape[1])
