"""Appointments (预约办): the slots of a centre's window group, booking, cancelling and
rescheduling, check-in into the queue, the day-before reminder and the no-show sweep.

A slot is never overbooked, whatever the concurrency: its row is created on demand (``INSERT
... ON CONFLICT DO NOTHING``) and a booking takes a place with ``UPDATE ... SET booked =
booked + 1 WHERE booked < capacity`` — one statement both databases run atomically.  One active
booking per person and item is a partial unique index.  A reschedule is a cancel and a booking
in one transaction.  Times are the injected clock's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Row, and_, bindparam, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from tongban.adapters.db.tables import centres, users
from tongban.adapters.db.tables_visits import appointment_slots, appointments
from tongban.config import Settings
from tongban.domain.catalogue.model import Channel
from tongban.domain.errors import NotAuthenticated, PermissionDenied
from tongban.domain.network.model import Centre
from tongban.domain.people.model import Role, UserKind
from tongban.domain.shared.clock import CHINA_TZ, china_date
from tongban.domain.visits.appointments import (
    AlreadyBooked,
    BookingBlocked,
    BookingNotFound,
    BookingState,
    BookingStatus,
    NoShowPolicy,
    SlotFull,
    SlotTime,
    SlotUnavailable,
    day_slots,
    new_booking_code,
    normalise_code,
)
from tongban.domain.visits.queue import GroupNotServed
from tongban.i18n import gettext as _
from tongban.services.catalogue.items import published_item
from tongban.services.network import queries as network
from tongban.services.platform import outbox
from tongban.services.platform.batches import SweepPorts, sweep_in_batches, update_in_batches
from tongban.services.platform.calendar import load_calendar
from tongban.services.platform.context import Actor
from tongban.services.platform.unit_of_work import UnitOfWork, atomic
from tongban.services.visits import queue


@dataclass(frozen=True)
class Rules:
    """The booking rules a deployment sets (``Settings.appointment_*``, ``no_show_*``)."""

    slot_minutes: int = 30
    places_per_window: int = 1
    days_ahead: int = 14
    no_show: NoShowPolicy = field(default_factory=NoShowPolicy)

    @classmethod
    def of(cls, settings: Settings) -> Rules:
        policy = NoShowPolicy(
            settings.no_show_limit, settings.no_show_window_days, settings.no_show_block_days
        )
        return cls(
            settings.appointment_slot_minutes,
            settings.appointment_places_per_window,
            settings.appointment_days_ahead,
            policy,
        )


@dataclass(frozen=True)
class Slot:
    """A slot as the booking page shows it."""

    centre_code: str
    group_code: str
    starts_at: datetime
    ends_at: datetime
    capacity: int
    booked: int

    @property
    def free(self) -> int:
        return max(0, self.capacity - self.booked)


@dataclass(frozen=True)
class Booking:
    id: int
    code: str
    centre_code: str
    centre_name: str
    group_code: str
    item_code: str
    starts_at: datetime
    ends_at: datetime
    status: BookingStatus
    booked_at: datetime
    checked_in_at: datetime | None
    ticket_id: int | None
    version: int
    user_id: int
    slot_id: int


def _group(conn: Connection, centre: Centre, item_code: str) -> str:
    spec = published_item(conn, item_code).spec
    group = centre.group_for(spec.department_code)
    if group is None or not centre.windows_of(group.code):
        raise GroupNotServed(fields={"item_code": "该中心没有办理该事项的窗口，请选择其他中心"})
    return group.code


def slots(
    conn: Connection, rules: Rules, centre_code: str, item_code: str, day: date, now: datetime
) -> list[Slot]:
    """The slots of ``day`` for the item at the centre, with the places taken; past slots and
    days beyond the booking horizon have none."""
    centre_id, centre = network.centre_with_id(conn, centre_code)
    group = _group(conn, centre, item_code)
    today = china_date(now)
    hours = centre.hours
    calendar = load_calendar(conn)
    if hours is None or day < today or day > today + timedelta(days=rules.days_ahead):
        return []
    if not calendar.knows(day):
        return []
    capacity = rules.places_per_window * len(centre.windows_of(group))
    taken = dict(
        conn.execute(
            select(appointment_slots.c.starts_at, appointment_slots.c.booked).where(
                appointment_slots.c.centre_id == centre_id,
                appointment_slots.c.group_code == group,
                appointment_slots.c.starts_at
                >= datetime.combine(day, datetime.min.time(), CHINA_TZ),
                appointment_slots.c.starts_at
                < datetime.combine(day + timedelta(days=1), datetime.min.time(), CHINA_TZ),
            )
        ).all()
    )
    return [
        Slot(centre.code, group, s.starts_at, s.ends_at, capacity, int(taken.get(s.starts_at, 0)))
        for s in day_slots(hours, day, calendar, slot_minutes=rules.slot_minutes)
        if s.starts_at > now
    ]


_ENSURE_SLOT = {
    name: dialect.insert(appointment_slots)
    .values(
        centre_id=bindparam("centre_id"),
        group_code=bindparam("group_code"),
        starts_at=bindparam("starts_at"),
        ends_at=bindparam("ends_at"),
        capacity=bindparam("capacity"),
        booked=0,
    )
    .on_conflict_do_nothing(index_elements=["centre_id", "group_code", "starts_at"])
    for name, dialect in (("postgresql", postgresql), ("sqlite", sqlite))
}


def _offered(
    conn: Connection, rules: Rules, centre: Centre, group: str, starts_at: datetime, now: datetime
) -> SlotTime:
    """The slot starting at ``starts_at`` if the centre offers it for booking now."""
    local = starts_at.astimezone(CHINA_TZ)
    day = local.date()
    if starts_at <= now:
        raise SlotUnavailable(why="已过时", fields={"starts_at": "请选择今后的时段"})
    if day > china_date(now) + timedelta(days=rules.days_ahead):
        raise SlotUnavailable(
            why=f"只能预约 {rules.days_ahead} 天内的时段", fields={"starts_at": "超出可预约范围"}
        )
    calendar = load_calendar(conn)
    hours = centre.hours
    if hours is None or not calendar.knows(day):
        raise SlotUnavailable(why="该日的办公安排尚未公布", fields={"starts_at": "不可预约"})
    for slot in day_slots(hours, day, calendar, slot_minutes=rules.slot_minutes):
        if slot.starts_at == local:
            return slot
    raise SlotUnavailable(why="不在办公时间内", fields={"starts_at": "该时段不办公"})


def _check_not_blocked(conn: Connection, rules: Rules, user_id: int, now: datetime) -> None:
    since = now - timedelta(days=rules.no_show.window_days + rules.no_show.block_days)
    missed = [
        row.ends_at
        for row in conn.execute(
            select(appointment_slots.c.ends_at)
            .select_from(
                appointments.join(
                    appointment_slots, appointments.c.slot_id == appointment_slots.c.id
                )
            )
            .where(
                appointments.c.user_id == user_id,
                appointments.c.status == BookingStatus.NO_SHOW.value,
                appointment_slots.c.ends_at >= since,
            )
        )
    ]
    until = rules.no_show.blocked_until(missed, now)
    if until is not None:
        raise BookingBlocked(
            days=rules.no_show.window_days,
            count=rules.no_show.limit,
            until=china_date(until).isoformat(),
        )


def _booker(actor: Actor) -> int:
    who = actor.principal
    if who is None:
        raise NotAuthenticated()
    if who.kind not in (UserKind.CITIZEN, UserKind.ENTERPRISE):
        raise PermissionDenied()
    return who.user_id


def _book(
    uow: UnitOfWork,
    actor: Actor,
    rules: Rules,
    user_id: int,
    centre_code: str,
    item_code: str,
    starts_at: datetime,
) -> int:
    conn = uow.conn
    centre_id, centre = network.centre_with_id(conn, centre_code)
    found = published_item(conn, item_code)
    if Channel.APPOINTMENT not in found.spec.channels:
        raise SlotUnavailable(why="该事项不提供预约", fields={"item_code": "该事项不提供预约"})
    item = found.code
    group = _group(conn, centre, item)
    slot = _offered(conn, rules, centre, group, starts_at, actor.at)
    _check_not_blocked(conn, rules, user_id, actor.at)
    capacity = rules.places_per_window * len(centre.windows_of(group))
    key = {"centre_id": centre_id, "group_code": group, "starts_at": slot.starts_at}
    conn.execute(
        _ENSURE_SLOT[conn.dialect.name], {**key, "ends_at": slot.ends_at, "capacity": capacity}
    )
    slot_id = conn.execute(
        update(appointment_slots)
        .where(
            appointment_slots.c.centre_id == centre_id,
            appointment_slots.c.group_code == group,
            appointment_slots.c.starts_at == slot.starts_at,
            appointment_slots.c.booked < appointment_slots.c.capacity,
        )
        .values(booked=appointment_slots.c.booked + 1)
        .returning(appointment_slots.c.id)
    ).scalar()
    if slot_id is None:
        raise SlotFull()
    try:
        with uow.atomic(savepoint=True):
            result = conn.execute(
                insert(appointments).values(
                    code=new_booking_code(),
                    slot_id=slot_id,
                    user_id=user_id,
                    item_code=item,
                    status=BookingStatus.BOOKED.value,
                    booked_at=actor.at,
                )
            )
    except IntegrityError:
        existing = _active(conn, user_id, item)
        when = existing.starts_at.astimezone(CHINA_TZ).strftime("%m-%d %H:%M") if existing else ""
        raise AlreadyBooked(when=when) from None
    return int(result.inserted_primary_key[0])  # type: ignore[index]


_BOOKING = select(
    appointments,
    appointment_slots.c.starts_at,
    appointment_slots.c.ends_at,
    appointment_slots.c.group_code,
    centres.c.code.label("centre_code"),
    centres.c.name.label("centre_name"),
).select_from(
    appointments.join(appointment_slots, appointments.c.slot_id == appointment_slots.c.id).join(
        centres, appointment_slots.c.centre_id == centres.c.id
    )
)


def _booking(row: Any) -> Booking:
    return Booking(
        id=row.id,
        code=row.code,
        centre_code=row.centre_code,
        centre_name=row.centre_name,
        group_code=row.group_code,
        item_code=row.item_code,
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        status=BookingStatus(row.status),
        booked_at=row.booked_at,
        checked_in_at=row.checked_in_at,
        ticket_id=row.ticket_id,
        version=row.lock_version,
        user_id=row.user_id,
        slot_id=row.slot_id,
    )


def get_booking(conn: Connection, booking_id: int) -> Booking:
    row = conn.execute(_BOOKING.where(appointments.c.id == booking_id)).first()
    if row is None:
        raise BookingNotFound()
    return _booking(row)


def _active(conn: Connection, user_id: int, item_code: str) -> Booking | None:
    row = conn.execute(
        _BOOKING.where(
            appointments.c.user_id == user_id,
            appointments.c.item_code == item_code,
            appointments.c.status == BookingStatus.BOOKED.value,
        )
    ).first()
    return _booking(row) if row is not None else None


@atomic
def book(
    uow: UnitOfWork,
    actor: Actor,
    rules: Rules,
    centre_code: str,
    item_code: str,
    starts_at: datetime,
) -> Booking:
    """预约: a place in the slot starting at ``starts_at`` for the item at the centre; refused
    when full, past, closed, beyond the horizon, already booked for the item, or blocked by the
    no-show policy (with the reason and until when)."""
    user_id = _booker(actor)
    booking_id = _book(uow, actor, rules, user_id, centre_code, item_code, starts_at)
    booking = get_booking(uow.conn, booking_id)
    _tell(uow.conn, booking, _("预约成功"), actor.at)
    return booking


def _own(conn: Connection, actor: Actor, booking_id: int) -> Booking:
    booking = get_booking(conn, booking_id)
    if actor.principal is None or booking.user_id != actor.principal.user_id:
        raise BookingNotFound()  # another's booking: as if none
    return booking


def _release(uow: UnitOfWork, actor: Actor, booking: Booking, action: str) -> None:
    if booking.status is not BookingStatus.BOOKED:
        raise BookingState(status=booking.status.label, action=action)
    conn = uow.conn
    changed = conn.execute(
        update(appointments)
        .where(
            appointments.c.id == booking.id,
            appointments.c.status == BookingStatus.BOOKED.value,
            appointments.c.lock_version == booking.version,
        )
        .values(
            status=BookingStatus.CANCELLED.value,
            cancelled_at=actor.at,
            lock_version=appointments.c.lock_version + 1,
        )
    ).rowcount
    if changed != 1:
        raise BookingState(status="已变更", action=action)
    conn.execute(
        update(appointment_slots)
        .where(appointment_slots.c.id == booking.slot_id)
        .values(booked=appointment_slots.c.booked - 1)
    )


@atomic
def cancel(uow: UnitOfWork, actor: Actor, booking_id: int) -> Booking:
    """取消预约: the place is free again at once."""
    booking = _own(uow.conn, actor, booking_id)
    _release(uow, actor, booking, "取消")
    return get_booking(uow.conn, booking_id)


@atomic
def reschedule(
    uow: UnitOfWork,
    actor: Actor,
    rules: Rules,
    booking_id: int,
    centre_code: str,
    starts_at: datetime,
) -> Booking:
    """改约: the old place is freed and the new one taken in one transaction (the new slot
    full: nothing changes)."""
    booking = _own(uow.conn, actor, booking_id)
    _release(uow, actor, booking, "改约")
    new_id = _book(uow, actor, rules, booking.user_id, centre_code, booking.item_code, starts_at)
    moved = get_booking(uow.conn, new_id)
    _tell(uow.conn, moved, _("预约已改期"), actor.at)
    return moved


def my_bookings(conn: Connection, actor: Actor) -> list[Booking]:
    user_id = _booker(actor)
    rows = conn.execute(
        _BOOKING.where(appointments.c.user_id == user_id).order_by(
            appointment_slots.c.starts_at.desc()
        )
    )
    return [_booking(r) for r in rows]


# --- check-in -----------------------------------------------------------------------------------


@atomic
def check_in(
    uow: UnitOfWork,
    actor: Actor,
    centre_code: str,
    *,
    code: str | None = None,
    user_id: int | None = None,
) -> queue.Ticket:
    """签到: the booking (by its code, or the visitor identified by citizen code or ID card:
    their booking at this centre today) becomes a queue ticket; on time (no later than the
    slot's end) it is called first.  By the centre's clerk, or by the visitor themselves."""
    conn = uow.conn
    centre_id, centre = network.centre_with_id(conn, centre_code)
    who = actor.principal
    if who is None:
        raise NotAuthenticated()
    clerk_here = any(a.centre_code == centre.code for a in who.assignments(Role.CLERK))
    if not clerk_here:
        user_id = _booker(actor)
    today = china_date(actor.at)
    query = _BOOKING.where(
        appointment_slots.c.centre_id == centre_id,
        appointments.c.status == BookingStatus.BOOKED.value,
    )
    if code:
        query = query.where(appointments.c.code == normalise_code(code))
    elif user_id is not None:
        query = query.where(appointments.c.user_id == user_id)
    else:
        raise BookingNotFound()
    if user_id is not None:
        query = query.where(appointments.c.user_id == user_id)
    candidates = [
        _booking(r)
        for r in conn.execute(query.order_by(appointment_slots.c.starts_at))
        if china_date(r.starts_at) == today
    ]
    if not candidates:
        raise BookingNotFound()
    booking = candidates[0]
    on_time = actor.at <= booking.ends_at
    ticket = queue.take_ticket(
        uow,
        actor,
        centre.code,
        group_code=booking.group_code,
        item_code=booking.item_code,
        user_id=booking.user_id,
        booked_on_time=on_time,
    )
    changed = conn.execute(
        update(appointments)
        .where(
            appointments.c.id == booking.id,
            appointments.c.status == BookingStatus.BOOKED.value,
        )
        .values(
            status=BookingStatus.CHECKED_IN.value,
            checked_in_at=actor.at,
            ticket_id=ticket.id,
            lock_version=appointments.c.lock_version + 1,
        )
    ).rowcount
    if changed != 1:
        raise BookingState(status="已变更", action="签到")
    return ticket


# --- notices and sweeps -------------------------------------------------------------------------


def _tell(conn: Connection, booking: Booking, title: str, now: datetime) -> None:
    when = booking.starts_at.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M")
    body = _("{centre} {when}，预约码 {code}。请凭预约码或市民码签到取号。").format(
        centre=booking.centre_name, when=when, code=booking.code
    )
    phone = conn.execute(select(users.c.phone).where(users.c.id == booking.user_id)).scalar()
    messages = [
        outbox.inbox(
            booking.user_id,
            title,
            body,
            link="/my/appointments",
            dedup_key=f"appointment:{booking.id}:{title}",
        )
    ]
    if phone:
        messages.append(
            outbox.sms(
                phone, f"【通办】{title}：{body}", dedup_key=f"appointment-sms:{booking.id}:{title}"
            )
        )
    outbox.enqueue_many(conn, messages, now=now)


def remind_tomorrow(units: SweepPorts, now: datetime) -> int:
    """The day before: every booking of tomorrow not yet reminded gets its reminder (once); in
    keyset pages of ``sweep_batch_size`` bookings, shared by the workers."""
    tomorrow = china_date(now) + timedelta(days=1)
    start = datetime.combine(tomorrow, datetime.min.time(), CHINA_TZ)

    def remind(uow: UnitOfWork, row: Row[Any]) -> bool:
        booking = _booking(row)
        _tell(uow.conn, booking, _("明天请按预约到中心办事"), now)
        uow.conn.execute(
            update(appointments).where(appointments.c.id == booking.id).values(reminded_at=now)
        )
        return True

    query = _BOOKING.where(
        appointments.c.status == BookingStatus.BOOKED.value,
        appointments.c.reminded_at.is_(None),
        appointment_slots.c.starts_at >= start,
        appointment_slots.c.starts_at < start + timedelta(days=1),
    )
    batch = units.settings.sweep_batch_size
    report = sweep_in_batches(
        units,
        "appointment_reminders",
        query,
        appointments.c.id,
        remind,
        now,
        batch=batch,
        lock=appointments,
    )
    return report.changed


def mark_no_shows(units: SweepPorts, now: datetime) -> int:
    """Bookings whose slot ended without a check-in become no-shows (the policy counts them),
    ``sweep_batch_size`` bookings per transaction."""
    ended = select(appointment_slots.c.id).where(appointment_slots.c.ends_at < now)
    return update_in_batches(
        units,
        appointments,
        and_(
            appointments.c.status == BookingStatus.BOOKED.value,
            appointments.c.slot_id.in_(ended),
        ),
        {"status": BookingStatus.NO_SHOW.value, "lock_version": appointments.c.lock_version + 1},
        batch=units.settings.sweep_batch_size,
    )
