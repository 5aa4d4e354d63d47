"""The OpenAPI document as other systems read it: stable operation ids, the errors each
operation can answer (one body shape, ``{code, message, fields}``), and how to authenticate.

Operation ids are ``<tag>_<function>`` (``cases_submit_online``, ``queue_call_next``): they
change only when a route is renamed, never when its path or method does, so a generated client
keeps its method names.  Two routes that would get one id make building the document fail
(a test builds it).
"""

from __future__ import annotations

import re
from typing import Any

from fastapi.routing import APIRoute

from tongban.domain.errors import (
    DomainError,
    NotAuthenticated,
    NotFound,
    PermissionDenied,
    StaleVersion,
    TooManyRequests,
    ValidationFailed,
)

_NOT_WORD = re.compile(r"[^a-z0-9]+")

_ERRORS: dict[str, tuple[str, DomainError]] = {
    "401": ("未登录或登录已失效", NotAuthenticated()),
    "403": ("无权进行此操作（或会话的写操作未带 CSRF 令牌）", PermissionDenied()),
    "404": ("对象不存在，或不属于调用者", NotFound()),
    "409": ("与当前状态冲突：已被他人修改、重复提交或状态不允许", StaleVersion(current=3)),
    "422": (
        "输入有误：fields 逐字段说明",
        ValidationFailed(fields={"form.phone": "请输入有效的手机号码"}),
    ),
    "429": ("请求过于频繁：按 Retry-After 头的秒数稍后再试", TooManyRequests(seconds=30)),
}
"""Each documented status with one of the errors that answer it (its real code and text)."""
_WRITES = {"post", "put", "patch", "delete"}


def operation_id(route: APIRoute) -> str:
    """``<first tag>_<function name>``, lower-case words joined by underscores."""
    tag = route.tags[0] if route.tags else "pages"
    return _NOT_WORD.sub("_", f"{str(tag).lower()}_{route.name.lower()}").strip("_")


def check_unique_ids(spec: dict[str, Any]) -> None:
    """Refuse a document in which two operations share an id (a client could call only one)."""
    seen: dict[str, str] = {}
    for path, operations in spec.get("paths", {}).items():
        for method, operation in operations.items():
            here = f"{method.upper()} {path}"
            other = seen.setdefault(operation.get("operationId", here), here)
            if other != here:
                raise RuntimeError(f"operation id {operation['operationId']!r}: {other}, {here}")


def _error_response(status: str) -> dict[str, Any]:
    description, error = _ERRORS[status]
    response: dict[str, Any] = {
        "description": description,
        "content": {
            "application/json": {
                "schema": {"$ref": "#/components/schemas/Error"},
                "example": error.as_dict(),
            }
        },
    }
    if status == "429":
        response["headers"] = {
            "Retry-After": {"schema": {"type": "integer"}, "description": "几秒后可再试"}
        }
    return response


_NEXT_PAGE = {
    "Link": {
        "schema": {"type": "string"},
        "description": '下一页的地址：<…?cursor=…>; rel="next"（最后一页没有）',
    },
    "X-Next-Cursor": {"schema": {"type": "string"}, "description": "下一页的游标（最后一页没有）"},
}


def is_paginated(operation: dict[str, Any]) -> bool:
    names = {p.get("name") for p in operation.get("parameters", []) if p.get("in") == "query"}
    return {"cursor", "limit"} <= names


def document_pagination(spec: dict[str, Any]) -> None:
    """A list read a page at a time says so: its answer documents ``Link`` and
    ``X-Next-Cursor`` (see ``web/paging``)."""
    for operations in spec.get("paths", {}).values():
        operation = operations.get("get")
        if operation is None or not is_paginated(operation):
            continue
        ok = operation.setdefault("responses", {}).setdefault("200", {})
        ok.setdefault("headers", {}).update(_NEXT_PAGE)


def _camel(words: str) -> str:
    return "".join(w[:1].upper() + w[1:] for w in re.split(r"[_\-]+", words) if w)


def unique_titles(spec: dict[str, Any]) -> None:
    """Give every schema a title of its own.  Two classes of one name in different modules
    (``queue.GroupOut`` and ``catalogue_io.GroupOut``, or the two ``Channel`` enums) are
    keyed apart by FastAPI but keep their shared title, from which client generators name
    their classes: one would overwrite the other, or the generator refuses both.  The
    title becomes the area and the name (``QueueGroupOut``, ``EvaluationLevel``)."""
    for key, schema in spec.get("components", {}).get("schemas", {}).items():
        if key == schema.get("title"):
            continue
        parts = key.split("__")
        if len(parts) >= 4 and parts[0] == "tongban":
            area = parts[3] if parts[1] == "web" else parts[2]
            schema["title"] = _camel(area) + parts[-1]
        else:
            schema["title"] = _camel(key)


def document_errors_and_security(spec: dict[str, Any]) -> None:
    """Every ``/api/v1`` operation lists the errors it may answer, each with an example of the
    one error body (``components/schemas/Error``), and declares how a caller authenticates."""
    check_unique_ids(spec)
    unique_titles(spec)
    document_pagination(spec)
    components = spec.setdefault("components", {})
    schemes = components.setdefault("securitySchemes", {})
    schemes["session"] = {
        "type": "apiKey",
        "in": "cookie",
        "name": "tb_session",
        "description": "登录后设置的会话 Cookie（POST /api/v1/auth/login）",
    }
    schemes["csrf"] = {
        "type": "apiKey",
        "in": "header",
        "name": "X-CSRF-Token",
        "description": "会话的 CSRF 令牌（登录时返回）；会话的写操作须带上",
    }
    schemes["bearer"] = {
        "type": "http",
        "scheme": "bearer",
        "description": "服务账号的访问令牌 tbk_…（tongban token issue 签发）；无需 CSRF 令牌",
    }
    for path, operations in spec.get("paths", {}).items():
        if not path.startswith("/api/v1/"):
            continue
        for method, operation in operations.items():
            write = method in _WRITES
            responses = operation.setdefault("responses", {})
            for status in ("401", "403", "404", "409", "422", "429"):
                if status == "409" and not write:
                    continue
                found = responses.get(status)
                if found is None:
                    responses[status] = _error_response(status)
                else:  # described by the route or the idempotency key: add the example
                    example = _error_response(status)["content"]["application/json"]["example"]
                    found.setdefault("content", {}).setdefault("application/json", {}).setdefault(
                        "example", example
                    )
            session: dict[str, list[str]] = (
                {"session": [], "csrf": []} if write else {"session": []}
            )
            anyone: list[dict[str, list[str]]] = [] if write else [{}]  # public reads: by policy
            operation.setdefault("security", [session, {"bearer": []}, *anyone])
