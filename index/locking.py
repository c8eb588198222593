"""The index's write lock: one writer at a time across processes (CLI ingests, API uploads and
deletes), on a lock file in PATHWAYS_HOME.

Every write to the index (vectors added, the catalog switched, old vectors deleted, abandoned
vectors removed) happens while holding it. So a process holding the lock knows that no other
writer is half-way through: vectors the catalog does not name at that moment were left by a
writer that died, and are safe to remove.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

from pathways.errors import IndexBusy

logger = logging.getLogger(__name__)

LOCK_NAME = "index.lock"
OWNER_NAME = "index.lock.owner"


class IndexLock:
    """Reentrant within a thread; threads and processes wait for each other."""

    def __init__(self, home: Path, timeout: float) -> None:
        home.mkdir(parents=True, exist_ok=True)
        self.timeout = timeout
        self._owner = home / OWNER_NAME
        self._lock = FileLock(home / LOCK_NAME, thread_local=True)

    def holder(self) -> str:
        """Who holds the lock, as far as the owner file says ("" if unknown)."""
        try:
            return self._owner.read_text().strip()
        except OSError:
            return ""

    @contextmanager
    def hold(self) -> Iterator[None]:
        try:
            self._lock.acquire(timeout=0)
        except Timeout:
            holder = self.holder() or "another process"
            logger.warning("another ingest (%s) is writing to the index; waiting for it", holder)
            try:
                self._lock.acquire(timeout=self.timeout)
            except Timeout as e:
                raise IndexBusy(
                    f"Another ingest ({holder}) has been writing to the index for over "
                    f"{self.timeout:.0f} s. Try again when it has finished."
                ) from e
        try:
            if self._lock.lock_counter == 1:
                self._owner.write_text(f"pid {os.getpid()}\n")
            yield
        finally:
            self._lock.release()
