"""Queue pages (取号叫号): the waiting-room board of a centre (public, large type, live), taking a
number at the entrance (a clerk for a visitor, or a signed-in visitor for themselves), the
printed ticket, and a clerk's window — open it, call the next number, recall, start, finish,
no-show, transfer, close.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi import Path as PathParam
from fastapi.responses import RedirectResponse
from starlette.datastructures import FormData

from tongban.domain.errors import DomainError, PermissionDenied, ValidationFailed
from tongban.domain.people.model import Principal, Role
from tongban.domain.visits.queue import PriorityReason, TicketNotFound
from tongban.services.network import queries as network
from tongban.services.platform import access
from tongban.services.service_desk import hard_case_queries
from tongban.services.visits import figures, queue, queue_reads
from tongban.web.api.queue import apply_action
from tongban.web.deps import ContainerDep, actor_for, allow, today_of
from tongban.web.templating import render

router = APIRouter(tags=["pages"], include_in_schema=False)

Anyone = Annotated[Principal | None, Depends(allow(access.PUBLIC))]
Taker = Annotated[Principal, Depends(allow(access.CASE_APPLICANT_OR_CLERK))]
Clerk = Annotated[Principal, Depends(allow(access.CASE_CLERKS))]
Code = Annotated[str, PathParam(max_length=40)]
WindowAction = Annotated[
    str, PathParam(pattern="^(open|close|call-next|recall|start|finish|no-show|transfer)$")
]


def _board_context(request: Request, container: ContainerDep, code: str) -> dict[str, Any]:
    with container.read() as uow:
        shown = queue_reads.board(uow.conn, code, today_of(request))
    return {"board": shown, "centre": shown.centre}


@router.get("/centres/{code}/board")
def board_page(request: Request, code: Code, container: ContainerDep, _who: Anyone) -> Response:
    """The waiting-room board: readable across a hall, refreshed every few seconds, and the
    newest call spoken by the page where the browser can speak."""
    return render(request, "queue/board.html", _board_context(request, container, code))


@router.get("/centres/{code}/board/live")
def board_live(request: Request, code: Code, container: ContainerDep, _who: Anyone) -> Response:
    """The board's calls and counts alone (htmx swaps them in)."""
    context = _board_context(request, container, code)
    response = render(request, "queue/board.html", context, block="live")
    response.headers["Cache-Control"] = "no-store"
    return response


def take_page_context(container: ContainerDep, code: str) -> dict[str, Any]:
    with container.read() as uow:
        centre = network.centre(uow.conn, code)
    groups = [g for g in centre.window_groups if centre.windows_of(g.code)]
    return {
        "centre": centre,
        "groups": groups,
        "reasons": list(PriorityReason),
        "errors": {},
        "v": {},
    }


@router.get("/centres/{code}/take")
def take_page(request: Request, code: Code, container: ContainerDep, _who: Taker) -> Response:
    """取号: choose the kind of business (or an item code); a clerk at the entrance may say
    why the visitor goes first."""
    return render(request, "queue/take.html", take_page_context(container, code))


@router.post("/centres/{code}/take")
async def take(request: Request, code: Code, container: ContainerDep, who: Taker) -> Response:
    form = await request.form()
    reason_text = str(form.get("priority_reason") or "")
    try:
        if reason_text and reason_text not in {r.value for r in PriorityReason}:
            raise ValidationFailed(fields={"priority_reason": "优先原因无效"})
        reason = PriorityReason(reason_text) if reason_text else None
        if reason is not None and not who.has_role(Role.CLERK):
            raise ValidationFailed(fields={"priority_reason": "优先取号请向现场工作人员出示证件"})
        with container.uow() as uow:
            ticket = queue.take_ticket(
                uow,
                actor_for(request),
                code,
                group_code=str(form.get("group_code") or "") or None,
                item_code=str(form.get("item_code") or "").strip() or None,
                priority_reason=reason,
            )
    except DomainError as error:
        context = take_page_context(container, code)
        context.update(errors=error.fields, error=error, v=dict(form))
        return render(request, "queue/take.html", context, status_code=error.status)
    return RedirectResponse(f"/queue/tickets/{ticket.id}", status_code=303)


@router.get("/queue/tickets/{ticket_id}")
def ticket_page(request: Request, ticket_id: int, container: ContainerDep, who: Taker) -> Response:
    """The ticket as printed at the entrance, or on the visitor's phone: the number, the
    group, how many wait before it."""
    with container.read() as uow:
        ticket = queue.get_ticket(uow.conn, ticket_id)
        if not who.is_staff and ticket.user_id != who.user_id:
            raise TicketNotFound()
        if who.is_staff and not any(
            a.centre_code == ticket.centre_code for a in who.assignments(Role.CLERK)
        ):
            raise TicketNotFound()
        centre = network.centre(uow.conn, ticket.centre_code)
        ahead = queue_reads.ahead_of(uow.conn, ticket)
    group = centre.group(ticket.group_code)
    context = {"ticket": ticket, "centre": centre, "group": group, "ahead": ahead}
    return render(request, "queue/ticket.html", context)


def _window_context(request: Request, container: ContainerDep, who: Principal) -> dict[str, Any]:
    actor = actor_for(request)
    with container.read() as uow:
        window = queue.open_window_of(uow.conn, actor)
        tickets = queue_reads.window_queue(uow.conn, window, today_of(request)) if window else []
        centres = [
            network.centre(uow.conn, a.centre_code)
            for a in who.assignments(Role.CLERK)
            if a.centre_code
        ]
    centre = next((c for c in centres if window and c.code == window.centre_code), None)
    return {
        "window": window,
        "centre": centre,
        "centres": centres,
        "current": [t for t in tickets if t.status.value in ("called", "serving")],
        "waiting": [t for t in tickets if t.status.value == "waiting"],
        "errors": {},
        "v": {},
    }


@router.get("/window/queue")
def window_page(request: Request, container: ContainerDep, who: Clerk) -> Response:
    """The clerk's window: open one, then call and serve its queue."""
    return render(request, "queue/window.html", _window_context(request, container, who))


@router.post("/window/queue/{action}")
async def window_action(
    request: Request, action: WindowAction, container: ContainerDep, who: Clerk
) -> Response:
    form = await request.form()
    actor = actor_for(request)
    try:
        with container.uow() as uow:
            _act(uow, actor, action, form)
    except DomainError as error:
        context = _window_context(request, container, who)
        context.update(errors=error.fields, error=error, v=dict(form))
        return render(request, "queue/window.html", context, status_code=error.status)
    return RedirectResponse(f"/window/queue?done={action}", status_code=303)


def _act(uow: Any, actor: Any, action: str, form: FormData) -> object:
    if action == "open":
        try:
            number = int(str(form.get("number") or ""))
        except ValueError:
            raise ValidationFailed(fields={"number": "请选择窗口号"}) from None
        return queue.open_window(uow, actor, str(form.get("centre_code") or ""), number)
    if action == "close":
        queue.close_window(uow, actor)
        return None
    if action == "call-next":
        return queue.call_next(uow, actor)
    try:
        ticket_id = int(str(form.get("ticket") or ""))
    except ValueError:
        raise TicketNotFound() from None
    case_number = str(form.get("case_number") or "").strip() or None
    group = str(form.get("group_code") or "").strip() or None
    return apply_action(uow, actor, ticket_id, action, case_number, group)


Manager = Annotated[Principal, Depends(allow(access.CENTRE_MANAGERS))]


@router.get("/centre/visits")
def visits_page(
    request: Request,
    container: ContainerDep,
    who: Manager,
    centre: Annotated[str, Query(max_length=40)] = "",
) -> Response:
    """The manager's view of today's visits: queues, waiting and service times, no-shows and
    bookings, per group, per window and per hour."""
    mine = [a.centre_code for a in who.assignments(Role.CENTRE_MANAGER) if a.centre_code]
    if not mine:
        raise PermissionDenied()
    chosen = centre if centre in mine else mine[0]
    today = today_of(request)
    with container.read() as uow:
        shown = figures.day_figures(uow.conn, chosen, today)
        names = {code: network.centre(uow.conn, code).name for code in mine}
        hard_open, hard_overdue = hard_case_queries.open_counts(uow.conn, who, today, chosen)
    chart = {
        "hours": [f"{h}:00" for h, _n, _w in shown.hours],
        "taken": [n for _h, n, _w in shown.hours],
        "waiting": [w for _h, _n, w in shown.hours],
    }
    context = {
        "f": shown,
        "centres": names,
        "chosen": chosen,
        "chart": chart,
        "hard_open": hard_open,
        "hard_overdue": hard_overdue,
    }
    return render(request, "queue/visits.html", context)
