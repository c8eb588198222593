"""Server-rendered HTML: the search-and-ask page, the document view, the widget and its demo.

Read keys, when configured, gate these pages too; a page accepts the key as a Bearer header or
as `?key=` (read keys only: they are not secrets from the people using the page, since the
widget's script tag carries one; the admin key is never accepted in a URL).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import fastapi_offline
from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from fastapi.templating import Jinja2Templates

from api.routes.documents import original_path, summary
from api.security import key_in, link_reader
from api.state import AppState, StateDep
from api.views import cited_passage

HERE = Path(__file__).resolve().parents[1]
# Swagger UI's own files, shipped in the fastapi-offline wheel: /docs needs no CDN.
SWAGGER_ASSETS = Path(fastapi_offline.__file__).resolve().parent / "static"
SWAGGER_URL = "/docs-assets"
templates = Jinja2Templates(directory=HERE / "templates")
router = APIRouter(include_in_schema=False)

KeyParam = Annotated[str | None, Query(max_length=200)]
Offset = Annotated[int | None, Query(ge=0)]
DOCS_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'self'"
)


def needs_key(request: Request, state: AppState, key: str | None) -> Response | None:
    """The 401 page when a key is needed and missing or wrong; None when the reader may read."""
    try:
        link_reader(request, state.settings, key)
    except HTTPException as e:
        return templates.TemplateResponse(
            request, "key.html", {"detail": e.detail}, status_code=401, headers=e.headers
        )
    return None


def key_for_links(state: AppState, key: str | None) -> str:
    return key if key and state.settings.api_keys and key_in(key, state.settings.api_keys) else ""


@router.get("/", response_class=HTMLResponse)
def home(request: Request, state: StateDep, key: KeyParam = None) -> Response:
    if (refused := needs_key(request, state, key)) is not None:
        return refused
    catalog = state.searcher.catalog
    docs = [summary(d) for d in catalog.list_documents()]
    n_docs, n_chunks = catalog.counts()
    context: dict[str, object] = {
        "documents": docs,
        "total_documents": n_docs,
        "total_chunks": n_chunks,
        "doc_types": sorted({d.doc_type for d in docs}),
        "years": sorted({d.year for d in docs if d.year}),
        "max_chars": state.settings.max_query_chars,
        "key": key_for_links(state, key),
    }
    return templates.TemplateResponse(request, "index.html", context)


@router.get("/documents/{doc_id}", response_class=HTMLResponse)
def document_page(
    *,
    request: Request,
    state: StateDep,
    doc_id: str,
    start: Offset = None,
    end: Offset = None,
    key: KeyParam = None,
) -> Response:
    """One document's text with the cited passage (text[start:end]) highlighted."""
    if (refused := needs_key(request, state, key)) is not None:
        return refused
    catalog = state.searcher.catalog
    found = catalog.get_document(doc_id)
    if found is None:
        missing = {"detail": f"No document with id {doc_id!r}."}
        return templates.TemplateResponse(request, "missing.html", missing, status_code=404)
    doc, text = found
    passage = cited_passage(catalog.structure(doc_id, text), start, end)
    has_file = original_path(state.settings, doc) is not None
    context: dict[str, object] = {
        "doc": summary(doc),
        "authors": doc.meta.authors,
        "text": text,
        "passage": passage,
        "bad_range": start is not None and passage is None,
        "file_url": f"/v1/documents/{doc_id}/file" if has_file else "",
        "key": key_for_links(state, key),
    }
    return templates.TemplateResponse(request, "document.html", context)


@router.get("/widget-demo", response_class=HTMLResponse)
def widget_demo(request: Request, state: StateDep, key: KeyParam = None) -> Response:
    if (refused := needs_key(request, state, key)) is not None:
        return refused
    context = {"api": str(request.base_url).rstrip("/"), "key": key_for_links(state, key)}
    return templates.TemplateResponse(request, "widget_demo.html", context)


@router.get("/widget.js")
def widget_js() -> FileResponse:
    """The embeddable widget; any site may load it, only allowed origins may call the API."""
    return FileResponse(
        HERE / "static" / "widget.js",
        media_type="text/javascript; charset=utf-8",
        headers={"Cross-Origin-Resource-Policy": "cross-origin", "Cache-Control": "max-age=300"},
    )


@router.get("/docs", response_class=HTMLResponse)
def swagger_ui(request: Request) -> Response:
    """Interactive API docs: Swagger UI served from this host (works offline), started by a
    local script, under a CSP that allows nothing from elsewhere."""
    response = templates.TemplateResponse(request, "docs.html", {"assets": SWAGGER_URL})
    response.headers["Content-Security-Policy"] = DOCS_CSP
    return response
