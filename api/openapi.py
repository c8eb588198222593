"""The OpenAPI document, with security requirements derived from each route's dependencies."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute

from api.responses import ADMIN_AUTH, BEARER_SCHEME, READ_AUTH
from api.security import require_admin, require_link_reader, require_reader


def dependency_calls(dependant: Dependant) -> set[Callable[..., Any]]:
    calls: set[Callable[..., Any]] = set()
    for dep in dependant.dependencies:
        if dep.call is not None:
            calls.add(dep.call)
        calls |= dependency_calls(dep)
    return calls


def security_of(route: APIRoute) -> dict[str, Any] | None:
    calls = dependency_calls(route.dependant)
    if require_admin in calls:
        return ADMIN_AUTH
    return READ_AUTH if calls & {require_reader, require_link_reader} else None


def install_openapi(app: FastAPI, routers: Sequence[APIRouter]) -> None:
    """Replace app.openapi with one that adds the bearer scheme and per-operation security
    (derived from the routes of `routers`, the routers the app includes)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(
            title=app.title, version=app.version, description=app.description, routes=app.routes
        )
        schema.setdefault("components", {})["securitySchemes"] = BEARER_SCHEME
        for route in (r for router in routers for r in router.routes):
            if not isinstance(route, APIRoute) or not route.include_in_schema:
                continue
            security = security_of(route)
            for method in (route.methods or ()) if security else ():
                schema["paths"][route.path_format][method.lower()].update(security)
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
