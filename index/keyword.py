"""BM25 keyword index over the catalog's chunks (bm25s), persisted beside Chroma.

The index is derived data: it is rebuilt from the catalog whenever the catalog's generation
changes, and saved under PATHWAYS_HOME/bm25/ so a restart loads it instead of rebuilding.
"""

from __future__ import annotations

import json
import logging
import shutil
from collections.abc import Sequence
from pathlib import Path

import bm25s
import numpy as np

from index.stemming import stem_word

logger = logging.getLogger(__name__)
# bm25s sets its own logger to DEBUG when imported, which prints "Building index from IDs" on
# every build; its messages are noise to our users.
logging.getLogger("bm25s").setLevel(logging.WARNING)

# BM25 parameters. b above the usual 0.75 normalizes more for length, so a short passage that
# matches (a glossary definition) is not outscored by a long one repeating a query word.
K1 = 1.5
B = 0.9
# Part of the saved index's stamp: a change here (or in what gets indexed) rebuilds it.
PARAMS = f"k1={K1}|b={B}|v3"


def make_tokenizer() -> bm25s.tokenization.Tokenizer:
    # single characters are words too: "Cohort 2", "Goal 3", "Title 5" (bm25s drops them by
    # default); English stop words ("a", "i") still go
    return bm25s.tokenization.Tokenizer(
        lower=True,
        splitter=r"(?u)\b\w+\b",
        stopwords="en",
        stemmer=stem_word,
    )


class KeywordIndex:
    """Row i of the index is ids[i]."""

    def __init__(self, ids: Sequence[str], retriever: bm25s.BM25, tokenizer: object) -> None:
        self.ids = list(ids)
        self.retriever = retriever
        self.tokenizer = tokenizer
        # bm25s maps a text with no known word to the empty token; it must match nothing.
        vocab = tokenizer.get_vocab_dict() if tokenizer is not None else {}  # type: ignore[attr-defined]
        self.empty_id = vocab.get("")

    @classmethod
    def build(cls, ids: Sequence[str], texts: Sequence[str]) -> KeywordIndex:
        tokenizer = make_tokenizer()
        tokens = tokenizer.tokenize(list(texts), show_progress=False, return_as="tuple")
        retriever = bm25s.BM25(k1=K1, b=B)
        retriever.index(tokens, show_progress=False)
        return cls(ids, retriever, tokenizer)

    def scores(self, text: str) -> np.ndarray | None:
        """BM25 score of every row for text; None when no word of text is in the vocabulary."""
        if not self.ids:
            return None
        query_ids = self.tokenizer.tokenize(  # type: ignore[attr-defined]
            [text], update_vocab=False, show_progress=False, return_as="ids"
        )[0]
        query_ids = [i for i in query_ids if i != self.empty_id]
        if not query_ids:
            return None
        return np.asarray(self.retriever.get_scores(list(query_ids)), dtype=np.float32)

    def search(
        self,
        query: str,
        k: int,
        allowed: set[str] | None = None,
        *,
        expansion: str = "",
        expansion_weight: float = 0.0,
    ) -> list[tuple[str, float]]:
        """(id, score) best first; rows with score 0 (no query word matched) are dropped.

        ``expansion`` (e.g. the long forms of the query's acronyms) adds its own BM25 score
        times ``expansion_weight``, so added words help without outweighing the user's own.
        """
        scores = self.scores(query)
        extra = self.scores(expansion) if expansion and expansion_weight > 0 else None
        if extra is not None:
            scores = (
                extra * expansion_weight if scores is None else scores + extra * expansion_weight
            )
        if scores is None:
            return []
        return self.top(scores, k, allowed)

    def top(self, scores: np.ndarray, k: int, allowed: set[str] | None) -> list[tuple[str, float]]:
        out: list[tuple[str, float]] = []
        for row in np.argsort(-scores, kind="stable"):
            score = float(scores[row])
            if score <= 0:
                break
            vid = self.ids[row]
            if allowed is None or vid in allowed:
                out.append((vid, score))
                if len(out) >= k:
                    break
        return out

    # --- persistence -----------------------------------------------------------------------
    def save(self, folder: Path, stamp: str) -> None:
        tmp = folder.with_name(folder.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        self.retriever.save(str(tmp))
        self.tokenizer.save_vocab(str(tmp))  # type: ignore[attr-defined]
        (tmp / "ids.json").write_text(json.dumps({"stamp": stamp, "ids": self.ids}))
        shutil.rmtree(folder, ignore_errors=True)
        tmp.rename(folder)

    @classmethod
    def load(cls, folder: Path, stamp: str) -> KeywordIndex | None:
        """The saved index if it was built for this stamp, else None."""
        try:
            saved = json.loads((folder / "ids.json").read_text())
            if saved.get("stamp") != stamp:
                return None
            retriever = bm25s.BM25.load(str(folder))
            tokenizer = make_tokenizer()
            tokenizer.load_vocab(str(folder))
        except (OSError, ValueError, KeyError) as e:
            logger.info("keyword index at %s not usable (%s); rebuilding", folder, e)
            return None
        return cls(saved["ids"], retriever, tokenizer)


def load_or_build(
    folder: Path, stamp: str, ids: Sequence[str], texts: Sequence[str]
) -> KeywordIndex:
    stamp = f"{stamp}|{PARAMS}"
    index = KeywordIndex.load(folder, stamp)
    if index is not None and index.ids == list(ids):
        return index
    index = KeywordIndex.build(ids, texts)
    try:
        index.save(folder, stamp)
    except OSError as e:  # a read-only home still searches; it just rebuilds next time
        logger.warning("cannot save keyword index to %s: %s", folder, e)
    return index
