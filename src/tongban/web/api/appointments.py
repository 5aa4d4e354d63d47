"""Appointments over HTTP (预约办): a day's slots for an item at a centre, book, list mine,
cancel, reschedule, and check in at the centre (into the queue).

Booking, cancelling, rescheduling and checking in carry an ``Idempotency-Key``.  Errors: 409
``slot_full``, ``already_booked``, ``booking_blocked`` (the no-show policy, with until when),
``booking_state``; 422 ``slot_unavailable`` (past, closed, beyond the horizon),
``group_not_served``; 404 ``booking_not_found`` (also for another person's booking).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import AwareDatetime, BaseModel, Field

from tongban.domain.people.model import Principal
from tongban.domain.visits.appointments import BookingStatus
from tongban.services.platform import access
from tongban.services.platform.context import Actor
from tongban.services.platform.unit_of_work import UnitOfWork
from tongban.services.visits import appointments as svc
from tongban.web import paging
from tongban.web.api.queue import TicketOut
from tongban.web.api.views import out
from tongban.web.deps import ContainerDep, Now, actor_for, allow
from tongban.web.idempotency import IdempotencyKey, run_once

router = APIRouter(tags=["appointments"])

Anyone = Annotated[Principal | None, Depends(allow(access.PUBLIC))]
Applicant = Annotated[Principal, Depends(allow(access.APPLICANT))]
CheckInner = Annotated[Principal, Depends(allow(access.CASE_APPLICANT_OR_CLERK))]
BookingId = Annotated[int, Path(ge=1)]
CentreCode = Annotated[str, Path(max_length=40)]


class SlotOut(BaseModel):
    centre_code: str
    group_code: str
    starts_at: datetime
    ends_at: datetime
    capacity: int
    free: int


class BookingOut(BaseModel):
    id: int
    code: str = Field(description="预约码：签到时出示")
    centre_code: str
    centre_name: str
    group_code: str
    item_code: str
    starts_at: datetime
    ends_at: datetime
    status: BookingStatus
    status_label: str
    booked_at: datetime
    checked_in_at: datetime | None
    ticket_id: int | None
    version: int

    @classmethod
    def of(cls, b: svc.Booking) -> BookingOut:
        return out(cls, b, status_label=b.status.label)


class BookIn(BaseModel):
    centre_code: str = Field(max_length=40)
    item_code: str = Field(max_length=40)
    starts_at: AwareDatetime = Field(description="时段开始时间（带时区），取自时段列表")


class RescheduleIn(BaseModel):
    centre_code: str = Field(max_length=40)
    starts_at: AwareDatetime


class CheckInIn(BaseModel):
    code: str | None = Field(None, max_length=12, description="预约码")
    user_id: int | None = Field(
        None, ge=1, description="窗口人员：以市民码或身份证核验的申请人（其今日在本中心的预约）"
    )


def rules(container: ContainerDep) -> svc.Rules:
    return svc.Rules.of(container.settings)


@router.get("/appointments/slots", response_model=list[SlotOut], summary="可预约时段")
def slots(
    request: Request,
    response: Response,
    container: ContainerDep,
    now: Now,
    _who: Anyone,
    centre_code: Annotated[str, Query(max_length=40)],
    item_code: Annotated[str, Query(max_length=40)],
    day: date,
    page: paging.PageParams,
) -> list[SlotOut]:
    """The day's slots in time order, a page at a time."""
    with container.read() as uow:
        found = svc.slots(uow.conn, rules(container), centre_code, item_code, day, now)
    listed = [SlotOut(**{**s.__dict__, "free": s.free}) for s in found]
    return paging.cut(
        request, response, listed, lambda s: (s.starts_at, s.group_code, s.ends_at), page
    )


@router.post("/appointments", status_code=201, response_model=BookingOut, summary="预约")
def book(
    body: BookIn,
    request: Request,
    who: Applicant,
    key: IdempotencyKey,
    container: ContainerDep,
) -> JSONResponse:
    def action(uow: UnitOfWork, actor: Actor) -> BookingOut:
        booking = svc.book(
            uow, actor, rules(container), body.centre_code, body.item_code, body.starts_at
        )
        return BookingOut.of(booking)

    return run_once(request, container, key, action, status=201)


@router.get("/appointments", response_model=list[BookingOut], summary="我的预约")
def mine(
    request: Request,
    response: Response,
    container: ContainerDep,
    _who: Applicant,
    page: paging.PageParams,
) -> list[BookingOut]:
    """The latest slot first, a page at a time."""
    with container.read() as uow:
        found = [BookingOut.of(b) for b in svc.my_bookings(uow.conn, actor_for(request))]
    return paging.cut(
        request, response, found, lambda b: (b.starts_at, b.id), page, descending=True
    )


@router.post("/appointments/{booking_id}/cancel", response_model=BookingOut, summary="取消预约")
def cancel(
    booking_id: BookingId,
    request: Request,
    who: Applicant,
    key: IdempotencyKey,
    container: ContainerDep,
) -> JSONResponse:
    def action(uow: UnitOfWork, actor: Actor) -> BookingOut:
        return BookingOut.of(svc.cancel(uow, actor, booking_id))

    return run_once(request, container, key, action)


@router.post("/appointments/{booking_id}/reschedule", response_model=BookingOut, summary="改约")
def reschedule(
    booking_id: BookingId,
    body: RescheduleIn,
    request: Request,
    who: Applicant,
    key: IdempotencyKey,
    container: ContainerDep,
) -> JSONResponse:
    def action(uow: UnitOfWork, actor: Actor) -> BookingOut:
        moved = svc.reschedule(
            uow, actor, rules(container), booking_id, body.centre_code, body.starts_at
        )
        return BookingOut.of(moved)

    return run_once(request, container, key, action)


@router.post(
    "/queue/centres/{code}/check-in",
    status_code=201,
    response_model=TicketOut,
    summary="预约签到取号",
)
def check_in(
    code: CentreCode,
    body: CheckInIn,
    request: Request,
    who: CheckInner,
    key: IdempotencyKey,
    container: ContainerDep,
) -> JSONResponse:
    def action(uow: UnitOfWork, actor: Actor) -> TicketOut:
        ticket = svc.check_in(uow, actor, code, code=body.code, user_id=body.user_id)
        return TicketOut.of(ticket)

    return run_once(request, container, key, action, status=201)
