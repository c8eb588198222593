"""Spec for the pieces of hybrid retrieval: fusion, excerpt merging, acronym expansion, the
keyword index, the optional re-ranker, and how the searcher treats odd queries."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from index.acronyms import Acronyms, glossary_definitions, inline_definitions, match_long_form
from index.embedder import Embedder
from index.keyword import KeywordIndex
from index.rerank import load_reranker
from index.retrieval import (
    HybridSearcher,
    reciprocal_rank_fusion,
    with_ordinals,
)
from index.spans import merge_neighbours
from pathways.errors import ModelLoadError
from pathways.settings import Settings
from pathways.types import Chunk

# --------------------------------------------------------------------------- fusion


def test_fusion_returns_each_chunk_once_with_summed_weighted_scores():
    dense = [("a", 0.9), ("b", 0.8)]
    sparse = [("b", 7.0), ("c", 3.0)]
    fused = dict(reciprocal_rank_fusion([dense, sparse], [1.0, 2.0], k=10))
    assert sorted(fused) == ["a", "b", "c"]
    assert fused["b"] == pytest.approx(1 / 12 + 2 / 11)
    assert fused["a"] == pytest.approx(1 / 11) and fused["c"] == pytest.approx(2 / 12)


def test_a_heavier_list_wins_a_disagreement():
    fused = reciprocal_rank_fusion([[("a", 1.0)], [("b", 1.0)]], [1.0, 1.5], k=20)
    assert [i for i, _ in fused] == ["b", "a"]


def chunk(ordinal: int, start: int, end: int, doc: str = "d") -> Chunk:
    return Chunk(doc, ordinal, "x" * (end - start), start, end, "S", None, None)


CHUNKS = {
    "d0": chunk(0, 0, 100),
    "d1": chunk(1, 80, 180),  # overlaps d0
    "d2": chunk(2, 200, 300),
    "d3": chunk(3, 320, 420),
    "d5": chunk(5, 500, 600),
    "e0": chunk(0, 0, 100, doc="e"),
}


def spans_of(ranked: Sequence[str], k: int = 5, max_chars: int = 1000) -> list[tuple]:
    scored = [(vid, 10.0 - i) for i, vid in enumerate(ranked)]
    return [
        (s.doc_id, s.start, s.end, s.ids, s.score)
        for s in merge_neighbours(scored, CHUNKS, k, max_chars)
    ]


def test_touching_chunks_of_one_document_become_one_excerpt_with_the_best_score():
    assert spans_of(["d1", "e0", "d0"]) == [
        ("d", 0, 180, ["d1", "d0"], 10.0),
        ("e", 0, 100, ["e0"], 9.0),
    ]


def test_chunks_one_apart_merge_and_take_the_text_between():
    assert spans_of(["d1", "d3"]) == [("d", 80, 420, ["d1", "d3"], 10.0)]


def test_chunks_further_apart_or_in_other_documents_stay_separate():
    assert [s[3] for s in spans_of(["d0", "d5", "e0"])] == [["d0"], ["d5"], ["e0"]]


def test_excerpts_never_grow_past_the_limit():
    spans = spans_of(["d2", "d3", "d0"], max_chars=150)
    assert [(s[1], s[2]) for s in spans] == [(200, 300), (320, 420), (0, 100)]


def test_a_lower_ranked_neighbour_still_joins_when_all_slots_are_taken():
    spans = spans_of(["d0", "e0", "d5", "d1"], k=2)
    assert [s[3] for s in spans] == [["d0", "d1"], ["e0"]]


def test_a_chunk_overlapping_a_full_excerpt_is_dropped_not_repeated():
    spans = spans_of(["d0", "d1"], max_chars=100)
    assert [s[3] for s in spans] == [["d0"]]


# --------------------------------------------------------------------------- acronyms

GLOSSARY = """GLOSSARY

LCFF Local Control Funding Formula

WBL work-based learning

CCASN College and Career Academy Support Network

NAF formerly National Academy Foundation"""


def test_glossary_lines_define_acronyms():
    found = dict(glossary_definitions(GLOSSARY))
    assert found == {
        "LCFF": "Local Control Funding Formula",
        "WBL": "work-based learning",
        "CCASN": "College and Career Academy Support Network",
        "NAF": "National Academy Foundation",
    }


def test_fewer_than_three_glossary_shaped_lines_are_not_a_glossary():
    assert (
        list(glossary_definitions("CTE teachers met.\n\nLCFF Local Control Funding Formula")) == []
    )


def test_inline_definitions_are_found_and_plural_short_forms_singularized():
    text = (
        "Districts wrote a Local Control Accountability Plan (LCAP). Many joined "
        "California Partnership Academies (CPAs) under the Perkins Act (Perkins)."
    )
    assert dict(inline_definitions(text)) == {
        "LCAP": "Local Control Accountability Plan",
        "CPA": "California Partnership Academies",
    }


CCPT = "California Career Pathways Trust"
CALPADS = "California Longitudinal Pupil Achievement Data System"


@pytest.mark.parametrize(
    ("short", "candidate", "expected"),
    [
        ("CCPT", f"grants of the {CCPT}", CCPT),  # word initials
        ("CalPADS", f"data from the {CALPADS}", CALPADS),  # letters inside words
        ("XYZ", "nothing to see here", None),
    ],
)
def test_long_form_matching(short: str, candidate: str, expected: str | None):
    assert match_long_form(short, candidate) == expected


def test_expansion_goes_both_ways_and_respects_plain_words():
    acronyms = Acronyms.from_texts(
        [GLOSSARY, "Capital Area Partnership (CAP) set a cap on spending. Linked Learning (LL)."]
    )
    assert acronyms.expand("how is WBL funded?") == "work-based learning"
    assert acronyms.expand("which wbl coordinators?") == "work-based learning"
    assert acronyms.expand("what does the Local Control Funding Formula pay for") == "LCFF"
    assert acronyms.expand("the CAP consortium") == "Capital Area Partnership"
    assert acronyms.expand("a cap on costs") == ""  # "cap" is an ordinary word in the texts


# --------------------------------------------------------------------------- keyword index


def test_keyword_search_drops_rows_that_match_no_word():
    index = KeywordIndex.build(["a", "b", "c"], ["dual enrollment", "work-based learning", "x"])
    assert [i for i, _ in index.search("dual enrollment courses", 3)] == ["a"]
    assert index.search("zebra", 3) == []


def test_keyword_expansion_adds_a_weighted_score():
    index = KeywordIndex.build(["a", "b"], ["WBL coordinators", "work-based learning staff"])
    plain = dict(index.search("WBL", 2))
    expanded = dict(index.search("WBL", 2, expansion="work-based learning", expansion_weight=0.5))
    assert set(plain) == {"a"} and set(expanded) == {"a", "b"}
    assert expanded["a"] == pytest.approx(plain["a"])
    assert expanded["b"] == pytest.approx(0.5 * dict(index.search("work-based learning", 2))["b"])


def test_single_digit_labels_are_words_and_ordinals_find_them():
    index = KeywordIndex.build(
        ["c1", "c2", "x"],
        [
            "Cohort 1 grants went to regional consortia.",
            "Cohort 2 grants went to regional consortia and local projects.",
            "The second wave of hiring came later.",
        ],
    )
    assert index.search("Cohort 2 grants", 3)[0][0] == "c2"
    assert with_ordinals("the second CCPT cohort") == "the second CCPT cohort 2"
    assert with_ordinals("Cohort 2 grants") == "Cohort 2 grants second"
    assert index.search(with_ordinals("grants to the second cohort"), 3)[0][0] == "c2"
    assert with_ordinals("career pathways") == "career pathways"


# --------------------------------------------------------------------------- re-ranker


def test_reranking_is_off_unless_a_model_folder_is_configured(settings: Settings):
    assert settings.reranker_model is None
    assert load_reranker(settings) is None
    assert Settings(home=settings.home, reranker_model="  ").reranker_model is None


def test_a_missing_reranker_folder_is_a_clear_error(settings: Settings, tmp_path: Path):
    bad = settings.model_copy(update={"reranker_model": tmp_path / "no-such-model"})
    with pytest.raises(ModelLoadError) as err:
        load_reranker(bad)
    assert "no-such-model" in str(err.value) and "PATHWAYS_RERANKER_MODEL" in str(err.value)


def test_a_folder_that_is_not_a_model_is_a_clear_error(settings: Settings, tmp_path: Path):
    folder = tmp_path / "empty-model"
    folder.mkdir()
    bad = settings.model_copy(update={"reranker_model": folder})
    with pytest.raises(ModelLoadError) as err:
        load_reranker(bad)
    assert "Cannot load the re-ranker" in str(err.value)
    assert "PATHWAYS_RERANKER_MODEL" in str(err.value)


class ShortestFirst:
    """A stand-in re-ranker: prefers shorter passages."""

    def score(self, query: str, passages: Sequence[str]) -> list[float]:
        return [-float(len(p)) for p in passages]


def test_a_reranker_reorders_the_top_chunks(tiny_settings: Settings, embedder: Embedder):
    plain = tiny_settings.model_copy(update={"excerpt_max_chars": 0, "rerank_depth": 10})
    searcher = HybridSearcher(plain, embedder, reranker=ShortestFirst())
    hits = searcher.search("work-based learning coordinators", k=10)
    assert [len(h.text) for h in hits] == sorted(len(h.text) for h in hits)


# --------------------------------------------------------------------------- odd queries


@pytest.mark.parametrize(("word", "excerpts"), [("Porterville", 2), ("sustainability", 1)])
def test_one_word_queries_find_that_word(tiny_searcher, word: str, excerpts: int):  # type: ignore[no-untyped-def]
    # the tiny corpus has the word in that many excerpts: they come first
    hits = tiny_searcher.search(word, k=3)
    assert len(hits) == 3
    assert all(word.lower() in h.text.lower() for h in hits[:excerpts]), word


@pytest.mark.slow
def test_an_acronym_alone_finds_passages(searcher):  # type: ignore[no-untyped-def]
    hits = searcher.search("LCFF", k=3)
    assert any("LCFF" in h.text or "Local Control Funding Formula" in h.text for h in hits)


def test_a_query_longer_than_the_model_window_still_searches(tiny_searcher):  # type: ignore[no-untyped-def]
    question = "How do consortia keep pathways going once the grant money is gone?"
    padding = " Our district also wonders about teachers, employers and students." * 25
    hits = tiny_searcher.search(question + padding, k=5)
    assert len(hits) == 5


@pytest.mark.parametrize(
    "query", ["职业教育路径如何资助？", "карьерные траектории", "???", "🙂 🙂"]
)
def test_queries_with_no_known_word_give_a_clear_empty_result(tiny_searcher, query: str):  # type: ignore[no-untyped-def]
    assert tiny_searcher.search(query, k=5) == []


def test_merged_excerpts_quote_the_document_exactly_and_do_not_overlap(tiny_searcher):  # type: ignore[no-untyped-def]
    snap = tiny_searcher.snapshot()
    hits = tiny_searcher.search(
        "what kinds of regional meetings bring schools and employers together?"
    )
    assert any(len(h.extra.get("chunk_ids", [])) > 1 for h in hits)
    for h in hits:
        assert snap.texts[h.doc_id][h.start : h.end] == h.text
        assert len(h.text) <= tiny_searcher.settings.excerpt_max_chars
    spans = sorted((h.doc_id, h.start, h.end) for h in hits)
    for (d1, _, e1), (d2, s2, _) in zip(spans, spans[1:], strict=False):
        assert d1 != d2 or e1 <= s2


def test_a_merged_excerpt_is_labelled_with_the_section_of_its_best_chunk(tiny_searcher):  # type: ignore[no-untyped-def]
    top = tiny_searcher.search(
        "How does Lancaster ISD's STEM model change from elementary school?", k=1
    )[0]
    assert "Lancaster" in top.text
    assert top.section == "Lancaster Independent School District STEM"
    assert len(top.extra["chunk_ids"]) > 1  # a merged excerpt, not a single chunk


def test_each_thread_stems_with_its_own_stemmer():
    # a PyStemmer instance keeps per-call state: API worker threads must not share one
    import threading

    from pathways.text import stem_word, stemmer

    seen: list[object] = []
    worker = threading.Thread(target=lambda: seen.append(stemmer()))
    worker.start()
    worker.join()
    assert seen and seen[0] is not stemmer()
    assert stemmer() is stemmer()
    assert stem_word("pathways") == "pathway"
