"""The index's write lock across machines: a lease record in the Chroma server, for replicas
that share one (PATHWAYS_CHROMA_URL). The file lock of ``index.locking`` only reaches the
processes of one machine.

Taking the lease is an insert-if-absent: Chroma ignores an ``add`` whose id exists, so of two
writers adding the ``lease`` record at once the first wins, and each reads back whose it is.
The holder renews it in the background; a lease not renewed for PATHWAYS_LEASE_SECONDS (its
writer was killed) is deleted by the next writer, on the condition that it is still that
writer's, and taken over. Expiry compares wall clocks, so the machines' clocks must agree to
within a fraction of the lease time (NTP).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from index.chroma_catalog import new_token
from index.chroma_records import Record, Records
from pathways.errors import IndexBusy, StoreUnavailable

logger = logging.getLogger(__name__)

LEASE = "lease"
POLL = 0.2  # seconds between attempts while another writer holds the lease


class ChromaLease:
    """Same use as ``IndexLock``: reentrant within a thread; threads, processes and machines
    wait for each other."""

    def __init__(self, records: Records, timeout: float, ttl: float) -> None:
        self.records = records
        self.timeout = timeout
        self.ttl = ttl
        self.me = f"pid {os.getpid()} on {socket.gethostname()}"
        self._local = threading.RLock()
        self._depth = 0
        self._token = ""
        self._stop = threading.Event()

    def holder(self) -> str:
        found = self.records.get("meta", ids=[LEASE])
        return str(found[0].metadata["holder"]) if found else ""

    @contextmanager
    def hold(self) -> Iterator[None]:
        if not self._local.acquire(timeout=self.timeout):
            raise IndexBusy(
                f"Another upload in this process has been writing for over "
                f"{self.timeout:.0f} s. Try again when it has finished."
            )
        try:
            if self._depth == 0:
                self._acquire()
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
                if self._depth == 0:
                    self._release()
        finally:
            self._local.release()

    def _acquire(self) -> None:
        deadline = time.monotonic() + self.timeout
        token = new_token()
        warned = False
        while not self._try_take(token):
            if not warned:
                holder = self.holder() or "another process"
                logger.warning(
                    "another ingest (%s) is writing to the index; waiting for it", holder
                )
                warned = True
            if time.monotonic() > deadline:
                raise IndexBusy(
                    f"Another ingest ({self.holder() or 'another process'}) has been writing to "
                    f"the index for over {self.timeout:.0f} s. Try again when it has finished."
                )
            time.sleep(POLL)
        self._token = token
        self._stop = threading.Event()
        threading.Thread(target=self._renew, args=(token, self._stop), daemon=True).start()

    def _try_take(self, token: str) -> bool:
        found = self.records.get("meta", ids=[LEASE])
        if found and float(found[0].metadata["expires"]) < time.time():
            old = found[0].metadata
            logger.warning("the index lease of %s expired; taking it over", old["holder"])
            self.records.delete("meta", ids=[LEASE], where={"token": old["token"]})
        self.records.add("meta", self._record(token))
        found = self.records.get("meta", ids=[LEASE])
        return bool(found) and found[0].metadata["token"] == token

    def _record(self, token: str) -> Record:
        meta = {
            "kind": "lease",
            "token": token,
            "holder": self.me,
            "expires": time.time() + self.ttl,
        }
        return Record(LEASE, meta)

    def _renew(self, token: str, stop: threading.Event) -> None:
        """Push the expiry forward every third of the lease time, while it is still ours."""
        while not stop.wait(self.ttl / 3):
            try:
                found = self.records.get("meta", ids=[LEASE])
                if not found or found[0].metadata["token"] != token:
                    logger.error("the index lease was taken over while this writer held it")
                    return
                self.records.upsert("meta", [self._record(token)])
            except StoreUnavailable:
                logger.warning("could not renew the index lease; trying again")

    def _release(self) -> None:
        self._stop.set()
        try:
            self.records.delete("meta", ids=[LEASE], where={"token": self._token})
        except StoreUnavailable:
            logger.warning("could not release the index lease; it expires in %.0f s", self.ttl)
