"""What the queue shows (取号叫号): the waiting-room board, a window's queue in call order, a
visitor's own tickets and how many wait before each.  The writes are in ``queue``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection, and_, func, select

from tongban.adapters.db.tables import centres
from tongban.adapters.db.tables_visits import queue_tickets
from tongban.domain.errors import NotAuthenticated
from tongban.domain.network.model import Centre, GroupKind
from tongban.domain.visits.queue import TicketStatus
from tongban.services.network import queries as network
from tongban.services.platform.context import Actor
from tongban.services.visits.queue import TICKET_QUERY, OpenWindow, Ticket, ticket_of


@dataclass(frozen=True)
class GroupCount:
    code: str
    name: str
    waiting: int
    kind: GroupKind


@dataclass(frozen=True)
class Board:
    """The waiting-room board: the numbers being called, the waiting per group."""

    centre: Centre
    called: list[Ticket]
    groups: list[GroupCount]
    latest_call: str
    """An id of the latest call (ticket and count): the page announces a change of it."""


def board(conn: Connection, centre_code: str, day: date, *, shown: int = 8) -> Board:
    centre_id, centre = network.centre_with_id(conn, centre_code)
    called = [
        ticket_of(row)
        for row in conn.execute(
            TICKET_QUERY.where(
                queue_tickets.c.centre_id == centre_id,
                queue_tickets.c.day == day,
                queue_tickets.c.status.in_([TicketStatus.CALLED.value, TicketStatus.SERVING.value]),
            )
            .order_by(queue_tickets.c.called_at.desc(), queue_tickets.c.id.desc())
            .limit(shown)
        )
    ]
    counts: dict[str, int] = dict(
        conn.execute(
            select(queue_tickets.c.group_code, func.count())
            .where(
                queue_tickets.c.centre_id == centre_id,
                queue_tickets.c.day == day,
                queue_tickets.c.status == TicketStatus.WAITING.value,
            )
            .group_by(queue_tickets.c.group_code)
        ).all()
    )
    groups = [
        GroupCount(g.code, g.name, int(counts.get(g.code, 0)), g.kind)
        for g in centre.window_groups
        if centre.windows_of(g.code)
    ]
    latest = f"{called[0].id}:{called[0].call_count}" if called else ""
    return Board(centre, called, groups, latest)


def window_queue(conn: Connection, window: OpenWindow, day: date) -> list[Ticket]:
    """The tickets the window calls today: waiting ones in call order first, then its own
    called or serving ones."""
    rows = conn.execute(
        TICKET_QUERY.where(
            queue_tickets.c.centre_id == window.centre_id,
            queue_tickets.c.day == day,
            and_(
                queue_tickets.c.group_code.in_(window.window.groups),
                queue_tickets.c.status == TicketStatus.WAITING.value,
            )
            | and_(
                queue_tickets.c.window_number == window.window.number,
                queue_tickets.c.status.in_([TicketStatus.CALLED.value, TicketStatus.SERVING.value]),
            ),
        ).order_by(queue_tickets.c.priority, queue_tickets.c.taken_at, queue_tickets.c.seq)
    )
    return [ticket_of(r) for r in rows]


def my_tickets(conn: Connection, actor: Actor, day: date) -> list[Ticket]:
    """The signed-in visitor's tickets of ``day`` (their own only)."""
    if actor.principal is None:
        raise NotAuthenticated()
    rows = conn.execute(
        TICKET_QUERY.where(
            queue_tickets.c.user_id == actor.principal.user_id, queue_tickets.c.day == day
        ).order_by(queue_tickets.c.taken_at)
    )
    return [ticket_of(r) for r in rows]


def _centre_id_of(code: str) -> Any:
    return select(centres.c.id).where(centres.c.code == code).scalar_subquery()


def ahead_of(conn: Connection, ticket: Ticket) -> int:
    """How many tickets of the same group wait before this one (a rough count: the call order
    may seat a priority ticket in front)."""
    return int(
        conn.execute(
            select(func.count())
            .select_from(queue_tickets)
            .where(
                queue_tickets.c.centre_id
                == select(centres.c.id)
                .where(centres.c.code == ticket.centre_code)
                .scalar_subquery(),
                queue_tickets.c.day == ticket.day,
                queue_tickets.c.group_code == ticket.group_code,
                queue_tickets.c.status == TicketStatus.WAITING.value,
                queue_tickets.c.taken_at < ticket.taken_at,
            )
        ).scalar_one()
    )
