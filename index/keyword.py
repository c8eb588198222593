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

logger = logging.getLogger(__name__)


def make_tokenizer() -> bm25s.tokenization.Tokenizer:
    import Stemmer

    return bm25s.tokenization.Tokenizer(
        lower=True, stopwords="en", stemmer=Stemmer.Stemmer("english").stemWord
    )


class KeywordIndex:
    """Row i of the index is ids[i]."""

    def __init__(self, ids: Sequence[str], retriever: bm25s.BM25, tokenizer: object) -> None:
        self.ids = list(ids)
        self.retriever = retriever
        self.tokenizer = tokenizer

    @classmethod
    def build(cls, ids: Sequence[str], texts: Sequence[str]) -> KeywordIndex:
        tokenizer = make_tokenizer()
        tokens = tokenizer.tokenize(list(texts), show_progress=False, return_as="tuple")
        retriever = bm25s.BM25()
        retriever.index(tokens, show_progress=False)
        return cls(ids, retriever, tokenizer)

    def search(
        self, query: str, k: int, allowed: set[str] | None = None
    ) -> list[tuple[str, float]]:
        """(id, score) best first; rows with score 0 (no query word matched) are dropped."""
        if not self.ids:
            return []
        query_ids = self.tokenizer.tokenize(  # type: ignore[attr-defined]
            [query], update_vocab=False, show_progress=False, return_as="ids"
        )[0]
        if not query_ids:
            return []
        scores = self.retriever.get_scores(list(query_ids))
        order = np.argsort(-scores)
        out: list[tuple[str, float]] = []
        for row in order:
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
    index = KeywordIndex.load(folder, stamp)
    if index is not None and index.ids == list(ids):
        return index
    index = KeywordIndex.build(ids, texts)
    try:
        index.save(folder, stamp)
    except OSError as e:  # a read-only home still searches; it just rebuilds next time
        logger.warning("cannot save keyword index to %s: %s", folder, e)
    return index
