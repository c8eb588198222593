"""ASGI middleware: request body limits (checked before and while reading) and security headers."""

from __future__ import annotations

from collections.abc import Iterable

from fastapi import HTTPException
from starlette.datastructures import MutableHeaders
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

MULTIPART_OVERHEAD = 64 * 1024


class BodySizeLimit:
    """413 for a body over the limit: at once from Content-Length, else as soon as the bytes
    received pass it, so an oversized body is never read into memory or onto disk."""

    def __init__(
        self, app: ASGIApp, *, default_bytes: int, upload_bytes: int, upload_paths: Iterable[str]
    ) -> None:
        self.app = app
        self.default_bytes = default_bytes
        self.upload_bytes = upload_bytes
        self.upload_paths = frozenset(upload_paths)

    def limit_for(self, scope: Scope) -> tuple[int, str]:
        if scope["method"] == "POST" and scope["path"].rstrip("/") in self.upload_paths:
            mb = (self.upload_bytes - MULTIPART_OVERHEAD) // (1024 * 1024)
            message = f"The upload is over the {mb} MB limit (PATHWAYS_MAX_UPLOAD_MB)."
            return self.upload_bytes, message
        kb = self.default_bytes // 1024
        return self.default_bytes, f"The request body is over the {kb} KB limit."

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit, message = self.limit_for(scope)
        declared = dict(scope["headers"]).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > limit:
            await JSONResponse({"detail": message}, status_code=413)(scope, receive, send)
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            msg = await receive()
            if msg["type"] == "http.request":
                received += len(msg.get("body", b""))
                if received > limit:
                    raise HTTPException(413, message)
            return msg

        await self.app(scope, limited_receive, send)


class SecurityHeaders:
    """nosniff and no-referrer everywhere; a strict Content-Security-Policy on HTML pages
    (scripts only from this host's static files: no inline script anywhere)."""

    def __init__(self, app: ASGIApp, *, frame_ancestors: Iterable[str]) -> None:
        self.app = app
        ancestors = " ".join(["'self'", *frame_ancestors])
        self.csp = (
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            "connect-src 'self'; font-src 'self'; form-action 'self'; base-uri 'none'; "
            f"frame-ancestors {ancestors}"
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(msg: Message) -> None:
            if msg["type"] == "http.response.start":
                headers = MutableHeaders(scope=msg)
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("Referrer-Policy", "no-referrer")
                if headers.get("content-type", "").startswith("text/html"):
                    headers.setdefault("Content-Security-Policy", self.csp)
                    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
            await send(msg)

        await self.app(scope, receive, send_with_headers)
