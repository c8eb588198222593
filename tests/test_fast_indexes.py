"""The search-time indexes that spare a search process chromadb and bm25s: BM25 scored from
bm25s's saved arrays with numpy, and the local copy of the chunk vectors."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import bm25s
import numpy as np
import pytest

from index.dense import VectorMatrix, load_or_build, top_rows
from index.keyword import PARAMS, KeywordIndex, make_tokenizer
from index.keyword import load_or_build as load_or_build_keyword
from index.query import analyse_query
from index.retrieval import HybridSearcher
from index.search import Filters
from pathways.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
QUERIES = [
    "What is CCPT?",
    "Which consortia did JFF visit for multiday site visits in spring 2016?",
    "dual enrollment and work-based learning in the second cohort",
    "the the of and",  # stop words only
    "zebra quantum",  # no known word
    "Perkins V comprehensive local needs assessment CLNA",
]


def corpus_passages() -> list[str]:
    return [
        p.strip()
        for path in sorted((ROOT / "corpus").glob("*.txt"))
        for p in path.read_text().split("\n\n")
        if p.strip()
    ]


def test_saved_keyword_index_scores_exactly_as_bm25s(tmp_path: Path):
    texts = corpus_passages()
    ids = [f"p{i}" for i in range(len(texts))]
    folder = tmp_path / "bm25"
    built = load_or_build_keyword(folder, "gen-1", ids, texts)
    loaded = KeywordIndex.load(folder, f"gen-1|{PARAMS}")
    assert loaded is not None and loaded.ids == ids
    reference = bm25s.BM25.load(str(folder))
    tokenizer = make_tokenizer()
    tokenizer.load_vocab(str(folder))
    empty = tokenizer.get_vocab_dict().get("")
    for query in QUERIES:
        ours = loaded.scores(query)
        wanted = [
            t
            for t in tokenizer.tokenize([query], update_vocab=False, return_as="ids")[0]
            if t != empty
        ]
        if not wanted:
            assert ours is None
            continue
        assert ours is not None
        np.testing.assert_allclose(ours, reference.get_scores(wanted), rtol=1e-6)
        assert loaded.search(query, 10) == built.search(query, 10)


def test_top_rows_is_a_stable_sort_without_sorting_everything():
    rng = np.random.default_rng(7)
    for n, k in [(1, 1), (10, 3), (500, 40), (500, 499), (50, 80)]:
        scores = rng.integers(0, 6, n).astype(np.float32)  # many ties
        assert list(top_rows(scores, k)) == list(np.argsort(-scores, kind="stable")[:k])


def test_vector_copy_reuses_rows_and_fetches_only_new_chunks(tmp_path: Path):
    rng = np.random.default_rng(3)
    store = {f"v{i}": rng.normal(size=8).astype(np.float32) for i in range(6)}
    asked: list[list[str]] = []

    def fetch(ids):  # type: ignore[no-untyped-def]
        asked.append(list(ids))
        found = [v for v in ids if v in store]
        return found, np.array([store[v] for v in found], dtype=np.float32)

    first = load_or_build(tmp_path / "vectors", ["v0", "v1", "v2"], fetch)
    assert asked == [["v0", "v1", "v2"]]
    second = load_or_build(tmp_path / "vectors", ["v1", "v2", "v3", "missing"], fetch, first)
    assert asked[-1] == ["v3", "missing"]
    assert second.ids == ["v1", "v2", "v3"]
    query = store["v3"] / np.linalg.norm(store["v3"])
    assert second.search(query, 1)[0][0] == "v3"
    assert second.search(query, 3, allowed=np.array([True, False, False]))[0][0] == "v1"
    # a chunk Chroma lacked is asked for again by the next process, not forgotten
    store["missing"] = rng.normal(size=8).astype(np.float32)
    third = load_or_build(tmp_path / "vectors", ["v1", "v2", "v3", "missing"], fetch)
    assert asked[-1] == ["missing"] and third.ids == ["v1", "v2", "v3", "missing"]
    reloaded = VectorMatrix.load(tmp_path / "vectors")
    assert reloaded is not None and reloaded.ids == third.ids


def test_dense_ranking_from_the_copy_matches_chroma(tiny_searcher: HybridSearcher):
    snap = tiny_searcher.snapshot()
    assert tiny_searcher.matrix is not None and len(tiny_searcher.matrix.ids) == len(snap.chunks)
    for query in QUERIES[:3]:
        ours = tiny_searcher.dense(analyse_query(query), 10, Filters(), snap)
        chroma = super(HybridSearcher, tiny_searcher).dense(
            analyse_query(query), 10, Filters(), snap
        )
        assert [v for v, _ in ours] == [v for v, _ in chroma]
        assert [s for _, s in ours] == pytest.approx([s for _, s in chroma], abs=1e-4)
    only = Filters(doc_id=("nashville-national-pathway-exemplars-memo-2021",))
    hits = tiny_searcher.dense(analyse_query("career pathways"), 5, only, snap)
    assert hits and all(v.startswith(f"{only.doc_id[0]}@") for v, _ in hits)


def test_a_search_process_imports_neither_chromadb_nor_bm25s(
    tiny_settings: Settings, tiny_searcher: HybridSearcher
):
    tiny_searcher.snapshot()  # the derived indexes exist, as `pathways ingest` leaves them
    searcher_home = tiny_settings.home
    code = (
        "import sys; from pathways.settings import Settings; from index.embedder import Embedder;"
        "from index.retrieval import HybridSearcher;"
        f"s = Settings(home={str(searcher_home)!r});"
        "hits = HybridSearcher(s, Embedder.from_settings(s)).search('Lancaster ISD STEM', 3);"
        "print(hits[0].title);"
        "print(sorted(m for m in ('chromadb', 'bm25s', 'scipy', 'torch', 'llama_index')"
        " if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300,
        check=False, env={**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    title, imported = done.stdout.strip().splitlines()
    assert "National Exemplars" in title
    assert imported == "[]"
