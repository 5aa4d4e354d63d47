"""Read-your-own-writes with read replicas: a browser that wrote reads the primary for a while.

A request that may write (any method but GET, HEAD and OPTIONS) runs pinned to the primary, and
its answer sets a cookie holding the instant until which that browser stays pinned
(``TONGBAN_REPLICA_PIN_SECONDS`` later, by the container's clock).  Every request carrying an
unexpired cookie reads the primary too; everyone else reads the replicas.  Without replicas
this middleware does nothing and sets no cookie.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tongban.services.platform.reads import primary_only

PIN_COOKIE = "tongban_primary_until"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _pinned_until(value: str | None) -> float:
    try:
        return float(value) if value else 0.0
    except ValueError:
        return 0.0


class ReadYourWrites:
    """Pin writing requests, and the requests that follow them, to the primary."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        container = scope["app"].state.container if scope["type"] == "http" else None
        if container is None or not container.replicas.engines:
            await self.app(scope, receive, send)
            return
        now = container.clock.now().timestamp()
        writes = scope["method"] not in SAFE_METHODS
        cookie = Request(scope).cookies.get(PIN_COOKIE)
        if not writes and _pinned_until(cookie) <= now:
            await self.app(scope, receive, send)
            return
        seconds = container.settings.replica_pin_seconds

        async def send_with_pin(message: Message) -> None:
            if writes and message["type"] == "http.response.start" and message["status"] < 400:
                pin = Response()
                until = f"{now + seconds:.3f}"
                pin.set_cookie(PIN_COOKIE, until, max_age=seconds, httponly=True, samesite="lax")
                headers = MutableHeaders(scope=message)
                for name, value in pin.raw_headers:
                    if name == b"set-cookie":
                        headers.raw.append((name, value))
            await send(message)

        with primary_only():
            await self.app(scope, receive, send_with_pin)
