"""Cursor pagination for lists that must never stop silently: the body is the page as before;
an RFC 8288 ``Link: <…>; rel="next"`` header (and ``X-Next-Cursor``) says where the next page
starts, and is absent on the last page.  A cursor is opaque to clients (URL-safe base64 of the
position of the page's last entry); a cursor that does not decode is ``422 cursor_invalid``."""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from typing import Annotated

from fastapi import Query, Request, Response

from tongban.domain.errors import ValidationFailed

Position = tuple[datetime, int, int]


class CursorInvalid(ValidationFailed):
    code = "cursor_invalid"
    template = "分页游标无效：请使用上一页答复中 Link 头给出的地址。"


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
        raise CursorInvalid(fields={"cursor": CursorInvalid.template}) from None


def link_next(request: Request, response: Response, position: Position | None) -> None:
    """Point the client to the next page, if there is one."""
    if position is None:
        return
    cursor = encode(position)
    url = request.url.include_query_params(cursor=cursor)
    response.headers["Link"] = f'<{url.path}?{url.query}>; rel="next"'
    response.headers["X-Next-Cursor"] = cursor
