"""The FastAPI application: middleware, static files, error mapping and the routers."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.staticfiles import StaticFiles

from tongban import __version__, i18n
from tongban.bootstrap import Container
from tongban.web import deps, errors
from tongban.web.templating import build_templates

log = logging.getLogger("tongban.web")
STATIC_DIR = Path(__file__).with_name("static")

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
        "script-src 'self'; frame-ancestors 'none'; form-action 'self'"
    ),
}


def build_app(container: Container) -> FastAPI:
    app = FastAPI(
        title="tongban 通办 API",
        version=__version__,
        description="一网通办政务服务平台接口。错误统一返回 {code, message, fields}。",
        docs_url=None,  # served by pages/api_docs.py from vendored files, not a CDN
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    app.state.container = container
    app.state.templates = build_templates()
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    errors.install(app)
    _install_middleware(app)
    _include_routers(app)
    _document_error_bodies(app)
    return app


ERROR_SCHEMA = {
    "title": "Error",
    "type": "object",
    "required": ["code", "message", "fields"],
    "properties": {
        "code": {"type": "string", "description": "稳定的错误代码，供程序判断"},
        "message": {"type": "string", "description": "给用户看的说明（中文）"},
        "fields": {
            "type": "object",
            "additionalProperties": {"type": "string"},
            "description": "字段名 → 该字段的错误说明",
        },
        "errors": {
            "type": "array",
            "items": {"type": "object"},
            "description": "导入时逐行的错误（sheet、row、column、message）",
        },
    },
}


def _document_error_bodies(app: FastAPI) -> None:
    """Document tongban's {code, message, fields} error body instead of FastAPI's default."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = generate()
        schemas = schema.setdefault("components", {}).setdefault("schemas", {})
        schemas.pop("HTTPValidationError", None)
        schemas.pop("ValidationError", None)
        schemas["Error"] = ERROR_SCHEMA
        error = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                responses = operation.setdefault("responses", {})
                if "422" in responses:
                    responses["422"] = {"description": "输入有误", "content": error}
                responses.setdefault("default", {"description": "错误", "content": error})
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def _include_routers(app: FastAPI) -> None:
    from tongban.web.api import routers as api_routers
    from tongban.web.pages import routers as page_routers

    for router in api_routers():
        app.include_router(router, prefix="/api/v1")
    for router in page_routers():
        app.include_router(router)


def _install_middleware(app: FastAPI) -> None:
    @app.middleware("http")
    async def request_context(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        started = time.perf_counter()
        request_id = request.headers.get("X-Request-ID", "")[:64] or uuid.uuid4().hex
        request.state.request_id = request_id
        requested = request.query_params.get("lang") or request.cookies.get("lang")
        # Pages are Chinese unless the visitor picks another language (?lang=, then a cookie);
        # API clients may also ask through Accept-Language.
        accept = request.headers.get("accept-language") if errors.is_api(request) else None
        locale = i18n.negotiate(requested, accept)
        token = i18n.current_locale.set(locale)
        try:
            response = await call_next(request)
        finally:
            i18n.current_locale.reset(token)
        response.headers["X-Request-ID"] = request_id
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if request.query_params.get("lang") and locale == request.query_params["lang"]:
            response.set_cookie("lang", locale, max_age=365 * 86400, samesite="lax")
        anon = getattr(request.state, "anon_csrf", None)
        if anon and request.cookies.get(deps.ANON_CSRF_COOKIE) != anon:
            secure = request.app.state.container.settings.cookie_secure
            response.set_cookie(
                deps.ANON_CSRF_COOKIE, anon, httponly=True, samesite="strict", secure=secure
            )
        log.debug(
            "%s %s %s %.1fms",
            request.method,
            request.url.path,
            response.status_code,
            (time.perf_counter() - started) * 1000,
        )
        return response
