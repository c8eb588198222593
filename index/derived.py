"""What a searcher derives from the chunks when the catalog changes (acronyms, definitions,
document names, near-duplicates), kept on disk so that the next process loads it instead of
deriving it again: near-duplicate detection alone is a third of a CLI search's time.

The file is named by a digest of the inputs (chunk ids, which are content-addressed, and titles)
and of the source of the modules that derive it, so a change to either derives anew. It lives
in PATHWAYS_HOME beside the other derived indexes and is written atomically; an unreadable file
is derived again.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TypeVar

logger = logging.getLogger(__name__)

T = TypeVar("T")


def source_digest(modules: Iterable[str]) -> str:
    """Digest of the source files of these (imported) modules."""
    h = hashlib.sha256()
    for name in modules:
        path = getattr(sys.modules[name], "__file__", None)
        h.update(Path(path).read_bytes() if path else name.encode())
    return h.hexdigest()[:16]


def load_or_derive(folder: Path, key: str, derive: Callable[[], T]) -> T:
    """derive(), or what an earlier derive() with the same key saved in folder."""
    path = folder / f"{hashlib.sha256(key.encode()).hexdigest()[:32]}.pickle"
    try:
        with path.open("rb") as f:
            return pickle.load(f)  # type: ignore[no-any-return]
    except FileNotFoundError:
        pass
    except Exception as e:  # torn, or pickled by other code: derive again
        logger.info("derived data at %s not usable (%s); deriving again", path, e)
    value = derive()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob("*.pickle"):  # one generation at a time
            old.unlink(missing_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        with tmp.open("wb") as f:
            pickle.dump(value, f, protocol=pickle.HIGHEST_PROTOCOL)
        tmp.replace(path)
    except OSError as e:  # a read-only home still searches; it derives every time
        logger.warning("cannot save derived data to %s: %s", folder, e)
    return value
