"""The online approval centre (网上审批中心): the shared queue and reviewer figures.

``/approval-centre`` shows the queue, every reviewer's load and throughput and the held
applications; the section chief assigns, distributes by the strategy and reassigns there, and
sets the strategy and skills on ``/approval-centre/settings``.  ``/approval-centre/mine`` is a
reviewer's own list: claim the next application, release one, and open it on the case page.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi import Path as PathParam
from fastapi.responses import RedirectResponse
from starlette.datastructures import FormData

from tongban.bootstrap import Container
from tongban.domain.approval.model import STRATEGY_LABELS, Strategy
from tongban.domain.errors import DomainError, ValidationFailed
from tongban.domain.people.model import Principal
from tongban.services.approval_centre import assignment as centre
from tongban.services.approval_centre import queries as q
from tongban.services.approval_centre.access import (
    APPROVAL_CENTRE_CHIEFS,
    APPROVAL_CENTRE_STAFF,
    scope_of,
)
from tongban.services.platform.unit_of_work import UnitOfWork
from tongban.web import paging
from tongban.web.api.approval_centre import served
from tongban.web.deps import ContainerDep, actor_for, allow, now_of
from tongban.web.templating import render

router = APIRouter(tags=["pages"], include_in_schema=False)
CentreStaff = Annotated[Principal, Depends(allow(APPROVAL_CENTRE_STAFF))]
CentreChief = Annotated[Principal, Depends(allow(APPROVAL_CENTRE_CHIEFS))]
MineAction = Annotated[str, PathParam(pattern="^(claim|claim-next|release)$")]
ManageAction = Annotated[str, PathParam(pattern="^(assign|assign-queue|reassign)$")]
HELD_AFTER = "held_after"
"""The held list's own cursor: the overview pages its queue and its held list separately."""
CHINA = timezone(timedelta(hours=8))
DONE = {
    "claim": "已领取该申请。",
    "claim-next": "已领取下一件申请。",
    "release": "已退回队列。",
    "assign": "已分派。",
    "assign-queue": "已按分派策略分派队列中的申请。",
    "reassign": "已改派。",
    "settings": "设置已保存。",
}


def local(at: datetime | None) -> str:
    """A moment as China time, minutes precision, for tables."""
    return at.astimezone(CHINA).strftime("%Y-%m-%d %H:%M") if at else "—"


def _number(form: FormData) -> str:
    value = str(form.get("number") or "").strip()
    if not value:
        raise ValidationFailed(fields={"number": "请选择申请"})
    return value


def _user_id(form: FormData, name: str, *, required: bool) -> int | None:
    raw = str(form.get(name) or "").strip()
    if not raw:
        if required:
            raise ValidationFailed(fields={name: "请选择审批人员"})
        return None
    try:
        return int(raw)
    except ValueError:
        raise ValidationFailed(fields={name: "请选择审批人员"}) from None


def _overview(request: Request, container: Container, principal: Principal) -> dict[str, Any]:
    with container.read() as uow:
        scope = scope_of(uow.conn, principal, served(container))
        ids = scope.department_ids
        figures = q.figures(uow.conn, ids, now_of(request))
        queue = q.queue_page(uow.conn, ids, paging.page_from(request.query_params.get("after")))
        held = q.held_page(uow.conn, ids, paging.page_from(request.query_params.get(HELD_AFTER)))
        context = {
            "scope": scope,
            "queue": queue.rows,
            "queue_pages": paging.more_links(request, queue.next),
            "held": held.rows,
            "held_pages": paging.more_links(request, held.next, HELD_AFTER),
            "held_count": q.held_count(uow.conn, ids),
            "figures": figures,
            "reviewers": [r for r, _ in figures.reviewers],
            "settings": centre.settings_for(uow.conn, scope),
        }
    context.update(local=local, strategy_labels=STRATEGY_LABELS, done=_done(request))
    return context


def _mine(request: Request, container: Container, principal: Principal) -> dict[str, Any]:
    with container.read() as uow:
        scope = scope_of(uow.conn, principal, served(container))
        ids, me = scope.department_ids, scope.user_id
        found = q.held_page(uow.conn, ids, paging.page_from(request.query_params.get("after")), me)
        context: dict[str, Any] = {
            "scope": scope,
            "mine": found.rows,
            "mine_count": q.held_count(uow.conn, ids, me),
            "waiting": q.queue_count(uow.conn, ids),
            **paging.more_links(request, found.next),
        }
    context.update(local=local, done=_done(request))
    return context


def _done(request: Request) -> str | None:
    return DONE.get(request.query_params.get("done", ""))


def _act(
    request: Request,
    container: Container,
    change: Callable[[UnitOfWork], object],
    done: str,
    page: tuple[str, Callable[[Request, Any, Principal], dict[str, Any]]],
    principal: Principal,
) -> Response:
    """Run one change; on a domain error show the page again with the message."""
    try:
        with container.uow() as uow:
            change(uow)
    except DomainError as error:
        template, build = page
        context = build(request, container, principal)
        context.update(error=error, errors=error.fields, done=None)
        return render(request, template, context, status_code=error.status)
    return RedirectResponse(done, status_code=303)


@router.get("/approval-centre")
def overview(request: Request, container: ContainerDep, principal: CentreStaff) -> Response:
    """The queue, the reviewers' figures and who holds what; the chief's controls."""
    context = _overview(request, container, principal)
    return render(request, "approval_centre/overview.html", context)


@router.get("/approval-centre/mine")
def mine(request: Request, container: ContainerDep, principal: CentreStaff) -> Response:
    """我在办的申请: the reviewer's own list, claim-next and release."""
    return render(request, "approval_centre/mine.html", _mine(request, container, principal))


@router.post("/approval-centre/mine/{action}")
async def mine_action(
    request: Request, action: MineAction, container: ContainerDep, principal: CentreStaff
) -> Response:
    form = await request.form()
    actor = actor_for(request)
    departments = served(container)

    def change(uow: UnitOfWork) -> object:
        if action == "claim-next":
            return centre.claim_next(uow, actor, departments)
        if action == "claim":
            return centre.claim(uow, actor, departments, _number(form))
        return centre.release(uow, actor, departments, _number(form))

    back = ("approval_centre/overview.html", _overview)
    if action != "claim" or form.get("from") == "mine":
        back = ("approval_centre/mine.html", _mine)
    return _act(request, container, change, f"/approval-centre/mine?done={action}", back, principal)


@router.post("/approval-centre/manage/{action}")
async def manage_action(
    request: Request, action: ManageAction, container: ContainerDep, principal: CentreChief
) -> Response:
    """The chief: assign one (to a named reviewer or by the strategy), distribute the queue,
    reassign one application or all of a reviewer's."""
    form = await request.form()
    actor = actor_for(request)
    departments = served(container)

    def change(uow: UnitOfWork) -> object:
        if action == "assign":
            who = _user_id(form, "assignee_id", required=False)
            return centre.assign(uow, actor, departments, _number(form), who)
        if action == "assign-queue":
            return centre.assign_queue(uow, actor, departments, centre.MAX_BATCH)
        to = _user_id(form, "to_user_id", required=True)
        assert to is not None
        number = str(form.get("number") or "").strip() or None
        source = _user_id(form, "from_user_id", required=number is None)
        return centre.reassign(uow, actor, departments, to, number=number, from_user_id=source)

    back = ("approval_centre/overview.html", _overview)
    return _act(request, container, change, f"/approval-centre?done={action}", back, principal)


def _settings(request: Request, container: Container, principal: Principal) -> dict[str, Any]:
    with container.read() as uow:
        scope = scope_of(uow.conn, principal, served(container))
        chief_ids = sorted(scope.chief_of)
        return {
            "scope": scope,
            "forms": [(q.settings(uow.conn, i), q.reviewers(uow.conn, [i])) for i in chief_ids],
            "strategies": list(Strategy),
            "done": _done(request),
        }


@router.get("/approval-centre/settings")
def settings_page(request: Request, container: ContainerDep, principal: CentreChief) -> Response:
    """分派设置: the strategy and each reviewer's skills, per department the chief leads."""
    context = _settings(request, container, principal)
    return render(request, "approval_centre/settings.html", context)


@router.post("/approval-centre/settings")
async def save_settings(
    request: Request, container: ContainerDep, principal: CentreChief
) -> Response:
    form = await request.form()
    actor = actor_for(request)

    def change(uow: UnitOfWork) -> object:
        try:
            strategy = Strategy(str(form.get("strategy") or ""))
        except ValueError:
            raise ValidationFailed(fields={"strategy": "请选择分派策略"}) from None
        try:
            version = int(str(form.get("version") or ""))
        except ValueError:
            raise ValidationFailed(fields={"version": "请刷新页面后重试"}) from None
        skills: dict[int, list[str]] = {}
        for name, value in form.multi_items():
            if name.startswith("skills.") and name[7:].isdigit():
                parts = str(value).replace("，", ",").replace("\n", ",").split(",")
                skills[int(name[7:])] = [p for p in parts if p.strip()]
        code = str(form.get("department_code") or "") or None
        return centre.update_settings(
            uow, actor, served(container), strategy, skills, version, code
        )

    back = ("approval_centre/settings.html", _settings)
    return _act(
        request, container, change, "/approval-centre/settings?done=settings", back, principal
    )
