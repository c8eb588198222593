"""The English Snowball stemmer (PyStemmer) shared by BM25, answer evidence, definitions and
document names: one instance per thread, because a PyStemmer instance keeps per-call state and
a cache and must not be used by two threads at once (the API serves requests on a pool)."""

from __future__ import annotations

import threading
from typing import Any

_local = threading.local()


def stemmer() -> Any:
    """This thread's English stemmer, created on first use."""
    found = getattr(_local, "stemmer", None)
    if found is None:
        import Stemmer

        found = _local.stemmer = Stemmer.Stemmer("english")
    return found


def stem_word(word: str) -> str:
    """One word's stem, with this thread's stemmer (a callable for tokenizers that keep it)."""
    return str(stemmer().stemWord(word))
