"""FastAPI application factory. Heavy parts (model, index) load in the lifespan, not at import."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import Response
from starlette.routing import Match

from api.errors import retry_after, status_of
from api.middleware import MULTIPART_OVERHEAD, BodySizeLimit, SecurityHeaders
from api.openapi import install_openapi
from api.ratelimit import RateLimited
from api.routes import ask, documents, health, organizations, pages, search
from api.routes.pages import SWAGGER_ASSETS, SWAGGER_URL
from api.state import AppState
from index.embedder import Embedder
from pathways.errors import PathwaysError
from pathways.settings import Settings

logger = logging.getLogger(__name__)

STATIC = Path(__file__).resolve().parent / "static"
UPLOAD_PATHS = ("/v1/documents",)


def create_app(settings: Settings | None = None, *, embedder: Embedder | None = None) -> FastAPI:
    """The API and web pages. `embedder`: an already loaded model to share (tests, benches)."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.pathways = AppState.load(settings, embedder)
        yield

    app = FastAPI(
        title="Pathways KB",
        version="1.0",
        description="Cited search and answers over career-pathway reports.",
        lifespan=lifespan,
        docs_url=None,  # served by api.routes.pages with a strict CSP
        redoc_url=None,
    )
    routers = [m.router for m in (health, search, ask, documents, organizations, pages)]
    for router in routers:
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.mount(SWAGGER_URL, StaticFiles(directory=SWAGGER_ASSETS), name="swagger-ui")
    install_middleware(app, settings)
    install_error_handlers(app, routers)
    install_openapi(app, routers)
    return app


class JSONCORSMiddleware(CORSMiddleware):
    """CORS whose refusals also carry an {"detail": ...} body."""

    def preflight_response(self, request_headers: object) -> Response:
        response = super().preflight_response(request_headers)  # type: ignore[arg-type]
        if response.status_code >= 400:
            detail = bytes(response.body).decode() or "CORS preflight refused"
            headers = {k: v for k, v in response.headers.items() if k.lower() != "content-length"}
            headers.pop("content-type", None)
            return JSONResponse({"detail": detail}, response.status_code, headers=headers)
        return response


def install_middleware(app: FastAPI, settings: Settings) -> None:
    """Innermost first: body limits, then CORS, then security headers on everything."""
    app.add_middleware(
        BodySizeLimit,  # type: ignore[arg-type]
        default_bytes=settings.max_request_kb * 1024,
        upload_bytes=settings.max_upload_mb * 1024 * 1024 + MULTIPART_OVERHEAD,
        upload_paths=UPLOAD_PATHS,
    )
    app.add_middleware(
        JSONCORSMiddleware,  # type: ignore[arg-type]
        allow_origins=settings.cors_origins,
        allow_methods=["GET", "POST"],
        allow_headers=["Authorization", "Content-Type", "Accept"],
        expose_headers=["Retry-After"],
        max_age=600,
    )
    app.add_middleware(SecurityHeaders, frame_ancestors=settings.cors_origins)  # type: ignore[arg-type]


def install_error_handlers(app: FastAPI, routers: Sequence[APIRouter]) -> None:
    @app.exception_handler(PathwaysError)
    async def domain_error(request: Request, exc: PathwaysError) -> JSONResponse:
        status, wait = status_of(exc), retry_after(exc)
        headers = {} if wait is None else {"Retry-After": str(wait)}
        if status >= 500:  # a fault on our side: the client gets a plain message
            cause = exc.__cause__
            logger.warning(
                "%s %s: %d %s (cause: %s)", request.method, request.url.path,
                status, exc, f"{type(cause).__name__}: {cause}" if cause else "none",
            )  # fmt: skip
        return JSONResponse({"detail": str(exc)}, status, headers=headers)

    @app.exception_handler(RateLimited)
    async def rate_limited(request: Request, exc: RateLimited) -> JSONResponse:
        headers = {"Retry-After": str(exc.retry_after)}
        return JSONResponse(status_code=429, content={"detail": str(exc)}, headers=headers)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            headers["Allow"] = ", ".join(allowed_methods(request, routers))
        return JSONResponse(
            status_code=exc.status_code, content={"detail": exc.detail}, headers=headers
        )

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [
            {"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")}
            for e in exc.errors()
        ]
        return JSONResponse(status_code=422, content={"detail": problems})

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        logger.exception("unhandled error on %s %s", request.method, request.url.path)
        return JSONResponse(status_code=500, content={"detail": "Internal error; see the log."})


def allowed_methods(request: Request, routers: Sequence[APIRouter]) -> list[str]:
    """Every method some route accepts at this path (Starlette lists only the first route's)."""
    methods: set[str] = set()
    for route in (r for router in routers for r in router.routes):
        match, _ = route.matches(request.scope)
        if match != Match.NONE:
            methods |= set(getattr(route, "methods", None) or ())
    return sorted(methods)
