"""The CLI as a client of a running server (`pathways --server URL`, or PATHWAYS_URL): `search`
and `ask` go over HTTP to /v1/search and /v1/ask, so this process loads no index and no model."""

from __future__ import annotations

import logging
from typing import Any

from pathways.errors import PathwaysError

logger = logging.getLogger(__name__)

TIMEOUT = 60.0


class RemoteError(PathwaysError):
    """The server could not be reached, or refused the request."""


def filters_payload(filters: Any) -> dict[str, Any]:
    """index.search.Filters as the API takes them: only the fields that are set."""
    fields = {
        "doc_type": list(filters.doc_type),
        "year_min": filters.year_min,
        "year_max": filters.year_max,
        "region": list(filters.region),
        "doc_id": list(filters.doc_id),
    }
    return {k: v for k, v in fields.items() if v not in (None, [])}


def request(url: str, method: str, path: str, api_key: str | None, **kwargs: Any) -> dict[str, Any]:
    import httpx

    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    try:
        with httpx.Client(base_url=url.rstrip("/"), timeout=TIMEOUT, headers=headers) as client:
            response = client.request(method, path, **kwargs)
    except httpx.HTTPError as e:
        raise RemoteError(f"Cannot reach the server at {url}: {e}") from e
    try:
        body = response.json()
    except ValueError:
        body = {"detail": response.text[:300]}
    if response.status_code >= 400:
        detail = body.get("detail") if isinstance(body, dict) else body
        raise RemoteError(f"The server at {url} answered {response.status_code}: {detail}")
    return body  # type: ignore[no-any-return]


def search(url: str, api_key: str | None, query: str, k: int | None, filters: Any) -> Any:
    """GET /v1/search; the results as objects with the attributes of index.search.Excerpt."""
    from types import SimpleNamespace

    params: dict[str, Any] = {"q": query, **filters_payload(filters)}
    if k is not None:
        params["k"] = k
    body = request(url, "GET", "/v1/search", api_key, params=params)
    return [SimpleNamespace(**row) for row in body.get("results", [])]


def ask(url: str, api_key: str | None, question: str, k: int | None, filters: Any) -> Any:
    """POST /v1/ask; the answer's JSON."""
    payload: dict[str, Any] = {"question": question}
    if k is not None:
        payload["k"] = k
    if wanted := filters_payload(filters):
        payload["filters"] = wanted
    return request(url, "POST", "/v1/ask", api_key, json=payload)


def answer_text(answer: dict[str, Any]) -> str:
    """The answer's Markdown, then its sources, as `pathways ask` prints them."""
    lines = [str(answer.get("answer", "")).rstrip(), "", "Sources:"]
    for c in answer.get("citations") or answer.get("related") or []:
        section = f" — {c['section']}" if c.get("section") else ""
        page = f", p. {c['page']}" if c.get("page") else ""
        lines.append(
            f"  [{c['n']}] {c['title']}{section}{page} ({c['doc_id']} {c['start']}-{c['end']})"
        )
    return "\n".join(lines)
