"""BM25 keyword index over the catalog's chunks (bm25s), persisted beside Chroma.

The index is derived data: it is rebuilt from the catalog whenever the catalog's generation
changes, and saved under PATHWAYS_HOME/bm25/ so a restart loads it instead of rebuilding.

bm25s builds and saves the index. Searching reads bm25s's saved arrays (a sparse matrix of
precomputed per-term scores) and vocabulary with numpy alone, tokenizing a query as bm25s's
Tokenizer does, so a process that only searches never imports bm25s and scipy (0.4 s).
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from index.dense import top_rows
from pathways.text import stem_word

logger = logging.getLogger(__name__)

# BM25 parameters. b above the usual 0.75 normalizes more for length, so a short passage that
# matches (a glossary definition) is not outscored by a long one repeating a query word.
K1 = 1.5
B = 0.9
# Part of the saved index's stamp: a change here (or in what gets indexed) rebuilds it.
PARAMS = f"k1={K1}|b={B}|v4"
# single characters are words too: "Cohort 2", "Goal 3", "Title 5" (bm25s drops them by
# default); English stop words ("a", "i") still go
SPLITTER = r"(?u)\b\w+\b"
STOPWORDS_FILE = "stopwords.json"


def make_tokenizer() -> Any:
    import bm25s

    # bm25s sets its own logger to DEBUG when imported, which prints "Building index from IDs"
    # on every build; its messages are noise to our users.
    logging.getLogger("bm25s").setLevel(logging.WARNING)
    return bm25s.tokenization.Tokenizer(
        lower=True, splitter=SPLITTER, stopwords="en", stemmer=stem_word
    )


class QueryTokenizer:
    """bm25s's Tokenizer.tokenize(update_vocab=False) for one text, on a saved vocabulary:
    lower-case, split, keep words the vocabulary knows, drop stop words, stem the rest and keep
    those whose stem it knows."""

    def __init__(self, vocab: dict[str, dict[str, Any]], stopwords: Sequence[str]) -> None:
        self.word_to_id: dict[str, int] = vocab["word_to_id"]
        self.word_to_stem: dict[str, str] = vocab["word_to_stem"]
        self.stem_to_sid: dict[str, int] = vocab["stem_to_sid"]
        self.stopwords = frozenset(stopwords)
        self.split = re.compile(SPLITTER).findall

    def ids(self, text: str) -> list[int]:
        out = []
        for word in self.split(text.lower()):
            known = self.word_to_id.get(word)
            if known is not None:
                out.append(known)
                continue
            if word in self.stopwords:
                continue
            stem = self.word_to_stem.get(word)
            sid = self.stem_to_sid.get(stem_word(word) if stem is None else stem)
            if sid is not None:
                out.append(sid)
        return [i for i in out if i != self.word_to_id.get("")]


class KeywordIndex:
    """Row i of the index is ids[i]; column t of the score matrix (CSC: data, indices,
    indptr) holds term t's BM25 score in each row that contains it."""

    def __init__(
        self, ids: Sequence[str], arrays: dict[str, np.ndarray], tokenizer: QueryTokenizer | None
    ) -> None:
        self.ids = list(ids)
        self.arrays = arrays
        self.tokenizer = tokenizer
        self._bm25s: tuple[Any, Any] | None = None  # (retriever, tokenizer) to save; built only

    @classmethod
    def empty(cls) -> KeywordIndex:
        return cls([], {}, None)

    @classmethod
    def build(cls, ids: Sequence[str], texts: Sequence[str]) -> KeywordIndex:
        """Index texts with bm25s."""
        import bm25s

        tokenizer = make_tokenizer()
        tokens = tokenizer.tokenize(list(texts), show_progress=False, return_as="tuple")
        retriever = bm25s.BM25(k1=K1, b=B)
        retriever.index(tokens, show_progress=False)
        vocab = {
            "word_to_id": tokenizer.word_to_id,
            "word_to_stem": tokenizer.word_to_stem,
            "stem_to_sid": tokenizer.stem_to_sid,
        }
        arrays = {k: np.asarray(retriever.scores[k]) for k in ("data", "indices", "indptr")}
        index = cls(ids, arrays, QueryTokenizer(vocab, list(tokenizer.stopwords)))
        index._bm25s = (retriever, tokenizer)
        return index

    def scores(self, text: str) -> np.ndarray | None:
        """BM25 score of every row for text; None when no word of text is in the vocabulary."""
        if not self.ids or self.tokenizer is None:
            return None
        query_ids = self.tokenizer.ids(text)
        if not query_ids:
            return None
        data, indices, indptr = (self.arrays[k] for k in ("data", "indices", "indptr"))
        scores = np.zeros(len(self.ids), dtype=np.float32)
        for term in query_ids:  # as bm25s does it: a repeated query word counts again
            start, end = indptr[term], indptr[term + 1]
            np.add.at(scores, indices[start:end], data[start:end])
        return scores

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
        """The k best rows with a positive score and an allowed id, best first (ties in row
        order), without sorting every row."""
        if allowed is not None:
            keep = np.fromiter((v in allowed for v in self.ids), dtype=bool, count=len(self.ids))
            scores = np.where(keep, scores, 0.0)
        positive = int(np.count_nonzero(scores > 0))
        return [(self.ids[r], float(scores[r])) for r in top_rows(scores, min(k, positive))]

    # --- persistence -----------------------------------------------------------------------
    def save(self, folder: Path, stamp: str) -> None:
        """bm25s's own files, the stop words and the row ids (a built index only)."""
        if self._bm25s is None:
            raise ValueError("only a freshly built keyword index can be saved")
        retriever, tokenizer = self._bm25s
        tmp = folder.with_name(f".{folder.name}.{os.getpid()}.tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        retriever.save(str(tmp))
        tokenizer.save_vocab(str(tmp))
        (tmp / STOPWORDS_FILE).write_text(json.dumps(sorted(tokenizer.stopwords)))
        (tmp / "ids.json").write_text(json.dumps({"stamp": stamp, "ids": self.ids}))
        shutil.rmtree(folder, ignore_errors=True)
        tmp.rename(folder)

    @classmethod
    def load(cls, folder: Path, stamp: str) -> KeywordIndex | None:
        """The saved index if it was built for this stamp, else None (numpy only)."""
        try:
            saved = json.loads((folder / "ids.json").read_text())
            if saved.get("stamp") != stamp:
                return None
            arrays = {
                k: np.load(folder / f"{k}.csc.index.npy") for k in ("data", "indices", "indptr")
            }
            vocab = json.loads((folder / "vocab.tokenizer.json").read_text(encoding="utf-8"))
            stopwords = json.loads((folder / STOPWORDS_FILE).read_text())
            tokenizer = QueryTokenizer(vocab, stopwords)
        except (OSError, ValueError, KeyError) as e:
            logger.info("keyword index at %s not usable (%s); rebuilding", folder, e)
            return None
        return cls(saved["ids"], arrays, tokenizer)


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
