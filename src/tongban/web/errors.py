"""Maps errors to responses: ``{code, message, fields}`` for the API, a Chinese page otherwise.

Services never raise HTTP errors; they raise ``DomainError`` subclasses, and this module is the
one place that turns them into status codes.
"""

from __future__ import annotations

import contextlib
import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from tongban.domain.errors import (
    DomainError,
    NotAuthenticated,
    TooManyRequests,
    TotpEnrolmentRequired,
)
from tongban.domain.validation import pydantic_fields
from tongban.i18n import gettext as _

log = logging.getLogger("tongban.web")


def _request_id(request: Request) -> str:
    return str(getattr(request.state, "request_id", ""))


def is_api(request: Request) -> bool:
    return (
        request.url.path.startswith("/api/")
        or "application/json" in request.headers.get("accept", "").split(",")[0]
    )


def _page(request: Request, status: int, title: str, message: str) -> Response:
    from tongban.web.templating import render

    context: dict[str, Any] = {"title": title, "message": message, "status": status}
    if status >= 500:
        # The database may be what failed: render without touching the session.
        context.update(principal=None, csrf_token="")
    return render(request, "error.html", context, status_code=status)


def _translated(error: DomainError) -> str:
    """The message in the request's language; a text parameter (a status label) is translated
    too, so an English message does not carry a Chinese word in its middle."""
    if error.message == error.template.format(**error.params):
        params = {k: _(v) if isinstance(v, str) and v else v for k, v in error.params.items()}
        return _(error.template).format(**params)
    return _(error.message)


def translated(error: DomainError) -> str:
    """The error's message in the request's language (for a page that shows it in its form)."""
    return _translated(error)


HTTP_ERRORS = {
    400: ("bad_request", "请求的格式有误，无法读取。"),
    404: ("not_found", "找不到所请求的页面。"),
    405: ("method_not_allowed", "不支持该请求方法。"),
    413: ("payload_too_large", "提交的内容过大。"),
}
MULTIPART_UNREADABLE = "上传的表单无法读取：文件名或字段可能过长（文件名请不超过 200 个字符）。"
FORM_METHODS = frozenset({"GET", "HEAD", "POST"})
"""What a browser sends by itself: other methods are answered in JSON even on page paths."""


def allowed_methods(request: Request) -> str:
    """Every method some route serves at this path (Starlette names only the first route that
    matched the path), asked of the router itself."""
    methods = []
    for method in ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"):
        scope = {**request.scope, "method": method}
        if any(route.matches(scope)[0] is Match.FULL for route in request.app.router.routes):
            methods.append(method)
    return ", ".join(methods)


def error_response(request: Request, error: StarletteHTTPException) -> Response:
    """The answer to an HTTP-level refusal: the ``{code, message, fields}`` body for API
    clients (and for methods no browser form sends), a Chinese page otherwise."""
    code, message = HTTP_ERRORS.get(error.status_code, ("http_error", "请求无法完成。"))
    if error.status_code == 400 and "multipart/" in request.headers.get("content-type", ""):
        # The multipart parser refuses a part whose headers are too long: usually a file name
        # of thousands of characters.
        message = MULTIPART_UNREADABLE
    headers = dict(getattr(error, "headers", None) or {})
    if error.status_code == 405:
        headers["Allow"] = allowed_methods(request)
    if is_api(request) or request.method not in FORM_METHODS:
        return JSONResponse(
            {"code": code, "message": _(message), "fields": {}},
            status_code=error.status_code,
            headers=headers or None,
        )
    response = _page(request, error.status_code, _("出错了"), _(message))
    response.headers.update(headers)
    return response


_LOGGED = "_tongban_logged"


class LoggedByTheHandler(logging.Filter):
    """On ``uvicorn.error``: drops the server's second traceback of an error the handler of
    ``install`` has already logged with its request number (Starlette re-raises it after the
    500 answer is sent, so that the server may log it).  An error the handler did not log — the
    handler's own failure among them — is kept."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        return not getattr(error, _LOGGED, False)


_SERVER_LOG_FILTER = LoggedByTheHandler()


def install(app: FastAPI) -> None:
    # once per process however many apps are built (``addFilter`` adds an instance once)
    logging.getLogger("uvicorn.error").addFilter(_SERVER_LOG_FILTER)

    @app.exception_handler(DomainError)
    async def domain_error(request: Request, error: DomainError) -> Response:
        body = error.as_dict()
        body["message"] = _translated(error)
        body["fields"] = {key: _(value) for key, value in error.fields.items()}
        if is_api(request):
            retry = error.params.get("seconds") if isinstance(error, TooManyRequests) else None
            headers = {"Retry-After": str(retry)} if retry is not None else None
            return JSONResponse(body, status_code=error.status, headers=headers)
        if isinstance(error, TotpEnrolmentRequired) and request.method == "GET":
            return RedirectResponse("/account/security", status_code=303)
        if isinstance(error, NotAuthenticated) and request.method == "GET":
            if request.url.path == "/kiosk" or request.url.path.startswith("/kiosk/"):
                # A kiosk is not signed in by a person: an unpaired device is paired instead.
                return RedirectResponse("/kiosk/pair", status_code=303)
            return RedirectResponse(f"/login?next={request.url.path}", status_code=303)
        return _page(request, error.status, _("无法完成"), body["message"])

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, error: RequestValidationError) -> Response:
        fields = {k: _(v) for k, v in pydantic_fields(list(error.errors())).items()}
        message = _("提交的内容有误，请检查后重试。")
        if is_api(request):
            body = {"code": "validation_failed", "message": message, "fields": fields}
            return JSONResponse(body, status_code=422)
        detail = "；".join(f"{k}：{v}" for k, v in fields.items())
        return _page(request, 422, _("提交的内容有误"), f"{message} {detail}")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> Response:
        return error_response(request, error)

    @app.exception_handler(OverflowError)
    @app.exception_handler(DataError)
    async def out_of_range(request: Request, error: Exception) -> Response:
        # A number (or text) the database cannot store is bad input, refused before anything
        # was written: the unit of work rolled its transaction back.
        log.info("value the database cannot store in request %s: %s", _request_id(request), error)
        message = _("提交的数值超出允许的范围，请检查后重试。")
        if is_api(request):
            body = {"code": "value_out_of_range", "message": message, "fields": {}}
            return JSONResponse(body, status_code=422)
        return _page(request, 422, _("提交的内容有误"), message)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, error: Exception) -> Response:
        request_id = getattr(request.state, "request_id", "")
        log.exception("unhandled error in request %s", request_id)
        # an exception type that takes no attributes is logged twice, as before
        with contextlib.suppress(AttributeError, TypeError):
            setattr(error, _LOGGED, True)
        message = _("系统繁忙，请稍后再试。如问题持续，请提供请求编号 {request_id}。").format(
            request_id=request_id
        )
        if is_api(request):
            return JSONResponse(
                {"code": "internal_error", "message": message, "fields": {}}, status_code=500
            )
        return _page(request, 500, _("系统错误"), message)
