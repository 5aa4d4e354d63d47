"""Appointment pages (预约办): choose a centre, a day and a slot for an item; my bookings with
their codes, cancel and self check-in; and the entrance clerk's check-in by booking code.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi import Path as PathParam
from fastapi.responses import RedirectResponse

from tongban.domain.catalogue.model import Level
from tongban.domain.errors import DomainError, ValidationFailed
from tongban.domain.people.model import Principal
from tongban.domain.shared.clock import CHINA_TZ, china_date
from tongban.services.catalogue import items as catalogue
from tongban.services.network import queries as network
from tongban.services.platform import access
from tongban.services.visits import appointments as svc
from tongban.web.deps import ContainerDep, actor_for, allow, now_of
from tongban.web.templating import render

router = APIRouter(tags=["pages"], include_in_schema=False)

Applicant = Annotated[Principal, Depends(allow(access.APPLICANT))]
CheckInner = Annotated[Principal, Depends(allow(access.CASE_APPLICANT_OR_CLERK))]
Code = Annotated[str, PathParam(max_length=40)]


def _book_context(
    request: Request, container: ContainerDep, code: str, centre: str, day: date | None
) -> dict[str, Any]:
    now = now_of(request)
    rules = svc.Rules.of(container.settings)
    today = china_date(now)
    chosen_day = day or today + timedelta(days=1)
    with container.read() as uow:
        item = catalogue.published_item(uow.conn, code)
        centres = [
            c
            for c in network.list_centres(uow.conn)
            if c.level in (Level.DISTRICT, Level.TOWN)
            and (g := c.group_for(item.spec.department_code)) is not None
            and c.windows_of(g.code)
        ]
        chosen = centre or (centres[0].code if centres else "")
        found = svc.slots(uow.conn, rules, chosen, code, chosen_day, now) if chosen else []
    return {
        "item": item,
        "centres": centres,
        "centre": chosen,
        "day": chosen_day,
        "first_day": today,
        "last_day": today + timedelta(days=rules.days_ahead),
        "slots": found,
        "errors": {},
        "v": {},
    }


@router.get("/items/{code}/book")
def book_page(
    request: Request,
    code: Code,
    container: ContainerDep,
    _who: Applicant,
    centre: Annotated[str, Query(max_length=40)] = "",
    day: date | None = None,
) -> Response:
    """预约: the centres with windows for the item, a day, its free slots."""
    return render(request, "visits/book.html", _book_context(request, container, code, centre, day))


def _starts_at(raw: str) -> datetime:
    try:
        starts_at = datetime.fromisoformat(raw)
    except ValueError:
        raise ValidationFailed(fields={"starts_at": "请选择预约时段"}) from None
    return starts_at if starts_at.tzinfo else starts_at.replace(tzinfo=CHINA_TZ)


@router.post("/items/{code}/book")
async def book(request: Request, code: Code, container: ContainerDep, _who: Applicant) -> Response:
    form = await request.form()
    centre = str(form.get("centre_code") or "")
    raw = str(form.get("starts_at") or "")
    try:
        with container.uow() as uow:
            rules = svc.Rules.of(container.settings)
            svc.book(uow, actor_for(request), rules, centre, code, _starts_at(raw))
    except DomainError as error:
        day = china_date(_starts_at(raw)) if "starts_at" not in error.fields else None
        context = _book_context(request, container, code, centre, day)
        context.update(errors=error.fields, error=error, v=dict(form))
        return render(request, "visits/book.html", context, status_code=error.status)
    return RedirectResponse("/my/appointments?done=booked", status_code=303)


@router.get("/my/appointments")
def my_appointments(request: Request, container: ContainerDep, _who: Applicant) -> Response:
    with container.read() as uow:
        bookings = svc.my_bookings(uow.conn, actor_for(request))
    context = {"bookings": bookings, "today": china_date(now_of(request))}
    return render(request, "visits/mine.html", context)


@router.post("/my/appointments/{booking_id}/{action}")
async def my_appointment_action(
    request: Request,
    booking_id: int,
    action: Annotated[str, PathParam(pattern="^(cancel|check-in)$")],
    container: ContainerDep,
    _who: Applicant,
) -> Response:
    actor = actor_for(request)
    try:
        with container.uow() as uow:
            if action == "cancel":
                svc.cancel(uow, actor, booking_id)
                return RedirectResponse("/my/appointments?done=cancelled", status_code=303)
            booking = svc.get_booking(uow.conn, booking_id)
            ticket = svc.check_in(uow, actor, booking.centre_code, code=booking.code)
    except DomainError as error:
        with container.read() as uow:
            bookings = svc.my_bookings(uow.conn, actor)
        context = {"bookings": bookings, "today": china_date(actor.at), "error": error}
        return render(request, "visits/mine.html", context, status_code=error.status)
    return RedirectResponse(f"/queue/tickets/{ticket.id}", status_code=303)


@router.post("/centres/{code}/check-in")
async def check_in(
    request: Request, code: Code, container: ContainerDep, _who: CheckInner
) -> Response:
    """签到 at the entrance: the booking code the visitor shows becomes their queue number."""
    form = await request.form()
    applicant = str(form.get("applicant") or "")
    try:
        with container.uow() as uow:
            ticket = svc.check_in(
                uow,
                actor_for(request),
                code,
                code=str(form.get("booking_code") or "") or None,
                user_id=int(applicant) if applicant.isdigit() else None,
            )
    except DomainError as error:
        from tongban.web.pages.queue import take_page_context

        context = take_page_context(container, code)
        context.update(errors={"booking_code": error.message}, error=error, v=dict(form))
        return render(request, "queue/take.html", context, status_code=error.status)
    return RedirectResponse(f"/queue/tickets/{ticket.id}", status_code=303)
