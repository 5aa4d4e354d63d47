"""The clerk's window workbench (综合窗口, 一窗通办): identify the applicant, pick any item, fill
its form, tick the materials and accept, accept with missing materials (容缺受理) or refuse;
and the centre's queue of open cases with their clock colours.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import RedirectResponse
from sqlalchemy import Connection
from starlette.datastructures import FormData

from tongban.bootstrap import Container
from tongban.domain.cases.status import BEFORE_ACCEPTANCE, CaseStatus
from tongban.domain.cases.values import Agent
from tongban.domain.errors import DomainError, ValidationFailed
from tongban.domain.people.model import Principal, Role
from tongban.domain.shared.clock import china_date
from tongban.domain.shared.identity import IdType
from tongban.services.cases import delivery as cases_delivery
from tongban.services.cases import lifecycle as svc
from tongban.services.cases import queries
from tongban.services.catalogue import items as catalogue
from tongban.services.catalogue import search
from tongban.services.catalogue.items import ItemView
from tongban.services.data_space import window_licences
from tongban.services.people import queries as people
from tongban.services.platform import access
from tongban.services.platform.context import Actor
from tongban.services.platform.unit_of_work import UnitOfWork
from tongban.web.deps import ContainerDep, actor_for, allow, today_of
from tongban.web.idempotency import form_key, new_form_key, run_form_once
from tongban.web.pages.cases.citizen import (
    Number,
    account_context,
    act_on_case,
    application_from,
    case_context,
    centre_options,
    clock_colours,
    texts,
    version_of,
)
from tongban.web.pages.cases.review import issue_from_form
from tongban.web.templating import render

router = APIRouter(prefix="/window", tags=["pages"], include_in_schema=False)
Clerk = Annotated[Principal, Depends(allow(access.CASE_CLERKS))]
ApplicantId = Annotated[int | None, Query(ge=1)]


def applicant_card(conn: Connection, user_id: int | None) -> people.Applicant | None:
    """The applicant being served (None: nobody yet, or not a citizen or enterprise)."""
    return people.applicant(conn, user_id) if user_id is not None else None


def _queue(
    conn: Connection,
    today: date,
    principal: Principal,
    yellow_days: int,
    filters: queries.QueueFilter = queries.QueueFilter(),
    page: int = 1,
) -> dict[str, Any]:
    """The centre's open cases, a page at a time, most urgent first, with their clock colours."""
    found = queries.centre_queue_page(conn, principal, today=today, filters=filters, page=page)
    colours = clock_colours(conn, today, found.rows, yellow_days)
    return {"rows": found.rows, "colours": colours, "queue": found, "filters": filters}


@router.get("")
def window(
    request: Request,
    container: ContainerDep,
    principal: Clerk,
    applicant: ApplicantId = None,
    q: Annotated[str, Query(max_length=100)] = "",
    status: Annotated[CaseStatus | None, Query()] = None,
    item: Annotated[str, Query(max_length=40)] = "",
    submitted_on: Annotated[date | None, Query()] = None,
    overdue: Annotated[bool, Query()] = False,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    """The workbench: who is being served, the item search and the centre's open cases (most
    urgent first, a page at a time, narrowed by status, item, day of submission or lateness)."""
    filters = queries.QueueFilter(status, item or None, submitted_on, overdue)
    with container.read() as uow:
        card = applicant_card(uow.conn, applicant)
        result = search.search_items(uow.conn, q, limit=10) if card and q else None
        queue = _queue(
            uow.conn,
            today_of(request),
            principal,
            container.settings.case_yellow_days,
            filters,
            page,
        )
    context = {"applicant": card, "q": q, "result": result, **queue}
    context["clerk_centres"] = [
        a.centre_code for a in principal.assignments(Role.CLERK) if a.centre_code
    ][:1]
    context.update(errors={}, v={})
    return render(request, "cases/window.html", context, block="results")


@router.post("/identify")
async def identify(request: Request, container: ContainerDep, principal: Clerk) -> Response:
    """核验身份: the number never goes into a URL; the page carries the applicant's user id."""
    form = await request.form()
    number = str(form.get("id_number") or "")
    with container.read() as uow:
        try:
            # 跨境通办: a 回乡证, 台胞证 or passport is looked up as the document the clerk names
            # (a passport with its nationality when two countries issued its number).
            user_id = people.find_applicant(
                uow.conn,
                number,
                today=today_of(request),
                id_type=_document_type(form),
                nationality=str(form.get("nationality") or "") or None,
            )
        except DomainError as error:
            queue = _queue(
                uow.conn, today_of(request), principal, container.settings.case_yellow_days
            )
            context: dict[str, Any] = {"applicant": None, "q": "", "result": None, **queue}
            context.update(errors=error.fields, error=error, v={})
            return render(request, "cases/window.html", context, status_code=error.status)
    return RedirectResponse(f"/window?applicant={user_id}", status_code=303)


def _document_type(form: FormData) -> IdType | None:
    """The document the clerk chose; none (the default) reads a GB 11643 number or a credit
    code, as the window always did."""
    chosen = str(form.get("id_type") or "")
    return IdType(chosen) if chosen in {t.value for t in IdType} else None


def _apply_context(
    conn: Connection,
    item: ItemView,
    card: people.Applicant | None,
    plan: window_licences.LicencePlan | None = None,
) -> dict[str, Any]:
    plan = plan or window_licences.LicencePlan(())
    return {
        "item": item,
        "spec": item.spec,
        "applicant": card,
        "centres": centre_options(conn),
        "plan": plan,
        "from_licences": {m["name"] for m in plan.materials},
        "id_types": list(IdType),
        "errors": {},
        "v": {f"form.{k}": v for k, v in plan.values.items()},
        "idem": new_form_key(),
        **account_context(conn, card.id if card else None, item.spec.form),
    }


def _page_context(request: Request, container: Container, applicant: int, code: str) -> Any:
    """The application page's context (None: no such applicant); the licence reads are logged."""
    actor = actor_for(request)
    with container.uow() as uow:
        card = applicant_card(uow.conn, applicant)
        if card is None:
            return None
        view = catalogue.published_item(uow.conn, code)
        plan = window_licences.licence_plan(uow, actor, view, applicant)  # the reads are logged
        context = _apply_context(uow.conn, view, card, plan)
    return context


@router.get("/apply")
def window_apply_page(
    request: Request,
    container: ContainerDep,
    _clerk: Clerk,
    applicant: Annotated[int, Query(ge=1)],
    item: Annotated[str, Query(max_length=40)],
) -> Response:
    context = _page_context(request, container, applicant, item)
    if context is None:
        return RedirectResponse("/window", status_code=303)
    return render(request, "cases/window_apply.html", context)


def agent_from(form: FormData, today: date) -> Agent | None:
    """代理人办理: the agent the clerk recorded when the box is ticked (else none, whatever
    was typed); a wrong name or document is told beside its field."""
    if not form.get("by_agent"):
        return None
    return Agent.identified(
        str(form.get("agent.name") or ""),
        str(form.get("agent.id_type") or ""),
        str(form.get("agent.id_number") or ""),
        today=today,
    )


def _check_before_filing(
    today: date, item: ItemView, form: FormData, action: str, from_licences: Iterable[str] = ()
) -> Agent | None:
    """What the page can check before filing, so a wrong entry leaves no case behind, and the
    agent if one acts; ``from_licences``: materials the page said the e-licences supply."""
    ticked = set(texts(form, "materials")) | set(from_licences)
    fields: dict[str, str] = {}
    agent = None
    try:
        agent = agent_from(form, today)
    except DomainError as error:
        fields.update(error.fields)
    if action == "accept_missing":
        by_agent = bool(form.get("by_agent"))
        required = [m for m in item.spec.materials if by_agent or not m.only_by_agent]
        unticked = [m for m in required if m.name not in ticked]
        key = [m.name for m in unticked if m.key]
        if key:
            fields["materials"] = "关键材料不能容缺：" + "、".join(key)
        if not unticked:
            fields["materials"] = "材料齐全，请直接受理"
        if not str(form.get("commitment") or "").strip():
            fields["commitment"] = "容缺受理须由申请人签署承诺"
        supply_by = _date(form.get("supply_by"), fields)
        if supply_by is not None and supply_by <= today:
            fields["supply_by"] = "补交期限应晚于今天"
    if action == "refuse" and not str(form.get("reasons") or "").strip():
        fields["reasons"] = "请写明不予受理的理由"
    if fields:
        raise ValidationFailed(fields=fields)
    return agent


def _date(raw: Any, fields: dict[str, str]) -> date | None:
    try:
        return date.fromisoformat(str(raw or ""))
    except ValueError:
        fields["supply_by"] = "请填写补交期限（YYYY-MM-DD）"
        return None


@router.post("/apply")
async def window_apply(request: Request, container: ContainerDep, _clerk: Clerk) -> Response:
    """收件 and, in the same visit, 受理 / 容缺受理 / 不予受理."""
    form = await request.form()
    action = str(form.get("action") or "accept")
    with container.read() as uow:
        try:
            applicant = int(str(form.get("applicant")))
        except ValueError:
            return RedirectResponse("/window", status_code=303)
        card = applicant_card(uow.conn, applicant)
        view = catalogue.published_item(uow.conn, str(form.get("item") or ""))
    actor = actor_for(request)
    # The page showed licences (consent given): take them, or refuse if the grant is gone.
    with_licences = form.get("licences") == "yes"
    prepare = window_licences.take_licences(actor, view, applicant) if with_licences else None

    def file(uow: UnitOfWork, actor: Actor) -> dict[str, Any]:
        agent = _check_before_filing(
            china_date(actor.at), view, form, action, texts(form, "licence_materials")
        )
        application = replace(application_from(view, form), agent=agent)
        ref = svc.submit_at_window(
            uow,
            actor,
            applicant,
            application,
            accept=action == "accept",
            prepare=prepare,
            credit_codes_checked=bool(form.get("credit_codes_checked")),
        )
        return {"number": ref.number, "version": ref.version, "status": ref.status.value}

    try:
        # The page's hidden key: a second click files nothing twice and shows the first case.
        outcome = await run_form_once(request, container, file)
    except DomainError as error:
        # Shown again as it now stands: a revoked grant shows the page without licences.
        context = _page_context(request, container, applicant, view.code)
        if context is None:  # not an applicant: the service said so
            with container.read() as uow:
                context = _apply_context(uow.conn, view, card)
        context.update(errors=error.fields, error=error, v=_typed(form))
        context["idem"] = form_key(form)
        return render(request, "cases/window_apply.html", context, status_code=error.status)
    ref = svc.CaseRef(
        outcome.body["number"], outcome.body["version"], CaseStatus(outcome.body["status"])
    )
    if outcome.replayed:  # the first click's request does (or did) the rest
        return RedirectResponse(f"/window/cases/{ref.number}", status_code=303)
    if action in ("accept_missing", "refuse"):
        return _second_step(request, container, ref, action, form)
    return RedirectResponse(f"/window/cases/{ref.number}?done={action}", status_code=303)


def _typed(form: FormData) -> dict[str, Any]:
    return {k: form.getlist(k) if k == "materials" else form.get(k) for k in form}


def _second_step(
    request: Request, container: Container, ref: svc.CaseRef, action: str, form: FormData
) -> Response:
    """容缺受理 or 不予受理 of the case just filed; should it fail (a calendar not yet
    imported, say), the case page shows why and the case waits there, already received."""

    def change(uow: UnitOfWork, data: FormData) -> object:
        return _decide(uow, request, ref.number, ref.version, action, data)

    done = f"/window/cases/{ref.number}?done={action}"
    template = "cases/window_case.html"
    return act_on_case(request, container, ref.number, template, change, form, done)


def _decide(
    uow: UnitOfWork, request: Request, number: str, version: int, action: str, data: FormData
) -> object:
    actor = actor_for(request)
    checked = bool(data.get("credit_codes_checked"))
    if action == "accept":
        return svc.accept(uow, actor, number, version, credit_codes_checked=checked)
    if action == "refuse":
        return svc.refuse_acceptance(uow, actor, number, version, str(data.get("reasons") or ""))
    if action == "missing":
        return svc.supply_missing_materials(uow, actor, number, version, texts(data, "names"))
    if action == "approve":  # 即办件, decided on the spot
        reasons = str(data.get("reasons") or "") or "当场办结，准予许可"
        return svc.propose_decision(uow, actor, number, version, True, reasons)
    fields: dict[str, str] = {}
    supply_by = _date(data.get("supply_by"), fields)
    if supply_by is None:
        raise ValidationFailed(fields=fields)
    ticked = set(texts(data, "materials"))
    case = queries.access_case(uow.conn, actor.principal, number, actor.at)
    missing = [n for n in case.absent_materials() if n not in ticked]
    commitment = str(data.get("commitment") or "")
    return svc.accept_with_missing_materials(
        uow, actor, number, version, missing, commitment, supply_by, credit_codes_checked=checked
    )


@router.get("/cases/{number}")
def window_case(
    request: Request, number: Number, container: ContainerDep, principal: Clerk
) -> Response:
    actor = actor_for(request)
    with container.uow() as uow:
        context = case_context(uow, actor, number, container.settings.case_yellow_days)
    context["before_acceptance"] = context["case"].status in BEFORE_ACCEPTANCE
    pickup = context["case"].delivery.pickup_centre_code
    mine = {a.centre_code for a in principal.assignments(Role.CLERK)}
    context["collects_here"] = pickup in mine
    return render(request, "cases/window_case.html", context)


@router.post("/cases/{number}")
async def window_case_action(
    request: Request, number: Number, container: ContainerDep, _clerk: Clerk
) -> Response:
    """Accept, 容缺受理 or refuse a received case; hand in 容缺 materials for the applicant;
    decide a 即办件 on the spot and issue its result; hand over a result against its pickup
    code (取件)."""
    form = await request.form()
    action = str(form.get("action") or "")

    def change(uow: UnitOfWork, data: FormData) -> object:
        if action == "issue":
            return issue_from_form(uow, request, container, number, version_of(data), data)
        if action == "collect":
            code = str(data.get("code") or "").strip()
            return cases_delivery.collect_result(uow, actor_for(request), number, code)
        if action not in ("accept", "accept_missing", "refuse", "missing", "approve"):
            raise ValidationFailed(fields={"action": "未知的操作"})
        return _decide(uow, request, number, version_of(data), action, data)

    done = f"/window/cases/{number}?done={action}"
    return act_on_case(request, container, number, "cases/window_case.html", change, form, done)


@router.get("/cases/{number}/receipt.pdf")
def window_receipt(
    request: Request, number: Number, container: ContainerDep, principal: Clerk
) -> Response:
    """受理回执 to print for the applicant; an unaccepted case has none (the service refuses)."""
    lookup = str(request.url_for("my_case", number=number))
    with container.read() as uow:
        pdf = cases_delivery.receipt_pdf(
            uow.conn, principal, number, printer=container.receipts, lookup_url=lookup
        )
    headers = {"Content-Disposition": f'inline; filename="receipt-{number}.pdf"'}
    return Response(pdf, media_type="application/pdf", headers=headers)
