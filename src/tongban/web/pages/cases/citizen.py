"""The applicant's case pages (我的办件): the list, one case with its timeline, applying online
from a service guide (each material handed in as its file), supplying corrections, and
withdrawing.

The helpers at the top (the case page's context, the clock colour, reading the form) are shared
by the staff case pages in ``cases.window``, ``cases.review`` and ``cases.manager``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import date
from html import escape
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import Connection
from starlette.datastructures import FormData, UploadFile

from tongban.bootstrap import Container
from tongban.domain.cases.clock import clock_state
from tongban.domain.cases.forms import account_fields, credit_codes_to_verify
from tongban.domain.cases.status import UNDECIDED, CaseStatus, DeliveryMethod
from tongban.domain.catalogue.model import FieldType, FormField
from tongban.domain.errors import DomainError, ValidationFailed
from tongban.domain.licences.model import looks_like_licence_id
from tongban.domain.network.model import Centre
from tongban.domain.people.model import Principal, UserKind
from tongban.domain.shared.clock import china_date
from tongban.services.cases import attachments, delivery, queries, results
from tongban.services.cases import lifecycle as svc
from tongban.services.catalogue import items as catalogue
from tongban.services.catalogue.items import ItemView
from tongban.services.network import queries as network
from tongban.services.people import queries as people
from tongban.services.platform import access
from tongban.services.platform.calendar import load_calendar
from tongban.services.platform.context import Actor
from tongban.services.platform.unit_of_work import UnitOfWork
from tongban.services.smart.review import has_automated_decision
from tongban.web import paging
from tongban.web.api.attachments import store_of
from tongban.web.deps import ContainerDep, actor_for, allow, today_of
from tongban.web.idempotency import form_key, new_form_key, run_form_once
from tongban.web.templating import render

router = APIRouter(tags=["pages"], include_in_schema=False)
CaseReader = Annotated[Principal, Depends(allow(access.CASE_READERS))]
Applicant = Annotated[Principal, Depends(allow(access.APPLICANT))]
Number = Annotated[str, PathParam(max_length=32, pattern=r"^[A-Za-z0-9-]+$")]
Code = Annotated[str, PathParam(max_length=40)]

ROLE_NAMES: dict[str, str] = {
    "citizen": "申请人",
    "enterprise": "申请人",
    "clerk": "综合窗口人员",
    "reviewer": "审批人员",
    "section_chief": "科长",
    "system": "系统",
}
"""Who acted, as the timeline shows it (msgids); never a person's identity number."""


# --- shared by every case page ---------------------------------------------------------------


def clock_colours(
    conn: Connection, today: date, rows: Iterable[queries.CaseSummary], yellow_days: int
) -> dict[str, str]:
    """normal / yellow / red for each line of a case list, by case number; only a case still
    waiting for its decision can be late (a decided one's clock has stopped), and an unknown
    calendar year shows as normal.  The calendar is loaded once for the whole list."""
    calendar = load_calendar(conn)

    def colour(row: queries.CaseSummary) -> str:
        if row.deadline is None or row.status not in UNDECIDED:
            return "normal"
        try:
            return clock_state(row.deadline, None, today, calendar, yellow_days).value
        except DomainError:
            return "normal"

    return {row.number: colour(row) for row in rows}


def case_context(uow: UnitOfWork, actor: Actor, number: str, yellow_days: int) -> dict[str, Any]:
    """The case (through ``read_case``: a staff member's read is in the applicant's access log),
    its timeline, the pinned item and the clock."""
    conn, principal, today = uow.conn, actor.principal, china_date(actor.at)
    principal_is_staff = principal is not None and principal.kind is UserKind.STAFF
    if not principal_is_staff:
        case = queries.access_case(conn, principal, number)  # one's own: nothing to log
    else:
        case = queries.read_case(uow, actor, number, "查看办件页面")
    item = catalogue.published_item(conn, case.item_code, case.item_version)
    try:
        clock = case.status_of_clock(today, load_calendar(conn), yellow_days).value
    except DomainError:
        clock = "normal"
    reference = case.result_reference or ""
    return {
        "case": case,
        "delivery_text": delivery.delivery_summary(conn, case),
        "draft": results.licence_draft(conn, case, today) if principal_is_staff else None,
        "licence_link": f"/licences/{reference}.pdf" if looks_like_licence_id(reference) else "",
        "events": queries.timeline(conn, principal, number),
        "item": item,
        "spec": item.spec,
        "key_of": dict(case.terms.materials),
        "codes_to_verify": credit_codes_to_verify(item.spec.form, case.form),
        "clock": clock,
        "role_names": ROLE_NAMES,
        "errors": {},
        "v": {},
    }


def form_values(item: ItemView, form: FormData) -> dict[str, str]:
    """The item's form fields as typed (``form.<name>``); booleans from their checkbox."""
    values: dict[str, str] = {}
    for spec in item.spec.form:
        raw = form.get(f"form.{spec.name}")
        if spec.type is FieldType.BOOLEAN:
            values[spec.name] = "true" if raw else "false"
        else:
            values[spec.name] = str(raw or "")
    return values


def texts(form: FormData, name: str) -> list[str]:
    return [str(v) for v in form.getlist(name) if str(v).strip()]


def version_of(form: FormData) -> int:
    try:
        return int(str(form.get("version")))
    except ValueError:
        raise ValidationFailed(fields={"version": "缺少版本号，请刷新页面"}) from None


def lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def centre_options(conn: Connection) -> list[Centre]:
    """The district and town centres an applicant may collect a result at (一窗通办)."""
    return network.pickup_centres(conn)


def account_context(
    conn: Connection, user_id: int | None, schema: Sequence[FormField]
) -> dict[str, Any]:
    """What the applicant's real-name account fills in on an application page: the form fields
    (``acc``: masked, identity locked) and the mail recipient's defaults.  The page never holds
    the values themselves: the server fills them in at submission."""
    account = people.applicant(conn, user_id) if user_id is not None else None
    if account is None:
        return {"acc": {}, "mail_defaults": {}}
    shown = account.masked()
    return {
        "acc": account_fields(schema, account.facts()),
        "mail_defaults": {"recipient": shown.name, "phone": shown.phone or ""},
    }


def application_from(item: ItemView, form: FormData) -> svc.Application:
    method = str(form.get("delivery_method") or DeliveryMethod.PICKUP.value)
    if method not in {m.value for m in DeliveryMethod}:
        raise ValidationFailed(fields={"delivery_method": "请选择结果领取方式"})
    return svc.Application(
        item_code=item.code,
        form=form_values(item, form),
        materials=texts(form, "materials"),
        delivery_method=DeliveryMethod(method),
        pickup_centre_code=str(form.get("pickup_centre_code") or "") or None,
        recipient=str(form.get("recipient") or ""),
        phone=str(form.get("phone") or ""),
        address=str(form.get("address") or ""),
    )


def act_on_case(
    request: Request,
    container: Container,
    number: str,
    template: str,
    change: Callable[[UnitOfWork, FormData], object],
    form: FormData,
    done: str,
) -> Response:
    """Run one case transition; on a domain error show the case page again with the errors."""
    try:
        with container.uow() as uow:
            change(uow, form)
    except DomainError as error:
        with container.uow() as uow:  # a staff member's read of the case is logged
            context = case_context(
                uow, actor_for(request), number, container.settings.case_yellow_days
            )
        context.update(errors=error.fields, error=error, v=dict(form))
        return render(request, template, context, status_code=error.status)
    return RedirectResponse(done, status_code=303)


# --- the applicant's pages --------------------------------------------------------------------


@router.get("/my/cases")
def my_cases(
    request: Request,
    container: ContainerDep,
    principal: Applicant,
    after: paging.AfterParam = None,
) -> Response:
    """我的办件: the applicant's own cases, newest first, with status and clock; a page at a
    time, never cut off."""
    with container.read() as uow:
        found = queries.case_list(uow.conn, principal, "mine", paging.page_from(after))
        rows = found.rows
        colours = clock_colours(
            uow.conn, today_of(request), rows, container.settings.case_yellow_days
        )
    context = {"rows": rows, "colours": colours, **paging.more_links(request, found.next)}
    return render(request, "cases/my_cases.html", context)


@router.get("/my/cases/{number}")
def my_case(
    request: Request, number: Number, container: ContainerDep, principal: Applicant
) -> Response:
    with container.read() as uow:  # the applicant's own case: a read, nothing to log
        context = case_context(uow, actor_for(request), number, container.settings.case_yellow_days)
        context["automated"] = has_automated_decision(uow.conn, context["case"].id)
    context["withdrawable"] = context["case"].status in UNDECIDED
    return render(request, "cases/citizen_case.html", context)


@router.post("/cases/{number}/reveal")
def reveal(
    request: Request,
    number: Number,
    container: ContainerDep,
    _reader: CaseReader,
    field: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    """显示完整信息 (htmx): one masked form value in full; a staff member's reveal is logged in
    the applicant's access log."""
    with container.uow() as uow:
        value = queries.reveal_form_value(uow, actor_for(request), number, field)
    return HTMLResponse(f'<span class="revealed">{escape(value)}</span>')


@router.post("/my/cases/{number}/pickup-code")
def my_pickup_code(
    request: Request, number: Number, container: ContainerDep, principal: Applicant
) -> Response:
    """重新获取取件码: a lost or locked code is replaced; the new one is shown here, once."""
    actor = actor_for(request)
    try:
        with container.uow() as uow:
            code = delivery.reissue_pickup_code(uow, actor, number)
    except DomainError as error:
        with container.read() as uow:
            context = case_context(uow, actor, number, container.settings.case_yellow_days)
        context.update(error=error)
        return render(request, "cases/citizen_case.html", context, status_code=error.status)
    with container.read() as uow:
        context = case_context(uow, actor, number, container.settings.case_yellow_days)
        context["automated"] = has_automated_decision(uow.conn, context["case"].id)
    context["withdrawable"] = context["case"].status in UNDECIDED
    context["new_pickup_code"] = code
    return render(request, "cases/citizen_case.html", context)


@router.post("/my/cases/{number}/{action}")
async def my_case_action(
    request: Request,
    number: Number,
    action: Annotated[str, PathParam(pattern="^(submit|correction|withdraw)$")],
    container: ContainerDep,
    _principal: Applicant,
) -> Response:
    """Submit a draft, supply a correction, or withdraw.  Materials (corrected ones, 容缺
    ones) are handed in by uploading their files (``cases.attachments``)."""
    form = await request.form()
    actor = actor_for(request)

    def change(uow: UnitOfWork, data: FormData) -> object:
        version = version_of(data)
        if action == "submit":
            return svc.submit_draft(uow, actor, number, version)
        if action == "correction":
            given, note = texts(data, "materials"), str(data.get("note") or "")
            return svc.supply_correction(uow, actor, number, version, given, note)
        return svc.withdraw(uow, actor, number, version, str(data.get("reason") or ""))

    done = f"/my/cases/{number}?done={action}"
    return act_on_case(request, container, number, "cases/citizen_case.html", change, form, done)


def uploads_from(form: FormData) -> list[attachments.Upload]:
    """The materials' files an online application form carries: ``file.<n>`` with the material
    it is for in ``file.<n>.material``; a file input left empty carries none."""
    found = []
    for key, value in form.multi_items():
        is_file_input = key.count(".") == 1 and key.startswith("file.")
        if is_file_input and isinstance(value, UploadFile) and value.filename:
            material = str(form.get(f"{key}.material") or "")
            found.append(attachments.Upload(material, value.filename, value.file))
    return found


def _apply_context(
    container: Container, item: ItemView, options: list[Centre], account: dict[str, Any]
) -> dict[str, Any]:
    return {
        **account,
        "item": item,
        "spec": item.spec,
        "centres": options,
        "errors": {},
        "v": {},
        "idem": new_form_key(),
        "upload_mb": max(1, container.settings.upload_max_bytes // (1024 * 1024)),
    }


@router.get("/items/{code}/apply")
def apply_page(request: Request, code: Code, container: ContainerDep, _p: Applicant) -> Response:
    """网上申请: the item's form, a file for each material, and the delivery choice."""
    with container.read() as uow:
        item = catalogue.published_item(uow.conn, code)
        options = centre_options(uow.conn)
        account = account_context(uow.conn, _p.user_id, item.spec.form)
    context = _apply_context(container, item, options, account)
    return render(request, "cases/apply.html", context)


@router.post("/items/{code}/apply")
async def apply(request: Request, code: Code, container: ContainerDep, _p: Applicant) -> Response:
    """Save a draft or submit, with the materials' files; a wrong field or file shows beside
    itself and nothing is saved.  The page's hidden key makes a second click (or a resend)
    show the first submission's case."""
    form = await request.form()
    settings = container.settings
    with container.read() as uow:
        item = catalogue.published_item(uow.conn, code)
        options = centre_options(uow.conn)
        account = account_context(uow.conn, _p.user_id, item.spec.form)

    def file(uow: UnitOfWork, actor: Actor) -> dict[str, str]:
        ref = attachments.apply_online(
            uow,
            actor,
            store_of(container),
            application_from(item, form),
            uploads_from(form),
            submit=form.get("action") != "draft",
            max_bytes=settings.upload_max_bytes,
            allowed=settings.upload_allowed_types,
        )
        return {"number": ref.number, "status": ref.status.value}

    try:
        outcome = await run_form_once(request, container, file)
    except DomainError as error:
        context = _apply_context(container, item, options, account)
        context.update(
            errors=error.fields,
            error=error,
            v={k: form.get(k) for k in form if not k.startswith("file.")},
            idem=form_key(form),
        )
        return render(request, "cases/apply.html", context, status_code=error.status)
    number = outcome.body["number"]
    status = "draft" if outcome.body["status"] == CaseStatus.DRAFT.value else "submitted"
    return RedirectResponse(f"/my/cases/{number}?done={status}", status_code=303)
