"""The FastAPI application: middleware, static files, error mapping and the routers."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio.to_thread
from fastapi import FastAPI, Request, Response
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tongban import __version__, i18n
from tongban.bootstrap import Container
from tongban.services.platform import telemetry
from tongban.web import deps, errors
from tongban.web import openapi as api_document
from tongban.web.api.catalogue_io import Exports
from tongban.web.limits import BodyLimit
from tongban.web.replica_pin import ReadYourWrites
from tongban.web.templating import build_templates

log = logging.getLogger("tongban.web")
access = logging.getLogger("tongban.access")
"""One line per request: method, path, status and duration, with the request context."""
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


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    # As many threads run routes at once as the pool has connections: more would only wait
    # for a connection (or open one beyond the pool and close it again) and contend for the
    # interpreter; requests beyond that wait their turn on the event loop.
    container: Container = app.state.container
    limiter = anyio.to_thread.current_default_thread_limiter()
    limiter.total_tokens = container.settings.db_pool_size
    # pyHanko is imported when the process starts, not by the first licence PDF it signs (a
    # third of a second of CPU that a citizen's download would wait for); the command line,
    # which imports the PDF module too, stays without it.
    from tongban.adapters import licence_pdf

    licence_pdf.import_pyhanko()
    yield
    if container.async_reader is not None:
        await container.async_reader.close()


def build_app(container: Container) -> FastAPI:
    app = FastAPI(
        lifespan=_lifespan,
        title="tongban 通办 API",
        version=__version__,
        description="一网通办政务服务平台接口。错误统一返回 {code, message, fields}。",
        docs_url=None,  # served by pages/api_docs.py from vendored files, not a CDN
        redoc_url=None,
        openapi_url="/openapi.json",
        generate_unique_id_function=api_document.operation_id,
    )
    app.state.container = container
    app.state.templates = build_templates()
    app.state.catalogue_exports = Exports()
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


def _has_example(response: dict[str, Any]) -> bool:
    """A route that documents its own error (with an example of it) keeps it."""
    return "example" in response.get("content", {}).get("application/json", {})


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

        def error() -> dict[str, Any]:
            # A fresh body each time: the examples added later belong to one response only.
            return {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}

        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                responses = operation.setdefault("responses", {})
                if "422" in responses and not _has_example(responses["422"]):
                    responses["422"] = {"description": "输入有误", "content": error()}
                if _declare_idempotency_key(operation):
                    responses["409"] = {
                        "description": "同一幂等键的请求仍在处理中，或数据已被他人修改",
                        "content": error(),
                    }
                    responses["428"] = {"description": "缺少 Idempotency-Key", "content": error()}
                responses.setdefault("default", {"description": "错误", "content": error()})
        api_document.document_errors_and_security(schema)
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


IDEMPOTENCY_KEY_SCHEMA = {
    "type": "string",
    "minLength": 1,
    "maxLength": 200,
    "pattern": "^[!-~]+$",
    "description": "1–200 个可见 ASCII 字符，如 UUID",
}


def _declare_idempotency_key(operation: dict[str, Any]) -> bool:
    """The ``Idempotency-Key`` header is required (428 without it): say so, with its format.
    FastAPI lists it as optional because the route answers 428 itself instead of 422."""
    found = False
    for parameter in operation.get("parameters", []):
        if parameter.get("in") == "header" and parameter.get("name") == "Idempotency-Key":
            parameter["required"] = True
            parameter["schema"] = dict(IDEMPOTENCY_KEY_SCHEMA)
            found = True
    return found


def _include_routers(app: FastAPI) -> None:
    from tongban.web.api import routers as api_routers
    from tongban.web.pages import routers as page_routers

    for router in api_routers():
        app.include_router(router, prefix="/api/v1")
    for router in page_routers():
        app.include_router(router)


def _install_middleware(app: FastAPI) -> None:
    # Added innermost first: RequestContext wraps BodyLimit, so a refusal carries its headers.
    app.add_middleware(BodyLimit)
    app.add_middleware(ReadYourWrites)
    app.add_middleware(RequestContext)


def _cookie(key: str, value: str, **options: Any) -> tuple[bytes, bytes]:
    """A ``Set-Cookie`` header as Starlette's ``Response.set_cookie`` writes it."""
    response = Response()
    response.set_cookie(key, value, **options)
    return next(h for h in response.raw_headers if h[0] == b"set-cookie")


class RequestContext:
    """Per request: its id, its language and the security headers of its answer.

    A plain ASGI middleware: ``@app.middleware("http")`` (Starlette's ``BaseHTTPMiddleware``)
    runs the rest of the app in a task of its own and streams the answer through a queue, which
    cost more CPU than many a route.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        request = Request(scope)
        request_id = request.headers.get("x-request-id", "")[:64] or uuid.uuid4().hex
        request.state.request_id = request_id
        chosen = i18n.chosen_locale(request.query_params.get("lang"))
        # The language the visitor picked (?lang=, then the cookie that remembers it), else the
        # browser's (Accept-Language: zh-HK and zh-TW read Traditional Chinese), else Chinese.
        accept = request.headers.get("accept-language")
        locale = chosen or i18n.negotiate(request.cookies.get("lang"), accept)
        # 长辈版: ?mode=elderly (or standard) switches, and the browser remembers it.
        mode = request.query_params.get("mode")
        mode = mode if mode in deps.MODES else None
        request.state.elderly = (mode or request.cookies.get(deps.MODE_COOKIE)) == "elderly"
        status = 0
        # Personal data is only ever served to a signed-in session: nothing answered to one may
        # be kept by the browser's or a proxy's cache (static files carry none).
        private = deps.SESSION_COOKIE in request.cookies and not scope["path"].startswith(
            "/static/"
        )

        async def send_with_headers(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = MutableHeaders(scope=message)
                headers["X-Request-ID"] = request_id
                for name, value in SECURITY_HEADERS.items():
                    headers.setdefault(name, value)
                if private:
                    headers["Cache-Control"] = "no-store"
                if chosen and request.cookies.get("lang") != chosen:
                    headers.raw.append(_cookie("lang", chosen, max_age=365 * 86400, samesite="lax"))
                if mode and request.cookies.get(deps.MODE_COOKIE) != mode:
                    headers.raw.append(
                        _cookie(deps.MODE_COOKIE, mode, max_age=365 * 86400, samesite="lax")
                    )
                renewed = getattr(request.state, "renewed_session", None)
                if renewed is not None:
                    token, seconds = renewed
                    settings = scope["app"].state.container.settings
                    headers.raw.append(
                        _cookie(
                            deps.SESSION_COOKIE,
                            token,
                            max_age=seconds,
                            path="/",
                            httponly=True,
                            samesite="lax",
                            secure=settings.cookie_secure,
                        )
                    )
                anon = getattr(request.state, "anon_csrf", None)
                if anon and request.cookies.get(deps.ANON_CSRF_COOKIE) != anon:
                    secure = scope["app"].state.container.settings.cookie_secure
                    headers.raw.append(
                        _cookie(
                            deps.ANON_CSRF_COOKIE,
                            anon,
                            httponly=True,
                            samesite="strict",
                            secure=secure,
                        )
                    )
            await send(message)

        token = i18n.current_locale.set(locale)
        request_token = telemetry.current.set(
            telemetry.RequestInfo(request_id, lambda: (_user_id(scope), _route(scope)))
        )
        try:
            await self.app(scope, receive, send_with_headers)
        finally:
            seconds = time.perf_counter() - started
            telemetry.observe_request(scope["method"], _route(scope) or "-", status, seconds)
            access.info(
                "%s %s %s %.1fms",
                scope["method"],
                scope["path"],
                status,
                seconds * 1000,
                extra={"status": status, "duration_ms": round(seconds * 1000, 2)},
            )
            telemetry.current.reset(request_token)
            i18n.current_locale.reset(token)


def _route(scope: Scope) -> str:
    """The matched route's template (``/cases/{number}``), never the raw path: metric labels
    stay few and no personal data gets into them; empty when nothing matched."""
    found = scope.get("route")
    template = str(getattr(found, "path", "")) if found is not None else ""
    if not template:
        return ""
    # The route object may be the one declared in its router, without the prefix it was
    # included under (/api/v1): the raw path ends with the route rendered, the rest is prefix.
    params = {k: str(v) for k, v in scope.get("path_params", {}).items()}
    try:
        rendered = str(getattr(found, "path_format", template)).format(**params)
    except (KeyError, IndexError, ValueError):
        return template
    path = str(scope.get("path", ""))
    return path[: -len(rendered)] + template if path.endswith(rendered) else template


def _user_id(scope: Scope) -> int | None:
    principal = scope.get("state", {}).get("principal")
    return getattr(principal, "user_id", None)
