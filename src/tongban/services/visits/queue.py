"""Queue numbers at a centre (取号叫号): take a number, open a window, call the next ticket,
recall, transfer, mark a no-show, serve; and the waiting-room board.

Two windows calling at the same instant never get the same ticket: a call is a conditional
UPDATE (``... WHERE id = :id AND status = 'waiting'``) and the loser takes the next candidate;
on PostgreSQL the candidates are read ``FOR UPDATE SKIP LOCKED`` so the windows do not queue on
one row.  Numbers come from one counter row per centre, day and group (``INSERT ... ON CONFLICT
DO UPDATE ... RETURNING``), so they are gapless and never repeat.  Times are the injected
clock's; the day is China's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, bindparam, case, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from tongban.adapters.db.tables import centres, users
from tongban.adapters.db.tables_visits import queue_counters, queue_tickets, window_sessions
from tongban.domain.errors import Conflict, NotAuthenticated, PermissionDenied, ValidationFailed
from tongban.domain.network.model import Centre, ServiceWindow
from tongban.domain.people.model import Role, UserKind
from tongban.domain.shared.clock import china_date
from tongban.domain.visits.queue import (
    ELDERLY_AGE,
    CallClass,
    GroupNotServed,
    NoTicketWaiting,
    PriorityReason,
    TicketNotFound,
    TicketSource,
    TicketStatus,
    WindowNotOpen,
    WindowTaken,
    age_on,
    allowed_from,
    call_class,
    move,
    number_of,
)
from tongban.services.catalogue.items import published_item
from tongban.services.network import queries as network
from tongban.services.network.snapshot import snapshot
from tongban.services.platform.calendar import load_calendar
from tongban.services.platform.context import Actor
from tongban.services.platform.unit_of_work import UnitOfWork, atomic

CANDIDATES = 8
"""Waiting tickets read per call attempt on SQLite (writers queue there, so a race is rare);
on PostgreSQL one, locked."""


class CentreClosed(Conflict):
    code = "centre_closed"
    template = "{centre}现在不在办公时间，不能取号。"


class UnknownWindow(ValidationFailed):
    code = "unknown_window"
    template = "本中心没有 {number} 号窗口。"


@dataclass(frozen=True)
class Ticket:
    """A queue ticket as windows, the board and its holder see it."""

    id: int
    centre_code: str
    day: date
    group_code: str
    number: str
    call_class: CallClass
    priority_reason: str
    source: TicketSource
    status: TicketStatus
    taken_at: datetime
    called_at: datetime | None
    window_number: int | None
    call_count: int
    service_started_at: datetime | None
    service_ended_at: datetime | None
    case_number: str | None
    version: int
    user_id: int | None = None
    item_code: str | None = None

    @property
    def waited_seconds(self) -> int | None:
        """From taking the number to its first call."""
        if self.called_at is None:
            return None
        return int((self.called_at - self.taken_at).total_seconds())

    @property
    def served_seconds(self) -> int | None:
        if self.service_started_at is None or self.service_ended_at is None:
            return None
        return int((self.service_ended_at - self.service_started_at).total_seconds())


TICKET_QUERY = select(queue_tickets, centres.c.code.label("centre_code")).select_from(
    queue_tickets.join(centres, queue_tickets.c.centre_id == centres.c.id)
)


def ticket_of(row: Any) -> Ticket:
    return Ticket(
        id=row.id,
        centre_code=row.centre_code,
        day=row.day,
        group_code=row.group_code,
        number=row.number,
        call_class=CallClass(row.priority),
        priority_reason=row.priority_reason,
        source=TicketSource(row.source),
        status=TicketStatus(row.status),
        taken_at=row.taken_at,
        called_at=row.called_at,
        window_number=row.window_number,
        call_count=row.call_count,
        service_started_at=row.service_started_at,
        service_ended_at=row.service_ended_at,
        case_number=row.case_number,
        version=row.lock_version,
        user_id=row.user_id,
        item_code=row.item_code,
    )


def get_ticket(conn: Connection, ticket_id: int) -> Ticket:
    row = conn.execute(TICKET_QUERY.where(queue_tickets.c.id == ticket_id)).first()
    if row is None:
        raise TicketNotFound()
    return ticket_of(row)


_NEXT_SEQ = {
    name: dialect.insert(queue_counters)
    .values(
        centre_id=bindparam("centre_id"),
        day=bindparam("day"),
        group_code=bindparam("group"),
        last=1,
    )
    .on_conflict_do_update(
        index_elements=["centre_id", "day", "group_code"],
        set_={"last": queue_counters.c.last + 1},
    )
    .returning(queue_counters.c.last)
    for name, dialect in (("postgresql", postgresql), ("sqlite", sqlite))
}


def _next_seq(conn: Connection, centre_id: int, day: date, group: str) -> int:
    params = {"centre_id": centre_id, "day": day, "group": group}
    return int(conn.execute(_NEXT_SEQ[conn.dialect.name], params).scalar_one())


def _may_take_for(actor: Actor, centre: Centre, user_id: int | None) -> None:
    """A clerk of the centre (the entrance desk) takes numbers for anyone; a citizen or
    company only for themselves."""
    who = actor.principal
    if who is None:
        raise NotAuthenticated()
    if who.kind in (UserKind.CITIZEN, UserKind.ENTERPRISE):
        if user_id not in (None, who.user_id):
            raise PermissionDenied()
        return
    if not any(a.centre_code == centre.code for a in who.assignments(Role.CLERK)):
        raise PermissionDenied()


def _group_for(conn: Connection, centre: Centre, group: str | None, item: str | None) -> str:
    if group:
        found = centre.group(group.strip().upper())
        if found is None or not centre.windows_of(found.code):
            raise GroupNotServed(fields={"group_code": "本中心没有该窗口分组"})
        return found.code
    if not item:
        raise ValidationFailed(fields={"item_code": "请选择要办理的事项或业务类别"})
    spec = published_item(conn, item).spec
    chosen = centre.group_for(spec.department_code)
    if chosen is None or not centre.windows_of(chosen.code):
        raise GroupNotServed(fields={"item_code": "本中心没有办理该事项的窗口"})
    return chosen.code


def _reason(
    conn: Connection, user_id: int | None, given: PriorityReason | None, day: date
) -> PriorityReason | None:
    if given is not None or user_id is None:
        return given
    id_number = conn.execute(select(users.c.id_number).where(users.c.id == user_id)).scalar()
    age = age_on(id_number, day)
    return PriorityReason.ELDERLY if age is not None and age >= ELDERLY_AGE else None


@atomic
def take_ticket(
    uow: UnitOfWork,
    actor: Actor,
    centre_code: str,
    *,
    group_code: str | None = None,
    item_code: str | None = None,
    user_id: int | None = None,
    priority_reason: PriorityReason | None = None,
    booked_on_time: bool = False,
) -> Ticket:
    """取号: a number in the queue of the group that serves the item (or the group named), while
    the centre is open.  An identified visitor of 65 or more is called with priority."""
    conn = uow.conn
    centre_id, centre = network.centre_with_id(conn, centre_code)
    _may_take_for(actor, centre, user_id)
    principal = actor.principal
    if user_id is None and principal is not None and not principal.is_staff:
        user_id = principal.user_id
    hours = centre.hours
    if hours is not None and not hours.is_open(actor.at, load_calendar(conn)):
        raise CentreClosed(centre=centre.name)
    group = _group_for(conn, centre, group_code, item_code)
    day = china_date(actor.at)
    reason = _reason(conn, user_id, priority_reason, day)
    seq = _next_seq(conn, centre_id, day, group)
    ticket_class = call_class(booked_on_time=booked_on_time, reason=reason)
    result = conn.execute(
        insert(queue_tickets).values(
            centre_id=centre_id,
            day=day,
            group_code=group,
            number=number_of(group, seq),
            seq=seq,
            priority=int(ticket_class),
            priority_reason=reason.value if reason else "",
            source=(TicketSource.BOOKING if booked_on_time else TicketSource.WALK_IN).value,
            status=TicketStatus.WAITING.value,
            user_id=user_id,
            item_code=item_code.strip().upper() if item_code else None,
            taken_at=actor.at,
        )
    )
    return get_ticket(conn, int(result.inserted_primary_key[0]))  # type: ignore[index]


# --- windows ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OpenWindow:
    """The window a clerk has open: where, which number, the groups it calls."""

    centre_code: str
    centre_id: int
    window: ServiceWindow
    opened_at: datetime


def _clerk_centres(actor: Actor) -> list[str]:
    who = actor.principal
    if who is None:
        raise NotAuthenticated()
    mine = [a.centre_code for a in who.assignments(Role.CLERK) if a.centre_code]
    if not mine:
        raise PermissionDenied()
    return mine


@atomic
def open_window(uow: UnitOfWork, actor: Actor, centre_code: str, number: int) -> OpenWindow:
    """开窗: the clerk takes window ``number`` of a centre they work at (closing any other window
    they had open); a window another clerk has open is refused."""
    conn = uow.conn
    centre_id, centre = network.centre_with_id(conn, centre_code)
    if centre.code not in _clerk_centres(actor):
        raise PermissionDenied()
    window = next((w for w in centre.service_windows if w.number == number), None)
    if window is None:
        raise UnknownWindow(number=number, fields={"number": "没有该窗口"})
    assert actor.principal is not None
    user_id = actor.principal.user_id
    conn.execute(
        update(window_sessions)
        .where(window_sessions.c.user_id == user_id, window_sessions.c.closed_at.is_(None))
        .values(closed_at=actor.at)
    )
    try:
        with uow.atomic(savepoint=True):
            conn.execute(
                insert(window_sessions).values(
                    centre_id=centre_id, window_number=number, user_id=user_id, opened_at=actor.at
                )
            )
    except IntegrityError:
        raise WindowTaken(number=number) from None
    return OpenWindow(centre.code, centre_id, window, actor.at)


@atomic
def close_window(uow: UnitOfWork, actor: Actor) -> None:
    """关窗: the clerk's open window closes; its called tickets stay as they are."""
    if actor.principal is None:
        raise NotAuthenticated()
    uow.conn.execute(
        update(window_sessions)
        .where(
            window_sessions.c.user_id == actor.principal.user_id,
            window_sessions.c.closed_at.is_(None),
        )
        .values(closed_at=actor.at)
    )


def open_window_of(conn: Connection, actor: Actor) -> OpenWindow | None:
    """The window the actor has open, if any."""
    if actor.principal is None:
        return None
    row = conn.execute(
        select(window_sessions, centres.c.code)
        .select_from(window_sessions.join(centres, window_sessions.c.centre_id == centres.c.id))
        .where(
            window_sessions.c.user_id == actor.principal.user_id,
            window_sessions.c.closed_at.is_(None),
        )
    ).first()
    if row is None:
        return None
    # The layout from the in-memory network (one version read), not parsed again per call.
    centre = snapshot(conn).centre(row.code)
    windows = centre.service_windows if centre is not None else ()
    window = next((w for w in windows if w.number == row.window_number), None)
    if centre is None or window is None:  # the layout changed under an open window
        return None
    return OpenWindow(centre.code, row.centre_id, window, row.opened_at)


def _require_window(conn: Connection, actor: Actor) -> OpenWindow:
    _clerk_centres(actor)
    found = open_window_of(conn, actor)
    if found is None:
        raise WindowNotOpen()
    return found


# --- calling ------------------------------------------------------------------------------------


def _candidates(conn: Connection, window: OpenWindow, day: date) -> list[int]:
    order: Any = queue_tickets.c.priority
    if window.window.priority:  # priority tickets first, then booked, then walk-ins
        order = case((queue_tickets.c.priority == int(CallClass.PRIORITY), -1), else_=order)
    query = (
        select(queue_tickets.c.id)
        .where(
            queue_tickets.c.centre_id == window.centre_id,
            queue_tickets.c.day == day,
            queue_tickets.c.group_code.in_(window.window.groups),
            queue_tickets.c.status == TicketStatus.WAITING.value,
        )
        .order_by(order, queue_tickets.c.taken_at, queue_tickets.c.seq)
        .limit(CANDIDATES)
    )
    if conn.dialect.name == "postgresql":
        # Lock the first ticket no other window holds: the UPDATE that follows then wins.
        query = query.limit(1).with_for_update(skip_locked=True)
    return [int(i) for i in conn.execute(query).scalars()]


@atomic
def call_next(uow: UnitOfWork, actor: Actor) -> Ticket:
    """叫号: the next waiting ticket of the clerk's open window's groups, by the call order.
    Of two windows calling at once each gets a different ticket."""
    conn = uow.conn
    window = _require_window(conn, actor)
    assert actor.principal is not None
    day = china_date(actor.at)
    for _attempt in range(5):
        candidates = _candidates(conn, window, day)
        if not candidates:
            break
        for ticket_id in candidates:
            won = conn.execute(
                update(queue_tickets)
                .where(
                    queue_tickets.c.id == ticket_id,
                    queue_tickets.c.status == TicketStatus.WAITING.value,
                )
                .values(
                    status=TicketStatus.CALLED.value,
                    called_at=actor.at,
                    window_number=window.window.number,
                    called_by=actor.principal.user_id,
                    call_count=queue_tickets.c.call_count + 1,
                    lock_version=queue_tickets.c.lock_version + 1,
                )
            ).rowcount
            if won == 1:
                return get_ticket(conn, ticket_id)
    raise NoTicketWaiting()


def _act(
    uow: UnitOfWork,
    actor: Actor,
    ticket_id: int,
    action: str,
    values: dict[str, Any],
    *,
    own_call: bool = True,
) -> Ticket:
    conn = uow.conn
    window = _require_window(conn, actor)
    ticket = get_ticket(conn, ticket_id)
    if ticket.centre_code != window.centre_code:
        raise TicketNotFound()  # another centre's ticket: not this window's to see
    to = move(ticket.status, action)
    if own_call and ticket.window_number != window.window.number:
        raise PermissionDenied("该号由其他窗口叫号，请由该窗口办理或转组。")
    changed = conn.execute(
        update(queue_tickets)
        .where(
            queue_tickets.c.id == ticket_id,
            queue_tickets.c.lock_version == ticket.version,
            queue_tickets.c.status.in_([s.value for s in allowed_from(action)]),
        )
        .values(status=to.value, lock_version=queue_tickets.c.lock_version + 1, **values)
    ).rowcount
    if changed != 1:
        raise Conflict()
    return get_ticket(conn, ticket_id)


@atomic
def recall(uow: UnitOfWork, actor: Actor, ticket_id: int) -> Ticket:
    """重呼: the board and the hall hear the number again."""
    values = {"called_at": actor.at, "call_count": queue_tickets.c.call_count + 1}
    return _act(uow, actor, ticket_id, "recall", values)


@atomic
def start_service(uow: UnitOfWork, actor: Actor, ticket_id: int) -> Ticket:
    """The visitor has come to the window: service starts (the waiting time ends at the call)."""
    return _act(uow, actor, ticket_id, "start", {"service_started_at": actor.at})


@atomic
def finish_service(
    uow: UnitOfWork, actor: Actor, ticket_id: int, case_number: str | None = None
) -> Ticket:
    """办理完毕, with the case it opened if any."""
    values: dict[str, Any] = {"service_ended_at": actor.at}
    if case_number:
        values["case_number"] = case_number.strip().upper()[:40]
    return _act(uow, actor, ticket_id, "finish", values)


@atomic
def mark_no_show(uow: UnitOfWork, actor: Actor, ticket_id: int) -> Ticket:
    """过号: called and not come."""
    return _act(uow, actor, ticket_id, "no_show", {})


@atomic
def transfer(uow: UnitOfWork, actor: Actor, ticket_id: int, group_code: str) -> Ticket:
    """转组: the ticket waits in another group of the same centre, keeping its number and its
    place (the time it was taken)."""
    conn = uow.conn
    window = _require_window(conn, actor)
    centre = network.centre(conn, window.centre_code)
    target = centre.group(group_code.strip().upper())
    if target is None or not centre.windows_of(target.code):
        raise GroupNotServed(fields={"group_code": "本中心没有该窗口分组"})
    ticket = get_ticket(conn, ticket_id)
    if ticket.group_code == target.code:
        raise ValidationFailed(fields={"group_code": "该号已在这一分组"})
    values = {
        "group_code": target.code,
        "transferred_from": ticket.group_code,
        "window_number": None,
        "called_at": None,
        "called_by": None,
    }
    return _act(uow, actor, ticket_id, "transfer", values, own_call=False)
