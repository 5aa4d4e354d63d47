"""How large a request body each route accepts, enforced by the app itself (not only nginx).

A body over its route's limit is refused with 413 ``payload_too_large`` before the route parses
it: at once when ``Content-Length`` says so, or as soon as a streamed (chunked) body passes the
limit.  Uploads (and the online application form with its files) take twice
``TONGBAN_UPLOAD_MAX_BYTES`` plus room for the multipart framing; the catalogue import its own
32 MB; log-in forms a few kilobytes; everything else 1 MiB.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tongban.config import Settings

KIB, MIB = 1024, 1024 * 1024
DEFAULT_LIMIT = 1 * MIB
MULTIPART_ROOM = 1 * MIB
"""Form fields and multipart boundaries around an uploaded file."""

LIMITS: tuple[tuple[re.Pattern[str], Callable[[Settings], int]], ...] = (
    (re.compile(r"^/(api/v1/auth/[a-z-]+|login(/sms-code)?|register)$"), lambda _s: 16 * KIB),
    (re.compile(r"^/api/v1/catalogue/import$"), lambda _s: 32 * MIB + MULTIPART_ROOM),
    (
        re.compile(
            r"^/api/v1/cases/[^/]+/materials$|/materials/upload$|^/(api/v1/licences/)?verify$"
            r"|^/items/[^/]+/apply$"
        ),
        # Twice the file limit: a file somewhat over it still reaches the route, which names
        # the limit (file_too_large); a far larger body is cut off here.  The online
        # application form carries its materials' files together, within the same limit (the
        # page says so; more files are uploaded to the case afterwards).
        lambda s: 2 * s.upload_max_bytes + MULTIPART_ROOM,
    ),
)


def limit_for(path: str, settings: Settings) -> int:
    """The largest body, in bytes, that a request to ``path`` may carry."""
    for pattern, limit in LIMITS:
        if pattern.search(path):
            return limit(settings)
    return DEFAULT_LIMIT


class BodyLimit:
    """Plain ASGI middleware refusing bodies over their route's limit with 413."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        limit = limit_for(scope["path"], scope["app"].state.container.settings)
        declared = Headers(scope=scope).get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            await _refuse(scope, receive, send)
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise HTTPException(413)  # mapped to payload_too_large by web/errors.py
            return message

        await self.app(scope, counted, send)


async def _refuse(scope: Scope, receive: Receive, send: Send) -> None:
    from tongban.web.errors import error_response

    request = Request(scope, receive)
    response = error_response(request, HTTPException(413))
    await response(scope, receive, send)
