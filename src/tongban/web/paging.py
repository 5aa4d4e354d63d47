"""Cursor pagination for lists that must never stop silently: the body is the page as before;
an RFC 8288 ``Link: <…>; rel="next"`` header (and ``X-Next-Cursor``) says where the next page
starts, and is absent on the last page.  A cursor is opaque to clients (URL-safe base64 of the
position of the page's last entry); a cursor that does not decode is ``422 cursor_invalid``.

Every list of ``/api/v1`` takes ``limit`` (default 100, at most 200; more is
``422 limit_too_large``, never silently fewer) and ``cursor`` through ``PageParams``, and
answers with ``link_page``.  The access log keeps its own position (two merged sources).
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Query, Request, Response

from tongban.domain.errors import ValidationFailed
from tongban.services.platform.paging import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    CursorInvalid,
    PageRequest,
    Value,
    in_memory,
)
from tongban.services.platform.paging import Position as SeekPosition

Position = tuple[datetime, int, int]
T = TypeVar("T")

__all__ = [
    "DEFAULT_LIMIT",
    "MAX_LIMIT",
    "CursorInvalid",
    "PageParams",
    "PageRequest",
    "cut",
    "link_page",
]


class LimitTooLarge(ValidationFailed):
    code = "limit_too_large"
    template = "每页最多 {maximum} 条：请用 Link 头给出的地址读取下一页。"


CursorParam = Annotated[
    str | None,
    Query(max_length=200, description="上一页答复的 X-Next-Cursor（或 Link 头里的地址）"),
]


def encode(position: Position) -> str:
    at, source, row_id = position
    raw = f"{at.isoformat()}|{source}|{row_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(cursor: str | None) -> Position | None:
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        at, source, row_id = raw.split("|")
        found = datetime.fromisoformat(at)
        if found.tzinfo is None:
            raise ValueError("naive")
        return found, int(source), int(row_id)
    except (ValueError, UnicodeDecodeError, binascii.Error):
        raise CursorInvalid() from None


def link_next(request: Request, response: Response, position: Position | None) -> None:
    """Point the client to the next page, if there is one."""
    if position is None:
        return
    cursor = encode(position)
    url = request.url.include_query_params(cursor=cursor)
    response.headers["Link"] = f'<{url.path}?{url.query}>; rel="next"'
    response.headers["X-Next-Cursor"] = cursor


def _tagged(value: Value) -> list[Any]:
    if isinstance(value, bool):
        return ["b", value]
    if isinstance(value, datetime):
        return ["t", value.isoformat()]
    if isinstance(value, date):
        return ["d", value.isoformat()]
    if isinstance(value, int):
        return ["i", value]
    return ["s", str(value)]


def _untagged(tagged: Any) -> Value:
    tag, raw = tagged
    if tag == "b" and isinstance(raw, bool):
        return raw
    if tag == "i" and isinstance(raw, int) and not isinstance(raw, bool):
        return raw
    if tag == "s" and isinstance(raw, str):
        return raw
    if tag == "d" and isinstance(raw, str):
        return date.fromisoformat(raw)
    if tag == "t" and isinstance(raw, str):
        found = datetime.fromisoformat(raw)
        if found.tzinfo is None:
            raise ValueError("naive")
        return found
    raise ValueError(tag)


def encode_position(position: SeekPosition) -> str:
    raw = json.dumps([_tagged(v) for v in position], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_position(cursor: str | None) -> SeekPosition | None:
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        found = json.loads(raw)
        if not isinstance(found, list) or not found:
            raise ValueError("not a position")
        return tuple(_untagged(v) for v in found)
    except (ValueError, TypeError, UnicodeDecodeError, binascii.Error):
        raise CursorInvalid() from None


LimitParam = Annotated[
    int,
    Query(
        ge=1,
        description=f"每页条数：默认 {DEFAULT_LIMIT}，最多 {MAX_LIMIT}"
        "（更多答 422 limit_too_large）",
        json_schema_extra={"maximum": MAX_LIMIT},
    ),
]


def check_limit(limit: int) -> int:
    """A page larger than the maximum is refused with its own code, never silently cut."""
    if limit > MAX_LIMIT:
        error = LimitTooLarge(maximum=MAX_LIMIT)
        error.fields = {"limit": error.message}
        raise error
    return limit


def page_request(cursor: CursorParam = None, limit: LimitParam = DEFAULT_LIMIT) -> PageRequest:
    """``limit`` and ``cursor`` of a list."""
    return PageRequest(limit=check_limit(limit), after=decode_position(cursor))


PageParams = Annotated[PageRequest, Depends(page_request)]


def link_page(request: Request, response: Response, position: SeekPosition | None) -> None:
    """Point the client to the next page of a list, if there is one."""
    if position is None:
        return
    cursor = encode_position(position)
    url = request.url.include_query_params(cursor=cursor)
    response.headers["Link"] = f'<{url.path}?{url.query}>; rel="next"'
    response.headers["X-Next-Cursor"] = cursor


def cut(
    request: Request,
    response: Response,
    items: Sequence[T],
    key: Callable[[T], SeekPosition],
    page: PageRequest,
    *,
    descending: bool = False,
) -> list[T]:
    """One page of a list that is small by nature (read whole, then cut by a unique ``key``),
    with the same ``Link`` as a list read by a keyset seek."""
    found = in_memory(items, key, page, descending=descending)
    link_page(request, response, found.next)
    return found.rows


PAGE_ROWS = 50
"""Rows an HTML list shows before its "next page" link."""

AfterParam = Annotated[str | None, Query(max_length=400, description="下一页从何处开始")]


def page_from(after: str | None, limit: int | None = None) -> PageRequest:
    """An HTML list's page: ``?after=`` is the cursor its "next page" link carries."""
    return PageRequest(limit=limit or PAGE_ROWS, after=decode_position(after))


def more_links(
    request: Request, position: SeekPosition | None, param: str = "after"
) -> dict[str, str | None]:
    """Where an HTML list's "next page" and "first page" links go (``None``: not shown);
    ``templates/paging.html`` renders them.  A page with two lists gives the second its own
    query parameter (``param``), so each pages on its own and the other stays where it is."""
    first = None
    if param in request.query_params:
        start = request.url.remove_query_params(param)
        first = f"{start.path}?{start.query}" if start.query else start.path
    if position is None:
        return {"next_page": None, "first_page": first}
    url = request.url.include_query_params(**{param: encode_position(position)})
    return {"next_page": f"{url.path}?{url.query}", "first_page": first}
