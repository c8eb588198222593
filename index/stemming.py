"""The English Snowball stemmer (PyStemmer) shared by answer evidence, definitions and
document names, created once per process."""

from __future__ import annotations

from functools import lru_cache
from typing import Any


@lru_cache(maxsize=1)
def stemmer() -> Any:
    import Stemmer

    return Stemmer.Stemmer("english")
