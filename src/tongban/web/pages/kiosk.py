"""自助办: the kiosk's full-screen pages, and the one page that pairs a device with a kiosk.

Every page a kiosk shows is answered ``Cache-Control: no-store``, every POST is followed by a
redirect, and the pages carry nothing of the visitor but what the server shows: the form being
filled in is kept on the visit (server side) and wiped when it ends.  The browser holds only
the kiosk's own session cookie.  The page's idle timer (``static/js/kiosk.js``) returns to the
start screen after the kiosk's idle time; the server ends the visit then anyway.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request, Response
from fastapi import Path as PathParam
from fastapi.responses import RedirectResponse

from tongban.domain.cases.status import DeliveryMethod
from tongban.domain.errors import DomainError, ValidationFailed
from tongban.domain.identity_check import errors as identity_errors
from tongban.domain.people.model import Principal
from tongban.domain.self_service import errors as kiosk_errors
from tongban.domain.self_service.model import VisitState
from tongban.i18n import gettext as _
from tongban.services.catalogue.items import ItemView
from tongban.services.self_service import filing, kiosks, visits
from tongban.services.self_service.access import KIOSKS
from tongban.web import deps
from tongban.web.deps import ContainerDep, Viewer, actor_for, allow, now_of
from tongban.web.idempotency import new_form_key, run_form_once
from tongban.web.pages.auth import error_message
from tongban.web.pages.cases.citizen import form_values
from tongban.web.templating import render

router = APIRouter(prefix="/kiosk", tags=["pages"], include_in_schema=False)
Device = Annotated[Principal, Depends(allow(KIOSKS))]
Code = Annotated[str, PathParam(max_length=40, pattern=r"^[A-Za-z0-9-]+$")]

NOTICES: dict[str, str] = {
    kiosk_errors.VisitExpired.code: kiosk_errors.VisitExpired.template,
    "idle": "长时间没有操作，已自动退出并返回首页，本次填写的内容没有保存。",
    "finished": "已结束办理，欢迎再次使用。",
    kiosk_errors.NoVisit.code: kiosk_errors.NoVisit.template,
    kiosk_errors.NotSelfService.code: kiosk_errors.NotSelfService.template,
    identity_errors.CitizenCodeInvalid.code: identity_errors.CitizenCodeInvalid.template,
    identity_errors.CitizenCodeExpired.code: identity_errors.CitizenCodeExpired.template,
    identity_errors.CitizenCodeUsed.code: identity_errors.CitizenCodeUsed.template,
    identity_errors.PersonNotRegistered.code: "未找到您的账户，请到人工窗口登记后再使用自助终端。",
    identity_errors.IdCardUnreadable.code: "未能读取身份证，请重新放置身份证，或改用市民码。",
}
"""The start screen's notice for ``?e=<code>``: a code in the address, never the visitor's data."""


MAIL_FIELDS = ("recipient", "phone", "address")
"""The mailed result's recipient, mobile and address (``domain.cases.mail``)."""


def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


def _page(request: Request, template: str, context: dict[str, Any], status: int = 200) -> Response:
    return _no_store(render(request, template, context, status_code=status))


def _to(url: str) -> Response:
    return _no_store(RedirectResponse(url, status_code=303))


def _restart(error: DomainError) -> Response | None:
    """Errors that end what the visitor was doing: back to the start screen, saying why."""
    if isinstance(error, kiosk_errors.VisitExpired | kiosk_errors.NoVisit):
        return _to(f"/kiosk?e={error.code}")
    return None


# --- pairing a device -------------------------------------------------------------------------


@router.get("/pair")
def pair_page(request: Request, _viewer: Viewer) -> Response:
    """配对: a centre's staff types the kiosk's code and the one-time pairing code once."""
    return _page(request, "kiosk/pair.html", {"error": None, "kiosk_code": ""})


@router.post("/pair")
def pair(
    request: Request,
    container: ContainerDep,
    _viewer: Viewer,
    kiosk_code: Annotated[str, Form(max_length=40)] = "",
    pairing_code: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    actor = actor_for(request)
    days = container.settings.kiosk_session_days
    try:
        with container.uow() as uow:
            token, _csrf, _kiosk = kiosks.pair_device(
                uow,
                actor,
                kiosk_code,
                pairing_code,
                session_days=days,
                agent=request.headers.get("user-agent", ""),
            )
    except DomainError as error:
        context = {"error": error_message(error), "kiosk_code": kiosk_code}
        return _page(request, "kiosk/pair.html", context, status=error.status)
    response = _to("/kiosk")
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


# --- the start screen and identification ------------------------------------------------------


def _screen(request: Request, container: ContainerDep) -> visits.Screen:
    with container.uow() as uow:
        return visits.screen(uow, actor_for(request))


@router.get("")
def start(
    request: Request,
    container: ContainerDep,
    _device: Device,
    e: Annotated[str, Query(max_length=40)] = "",
) -> Response:
    """The start screen (刷身份证 / 扫市民码), or where the visit stands."""
    shown = _screen(request, container)
    if shown.visit is not None:
        return _to("/kiosk/items" if shown.visit.state is VisitState.OPEN else "/kiosk/receipt")
    notice = NOTICES.get("idle" if shown.timed_out else e, "")
    context = {"screen": shown, "notice": notice, "idle": 0}
    return _page(request, "kiosk/start.html", context)


async def _identify(request: Request, container: ContainerDep, method: str) -> Response:
    form = await request.form()
    token = str(form.get("token") or "")
    card = {"id_number": str(form.get("id_number") or ""), "name": str(form.get("name") or "")}
    actor = actor_for(request)
    try:
        with container.uow() as uow:
            visits.start_visit(
                uow,
                actor,
                method,
                token=token,
                card=card,
                key=container.secret_key,
                reader=container.id_card_reader,
            )
    except DomainError as error:
        return _to(f"/kiosk?e={error.code}")
    return _to("/kiosk/items")


@router.post("/identify/code")
async def identify_by_code(request: Request, container: ContainerDep, _device: Device) -> Response:
    """扫市民码: the scanner types the code's text into the page."""
    return await _identify(request, container, "citizen_code")


@router.post("/identify/card")
async def identify_by_card(request: Request, container: ContainerDep, _device: Device) -> Response:
    """刷身份证: the reader's chip data (simulated in the demo: number and name)."""
    return await _identify(request, container, "id_card")


# --- choosing an item and filling in its form -------------------------------------------------


@router.get("/items")
def items(
    request: Request,
    container: ContainerDep,
    _device: Device,
    e: Annotated[str, Query(max_length=40)] = "",
) -> Response:
    """The self-service items the visitor may apply for, narrowed by the words they looked
    for (kept on the visit, not in the address the browser's history keeps)."""
    actor = actor_for(request)
    with container.uow() as uow:
        shown = visits.screen(uow, actor)
        if shown.visit is not None and shown.visit.state is VisitState.OPEN:
            visits.keep_alive(uow, actor)  # choosing an item is an action too
            shown = visits.screen(uow, actor)
    if shown.visit is None or shown.visitor is None:
        return _to("/kiosk?e=idle" if shown.timed_out else "/kiosk")
    if shown.visit.state is not VisitState.OPEN:
        return _to("/kiosk/receipt")
    with container.read() as uow:
        offered = filing.offered_items(uow.conn, shown.visitor.kind.value)
    word = str((shown.visit.draft or {}).get("search") or "").strip()
    listed = [i for i in offered if word in i.spec.name] if word else offered
    context = {
        "screen": shown,
        "items": _by_category(listed),
        "q": word,
        "notice": NOTICES.get(e, ""),
        "idle": shown.kiosk.idle_seconds,
        "seconds_left": shown.seconds_left(now_of(request)),
    }
    return _page(request, "kiosk/items.html", context)


@router.post("/items")
def search(
    request: Request,
    container: ContainerDep,
    _device: Device,
    q: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    """按名称查找: the words go onto the visit, and the list is shown again narrowed by them."""
    try:
        with container.uow() as uow:
            visits.keep_draft(uow, actor_for(request), {"search": q.strip()})
    except DomainError as error:
        return _restart(error) or _to("/kiosk")
    return _to("/kiosk/items")


def _by_category(listed: list[ItemView]) -> list[tuple[str, list[ItemView]]]:
    groups: dict[str, list[ItemView]] = {}
    for item in listed:
        groups.setdefault(item.spec.category or _("其他"), []).append(item)
    return sorted(groups.items())


@router.get("/items/{code}")
def item_form(request: Request, code: Code, container: ContainerDep, _device: Device) -> Response:
    """The item's form, filled from the visitor's account and e-licences; what they typed
    before and what was wrong with it come from the visit, never from the address."""
    try:
        with container.uow() as uow:
            form = filing.application_form(uow, actor_for(request), code)
            shown = visits.screen(uow, actor_for(request))
    except DomainError as error:
        if isinstance(error, kiosk_errors.NotSelfService):
            return _to(f"/kiosk/items?e={error.code}")
        return _restart(error) or _to("/kiosk")
    context = {
        "screen": shown,
        "form": form,
        "spec": form.item.spec,
        "errors": form.errors,
        "idem": new_form_key(),
        "idle": shown.kiosk.idle_seconds,
        "seconds_left": shown.seconds_left(now_of(request)),
    }
    return _page(request, "kiosk/form.html", context)


@router.post("/items/{code}")
async def submit(
    request: Request, code: Code, container: ContainerDep, _device: Device
) -> Response:
    """提交: file the item for the visitor; a wrong field brings the form back (redirected,
    its values kept on the visit); a second click files nothing twice."""
    form = await request.form()
    method = str(form.get("delivery_method") or DeliveryMethod.PICKUP.value)
    with container.read() as uow:
        try:
            item = filing.kiosk_item(uow.conn, code)
        except DomainError as error:
            return _to(f"/kiosk/items?e={error.code}")
    typed = form_values(item, form)
    # 结果包邮: what the visitor typed for the mailed result, kept (as the form) on the visit.
    mail = {name: str(form.get(name) or "").strip() for name in MAIL_FIELDS}

    def file(uow: Any, actor: Any) -> dict[str, Any]:
        if method not in {m.value for m in DeliveryMethod}:
            raise ValidationFailed(fields={"delivery_method": "请选择结果领取方式"})
        filed = filing.file_application(
            uow,
            actor,
            item.code,
            {k: v for k, v in typed.items() if v != ""},
            keys=container.keys,
            consent=form.get("consent") == "yes",
            delivery_method=DeliveryMethod(method),
            mail=mail if method == DeliveryMethod.MAIL.value else None,
        )
        return {"number": filed.number}

    try:
        await run_form_once(request, container, file)
    except DomainError as error:
        restart = _restart(error)
        if restart is not None:
            return restart
        draft = {
            "item": item.code,
            "values": {
                **typed,
                **{f"mail_{k}": v for k, v in mail.items()},
                "delivery_method": method,
            },
            "errors": {k: _(v) for k, v in error.fields.items()},
            "message": error_message(error),
        }
        try:
            with container.uow() as uow:
                visits.keep_draft(uow, actor_for(request), draft)
        except DomainError as gone:
            return _restart(gone) or _to("/kiosk")
        return _to(f"/kiosk/items/{item.code}")
    return _to("/kiosk/receipt")


# --- the receipt, finishing, and staying ----------------------------------------------------------


@router.get("/receipt")
def receipt(request: Request, container: ContainerDep, _device: Device) -> Response:
    """打印回执: the case just filed, the receipt to print and the way out."""
    shown = _screen(request, container)
    if shown.visit is None or shown.visit.state is not VisitState.RECEIPT:
        return _to("/kiosk")
    context = {
        "screen": shown,
        "number": shown.visit.case_number,
        "idle": shown.kiosk.idle_seconds,
        "seconds_left": shown.seconds_left(now_of(request)),
    }
    return _page(request, "kiosk/receipt.html", context)


@router.get("/receipt.pdf")
def receipt_pdf(request: Request, container: ContainerDep, _device: Device) -> Response:
    """The 受理回执 (accepted at once) or 申请回执 of the case the visit filed."""
    lookup = str(request.url_for("start"))
    try:
        with container.uow() as uow:
            number, pdf = filing.receipt_pdf(
                uow, actor_for(request), printer=container.receipts, lookup_url=lookup
            )
    except kiosk_errors.NoReceipt:
        return _to("/kiosk")
    headers = {
        "Content-Disposition": f'inline; filename="receipt-{number}.pdf"',
        "Cache-Control": "no-store",
    }
    return Response(pdf, media_type="application/pdf", headers=headers)


@router.post("/finish")
def finish(
    request: Request,
    container: ContainerDep,
    _device: Device,
    idle: Annotated[str, Form(max_length=3)] = "",
) -> Response:
    """完成 / 返回首页, or the page's idle timer: the visit ends and nothing of it stays."""
    with container.uow() as uow:
        closed = visits.finish(uow, actor_for(request), idle=bool(idle))
    if not closed:
        return _to("/kiosk")
    return _to("/kiosk?e=idle" if idle else "/kiosk?e=finished")


@router.post("/keep-alive")
def keep_alive(request: Request, container: ContainerDep, _device: Device) -> Response:
    """继续办理 (and the page while the visitor types): the visit goes on for the idle time."""
    try:
        with container.uow() as uow:
            visits.keep_alive(uow, actor_for(request))
    except (kiosk_errors.VisitExpired, kiosk_errors.NoVisit):
        return _no_store(Response(status_code=409))
    return _no_store(Response(status_code=204))
