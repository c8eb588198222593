"""OpenAPI descriptions of the error responses, so the schema lists every status a route sends."""

from __future__ import annotations

from typing import Any

from api.schemas import ErrorBody

DESCRIPTIONS = {
    400: "Bad request.",
    401: "An API key is needed, or the one sent is not valid.",
    403: "Forbidden: write endpoints are disabled, or the key may not write.",
    404: "No such document.",
    409: "Conflict: no index yet, or the document already exists.",
    413: "The request body or upload is too large.",
    415: "The file is not a type we can read (decided from its content).",
    422: "Invalid parameters, or a file that cannot be read.",
    429: "Too many requests from this client; retry after `Retry-After` seconds.",
    501: "Not implemented on this server yet.",
    503: "The index's store is unavailable or busy; retry after `Retry-After` seconds.",
}

RETRY_AFTER = {"Retry-After": {"description": "Seconds to wait.", "schema": {"type": "integer"}}}


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    """`responses=` entries for the given statuses, each with an {"detail": ...} body."""
    out: dict[int | str, dict[str, Any]] = {}
    for code in codes:
        out[code] = {"model": ErrorBody, "description": DESCRIPTIONS[code]}
        if code in (429, 503):
            out[code]["headers"] = RETRY_AFTER
    return out


READ = (401, 422)
LIMITED = (*READ, 429, 503)
WRITE = (401, 403, 413, 422, 503)

# Security requirements: writes always need the admin key; reads need a read key only when
# PATHWAYS_API_KEYS is set, hence the empty (anonymous) alternative.
BEARER_SCHEME = {
    "bearer": {
        "type": "http",
        "scheme": "bearer",
        "description": "PATHWAYS_ADMIN_KEY for writes; a PATHWAYS_API_KEYS key for reads if set.",
    }
}
ADMIN_AUTH: dict[str, Any] = {"security": [{"bearer": []}]}
READ_AUTH: dict[str, Any] = {"security": [{}, {"bearer": []}]}
