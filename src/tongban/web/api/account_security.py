"""The signed-in staff member's own TOTP second factor over the API (the page is
``/account/security``): its state, a new secret, the confirming code (which answers the
recovery codes, once) and turning it off with the password and a code."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from tongban.domain.errors import PermissionDenied
from tongban.domain.people.model import Principal
from tongban.services.people import totp
from tongban.web.deps import ContainerDep, SignedIn, actor_for

router = APIRouter(prefix="/me/totp", tags=["account"])


class TotpStatusOut(BaseModel):
    enabled: bool = Field(description="动态口令已启用")
    pending: bool = Field(description="已生成密钥、等待首个口令确认")
    recovery_codes_left: int = Field(description="剩余可用的恢复码数")
    required: bool = Field(description="当前角色要求启用动态口令（TONGBAN_TOTP_REQUIRED_ROLES）")


class EnrolmentOut(BaseModel):
    secret: str = Field(description="base32 密钥：可手动输入验证器")
    uri: str = Field(description="otpauth:// 链接：可生成二维码供验证器扫描")


class CodeIn(BaseModel):
    code: str = Field(min_length=1, max_length=20, description="验证器中的 6 位数字")


class RecoveryCodesOut(BaseModel):
    recovery_codes: list[str] = Field(description="10 个一次性恢复码，只在此答复中给出")


class DisableIn(BaseModel):
    password: str = Field(min_length=1, max_length=256)
    code: str = Field(min_length=1, max_length=20, description="当前动态口令或一个恢复码")


def _staff(principal: Principal) -> int:
    if not principal.is_staff:
        raise PermissionDenied()
    return principal.user_id


@router.get("", response_model=TotpStatusOut, summary="我的动态口令状态")
def totp_status(container: ContainerDep, principal: SignedIn) -> TotpStatusOut:
    """Citizens' and enterprises' accounts have none: always off for them."""
    if not principal.is_staff:
        return TotpStatusOut(enabled=False, pending=False, recovery_codes_left=0, required=False)
    with container.read() as uow:
        state = totp.status(uow.conn, principal.user_id)
    return TotpStatusOut(
        enabled=state.enabled,
        pending=state.pending is not None,
        recovery_codes_left=state.recovery_left,
        required=totp.required_for(principal, container.settings.totp_required_roles),
    )


@router.post("/enrolment", status_code=201, response_model=EnrolmentOut, summary="生成动态口令密钥")
def totp_enrol(request: Request, container: ContainerDep, principal: SignedIn) -> EnrolmentOut:
    """A new secret (replacing one not yet confirmed); in force only once confirmed.
    Errors: 409 ``totp_already_enabled``."""
    with container.uow() as uow:
        enrolment = totp.start_enrolment(uow, actor_for(request), _staff(principal))
    return EnrolmentOut(secret=enrolment.secret, uri=enrolment.uri)


@router.post("/confirm", response_model=RecoveryCodesOut, summary="确认并启用动态口令")
def totp_confirm(
    body: CodeIn, request: Request, container: ContainerDep, principal: SignedIn
) -> RecoveryCodesOut:
    """Turn the second factor on with a first code.  Errors: 422 ``validation_failed`` (a
    wrong code), 409 ``totp_already_enabled`` or ``totp_not_enabled`` (no secret yet)."""
    with container.uow() as uow:
        codes = totp.confirm_enrolment(uow, actor_for(request), _staff(principal), body.code)
    return RecoveryCodesOut(recovery_codes=codes)


@router.post("/disable", status_code=204, summary="停用动态口令")
def totp_disable(
    body: DisableIn, request: Request, container: ContainerDep, principal: SignedIn
) -> Response:
    """Turn it off with the password and a code.  Errors: 401 ``login_failed`` (password),
    ``totp_invalid`` (code), 409 ``totp_not_enabled``."""
    with container.uow() as uow:
        totp.disable(
            uow,
            actor_for(request),
            _staff(principal),
            body.password,
            body.code,
            container.settings,
        )
    return Response(status_code=204)
