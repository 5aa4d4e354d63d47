"""Queue numbers over HTTP (取号叫号): take a number, the waiting-room board, a clerk's window —
open, close, call next, recall, start, finish, no-show, transfer — and a visitor's own tickets.

Taking a number and every window action carry an ``Idempotency-Key``: a retried call-next
calls one ticket, not two.  Two windows calling at once each get a different ticket.
Errors: 409 ``window_not_open`` (open a window first), ``window_taken``, ``no_ticket_waiting``,
``ticket_state``, ``centre_closed``; 422 ``group_not_served``, ``unknown_window``; 404
``ticket_not_found`` (also for another centre's ticket).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from tongban.domain.people.model import Principal
from tongban.domain.shared.clock import china_date
from tongban.domain.visits.queue import CallClass, PriorityReason, TicketSource, TicketStatus
from tongban.services.platform import access
from tongban.services.platform.context import Actor
from tongban.services.platform.unit_of_work import UnitOfWork
from tongban.services.visits import queue, queue_reads
from tongban.web import paging
from tongban.web.api.views import out
from tongban.web.deps import ContainerDep, Today, actor_for, allow
from tongban.web.idempotency import IdempotencyKey, run_once

router = APIRouter(prefix="/queue", tags=["queue"])

Taker = Annotated[Principal, Depends(allow(access.CASE_APPLICANT_OR_CLERK))]
Clerk = Annotated[Principal, Depends(allow(access.CASE_CLERKS))]
Applicant = Annotated[Principal, Depends(allow(access.APPLICANT))]
Anyone = Annotated[Principal | None, Depends(allow(access.PUBLIC))]
CentreCode = Annotated[str, Path(max_length=40, description="服务中心编码，如 C-GC")]
TicketId = Annotated[int, Path(ge=1)]


class TicketOut(BaseModel):
    """A queue ticket: its number, place in the call order and times."""

    id: int
    centre_code: str
    day: date
    group_code: str
    number: str = Field(description="叫号的号码，如 A023")
    call_class: CallClass = Field(description="0 预约按时，1 优先（老弱病残孕、绿色通道），2 现场")
    priority_reason: str
    source: TicketSource
    status: TicketStatus
    status_label: str
    taken_at: datetime
    called_at: datetime | None
    window_number: int | None
    call_count: int
    service_started_at: datetime | None
    service_ended_at: datetime | None
    waited_seconds: int | None = Field(description="取号至首次叫号的秒数")
    served_seconds: int | None = Field(description="开始至结束办理的秒数")
    case_number: str | None
    version: int

    @classmethod
    def of(cls, t: queue.Ticket) -> TicketOut:
        return out(
            cls,
            t,
            status_label=t.status.label,
            waited_seconds=t.waited_seconds,
            served_seconds=t.served_seconds,
        )


class TakeIn(BaseModel):
    group_code: str | None = Field(None, pattern=r"^[A-Z]$", description="窗口分组的字母")
    item_code: str | None = Field(None, max_length=40, description="或：要办理的事项编码")
    user_id: int | None = Field(None, ge=1, description="窗口人员代为取号时：已核验的申请人")
    priority_reason: PriorityReason | None = Field(
        None, description="优先原因；65 岁以上的申请人按身份证号自动优先"
    )


class GroupOut(BaseModel):
    code: str
    name: str
    waiting: int


class BoardOut(BaseModel):
    """The waiting-room board: numbers being called (newest first), waiting per group."""

    centre_code: str
    centre_name: str
    called: list[TicketOut]
    groups: list[GroupOut]
    latest_call: str = Field(description="最近一次叫号的标识：变化即有新叫号（或重呼）")


class WindowIn(BaseModel):
    centre_code: str = Field(max_length=40)
    number: int = Field(ge=1, le=200)


class WindowOut(BaseModel):
    centre_code: str
    number: int
    groups: list[str]
    priority: bool
    opened_at: datetime
    queue: list[TicketOut] = Field(description="本窗口今日等候的号（叫号顺序）及已叫、办理中的号")


class ActionIn(BaseModel):
    case_number: str | None = Field(None, max_length=40, description="办理完毕时：受理的办件编号")
    group_code: str | None = Field(None, pattern=r"^[A-Z]$", description="转组时：目标分组")


class MyTicketOut(TicketOut):
    ahead: int = Field(description="同组排在前面等候的号数（优先号可能插队）")


def _window_out(container: ContainerDep, actor: Actor, day: date) -> WindowOut | None:
    with container.read() as uow:
        window = queue.open_window_of(uow.conn, actor)
        if window is None:
            return None
        tickets = queue_reads.window_queue(uow.conn, window, day)
    return WindowOut(
        centre_code=window.centre_code,
        number=window.window.number,
        groups=list(window.window.groups),
        priority=window.window.priority,
        opened_at=window.opened_at,
        queue=[TicketOut.of(t) for t in tickets],
    )


@router.post("/centres/{code}/tickets", status_code=201, response_model=TicketOut, summary="取号")
def take(
    code: CentreCode,
    body: TakeIn,
    request: Request,
    who: Taker,
    key: IdempotencyKey,
    container: ContainerDep,
) -> JSONResponse:
    def action(uow: UnitOfWork, actor: Actor) -> TicketOut:
        ticket = queue.take_ticket(
            uow,
            actor,
            code,
            group_code=body.group_code,
            item_code=body.item_code,
            user_id=body.user_id,
            priority_reason=body.priority_reason,
        )
        return TicketOut.of(ticket)

    return run_once(request, container, key, action, status=201)


@router.get("/centres/{code}/board", response_model=BoardOut, summary="等候大厅叫号屏")
def board(code: CentreCode, today: Today, container: ContainerDep, _who: Anyone) -> BoardOut:
    with container.read() as uow:
        shown = queue_reads.board(uow.conn, code, today)
    return BoardOut(
        centre_code=shown.centre.code,
        centre_name=shown.centre.name,
        called=[TicketOut.of(t) for t in shown.called],
        groups=[GroupOut(code=g.code, name=g.name, waiting=g.waiting) for g in shown.groups],
        latest_call=shown.latest_call,
    )


@router.get("/window", response_model=WindowOut | None, summary="我开启的窗口及其队列")
def my_window(request: Request, today: Today, container: ContainerDep, _who: Clerk) -> object:
    return _window_out(container, actor_for(request), today)


@router.post("/window", response_model=WindowOut, summary="开窗（选择窗口号）")
def open_window(
    body: WindowIn, request: Request, who: Clerk, key: IdempotencyKey, container: ContainerDep
) -> JSONResponse:
    def action(uow: UnitOfWork, actor: Actor) -> WindowOut:
        window = queue.open_window(uow, actor, body.centre_code, body.number)
        day = china_date(actor.at)
        return WindowOut(
            centre_code=window.centre_code,
            number=window.window.number,
            groups=list(window.window.groups),
            priority=window.window.priority,
            opened_at=window.opened_at,
            queue=[TicketOut.of(t) for t in queue_reads.window_queue(uow.conn, window, day)],
        )

    return run_once(request, container, key, action)


class ClosedOut(BaseModel):
    closed_at: datetime = Field(description="关窗时间")


@router.post("/window/close", response_model=ClosedOut, summary="关窗")
def close_window(
    request: Request, who: Clerk, key: IdempotencyKey, container: ContainerDep
) -> JSONResponse:
    def action(uow: UnitOfWork, actor: Actor) -> ClosedOut:
        queue.close_window(uow, actor)
        return ClosedOut(closed_at=actor.at)

    return run_once(request, container, key, action)


@router.post("/call-next", response_model=TicketOut, summary="叫下一个号")
def call_next(
    request: Request, who: Clerk, key: IdempotencyKey, container: ContainerDep
) -> JSONResponse:
    def action(uow: UnitOfWork, actor: Actor) -> TicketOut:
        return TicketOut.of(queue.call_next(uow, actor))

    return run_once(request, container, key, action)


TicketAction = Literal["recall", "start", "finish", "no-show", "transfer"]


@router.post(
    "/tickets/{ticket_id}/{action}",
    response_model=TicketOut,
    summary="重呼、开始、完毕、过号或转组",
)
def act(
    ticket_id: TicketId,
    action: TicketAction,
    body: ActionIn,
    request: Request,
    who: Clerk,
    key: IdempotencyKey,
    container: ContainerDep,
) -> JSONResponse:
    def step(uow: UnitOfWork, actor: Actor) -> TicketOut:
        return TicketOut.of(
            apply_action(uow, actor, ticket_id, action, body.case_number, body.group_code)
        )

    return run_once(request, container, key, step)


def apply_action(
    uow: UnitOfWork,
    actor: Actor,
    ticket_id: int,
    action: str,
    case_number: str | None,
    group_code: str | None,
) -> queue.Ticket:
    """One window action on a ticket (shared with the window's page)."""
    if action == "recall":
        return queue.recall(uow, actor, ticket_id)
    if action == "start":
        return queue.start_service(uow, actor, ticket_id)
    if action == "finish":
        return queue.finish_service(uow, actor, ticket_id, case_number)
    if action == "no-show":
        return queue.mark_no_show(uow, actor, ticket_id)
    return queue.transfer(uow, actor, ticket_id, group_code or "")


@router.get("/my-tickets", response_model=list[MyTicketOut], summary="我今天的排队号")
def my_tickets(
    request: Request,
    response: Response,
    today: Today,
    container: ContainerDep,
    _who: Applicant,
    page: paging.PageParams,
) -> list[MyTicketOut]:
    """Today's tickets in the order they were taken, a page at a time."""
    actor = actor_for(request)
    with container.read() as uow:
        mine = queue_reads.my_tickets(uow.conn, actor, today)
        shown = paging.cut(request, response, mine, lambda t: (t.id,), page)
        return [
            MyTicketOut(**TicketOut.of(t).model_dump(), ahead=queue_reads.ahead_of(uow.conn, t))
            for t in shown
        ]
