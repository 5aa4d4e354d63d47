"""好差评 pages.

The applicant rates a finished case at ``/my/cases/{number}/rating`` (and changes it once, and
rates again after a rectification's response); the SMS link opens ``/rate/{token}`` without
log-in; a window's second screen shows the rating pad at ``/window/pad``; the item's
department works on rectification tasks at ``/evaluation/rectifications``; leaders, centre
managers and department heads read ``/evaluation/stats`` for their scope.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi import Path as PathParam
from fastapi.responses import RedirectResponse
from starlette.datastructures import FormData

from tongban.domain.errors import DomainError, ValidationFailed
from tongban.domain.evaluation.model import Dimension, Level
from tongban.domain.evaluation.rectification import CallbackOutcome, RectificationStatus
from tongban.domain.people.model import Principal, Role
from tongban.services.evaluation import links, pad, queries, rectifications, stats
from tongban.services.evaluation import ratings as svc
from tongban.services.evaluation.access import (
    PAD,
    RATERS,
    RATING_STATS,
    RECTIFICATION_WORKERS,
    RECTIFIERS,
)
from tongban.services.platform import access, audit
from tongban.services.platform.unit_of_work import UnitOfWork
from tongban.web.deps import ContainerDep, actor_for, allow, now_of, today_of
from tongban.web.pages.service_desk.common import Page, act, text_of, version_of
from tongban.web.templating import render

router = APIRouter(tags=["pages"], include_in_schema=False)
Rater = Annotated[Principal, Depends(allow(RATERS))]
Anyone = Annotated[Principal | None, Depends(allow(access.PUBLIC))]
Counter = Annotated[Principal, Depends(allow(RATING_STATS))]
Reader = Annotated[Principal, Depends(allow(RECTIFIERS))]
Worker = Annotated[Principal, Depends(allow(RECTIFICATION_WORKERS))]
Pad = Annotated[Principal, Depends(allow(PAD))]
CaseNumber = Annotated[str, PathParam(max_length=40, pattern=r"^[A-Za-z0-9-]+$")]
TaskNumber = Annotated[str, PathParam(max_length=20, pattern=r"^[A-Za-z0-9-]+$")]
Token = Annotated[str, PathParam(max_length=100, pattern=r"^[A-Za-z0-9._-]+$")]
TaskAction = Annotated[str, PathParam(pattern="^(owner|callback|respond)$")]
DONE = {
    "rated": "谢谢您的评价！",
    "edited": "评价已修改。",
    "re_rated": "谢谢您再次评价。",
    "owner": "整改责任人已指定。",
    "callback": "回访已登记。",
    "respond": "整改答复已提交，已请评价人再次评价。",
}


def _done(request: Request) -> str | None:
    return DONE.get(request.query_params.get("done", ""))


def _marks(form: FormData) -> tuple[str, dict[str, object], str]:
    dims: dict[str, object] = {d.value: text_of(form, f"dim_{d.value}") for d in Dimension}
    return text_of(form, "level"), dims, text_of(form, "comment")


def _form_values(form: FormData) -> dict[str, str]:
    values = {"level": text_of(form, "level"), "comment": text_of(form, "comment")}
    values.update({f"dim_{d.value}": text_of(form, f"dim_{d.value}") for d in Dimension})
    return values


def _choices() -> dict[str, Any]:
    return {
        "levels": list(Level),
        "dimensions": list(Dimension),
        "outcomes": list(CallbackOutcome),
        "statuses": list(RectificationStatus),
    }


# --- the applicant ------------------------------------------------------------------------------


def _case_page(
    request: Request, container: ContainerDep, principal: Principal, number: str
) -> dict[str, Any]:
    days = container.settings.rating_edit_days
    with container.read() as uow:
        view = queries.case_rating(uow.conn, principal, number, now_of(request), days)
    values: dict[str, str] = {}
    if view.level is not None:
        values = {"level": view.level.value, "comment": view.comment}
        values.update({f"dim_{k}": v for k, v in view.dimensions.items()})
    return {"r": view, "errors": {}, "v": values, "done": _done(request), **_choices()}


@router.get("/my/cases/{number}/rating")
def my_case_rating(
    number: CaseNumber, request: Request, container: ContainerDep, principal: Rater
) -> Response:
    """评价本次办事: the form once the case is finished, the rating given, and what became of a
    poor rating (the department's response, and one more rating after it)."""
    context = _case_page(request, container, principal, number)
    return render(request, "evaluation/rate_case.html", context)


@router.post("/my/cases/{number}/rating")
async def rate_my_case(
    number: CaseNumber, request: Request, container: ContainerDep, principal: Rater
) -> Response:
    """Rate (or, when rated, change the rating once); refused, the form shows why and nothing
    is saved."""
    form = await request.form()
    actor, settings = actor_for(request), container.settings
    edit = text_of(form, "edit") == "1"

    def change(uow: UnitOfWork) -> object:
        level, dims, comment = _marks(form)
        if edit:
            return svc.edit_case_rating(
                uow,
                actor,
                number,
                level,
                dims,
                comment,
                edit_days=settings.rating_edit_days,
                rectification_days=settings.rectification_days,
            )
        return svc.rate_case(
            uow, actor, number, level, dims, comment, rectification_days=settings.rectification_days
        )

    page: Page = (
        "evaluation/rate_case.html",
        lambda: _case_page(request, container, principal, number),
    )
    done = f"/my/cases/{number}/rating?done={'edited' if edit else 'rated'}"
    return act(request, container, change, done, page, _form_values(form))


@router.post("/my/cases/{number}/rating/again")
async def re_rate_my_case(
    number: CaseNumber, request: Request, container: ContainerDep, principal: Rater
) -> Response:
    """复评: once, after the department's response to a poor rating."""
    form = await request.form()
    actor = actor_for(request)

    def change(uow: UnitOfWork) -> object:
        return rectifications.re_rate(uow, actor, text_of(form, "task"), text_of(form, "level"))

    page: Page = (
        "evaluation/rate_case.html",
        lambda: _case_page(request, container, principal, number),
    )
    return act(request, container, change, f"/my/cases/{number}/rating?done=re_rated", page)


# --- the SMS link -------------------------------------------------------------------------------


def _link_page(request: Request, container: ContainerDep, token: str) -> dict[str, Any]:
    with container.read() as uow:
        found = links.open_link(uow.conn, container.secret_key, token, now_of(request))
    return {"link": found, "token": token, "errors": {}, "v": {}, "done": None, **_choices()}


@router.get("/rate/{token}")
def rating_link(token: Token, request: Request, container: ContainerDep, _who: Anyone) -> Response:
    """短信评价: the form of the case the link is bound to, no log-in needed."""
    try:
        context = _link_page(request, container, token)
    except DomainError as error:
        return render(
            request, "evaluation/link_refused.html", {"error": error}, status_code=error.status
        )
    return render(request, "evaluation/rate_link.html", context)


@router.post("/rate/{token}")
async def rate_by_link(
    token: Token, request: Request, container: ContainerDep, _who: Anyone
) -> Response:
    form = await request.form()
    actor, settings = actor_for(request), container.settings
    try:
        with container.uow() as uow:
            level, dims, comment = _marks(form)
            links.rate_by_link(
                uow,
                actor,
                container.secret_key,
                token,
                level,
                dims,
                comment,
                rectification_days=settings.rectification_days,
            )
    except DomainError as error:
        try:
            context = _link_page(request, container, token)
        except DomainError:
            return render(
                request, "evaluation/link_refused.html", {"error": error}, status_code=error.status
            )
        context.update(error=error, errors=error.fields, v=_form_values(form))
        return render(request, "evaluation/rate_link.html", context, status_code=error.status)
    return render(request, "evaluation/link_thanks.html", {})


# --- the window pad -----------------------------------------------------------------------------


def _pad_context(request: Request, container: ContainerDep) -> dict[str, Any]:
    with container.read() as uow:
        offered = pad.pad_ticket(uow.conn, actor_for(request), container.secret_key)
    return {"offered": offered, "levels": list(Level), "done": request.query_params.get("done")}


@router.get("/window/pad")
def pad_page(request: Request, container: ContainerDep, _who: Pad) -> Response:
    """评价器: the window's second screen; five large buttons appear for the ticket just served
    and disappear once it is rated."""
    return render(request, "evaluation/pad.html", _pad_context(request, container))


@router.get("/window/pad/live")
def pad_live(request: Request, container: ContainerDep, _who: Pad) -> Response:
    response = render(
        request, "evaluation/pad.html", _pad_context(request, container), block="live"
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@router.post("/window/pad")
async def pad_rate(request: Request, container: ContainerDep, _who: Pad) -> Response:
    form = await request.form()
    actor, days = actor_for(request), container.settings.rectification_days
    try:
        ticket_id = int(text_of(form, "ticket_id") or "0")
        with container.uow() as uow:
            pad.rate_ticket(
                uow,
                actor,
                container.secret_key,
                ticket_id,
                text_of(form, "token"),
                text_of(form, "level"),
                rectification_days=days,
            )
    except (DomainError, ValueError) as error:
        shown = error if isinstance(error, DomainError) else ValidationFailed()
        context = _pad_context(request, container)
        context["error"] = shown
        return render(request, "evaluation/pad.html", context, status_code=shown.status)
    return RedirectResponse("/window/pad?done=1", status_code=303)


# --- statistics ---------------------------------------------------------------------------------


@router.get("/evaluation/stats")
def stats_page(
    request: Request,
    container: ContainerDep,
    principal: Counter,
    since: Annotated[date | None, Query()] = None,
    until: Annotated[date | None, Query()] = None,
) -> Response:
    """好差评统计 of the reader's scope: by item, department, centre and member of staff."""
    with container.read() as uow:
        found = stats.rating_stats(uow.conn, principal, since, until)
    return render(request, "evaluation/stats.html", {"s": found, "levels": list(Level)})


# --- rectification ------------------------------------------------------------------------------


@router.get("/evaluation/rectifications")
def task_list(request: Request, container: ContainerDep, principal: Reader) -> Response:
    text = request.query_params.get("status", "")
    status = RectificationStatus(text) if text in set(RectificationStatus) else None
    with container.read() as uow:
        rows = queries.task_list(uow.conn, principal, today_of(request), status=status)
    context = {"rows": rows, "status": status, **_choices()}
    return render(request, "evaluation/rectifications.html", context)


def _task_page(
    request: Request, container: ContainerDep, principal: Principal, number: str
) -> dict[str, Any]:
    with container.read() as uow:
        view = queries.task_view(uow.conn, principal, number, today_of(request))
    if view.rater is not None:
        with container.uow() as uow:  # the rater's phone, read to call them back: logged
            audit.log_data_access(
                uow,
                actor_for(request),
                view.rater.id,
                f"rectification:{view.summary.number}",
                "差评回访",
            )
    return {
        "t": view,
        "may_act": principal.has_role(Role.SECTION_CHIEF, Role.REVIEWER),
        "is_head": principal.has_role(Role.SECTION_CHIEF),
        "today": today_of(request),
        "errors": {},
        "v": {},
        "done": _done(request),
        **_choices(),
    }


@router.get("/evaluation/rectifications/{number}")
def task_page(
    number: TaskNumber, request: Request, container: ContainerDep, principal: Reader
) -> Response:
    return render(
        request, "evaluation/rectification.html", _task_page(request, container, principal, number)
    )


@router.post("/evaluation/rectifications/{number}/{action}")
async def task_action(
    number: TaskNumber,
    action: TaskAction,
    request: Request,
    container: ContainerDep,
    principal: Worker,
) -> Response:
    form = await request.form()
    actor = actor_for(request)

    def change(uow: UnitOfWork) -> object:
        version = version_of(form)
        if action == "owner":
            try:
                owner = int(text_of(form, "owner_id"))
            except ValueError:
                raise ValidationFailed(fields={"owner_id": "请填写责任人的用户编号"}) from None
            return rectifications.assign_owner(uow, actor, number, owner, version)
        if action == "callback":
            try:
                called_on = date.fromisoformat(text_of(form, "called_on"))
            except ValueError:
                raise ValidationFailed(fields={"called_on": "请填写回访日期"}) from None
            return rectifications.record_callback(
                uow,
                actor,
                number,
                called_on,
                text_of(form, "outcome"),
                text_of(form, "note"),
                version,
            )
        return rectifications.respond(uow, actor, number, text_of(form, "response"), version)

    page: Page = (
        "evaluation/rectification.html",
        lambda: _task_page(request, container, principal, number),
    )
    values = {k: text_of(form, k) for k in ("owner_id", "called_on", "outcome", "note", "response")}
    return act(
        request,
        container,
        change,
        f"/evaluation/rectifications/{number}?done={action}",
        page,
        values,
    )
