"""Per-client rate limit (moving window, in memory) for the expensive read endpoints."""

from __future__ import annotations

import hashlib
import math
import time

from limits import parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter


class RateLimited(Exception):
    """A client went over its limit; `retry_after` is in whole seconds."""

    def __init__(self, limit: str, retry_after: int) -> None:
        super().__init__(
            f"Too many requests: the limit is {limit} per client. Retry in {retry_after} s."
        )
        self.retry_after = retry_after


class RateLimiter:
    """`N/period` per client key; one process-wide memory store."""

    def __init__(self, spec: str) -> None:
        self.spec = spec
        self.item = parse(spec)
        self.strategy = MovingWindowRateLimiter(MemoryStorage())

    def hit(self, client: str) -> None:
        """Count one request for `client`, or raise RateLimited."""
        if self.strategy.hit(self.item, client):
            return
        reset_at, _ = self.strategy.get_window_stats(self.item, client)
        raise RateLimited(self.spec, max(1, math.ceil(reset_at - time.time())))


def client_key(host: str | None, api_key: str | None) -> str:
    """One budget per IP address, and per API key on top when the request sends a valid one
    (a widget key is shared by every visitor of a site, so the key alone is not a client)."""
    key = hashlib.sha256(api_key.encode()).hexdigest()[:16] if api_key else "-"
    return f"{host or 'unknown'}|{key}"
