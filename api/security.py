"""Who may call what: optional read keys, the admin key for writes, the per-client rate limit.

Keys travel as `Authorization: Bearer KEY` and are compared in constant time. Write endpoints
are closed until PATHWAYS_ADMIN_KEY is set; they are never open.
"""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, HTTPException, Query, Request

from api.ratelimit import client_key
from api.state import StateDep
from pathways.settings import Settings

CHALLENGE = {"WWW-Authenticate": 'Bearer realm="pathways"'}
WRITES_DISABLED = (
    "Write endpoints are disabled on this server. To enable them, set PATHWAYS_ADMIN_KEY to a "
    "long random secret (e.g. `openssl rand -hex 32`), restart, and send it as "
    "`Authorization: Bearer <key>`."
)


def bearer_token(request: Request) -> str | None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None


def key_in(token: str, keys: list[str]) -> bool:
    """Constant-time membership: every key is compared, whatever matches first."""
    found = False
    for key in keys:
        found |= hmac.compare_digest(token.encode(), key.encode())
    return found


def admin_key(settings: Settings) -> str | None:
    return settings.admin_key.get_secret_value() if settings.admin_key else None


def check_read_key(settings: Settings, token: str | None) -> str | None:
    """The caller's valid key (None when reads are open), or 401."""
    admin = admin_key(settings)
    valid = settings.api_keys + ([admin] if admin else [])
    if not settings.api_keys:
        return token if token and key_in(token, valid) else None
    if token is None:
        raise HTTPException(
            401, "This server needs an API key: send `Authorization: Bearer <key>`.", CHALLENGE
        )
    if not key_in(token, valid):
        raise HTTPException(401, "The API key is not valid.", CHALLENGE)
    return token


def require_reader(request: Request, state: StateDep) -> str | None:
    return check_read_key(state.settings, bearer_token(request))


ReaderKey = Annotated[str | None, Depends(require_reader)]
LinkKey = Annotated[
    str | None,
    Query(max_length=200, description="A read key, for links that cannot send a header."),
]


def link_reader(request: Request, settings: Settings, key: str | None) -> str | None:
    """Like require_reader, but a read key may also come as ?key= (never the admin key): for
    pages and files opened by plain links, such as the widget's citations."""
    token = bearer_token(request)
    if token is None and key and key_in(key, settings.api_keys):
        token = key
    return check_read_key(settings, token)


def require_link_reader(request: Request, state: StateDep, key: LinkKey = None) -> str | None:
    return link_reader(request, state.settings, key)


def require_admin(request: Request, state: StateDep) -> None:
    admin = admin_key(state.settings)
    if admin is None:
        raise HTTPException(403, WRITES_DISABLED)
    token = bearer_token(request)
    if token is None:
        raise HTTPException(
            401, "This endpoint needs the admin key: `Authorization: Bearer <key>`.", CHALLENGE
        )
    if not key_in(token, [admin]):
        if key_in(token, state.settings.api_keys):
            raise HTTPException(403, "This key may read but not write; use the admin key.")
        raise HTTPException(401, "The admin key is not valid.", CHALLENGE)


def rate_limit(request: Request, state: StateDep, key: ReaderKey) -> None:
    host = request.client.host if request.client else None
    state.limiter.hit(client_key(host, key))


AdminOnly = Depends(require_admin)
Reader = Depends(require_reader)
LinkReader = Depends(require_link_reader)
RateLimit = Depends(rate_limit)
