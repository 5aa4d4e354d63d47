"""The hard-case window's pages (办不成事).

The person concerned raises a problem and follows it at ``/my/hard-cases``, and answers
问题解决了吗？ on its page.  Clerks and centre managers work at ``/centre/hard-cases``: a clerk
registers a problem for a person, takes one on, notes what was done and resolves it; the
manager gives escalations to the centre's clerks and reads the statistics.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi import Path as PathParam
from fastapi.responses import RedirectResponse

from tongban.domain.errors import DomainError, ValidationFailed
from tongban.domain.people.model import Principal, Role
from tongban.domain.service_desk.hard_cases import HardCaseStatus, HardCaseType, Outcome
from tongban.services.cases import queries as case_queries
from tongban.services.network.queries import pickup_centres
from tongban.services.platform import access, audit
from tongban.services.platform.context import Actor
from tongban.services.platform.unit_of_work import UnitOfWork
from tongban.services.service_desk import hard_case_queries as queries
from tongban.services.service_desk import hard_cases as svc
from tongban.services.service_desk import stats
from tongban.services.service_desk.access import HARD_CASE_STAFF, HARD_CASE_STATS
from tongban.web import paging
from tongban.web.deps import ContainerDep, actor_for, allow, today_of
from tongban.web.idempotency import form_key, new_form_key, run_form_once
from tongban.web.pages.service_desk.common import Page, act, text_of, version_of
from tongban.web.templating import render

router = APIRouter(tags=["pages"], include_in_schema=False)
Person = Annotated[Principal, Depends(allow(access.APPLICANT))]
Clerk = Annotated[Principal, Depends(allow(access.CASE_CLERKS))]
Staff = Annotated[Principal, Depends(allow(HARD_CASE_STAFF))]
Counter = Annotated[Principal, Depends(allow(HARD_CASE_STATS))]
Number = Annotated[str, PathParam(max_length=20, pattern=r"^[A-Za-z0-9-]+$")]
StaffAction = Annotated[str, PathParam(pattern="^(owner|note|resolve)$")]
DONE = {
    "raised": "问题已登记，我们会尽快处理。",
    "owner": "承办人已确定。",
    "note": "处理记录已添加。",
    "resolve": "问题已办结，已请反映人回访。",
    "feedback": "谢谢您的反馈。",
}
RAISE_FIELDS = ("type", "summary", "description", "case_number", "centre_code", "person_number")


def _done(request: Request) -> str | None:
    return DONE.get(request.query_params.get("done", ""))


def _raise_input(form: Any) -> svc.RaiseInput:
    v = {name: str(form.get(name) or "") for name in RAISE_FIELDS}
    return svc.RaiseInput(
        type=v["type"],
        summary=v["summary"],
        description=v["description"],
        case_number=v["case_number"] or None,
        centre_code=v["centre_code"] or None,
        person_number=v["person_number"] or None,
    )


def _choices() -> dict[str, Any]:
    return {"types": list(HardCaseType), "outcomes": list(Outcome)}


# --- the person concerned ---------------------------------------------------------------------


def _my_list(request: Request, container: ContainerDep, principal: Principal) -> dict[str, Any]:
    with container.read() as uow:
        found = queries.hard_case_page(
            uow.conn,
            principal,
            today_of(request),
            paging.page_from(request.query_params.get("after")),
        )
        centres = pickup_centres(uow.conn)
        # the 20 newest as suggestions for the case number field (any number may be typed)
        recent = paging.PageRequest(limit=20)
        own_cases = case_queries.case_list(uow.conn, principal, "mine", recent).rows
    return {
        "rows": found.rows,
        **paging.more_links(request, found.next),
        "centres": centres,
        "own_cases": own_cases,
        "errors": {},
        "v": {"case_number": request.query_params.get("case", "")},
        "idem": new_form_key(),
        "done": _done(request),
        **_choices(),
    }


@router.get("/my/hard-cases")
def my_hard_cases(request: Request, container: ContainerDep, principal: Person) -> Response:
    """办不成事？ The person's escalations and the form to raise one."""
    return render(
        request, "service_desk/my_hard_cases.html", _my_list(request, container, principal)
    )


@router.post("/my/hard-cases")
async def raise_online(request: Request, container: ContainerDep, principal: Person) -> Response:
    """Raise a problem; a wrong field shows beside itself and nothing is saved.  The page's
    hidden key makes a second click show the first escalation."""
    form = await request.form()
    days = container.settings.hard_case_days

    def raise_(uow: UnitOfWork, actor: Actor) -> dict[str, str]:
        return {"number": svc.raise_hard_case(uow, actor, _raise_input(form), days=days).number}

    try:
        outcome = await run_form_once(request, container, raise_)
    except DomainError as error:
        context = _my_list(request, container, principal)
        values = {name: str(form.get(name) or "") for name in RAISE_FIELDS}
        context.update(error=error, errors=error.fields, v=values, idem=form_key(form), done=None)
        return render(request, "service_desk/my_hard_cases.html", context, status_code=error.status)
    return RedirectResponse(f"/my/hard-cases/{outcome.body['number']}?done=raised", 303)


def _my_page(
    request: Request, container: ContainerDep, principal: Principal, number: str
) -> dict[str, Any]:
    with container.read() as uow:
        view = queries.hard_case_view(uow.conn, principal, number, today_of(request))
    return {"h": view, "errors": {}, "v": {}, "done": _done(request), **_choices()}


@router.get("/my/hard-cases/{number}")
def my_hard_case(
    number: Number, request: Request, container: ContainerDep, principal: Person
) -> Response:
    """The escalation, what was done, and 问题解决了吗？ once it is resolved."""
    context = _my_page(request, container, principal, number)
    return render(request, "service_desk/my_hard_case.html", context)


@router.post("/my/hard-cases/{number}/feedback")
async def my_feedback(
    number: Number, request: Request, container: ContainerDep, principal: Person
) -> Response:
    form = await request.form()
    actor, days = actor_for(request), container.settings.hard_case_days

    def change(uow: UnitOfWork) -> object:
        answer = text_of(form, "solved")
        if answer not in ("yes", "no"):
            raise ValidationFailed(fields={"solved": "请选择问题是否已解决"})
        comment = text_of(form, "comment")
        return svc.answer_follow_up(uow, actor, number, answer == "yes", comment, days=days)

    page: Page = (
        "service_desk/my_hard_case.html",
        lambda: _my_page(request, container, principal, number),
    )
    values = {"comment": text_of(form, "comment")}
    return act(request, container, change, f"/my/hard-cases/{number}?done=feedback", page, values)


# --- the centre -------------------------------------------------------------------------------


def _staff_list(request: Request, container: ContainerDep, principal: Principal) -> dict[str, Any]:
    status_text = request.query_params.get("status", "")
    status = HardCaseStatus(status_text) if status_text in set(HardCaseStatus) else None
    overdue = request.query_params.get("overdue") == "1"
    with container.read() as uow:
        found = queries.hard_case_page(
            uow.conn,
            principal,
            today_of(request),
            paging.page_from(request.query_params.get("after")),
            status=status,
            overdue_only=overdue,
        )
    return {
        "rows": found.rows,
        **paging.more_links(request, found.next),
        "status": status,
        "statuses": list(HardCaseStatus),
        "overdue": overdue,
        "is_clerk": principal.has_role(Role.CLERK),
        "is_manager": principal.has_role(Role.CENTRE_MANAGER),
        "errors": {},
        "v": {},
        "idem": new_form_key(),
        "done": _done(request),
        **_choices(),
    }


@router.get("/centre/hard-cases")
def centre_hard_cases(request: Request, container: ContainerDep, principal: Staff) -> Response:
    """办不成事窗口: the centre's escalations, the overdue first; a clerk registers a new one."""
    context = _staff_list(request, container, principal)
    return render(request, "service_desk/hard_cases.html", context)


@router.post("/centre/hard-cases")
async def raise_at_window(request: Request, container: ContainerDep, principal: Clerk) -> Response:
    """A clerk registers a problem (for a person named by number, or about a case)."""
    form = await request.form()
    days = container.settings.hard_case_days

    def raise_(uow: UnitOfWork, actor: Actor) -> dict[str, str]:
        return {"number": svc.raise_hard_case(uow, actor, _raise_input(form), days=days).number}

    try:
        outcome = await run_form_once(request, container, raise_)
    except DomainError as error:
        context = _staff_list(request, container, principal)
        values = {name: str(form.get(name) or "") for name in RAISE_FIELDS}
        context.update(error=error, errors=error.fields, v=values, idem=form_key(form), done=None)
        return render(request, "service_desk/hard_cases.html", context, status_code=error.status)
    return RedirectResponse(f"/centre/hard-cases/{outcome.body['number']}?done=raised", 303)


@router.get("/centre/hard-cases/stats")
def hard_case_stats(
    request: Request,
    container: ContainerDep,
    principal: Counter,
    since: Annotated[date | None, Query()] = None,
    until: Annotated[date | None, Query()] = None,
) -> Response:
    """办不成事统计: by type, centre and outcome, with the overdue and the people's answers."""
    try:
        with container.read() as uow:
            found = stats.hard_case_stats(
                uow.conn, principal, today_of(request), since=since, until=until
            )
    except ValidationFailed as error:
        with container.read() as uow:
            found = stats.hard_case_stats(uow.conn, principal, today_of(request))
        context = {"s": found, "error": error, "errors": error.fields}
        return render(
            request, "service_desk/hard_case_stats.html", context, status_code=error.status
        )
    return render(request, "service_desk/hard_case_stats.html", {"s": found, "errors": {}})


def _staff_page(
    request: Request, container: ContainerDep, principal: Principal, number: str
) -> dict[str, Any]:
    with container.read() as uow:
        view = queries.hard_case_view(uow.conn, principal, number, today_of(request))
    return {"h": view, "errors": {}, "v": {}, "done": _done(request), **_choices()}


@router.get("/centre/hard-cases/{number}")
def centre_hard_case(
    number: Number, request: Request, container: ContainerDep, principal: Staff
) -> Response:
    """One escalation with the person's contact (the read is in their access log), its history
    and the forms for the owner, a note and the resolution."""
    context = _staff_page(request, container, principal, number)
    view: queries.HardCaseView = context["h"]
    if view.person is not None:
        with container.uow() as uow:
            audit.log_data_access(
                uow, actor_for(request), view.person.id, f"hard_case:{view.number}", "办不成事"
            )
    return render(request, "service_desk/hard_case.html", context)


@router.post("/centre/hard-cases/{number}/{action}")
async def centre_action(
    number: Number,
    action: StaffAction,
    request: Request,
    container: ContainerDep,
    principal: Staff,
) -> Response:
    form = await request.form()
    actor = actor_for(request)

    def change(uow: UnitOfWork) -> object:
        version = version_of(form)
        if action == "owner":
            raw = text_of(form, "owner_id").strip()
            if raw and not raw.isdigit():
                raise ValidationFailed(fields={"owner_id": "请选择承办人"})
            return svc.assign_owner(uow, actor, number, int(raw) if raw else None, version)
        if action == "note":
            return svc.add_note(uow, actor, number, text_of(form, "body"), version)
        outcome, text = text_of(form, "outcome"), text_of(form, "resolution")
        return svc.resolve(uow, actor, number, outcome, text, version)

    page: Page = (
        "service_desk/hard_case.html",
        lambda: _staff_page(request, container, principal, number),
    )
    values = {k: text_of(form, k) for k in ("body", "outcome", "resolution")}
    done = f"/centre/hard-cases/{number}?done={action}"
    return act(request, container, change, done, page, values)
