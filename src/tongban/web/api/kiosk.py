"""Self-service kiosks (自助办): the device's API and its centre manager's.

A kiosk app pairs once (``POST /kiosk/pair``, with the code its centre manager issued) and then
calls the rest with the session cookie that answer sets: identify a visitor (``POST
/kiosk/visits``), list the items, get a form filled from the visitor's data, file it
(``POST /kiosk/applications``) and fetch the receipt PDF.  Creating POSTs need an
``Idempotency-Key``.  Errors: 409 ``kiosk_visit_expired`` (the idle time passed: nothing was
filed), 409 ``kiosk_no_visit``, 403 ``kiosk_inactive``, 403 ``kiosk_pairing_failed``, 422
``not_self_service``, and the identity errors (``citizen_code_expired`` …).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from tongban.domain.cases.status import CaseStatus, DeliveryMethod
from tongban.domain.people.model import Principal
from tongban.domain.self_service.model import Kiosk, PairingCode
from tongban.services.platform.context import Actor
from tongban.services.platform.unit_of_work import UnitOfWork
from tongban.services.self_service import filing, kiosks, visits
from tongban.services.self_service.access import KIOSK_MANAGERS, KIOSKS
from tongban.web import deps, paging
from tongban.web.api.views import out
from tongban.web.deps import ContainerDep, Viewer, actor_for, allow, now_of
from tongban.web.idempotency import IdempotencyKey, run_once

router = APIRouter(tags=["self-service"])
Device = Annotated[Principal, Depends(allow(KIOSKS))]
Manager = Annotated[Principal, Depends(allow(KIOSK_MANAGERS))]
KioskCode = Annotated[str, Path(max_length=40, description="终端编号，如 GC-01")]
ItemCode = Annotated[str, Path(max_length=40)]


class KioskOut(BaseModel):
    code: str
    name: str
    centre_code: str
    centre_name: str
    idle_seconds: int = Field(description="无操作多少秒后结束访客会话")
    is_active: bool
    paired_at: datetime | None
    pairing_expires_at: datetime | None

    @classmethod
    def of(cls, kiosk: Kiosk) -> KioskOut:
        return out(cls, kiosk)


class KioskIn(BaseModel):
    code: str = Field(min_length=3, max_length=40, description="终端编号：字母、数字或连字符")
    name: str = Field(min_length=1, max_length=80)
    idle_seconds: int = Field(default=120, ge=30, le=900)


class KioskChangeIn(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=80)
    idle_seconds: int | None = Field(default=None, ge=30, le=900)
    is_active: bool | None = Field(default=None, description="false：停用，立即结束其会话")


class PairingOut(BaseModel):
    kiosk_code: str
    code: str = Field(description="一次性配对码：只返回这一次，30 分钟内有效")
    expires_at: datetime

    @classmethod
    def of(cls, pairing: PairingCode) -> PairingOut:
        return out(cls, pairing)


class PairIn(BaseModel):
    kiosk_code: str = Field(min_length=1, max_length=40)
    pairing_code: str = Field(min_length=1, max_length=20)


class PairedOut(BaseModel):
    kiosk: KioskOut
    csrf_token: str = Field(description="之后的请求在 X-CSRF-Token 头中带上")


class VisitorOut(BaseModel):
    name: str = Field(description="已遮蔽")
    number: str | None = Field(description="已遮蔽的证件号码")
    kind: str


class ScreenOut(BaseModel):
    kiosk: KioskOut
    state: Literal["start", "open", "receipt"]
    visitor: VisitorOut | None
    case_number: str | None
    seconds_left: int = Field(description="无操作多少秒后访客会话结束")


class VisitIn(BaseModel):
    method: Literal["citizen_code", "id_card"]
    token: str = Field(default="", max_length=200, description="市民码码文")
    card: dict[str, Annotated[str, Field(max_length=100)]] = Field(
        default_factory=dict, description="读卡器读出的芯片数据：id_number、name"
    )


class ItemOut(BaseModel):
    code: str
    name: str
    department: str
    category: str
    smart_approval: bool


class FieldOut(BaseModel):
    name: str
    label: str
    type: str
    required: bool
    options: list[str]
    locked: str | None = Field(description="由账户或电子证照提供（已遮蔽），提交时由系统填写")


class FormOut(BaseModel):
    item: ItemOut
    fields: list[FieldOut]
    from_licences: list[str] = Field(description="由电子证照提供的材料")
    still_needed: list[str] = Field(description="提交后仍需补交的材料")


class ApplicationIn(BaseModel):
    item_code: str = Field(min_length=1, max_length=40)
    form: dict[str, Any] = Field(default_factory=dict)
    consent: bool = Field(default=False, description="秒批事项：同意为本次办理读取电子证照")
    delivery_method: DeliveryMethod = Field(
        default=DeliveryMethod.PICKUP,
        description="pickup：到本终端所在中心领取；electronic：电子送达；mail：免费邮寄",
    )
    recipient: str = Field(default="", max_length=50, description="邮寄：收件人（默认申请人）")
    phone: str = Field(
        default="", max_length=20, description="邮寄：收件人大陆手机号码（默认实名账户的号码）"
    )
    address: str = Field(default="", max_length=200, description="邮寄：收件地址（一行）")


class FiledOut(BaseModel):
    number: str
    status: CaseStatus
    status_label: str
    receipt: Literal["acceptance", "submission"] = Field(
        description="acceptance：受理回执；submission：申请回执（尚待受理）"
    )


def _screen_out(shown: visits.Screen, at: datetime) -> ScreenOut:
    visit, visitor = shown.visit, shown.visitor
    state: Literal["start", "open", "receipt"] = "start" if visit is None else visit.state.value
    return ScreenOut(
        kiosk=KioskOut.of(shown.kiosk),
        state=state,
        visitor=None
        if visitor is None
        else VisitorOut(name=visitor.name, number=visitor.number, kind=visitor.kind.value),
        case_number=visit.case_number if visit is not None else None,
        seconds_left=shown.seconds_left(at),
    )


# --- the centre manager ------------------------------------------------------------------------


@router.get("/kiosks", response_model=list[KioskOut], summary="本中心的自助终端")
def list_kiosks(
    request: Request,
    response: Response,
    container: ContainerDep,
    principal: Manager,
    page: paging.PageParams,
) -> list[KioskOut]:
    """By code, a page at a time."""
    with container.read() as uow:
        found = [KioskOut.of(k) for k in kiosks.centre_kiosks(uow.conn, principal)]
    return paging.cut(request, response, found, lambda k: (k.code,), page)


@router.post("/kiosks", status_code=201, response_model=KioskOut, summary="登记自助终端")
def register_kiosk(
    request: Request, body: KioskIn, _m: Manager, key: IdempotencyKey, container: ContainerDep
) -> JSONResponse:
    def action(uow: UnitOfWork, actor: Actor) -> KioskOut:
        kiosk = kiosks.register_kiosk(
            uow, actor, code=body.code, name=body.name, idle_seconds=body.idle_seconds
        )
        return KioskOut.of(kiosk)

    return run_once(request, container, key, action, status=201)


@router.patch("/kiosks/{kiosk_code}", response_model=KioskOut, summary="修改、停用或启用终端")
def change_kiosk(
    request: Request,
    kiosk_code: KioskCode,
    body: KioskChangeIn,
    container: ContainerDep,
    _m: Manager,
) -> KioskOut:
    with container.uow() as uow:
        kiosk = kiosks.change_kiosk(
            uow,
            actor_for(request),
            kiosk_code,
            name=body.name,
            idle_seconds=body.idle_seconds,
            active=body.is_active,
        )
    return KioskOut.of(kiosk)


@router.post(
    "/kiosks/{kiosk_code}/pairing-code", response_model=PairingOut, summary="生成一次性配对码"
)
def pairing_code(
    request: Request, kiosk_code: KioskCode, container: ContainerDep, _m: Manager
) -> PairingOut:
    """A fresh code voids the previous one, so a retry is safe; the code is never stored in
    the clear (nor kept for a replay)."""
    with container.uow() as uow:
        return PairingOut.of(kiosks.issue_pairing_code(uow, actor_for(request), kiosk_code))


# --- the device ----------------------------------------------------------------------------------


@router.post("/kiosk/pair", response_model=PairedOut, summary="终端配对（设置终端会话 Cookie）")
def pair(request: Request, body: PairIn, container: ContainerDep, _v: Viewer) -> JSONResponse:
    days = container.settings.kiosk_session_days
    with container.uow() as uow:
        token, csrf, kiosk = kiosks.pair_device(
            uow,
            actor_for(request),
            body.kiosk_code,
            body.pairing_code,
            session_days=days,
            agent=request.headers.get("user-agent", ""),
        )
    answer = PairedOut(kiosk=KioskOut.of(kiosk), csrf_token=csrf)
    response = JSONResponse(answer.model_dump(mode="json"))
    response.set_cookie(
        deps.SESSION_COOKIE,
        token,
        max_age=days * 86400,
        path="/",
        httponly=True,
        samesite="lax",
        secure=container.settings.cookie_secure,
    )
    return response


@router.get("/kiosk", response_model=ScreenOut, summary="终端当前状态")
def screen(request: Request, container: ContainerDep, _d: Device) -> ScreenOut:
    """A visit past its idle time is ended here (state ``start``)."""
    with container.uow() as uow:
        shown = visits.screen(uow, actor_for(request))
    return _screen_out(shown, now_of(request))


@router.post("/kiosk/visits", status_code=201, response_model=ScreenOut, summary="核验访客身份")
def start_visit(
    request: Request, body: VisitIn, _d: Device, key: IdempotencyKey, container: ContainerDep
) -> JSONResponse:
    def action(uow: UnitOfWork, actor: Actor) -> ScreenOut:
        shown = visits.start_visit(
            uow,
            actor,
            body.method,
            token=body.token,
            card=body.card,
            key=container.secret_key,
            reader=container.id_card_reader,
        )
        return _screen_out(shown, actor.at)

    return run_once(request, container, key, action, status=201)


@router.post("/kiosk/visit/keep-alive", response_model=ScreenOut, summary="继续办理（延长会话）")
def keep_alive(request: Request, container: ContainerDep, _d: Device) -> ScreenOut:
    actor = actor_for(request)
    with container.uow() as uow:
        visits.keep_alive(uow, actor)
        shown = visits.screen(uow, actor)
    return _screen_out(shown, actor.at)


@router.post("/kiosk/visit/finish", response_model=ScreenOut, summary="结束办理")
def finish(request: Request, container: ContainerDep, _d: Device) -> ScreenOut:
    """Ends the visit (its draft wiped); a second call changes nothing."""
    actor = actor_for(request)
    with container.uow() as uow:
        visits.finish(uow, actor)
        shown = visits.screen(uow, actor)
    return _screen_out(shown, actor.at)


@router.get("/kiosk/items", response_model=list[ItemOut], summary="访客可自助办理的事项")
def list_items(
    request: Request,
    response: Response,
    container: ContainerDep,
    _d: Device,
    page: paging.PageParams,
) -> list[ItemOut]:
    """By item code, a page at a time."""
    actor = actor_for(request)
    with container.uow() as uow:
        visits.live_visit(uow.conn, actor)
        shown = visits.screen(uow, actor)
        assert shown.visitor is not None
        offered = filing.offered_items(uow.conn, shown.visitor.kind.value)
    listed = [_item_out(i) for i in offered]
    return paging.cut(request, response, listed, lambda i: (i.code,), page)


def _item_out(item: Any) -> ItemOut:
    return ItemOut(
        code=item.code,
        name=item.spec.name,
        department=item.department_name,
        category=item.spec.category,
        smart_approval=item.spec.smart_approval,
    )


@router.get("/kiosk/items/{item_code}/form", response_model=FormOut, summary="预填的申请表")
def application_form(
    request: Request, item_code: ItemCode, container: ContainerDep, _d: Device
) -> FormOut:
    """表单秒填 from the visitor's account and own e-licences (each read in their log)."""
    with container.uow() as uow:
        form = filing.application_form(uow, actor_for(request), item_code)
    return FormOut(
        item=_item_out(form.item),
        fields=[
            FieldOut(
                name=f.name,
                label=f.label,
                type=f.type.value,
                required=f.required,
                options=list(f.options),
                locked=form.locked.get(f.name),
            )
            for f in form.item.spec.form
        ],
        from_licences=form.from_licences,
        still_needed=form.still_needed,
    )


@router.post(
    "/kiosk/applications", status_code=201, response_model=FiledOut, summary="提交自助申请"
)
def file_application(
    request: Request,
    body: ApplicationIn,
    _d: Device,
    key: IdempotencyKey,
    container: ContainerDep,
) -> JSONResponse:
    """Files the item for the visitor on the self-service channel and ends the visit; only
    its receipt may then be fetched, until the idle time passes."""

    def action(uow: UnitOfWork, actor: Actor) -> FiledOut:
        filed = filing.file_application(
            uow,
            actor,
            body.item_code,
            body.form,
            keys=container.keys,
            consent=body.consent,
            delivery_method=body.delivery_method,
            mail={"recipient": body.recipient, "phone": body.phone, "address": body.address},
        )
        return FiledOut(
            number=filed.number,
            status=filed.status,
            status_label=filed.status.label,
            receipt="acceptance" if filed.accepted else "submission",
        )

    return run_once(request, container, key, action, status=201)


@router.get(
    "/kiosk/receipt.pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}},
    summary="打印回执（受理回执或申请回执）",
)
def receipt(request: Request, container: ContainerDep, _d: Device) -> Response:
    with container.uow() as uow:
        number, pdf = filing.receipt_pdf(uow, actor_for(request), printer=container.receipts)
    headers = {
        "Content-Disposition": f'inline; filename="receipt-{number}.pdf"',
        "Cache-Control": "no-store",
    }
    return Response(pdf, media_type="application/pdf", headers=headers)
