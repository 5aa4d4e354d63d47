"""Signing in and out through the API: the session cookie, and the CSRF token to echo."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from tongban.bootstrap import Container
from tongban.domain.people.model import Principal
from tongban.domain.shared.masking import mask_id_number
from tongban.i18n import gettext as _
from tongban.services.people import auth
from tongban.web import deps
from tongban.web.deps import ContainerDep, Viewer, now_of
from tongban.web.pages.auth import (
    SMS_SENT,
    clear_session_cookie,
    client_ip,
    open_session,
    set_session_cookie,
)

router = APIRouter(prefix="/auth", tags=["auth"])


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class PasswordLogin(_Body):
    login: str = Field(
        min_length=1, max_length=100, description="用户名、身份证号码或统一社会信用代码"
    )
    password: str = Field(min_length=1, max_length=256)


class SmsCodeRequest(_Body):
    id_number: str = Field(min_length=1, max_length=40, description="身份证号码或居住证号码")


class SmsLogin(_Body):
    id_number: str = Field(min_length=1, max_length=40)
    code: str = Field(min_length=1, max_length=12, description="短信中的 6 位验证码")


def user_json(principal: Principal) -> dict[str, Any]:
    """The signed-in user as the API shows it (ID number masked)."""
    return {
        "user_id": principal.user_id,
        "kind": principal.kind.value,
        "name": principal.name,
        "id_number": mask_id_number(principal.id_number) if principal.id_number else None,
        "credit_code": principal.credit_code,
        "roles": [
            {
                "role": a.role.value,
                "level": a.level.value,
                "centre": a.centre_code,
                "department": a.department_code,
            }
            for a in principal.roles
        ],
    }


def _attempt(request: Request, container: Container) -> dict[str, Any]:
    return {
        "ip": client_ip(request),
        "now": now_of(request),
        "settings": container.settings,
        "request_id": getattr(request.state, "request_id", ""),
    }


def _signed_in(
    request: Request, response: Response, container: Container, user_id: int
) -> dict[str, Any]:
    token, csrf, principal = open_session(request, container, user_id)
    assert principal is not None
    set_session_cookie(response, token, container.settings)
    return {"user": user_json(principal), "csrf_token": csrf}


@router.post("/login", summary="密码登录（设置会话 Cookie，返回 CSRF 令牌）")
def login(
    body: PasswordLogin,
    request: Request,
    response: Response,
    container: ContainerDep,
    _viewer: Viewer,
) -> dict[str, Any]:
    with container.uow() as uow:
        user_id = auth.login_with_password(
            uow, login=body.login, password=body.password, **_attempt(request, container)
        )
    return _signed_in(request, response, container, user_id)


@router.post("/sms-code", status_code=202, summary="获取短信登录验证码")
def sms_code(
    body: SmsCodeRequest, request: Request, container: ContainerDep, _viewer: Viewer
) -> dict[str, str]:
    with container.uow() as uow:
        auth.request_sms_code(
            uow,
            container.sms,
            id_number=body.id_number,
            ip=client_ip(request),
            now=now_of(request),
            request_id=getattr(request.state, "request_id", ""),
        )
    return {"message": _(SMS_SENT)}


@router.post("/sms-login", summary="短信验证码登录（设置会话 Cookie，返回 CSRF 令牌）")
def sms_login(
    body: SmsLogin,
    request: Request,
    response: Response,
    container: ContainerDep,
    _viewer: Viewer,
) -> dict[str, Any]:
    with container.uow() as uow:
        user_id = auth.login_with_sms_code(
            uow, id_number=body.id_number, code=body.code, **_attempt(request, container)
        )
    return _signed_in(request, response, container, user_id)


@router.post("/logout", status_code=204, summary="退出登录")
def logout(request: Request, container: ContainerDep, _viewer: Viewer) -> Response:
    with container.uow() as uow:
        auth.logout(uow, deps.actor_for(request), request.cookies.get(deps.SESSION_COOKIE))
    response = Response(status_code=204)
    clear_session_cookie(response, container.settings)
    return response
