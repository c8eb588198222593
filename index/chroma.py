"""Chroma clients, opened and closed on purpose.

An embedded Chroma keeps each collection's HNSW graph in the memory of the process that opened
it and never rereads it, while its metadata lives in a shared SQLite file. A process that opened
the store before another process wrote to it therefore filters on ids its graph lacks ("Error
finding id") and misses the new vectors; and a write through such a stale graph would save it
over the other writer's. So handles are reopened when the store has changed (see
``index.vectors``), and each handle gets a Chroma "system" of its own: Chroma normally shares one
per path within a process, which would hand the stale graph back. A replaced handle is closed,
freeing its graph, as soon as the last call using it returns.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlparse

from pathways.errors import PathwaysError, StoreUnavailable
from pathways.settings import Settings

logger = logging.getLogger(__name__)

UNAVAILABLE = "The search index is unavailable right now; try again in a few seconds."
REOPEN_PAUSE = 1.0  # seconds between attempts to reach a store that failed to open

T = TypeVar("T")
_registry_lock = threading.Lock()


def chroma_settings() -> Any:
    from chromadb.config import Settings as ChromaSettings

    return ChromaSettings(anonymized_telemetry=False, allow_reset=False)


def open_client(settings: Settings) -> Any:
    """A Chroma client of our own: a Chroma server's, or an embedded store read from disk now."""
    import chromadb

    if settings.chroma_url:
        return open_http_client(settings.chroma_url)
    path = str(settings.chroma_path)
    settings.chroma_path.mkdir(parents=True, exist_ok=True)
    with _registry_lock:
        forget_system(path)  # so the client below starts a system of its own...
        try:
            return chromadb.PersistentClient(path=path, settings=chroma_settings())
        finally:
            forget_system(path)  # ...that no later client joins


def forget_system(path: str) -> None:
    """Drop `path` from Chroma's registry of shared in-process systems."""
    from chromadb.api.shared_system_client import SharedSystemClient as Shared

    with Shared._refcount_lock:
        Shared._identifier_to_system.pop(path, None)
        Shared._identifier_to_refcount.pop(path, None)


def close_client(client: Any) -> None:
    """Stop the client's system, freeing its graphs and connections."""
    try:
        client._server._system.stop()
    except Exception as e:  # closing is best effort; the object is dropped either way
        logger.debug("closing a Chroma client failed: %s", e)


def open_http_client(chroma_url: str) -> Any:
    import chromadb

    url = urlparse(chroma_url)
    if not url.hostname:
        raise PathwaysError(f"PATHWAYS_CHROMA_URL is not a URL: {chroma_url!r}")
    try:
        return chromadb.HttpClient(
            host=url.hostname,
            port=url.port or (443 if url.scheme == "https" else 8000),
            ssl=url.scheme == "https",
            settings=chroma_settings(),
        )
    except Exception as e:
        logger.error(
            "cannot reach the Chroma server at %s: %s. Start it with `chroma run --path DIR "
            "--port PORT`, or unset PATHWAYS_CHROMA_URL to use the embedded store.",
            chroma_url,
            e,
        )
        raise StoreUnavailable(
            "The Chroma server is not reachable. Start it with `chroma run`, or unset "
            "PATHWAYS_CHROMA_URL to use the embedded store."
        ) from e


@dataclass(eq=False)
class Handle:
    client: Any
    collection: Any
    users: int = 0
    retired: bool = False


class Handles:
    """The current handle on one collection. Calls use it through ``using``; ``retire``
    replaces it (the next call opens a new one) and closes it when its last user is done.
    After a failed open, calls within REOPEN_PAUSE seconds fail at once rather than each trying
    again: a server that is down must not slow every request."""

    def __init__(self, open_handle: Callable[[], Handle]) -> None:
        self._open_handle = open_handle
        self._lock = threading.Lock()
        self._current: Handle | None = None
        self._closed_until = 0.0

    def ensure_open(self) -> None:
        with self.using():
            pass

    @contextmanager
    def using(self) -> Iterator[Handle]:
        with self._lock:
            handle = self._current or self._open()
            handle.users += 1
        try:
            yield handle
        finally:
            with self._lock:
                handle.users -= 1
                if handle.retired and handle.users == 0:
                    close_client(handle.client)

    def call(self, what: str, call: Callable[[Any], T], *, tries: int = 1) -> T:
        """Run `call` on the handle's collection. A store error retires the handle (the next
        call reopens) and is tried again on a new one, up to `tries` times in all; then it is
        a StoreUnavailable, with the cause in the log."""
        for attempt in range(1, tries + 1):
            with self.using() as handle:
                try:
                    return call(handle.collection)
                except PathwaysError:
                    raise
                except Exception as e:
                    self.retire(handle)
                    if attempt == tries:
                        logger.error("%s failed: %s: %s", what, type(e).__name__, e)
                        raise StoreUnavailable(UNAVAILABLE) from e
                    logger.warning("%s failed (%s); reopening, retrying", what, e)
        raise AssertionError("unreachable")

    def _open(self) -> Handle:
        if time.monotonic() < self._closed_until:
            raise StoreUnavailable(UNAVAILABLE)
        try:
            self._current = self._open_handle()
        except Exception as e:
            self._closed_until = time.monotonic() + REOPEN_PAUSE
            if isinstance(e, PathwaysError):
                raise
            logger.error("cannot open the Chroma collection: %s: %s", type(e).__name__, e)
            raise StoreUnavailable(UNAVAILABLE) from e
        return self._current

    def retire(self, handle: Handle | None = None) -> None:
        """Stop handing out `handle` (default: the current one)."""
        with self._lock:
            handle = handle or self._current
            if handle is None or handle.retired:
                return
            if handle is self._current:
                self._current = None
            handle.retired = True
            if handle.users == 0:
                close_client(handle.client)
