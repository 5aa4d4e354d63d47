"""Demo visits at 桂城街道行政服务中心: bookings on the next working days for three demo
citizens, and — when the demo is loaded while the centre is open — the morning's queue so far:
numbers taken in the last half hour, two of them called at the clerk's window.  Everything is
relative to the moment the demo is loaded; loading twice adds nothing.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import func, select

from tongban.adapters.db.tables_visits import appointments, queue_tickets
from tongban.demo.people import DEMO_CITIZENS
from tongban.domain.errors import DomainError
from tongban.domain.shared.clock import CHINA_TZ, china_date
from tongban.services.people import auth
from tongban.services.people.sessions import load_principal
from tongban.services.platform.calendar import load_calendar
from tongban.services.platform.context import Actor
from tongban.services.visits import appointments as booking
from tongban.services.visits import queue

if TYPE_CHECKING:
    from tongban.bootstrap import Container
    from tongban.demo.loader import Scale

CENTRE = "C-GC"
BOOKINGS = (("MZJ-0001", time(10, 0)), ("GAJ-0001", time(10, 30)), ("RSJ-0001", time(14, 0)))
"""(item, time) booked on the next working day by the second, third and fourth demo citizens."""
CLERK = "clerk.guicheng"


def _as(container: Container, login: str, at: datetime) -> Actor:
    with container.read() as uow:
        user = auth.find_user(uow.conn, login)
        principal = load_principal(uow.conn, user.id)
    return Actor(principal=principal, request_id="demo", at=at)


def _next_working_day(container: Container, now: datetime) -> datetime | None:
    with container.read() as uow:
        calendar = load_calendar(uow.conn)
    day = china_date(now)
    for _ in range(14):
        day += timedelta(days=1)
        if not calendar.knows(day):
            return None
        if calendar.is_workday(day):
            return datetime.combine(day, time(0), CHINA_TZ)
    return None


def load(container: Container, actor: Actor, scale: Scale) -> int:
    with container.read() as uow:
        if uow.conn.execute(select(func.count()).select_from(appointments)).scalar_one():
            return 0
        if uow.conn.execute(select(func.count()).select_from(queue_tickets)).scalar_one():
            return 0
    written = 0
    rules = booking.Rules.of(container.settings)
    day = _next_working_day(container, actor.at)
    for citizen, (item, clock) in zip(DEMO_CITIZENS[1:4], BOOKINGS, strict=True):
        if day is None:
            break
        starts = datetime.combine(day.date(), clock, CHINA_TZ)
        try:
            with container.uow() as uow:
                who = _as(container, citizen.id_number, actor.at)
                booking.book(uow, who, rules, CENTRE, item, starts)
            written += 1
        except DomainError:  # an item or slot this deployment's demo does not offer
            continue
    # The morning's queue so far, if the centre is open now (taken over the last 30 minutes).
    clerk = _as(container, CLERK, actor.at)
    taken = 0
    for minutes_ago in (30, 24, 18, 12, 6):
        at = actor.at - timedelta(minutes=minutes_ago)
        try:
            with container.uow() as uow:
                queue.take_ticket(uow, _as(container, CLERK, at), CENTRE, group_code="A")
            taken += 1
        except DomainError:  # closed then (or now): no queue to show
            continue
    if taken >= 2:
        with container.uow() as uow:
            queue.open_window(uow, clerk, CENTRE, 2)
        for _ in range(2):
            with container.uow() as uow:
                queue.call_next(uow, clerk)
    return written + taken
