"""The signed-in person's own account: where it is signed in, ending the other sessions, and
(staff) the TOTP second factor."""

from __future__ import annotations

from typing import Annotated, Any

import segno
from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import RedirectResponse
from markupsafe import Markup

from tongban.bootstrap import Container
from tongban.domain.errors import DomainError, PermissionDenied
from tongban.domain.people.model import Principal
from tongban.services.people import auth, sessions, totp
from tongban.web.deps import ContainerDep, Now, SignedIn, actor_for
from tongban.web.templating import render

router = APIRouter(tags=["pages"], include_in_schema=False)


@router.get("/account/sessions")
def sessions_page(
    request: Request, container: ContainerDep, principal: SignedIn, now: Now
) -> Response:
    """登录设备: every live session of the account, the one in use marked."""
    with container.read() as uow:
        found = sessions.list_sessions(
            uow.conn, principal.user_id, now=now, current=principal.session_id
        )
    ended = request.query_params.get("ended")
    return render(request, "account/sessions.html", {"sessions": found, "ended": ended})


@router.post("/account/sessions/end-others")
def end_others(request: Request, container: ContainerDep, _principal: SignedIn) -> Response:
    """下线其他设备: every other session ends at once; this one stays."""
    with container.uow() as uow:
        ended = auth.end_other_sessions(uow, actor_for(request))
    return RedirectResponse(f"/account/sessions?ended={ended}", status_code=303)


def _security_context(container: Container, principal: Principal) -> dict[str, Any]:
    with container.read() as uow:
        state = totp.status(uow.conn, principal.user_id)
    required = totp.required_for(principal, container.settings.totp_required_roles)
    return {
        "enabled": state.enabled,
        "pending": state.pending,
        "qr": _qr(state.pending.uri) if state.pending else None,
        "recovery_left": state.recovery_left,
        "required": required,
        "staff": principal.is_staff,
        "errors": {},
    }


def _qr(uri: str) -> Markup:
    svg = segno.make(uri, error="m").svg_inline(scale=4, border=2, title="动态口令二维码")
    return Markup(svg)  # segno's own SVG of a URI we made


@router.get("/account/security")
def security_page(request: Request, container: ContainerDep, principal: SignedIn) -> Response:
    """账号安全: the second factor (staff) — enrol, its recovery codes left, turning it off."""
    context = _security_context(container, principal)
    context["done"] = request.query_params.get("done", "")
    return render(request, "account/security.html", context)


@router.post("/account/security/totp/start")
def totp_start(request: Request, container: ContainerDep, principal: SignedIn) -> Response:
    """A new secret to add to the authenticator app (not in force until confirmed)."""
    if not principal.is_staff:
        raise PermissionDenied()
    with container.uow() as uow:
        totp.start_enrolment(uow, actor_for(request), principal.user_id)
    return RedirectResponse("/account/security", status_code=303)


@router.post("/account/security/totp/confirm")
def totp_confirm(
    request: Request,
    container: ContainerDep,
    principal: SignedIn,
    code: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    """Turn the second factor on with a first code; shows the recovery codes once."""
    try:
        with container.uow() as uow:
            codes = totp.confirm_enrolment(uow, actor_for(request), principal.user_id, code)
    except DomainError as error:
        context = _security_context(container, principal)
        context["errors"] = error.fields or {"code": error.message}
        return render(request, "account/security.html", context, status_code=error.status)
    context = _security_context(container, principal)
    context["recovery_codes"] = codes
    return render(request, "account/security.html", context)


@router.post("/account/security/totp/disable")
def totp_disable(
    request: Request,
    container: ContainerDep,
    principal: SignedIn,
    password: Annotated[str, Form(max_length=256)] = "",
    code: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    """Turn the second factor off: the password and a current code (or a recovery code)."""
    try:
        with container.uow() as uow:
            totp.disable(
                uow, actor_for(request), principal.user_id, password, code, container.settings
            )
    except DomainError as error:
        context = _security_context(container, principal)
        context["errors"] = error.fields or {"code": error.message}
        return render(request, "account/security.html", context, status_code=error.status)
    return RedirectResponse("/account/security?done=disabled", status_code=303)
