"""The log-in page (工作人员 / 群众·企业 / 短信验证码) and log-out, without JavaScript."""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import RedirectResponse

from tongban.bootstrap import Container
from tongban.config import Settings
from tongban.domain.errors import DomainError
from tongban.domain.people.model import Principal
from tongban.i18n import gettext as _
from tongban.services.people import auth, sessions
from tongban.web import deps
from tongban.web.deps import ContainerDep, Viewer, now_of
from tongban.web.templating import render

router = APIRouter(tags=["pages"], include_in_schema=False)

TABS = ("staff", "citizen", "sms")
_UNSAFE_NEXT_RE = re.compile(r"[\x00-\x1f\\]")

SMS_SENT = "如该证件号码已登记手机号码，验证码已发送，5 分钟内有效。"


def safe_next(value: str | None) -> str | None:
    """``value`` if it is a path on this site (``/...``), else None: no open redirects."""
    if not value or len(value) > 500 or not value.startswith("/") or value.startswith("//"):
        return None
    if _UNSAFE_NEXT_RE.search(value):
        return None
    return value


def landing_page(principal: Principal | None) -> str:
    """Where a person goes after signing in: staff to their workbench, others home."""
    return "/workbench" if principal is not None and principal.is_staff else "/"


def set_session_cookie(response: Response, token: str, settings: Settings) -> None:
    """HttpOnly, SameSite=Lax, Secure behind TLS, for the whole site, as long as the session."""
    response.set_cookie(
        deps.SESSION_COOKIE,
        token,
        max_age=settings.session_hours * 3600,
        path="/",
        httponly=True,
        samesite="lax",
        secure=settings.cookie_secure,
    )


def clear_session_cookie(response: Response, settings: Settings) -> None:
    response.delete_cookie(
        deps.SESSION_COOKIE, path="/", httponly=True, samesite="lax", secure=settings.cookie_secure
    )


def error_message(error: DomainError) -> str:
    """The error's message in the request's language."""
    if error.message == error.template.format(**error.params):
        return _(error.template).format(**error.params)
    return _(error.message)


def client_ip(request: Request) -> str:
    return request.client.host if request.client else ""


def open_session(
    request: Request, container: Container, user_id: int
) -> tuple[str, str, Principal | None]:
    """Start the session of a signed-in user, replacing the request's old one if any."""
    with container.uow() as uow:
        token, csrf = auth.start_session(
            uow,
            user_id,
            now=now_of(request),
            settings=container.settings,
            ip=client_ip(request),
            agent=request.headers.get("user-agent", ""),
            replaces=request.cookies.get(deps.SESSION_COOKIE),
        )
        principal = sessions.load_principal(uow.conn, user_id)
    return token, csrf, principal


def _form_page(
    request: Request,
    *,
    tab: str,
    next_url: str | None,
    status: int = 200,
    **context: Any,
) -> Response:
    context.update(tab=tab if tab in TABS else "staff", tabs=TABS, next=next_url or "")
    context.setdefault("login_value", "")
    return render(request, "auth/login.html", context, status_code=status)


@router.get("/login")
def login_page(
    request: Request, _viewer: Viewer, tab: str = "staff", next: str | None = None
) -> Response:
    return _form_page(request, tab=tab, next_url=safe_next(next))


@router.post("/login")
def login_submit(
    request: Request,
    container: ContainerDep,
    _viewer: Viewer,
    login: Annotated[str, Form(max_length=100)] = "",
    password: Annotated[str, Form(max_length=256)] = "",
    code: Annotated[str, Form(max_length=12)] = "",
    method: Annotated[str, Form()] = "password",
    tab: Annotated[str, Form()] = "staff",
    next: Annotated[str, Form(max_length=500)] = "",
    new_password: Annotated[str, Form(max_length=256)] = "",
    new_password_again: Annotated[str, Form(max_length=256)] = "",
    totp_code: Annotated[str, Form(max_length=20)] = "",
    id_type: Annotated[str, Form(max_length=40)] = "",
    nationality: Annotated[str, Form(max_length=3)] = "",
) -> Response:
    """Check the password (or SMS code), open the session and go on; else the form again.
    A password that must be replaced brings the form back with the new-password fields."""
    next_url = safe_next(next)
    sms = method == "sms"
    shown_tab = "sms" if sms else tab
    again: dict[str, Any] = {
        "tab": shown_tab,
        "next_url": next_url,
        "login_value": login,
        "sms_step": sms,
        "document": {"id_type": id_type, "nationality": nationality},
    }
    secret = code if sms else password
    if not login.strip() or not secret:
        message = _("请输入证件号码和验证码") if sms else _("请输入账号和密码")
        return _form_page(request, status=422, error=message, **again)
    settings = container.settings
    kwargs: dict[str, Any] = {
        "ip": client_ip(request),
        "now": now_of(request),
        "settings": settings,
        "request_id": getattr(request.state, "request_id", ""),
    }
    try:
        kwargs["document"] = auth.Document.named(id_type, nationality)
        with container.uow() as uow:
            if sms:
                user_id = auth.login_with_sms_code(uow, id_number=login, code=code, **kwargs)
            else:
                if new_password != new_password_again:
                    mismatch = _("两次输入的新密码不一致")
                    return _form_page(
                        request, status=422, error=mismatch, change_password=True, **again
                    )
                user_id = auth.login_with_password(
                    uow,
                    login=login,
                    password=password,
                    new_password=new_password or None,
                    totp_code=totp_code or None,
                    **kwargs,
                )
    except DomainError as error:
        change = error.code in ("password_change_required", "password_reused", "weak_password")
        second = error.code in ("totp_required", "totp_invalid")
        return _form_page(
            request,
            status=error.status,
            error=None if error.code == "totp_required" else error_message(error),
            notice=error_message(error) if error.code == "totp_required" else None,
            change_password=(change or bool(new_password)) and not sms,
            totp_step=(second or bool(totp_code)) and not sms,
            ambiguous=error.code == "document_ambiguous",
            **again,
        )
    token, _csrf, principal = open_session(request, container, user_id)
    response = RedirectResponse(next_url or landing_page(principal), status_code=303)
    set_session_cookie(response, token, settings)
    return response


@router.post("/login/sms-code")
def login_sms_code(
    request: Request,
    container: ContainerDep,
    _viewer: Viewer,
    id_number: Annotated[str, Form(max_length=40)] = "",
    next: Annotated[str, Form(max_length=500)] = "",
    id_type: Annotated[str, Form(max_length=40)] = "",
    nationality: Annotated[str, Form(max_length=3)] = "",
) -> Response:
    """Send a log-in code to the phone on file; then show the form for entering it."""
    again: dict[str, Any] = {
        "tab": "sms",
        "next_url": safe_next(next),
        "login_value": id_number,
        "document": {"id_type": id_type, "nationality": nationality},
    }
    if not id_number.strip():
        return _form_page(request, status=422, error=_("请输入证件号码"), **again)
    try:
        with container.uow() as uow:
            auth.request_sms_code(
                uow,
                container.sms,
                id_number=id_number,
                ip=client_ip(request),
                now=now_of(request),
                request_id=getattr(request.state, "request_id", ""),
                document=auth.Document.named(id_type, nationality),
            )
    except DomainError as error:
        ambiguous = error.code == "document_ambiguous"
        return _form_page(
            request,
            status=error.status,
            error=error_message(error),
            ambiguous=ambiguous,
            **again,
        )
    return _form_page(request, notice=_(SMS_SENT), sms_step=True, **again)


@router.post("/logout")
def logout(request: Request, container: ContainerDep, _viewer: Viewer) -> Response:
    """End the session everywhere and go home."""
    with container.uow() as uow:
        auth.logout(uow, deps.actor_for(request), request.cookies.get(deps.SESSION_COOKIE))
    response = RedirectResponse("/", status_code=303)
    clear_session_cookie(response, container.settings)
    return response
