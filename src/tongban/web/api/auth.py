"""Signing in and out through the API: the session cookie, and the CSRF token to echo."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from tongban.bootstrap import Container
from tongban.domain.catalogue.model import Level
from tongban.domain.people.model import Principal, Role, UserKind
from tongban.domain.shared.identity import IdType
from tongban.domain.shared.masking import mask_id_number
from tongban.i18n import gettext as _
from tongban.services.people import auth, registration
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


class _NamedDocument(_Body):
    """跨境通办: a number two registered documents share (two countries' passports, a passport
    and a 台胞证) is answered 422 ``document_ambiguous`` until the document is named."""

    id_type: IdType | None = Field(
        default=None, description="证件类型（号码对应多个证件时必填，答复 document_ambiguous）"
    )
    nationality: str | None = Field(
        default=None, max_length=3, description="护照的国籍代码（ISO 3166-1 三位字母）"
    )

    def document(self) -> auth.Document:
        return auth.Document.named(self.id_type, self.nationality)


class PasswordLogin(_NamedDocument):
    login: str = Field(
        min_length=1, max_length=100, description="用户名、证件号码或统一社会信用代码"
    )
    password: str = Field(min_length=1, max_length=256)
    new_password: str | None = Field(
        default=None,
        max_length=256,
        description="答复 403 password_change_required 时：用它替换当前密码并登录",
    )
    totp_code: str | None = Field(
        default=None,
        max_length=20,
        description="已启用动态口令的账号：答复 401 totp_required 后，带上验证器中的 6 位数字"
        "或一个恢复码（xxxxx-xxxxx）再次提交；错误或已用过的口令为 401 totp_invalid，"
        "与密码错误一样计入失败次数",
    )


class SmsCodeRequest(_NamedDocument):
    id_number: str = Field(min_length=1, max_length=40, description="证件号码")


class SmsLogin(_NamedDocument):
    id_number: str = Field(min_length=1, max_length=40)
    code: str = Field(min_length=1, max_length=12, description="短信中的 6 位验证码")


class RegistrationIn(_Body):
    """实名注册 by any accepted identity document (跨境通办: 回乡证, 台胞证, 居住证, 护照,
    永居证)."""

    id_type: IdType = Field(default=IdType.RESIDENT_ID, description="证件类型")
    id_number: str = Field(min_length=1, max_length=40, description="证件号码")
    nationality: str = Field(
        default="",
        max_length=3,
        description="国籍，ISO 3166-1 三位字母代码（护照必填，永居证可填）",
    )
    surname: str = Field(
        default="", max_length=100, description="外文姓（按证件拼写；护照、永居证必填）"
    )
    given_names: str = Field(default="", max_length=100, description="外文名（按证件拼写）")
    name: str = Field(default="", max_length=100, description="中文姓名（持护照、永居证者可不填）")
    phone: str = Field(min_length=1, max_length=30, description="手机号码；境外号码以 + 开头")
    password: str = Field(min_length=1, max_length=256)


class RoleOut(BaseModel):
    role: Role
    level: Level
    centre: str | None = Field(description="所在中心编码（窗口、中心人员）")
    department: str | None = Field(description="所在部门编码（审批人员）")


class PrincipalOut(BaseModel):
    """The signed-in user as the API shows it: the ID number masked, the roles it holds."""

    user_id: int
    kind: UserKind
    name: str
    id_number: str | None = Field(description="证件号码（脱敏）")
    credit_code: str | None
    roles: list[RoleOut]

    @classmethod
    def of(cls, principal: Principal) -> PrincipalOut:
        number = principal.id_number
        return cls(
            user_id=principal.user_id,
            kind=principal.kind,
            name=principal.name,
            id_number=mask_id_number(number) if number else None,
            credit_code=principal.credit_code,
            roles=[
                RoleOut(
                    role=a.role, level=a.level, centre=a.centre_code, department=a.department_code
                )
                for a in principal.roles
            ],
        )


class SignedInOut(BaseModel):
    user: PrincipalOut
    csrf_token: str = Field(description="之后每个修改请求须在 X-CSRF-Token 请求头中带上")


def _attempt(request: Request, container: Container) -> dict[str, Any]:
    return {
        "ip": client_ip(request),
        "now": now_of(request),
        "settings": container.settings,
        "request_id": getattr(request.state, "request_id", ""),
    }


def _signed_in(
    request: Request, response: Response, container: Container, user_id: int
) -> SignedInOut:
    token, csrf, principal = open_session(request, container, user_id)
    assert principal is not None
    set_session_cookie(response, token, container.settings)
    return SignedInOut(user=PrincipalOut.of(principal), csrf_token=csrf)


@router.post(
    "/login", response_model=SignedInOut, summary="密码登录（设置会话 Cookie，返回 CSRF 令牌）"
)
def login(
    body: PasswordLogin,
    request: Request,
    response: Response,
    container: ContainerDep,
    _viewer: Viewer,
) -> SignedInOut:
    with container.uow() as uow:
        user_id = auth.login_with_password(
            uow,
            login=body.login,
            password=body.password,
            new_password=body.new_password,
            totp_code=body.totp_code,
            document=body.document(),
            **_attempt(request, container),
        )
    return _signed_in(request, response, container, user_id)


@router.post(
    "/register",
    status_code=201,
    response_model=SignedInOut,
    summary="实名注册并登录（任一可用证件；设置会话 Cookie，返回 CSRF 令牌）",
)
def register(
    body: RegistrationIn,
    request: Request,
    response: Response,
    container: ContainerDep,
    _viewer: Viewer,
) -> SignedInOut:
    """Errors: 422 ``invalid_id_number``, ``invalid_document_number``, ``invalid_nationality``,
    ``invalid_latin_name``, ``weak_password`` or ``validation_failed`` (several fields); 409
    ``account_exists``."""
    form = registration.Registration(
        id_type=body.id_type.value,
        id_number=body.id_number,
        phone=body.phone,
        password=body.password,
        name=body.name,
        nationality=body.nationality,
        surname=body.surname,
        given_names=body.given_names,
    )
    with container.uow() as uow:
        user_id = registration.register(uow, deps.actor_for(request), form)
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
            document=body.document(),
        )
    return {"message": _(SMS_SENT)}


@router.post(
    "/sms-login",
    response_model=SignedInOut,
    summary="短信验证码登录（设置会话 Cookie，返回 CSRF 令牌）",
)
def sms_login(
    body: SmsLogin,
    request: Request,
    response: Response,
    container: ContainerDep,
    _viewer: Viewer,
) -> SignedInOut:
    with container.uow() as uow:
        user_id = auth.login_with_sms_code(
            uow,
            id_number=body.id_number,
            code=body.code,
            document=body.document(),
            **_attempt(request, container),
        )
    return _signed_in(request, response, container, user_id)


@router.post("/logout", status_code=204, summary="退出登录")
def logout(request: Request, container: ContainerDep, _viewer: Viewer) -> Response:
    with container.uow() as uow:
        auth.logout(uow, deps.actor_for(request), request.cookies.get(deps.SESSION_COOKIE))
    response = Response(status_code=204)
    clear_session_cookie(response, container.settings)
    return response
