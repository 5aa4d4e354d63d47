"""Request-scoped dependencies: the container, the principal, the route's access policy.

Every route takes exactly one ``allow(policy)`` dependency (directly, through the aliases
below, or as ``web.idempotency.allow_once(policy)`` together with the container and the
idempotency key); ``tests/integration/test_access_matrix.py`` checks that and tries each route
as every role.  Unsafe methods are checked for CSRF here too, so no route can forget it.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Annotated, Any

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool

from tongban.bootstrap import Container
from tongban.domain.errors import CsrfFailed, TotpEnrolmentRequired
from tongban.domain.people.model import Principal
from tongban.domain.shared.clock import china_date
from tongban.services.people import sessions, tokens, totp
from tongban.services.platform import access
from tongban.services.platform.context import Actor

SESSION_COOKIE = "tb_session"
ANON_CSRF_COOKIE = "tb_csrf"
MODE_COOKIE = "tb_mode"
"""长辈版: ``elderly`` when this browser chose the elderly version of the portal."""
MODES = ("elderly", "standard")
ELDERLY_SESSION_CAP = timedelta(hours=24)
"""长辈版: an older person's session is renewed while they use it, up to a day after log-in."""
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


async def get_container(request: Request) -> Container:
    # async: FastAPI runs a plain ``def`` dependency in the thread pool, a hop per request.
    container: Container = request.app.state.container
    return container


ContainerDep = Annotated[Container, Depends(get_container)]


def now_of(request: Request) -> datetime:
    """The request's instant, read once from the container's clock: one request, one 'now'."""
    if not hasattr(request.state, "now"):
        container: Container = request.app.state.container
        request.state.now = container.clock.now()
    at: datetime = request.state.now
    return at


def today_of(request: Request) -> date:
    """The request's date in China, the day every government-service clock counts on."""
    return china_date(now_of(request))


async def request_now(request: Request) -> datetime:
    return now_of(request)


async def request_today(request: Request) -> date:
    return today_of(request)


Now = Annotated[datetime, Depends(request_now)]
Today = Annotated[date, Depends(request_today)]


def load_principal(request: Request) -> Principal | None:
    """The principal of the request's session cookie, loaded once per request."""
    if hasattr(request.state, "principal"):
        cached: Principal | None = request.state.principal
        return cached
    request.state.principal = None
    request.state.csrf_token = None
    token = request.cookies.get(SESSION_COOKIE)
    bearer = _bearer(request)
    container: Container = request.app.state.container
    if bearer is not None and not token:
        # Another system's API token (a service account); a bad one is refused outright
        # rather than treated as anonymous.
        found_by_token = tokens.read_token(container.engine, bearer, now=now_of(request))
        request.state.principal = found_by_token
        return found_by_token
    if token:
        # One query, read afresh: a log-out or a role change counts from the next request.
        found = sessions.read_session(container.engine, token, now=now_of(request))
        if found is not None:
            request.state.principal, request.state.csrf_token = found
    principal: Principal | None = request.state.principal
    return principal


async def load_principal_async(request: Request) -> Principal | None:
    """``load_principal`` from async code: on PostgreSQL on the event loop itself (the
    container's asyncio reader), otherwise in the thread pool, like the sync routes."""
    if hasattr(request.state, "principal"):
        return load_principal(request)
    container: Container = request.app.state.container
    token = request.cookies.get(SESSION_COOKIE)
    reader = container.async_reader
    if not token or reader is None or _bearer(request) is not None:
        return await run_in_threadpool(load_principal, request)
    found = await sessions.read_session_async(reader, token, now=now_of(request))
    request.state.principal, request.state.csrf_token = found or (None, None)
    principal: Principal | None = request.state.principal
    return principal


def csrf_token_for(request: Request) -> str:
    """The token forms must echo: the session's, or the anonymous double-submit cookie's."""
    load_principal(request)
    if request.state.csrf_token:
        token: str = request.state.csrf_token
        return token
    if not getattr(request.state, "anon_csrf", None):
        request.state.anon_csrf = request.cookies.get(ANON_CSRF_COOKIE) or secrets.token_urlsafe(24)
    anon: str = request.state.anon_csrf
    return anon


def _bearer(request: Request) -> str | None:
    """The API token of an ``Authorization: Bearer`` header, on API routes only."""
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not request.url.path.startswith("/api/v1/"):
        return None
    return value.strip()


async def verify_csrf(request: Request) -> None:
    if request.method in SAFE_METHODS:
        return
    principal = load_principal(request)
    if principal is not None and principal.token_id is not None:
        return  # a token is sent explicitly by the caller: no ambient credential to forge
    expected = (
        request.state.csrf_token if principal is not None else request.cookies.get(ANON_CSRF_COOKIE)
    )
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and _is_form(request):
        form = await request.form()
        value = form.get("csrf_token")
        sent = value if isinstance(value, str) else None
    if sent is None and principal is None and not _is_form(request):
        # A JSON request without cookies cannot be forged cross-site (it needs a CORS
        # preflight, which tongban never grants), so anonymous JSON calls need no token.
        return
    if not expected or not sent or not hmac.compare_digest(expected, sent):
        raise CsrfFailed()


def _is_form(request: Request) -> bool:
    content_type = request.headers.get("content-type", "")
    return content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data"))


async def admit(request: Request, policy: access.Policy) -> Principal | None:
    """What ``allow(policy)`` checks (the policy, the second factor, CSRF on unsafe methods,
    the elderly session's renewal), for the dependencies that do more in the same call
    (``web.idempotency.allow_once``); the request's principal."""
    # A database read, never blocking the event loop (which would stall every other request
    # of the process meanwhile).
    principal = await load_principal_async(request)
    policy.check(principal)
    _check_second_factor(request, policy, principal)
    await verify_csrf(request)
    await keep_elderly_signed_in(request, principal)
    return principal


def allow(policy: access.Policy) -> Callable[..., Any]:
    """Dependency enforcing ``policy`` (and CSRF on unsafe methods); yields the principal."""

    async def dependency(request: Request) -> Principal | None:
        return await admit(request, policy)

    dependency.policy = policy  # type: ignore[attr-defined]
    dependency.__name__ = f"allow_{policy.name}"
    return dependency


def _check_second_factor(
    request: Request, policy: access.Policy, principal: Principal | None
) -> None:
    """Staff whose roles require a TOTP second factor (``settings.totp_required_roles``) and
    who have none reach only what anyone signed in may (their account page, log-out) until
    they enrol.  A service account's token is not a person and is never held."""
    if principal is None or principal.second_factor or principal.token_id is not None:
        return
    if policy.anonymous or policy is access.AUTHENTICATED:
        return
    required = request.app.state.container.settings.totp_required_roles
    if required and totp.required_for(principal, required):
        raise TotpEnrolmentRequired()


def is_elderly(request: Request) -> bool:
    """Whether this request is in the elderly version (长辈版): chosen by ``?mode=`` or the
    browser's remembered choice (the middleware sets it)."""
    return bool(getattr(request.state, "elderly", False))


async def keep_elderly_signed_in(request: Request, principal: Principal | None) -> None:
    """长辈版, no time-out that loses input: while an older person uses the portal, a session
    with less than half its time left is renewed (up to a day after log-in), so a form that
    takes long to fill in is not met by a log-in page.  Writes only when renewing."""
    if principal is None or principal.session_expires_at is None or not is_elderly(request):
        return
    container: Container = request.app.state.container
    hours = container.settings.session_hours
    now = now_of(request)
    if principal.session_expires_at - now > timedelta(hours=hours) / 2:
        return
    token = request.cookies.get(SESSION_COOKIE) or ""
    renewed = await run_in_threadpool(
        sessions.renew_session,
        container.engine,
        token,
        now=now,
        hours=hours,
        cap=ELDERLY_SESSION_CAP,
    )
    if renewed is not None:
        # The browser keeps the cookie as long as the session now lasts (see web.app).
        request.state.renewed_session = (token, int((renewed - now).total_seconds()))


def client_address(request: Request) -> str:
    """The caller's address as the server saw it (behind a proxy: as the proxy reported it,
    if the proxy is trusted)."""
    return request.client.host if request.client else ""


def actor_for(request: Request) -> Actor:
    return Actor(
        at=now_of(request),
        principal=load_principal(request),
        request_id=getattr(request.state, "request_id", ""),
        ip=client_address(request),
    )


Viewer = Annotated[Principal | None, Depends(allow(access.PUBLIC))]
"""Anyone, signed in or not."""
SignedIn = Annotated[Principal, Depends(allow(access.AUTHENTICATED))]
Staff = Annotated[Principal, Depends(allow(access.STAFF))]
CatalogueAdmin = Annotated[Principal, Depends(allow(access.CATALOGUE_ADMIN))]
CatalogueReader = Annotated[Principal, Depends(allow(access.CATALOGUE_READERS))]
UserAdmin = Annotated[Principal, Depends(allow(access.USER_ADMINS))]
