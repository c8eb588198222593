"""Ingest's embedding in length-sorted batches: each text keeps its own vector."""

from __future__ import annotations

import numpy as np

from index.embedder import Embedder


def test_length_sorted_batches_give_each_text_its_own_vector(embedder: Embedder):
    sentence = "employers host interns in career pathway programs across the region"
    words = sentence.split(" ")
    texts = [" ".join(words[: 1 + i % len(words)] * (1 + i % 3)) for i in range(40)]
    texts[5] = "Porterville interviews all of its juniors."
    batches: list[int] = []
    got = embedder.embed_many(texts, progress=batches.append)
    assert batches == [32, 8] and got.shape == (40, embedder.dimension)
    alone = np.vstack([embedder.embed([text]) for text in texts[3:7]])
    assert np.allclose(got[3:7], alone, atol=1e-5)  # in the order given, not the sorted one
    assert np.allclose(got, embedder.embed(texts), atol=1e-5)
    assert embedder.embed_many([]).shape == (0, embedder.dimension)
