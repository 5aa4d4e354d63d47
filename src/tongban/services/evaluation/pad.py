"""The rating pad (评价器): the second screen of a window.  After a clerk ends serving a queue
ticket, the pad of that window shows five large buttons for that ticket; the visitor taps one
and the ticket is rated (一次一评), and the linked case too when it is finished and the visitor
is its applicant.

The pad is bound to the visitor's ticket, not to the clerk: it offers only the last ticket the
window finished within ``PAD_MINUTES``, each button carries a token signed for that ticket, the
rating is the visitor's (the ticket's holder, or anonymous), never the clerk's, and a ticket is
rated once (``ratings.ticket_id`` is unique)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import Connection, Row, and_, exists, select

from tongban.adapters.db.tables_evaluation import ratings
from tongban.adapters.db.tables_visits import queue_tickets
from tongban.domain.evaluation import links as tokens
from tongban.domain.evaluation.errors import (
    CaseNotFinished,
    NotTheApplicant,
    RatingExists,
    TicketNotRateable,
)
from tongban.domain.evaluation.model import Marks, RatingChannel, Subject, parse_level
from tongban.domain.shared.clock import china_date
from tongban.i18n import gettext as _
from tongban.services.evaluation import ratings as case_ratings
from tongban.services.evaluation import records
from tongban.services.evaluation.records import RATING
from tongban.services.platform import audit
from tongban.services.platform.context import Actor
from tongban.services.platform.unit_of_work import UnitOfWork, atomic
from tongban.services.visits.queue import open_window_of

PAD_MINUTES = 15
"""A service ended longer ago than this is no longer offered on the pad."""


@dataclass(frozen=True)
class PadTicket:
    """The ticket the pad offers: its number and the token its buttons carry."""

    ticket_id: int
    number: str
    window_number: int
    token: str


def _latest(conn: Connection, actor: Actor) -> Row[Any] | None:
    window = open_window_of(conn, actor)
    if window is None:
        return None
    return conn.execute(
        select(queue_tickets)
        .where(
            and_(
                queue_tickets.c.centre_id == window.centre_id,
                queue_tickets.c.window_number == window.window.number,
                queue_tickets.c.day == china_date(actor.at),
                queue_tickets.c.status == "done",
                queue_tickets.c.service_ended_at >= actor.at - timedelta(minutes=PAD_MINUTES),
            )
        )
        .order_by(queue_tickets.c.service_ended_at.desc(), queue_tickets.c.id.desc())
        .limit(1)
    ).first()


def pad_ticket(conn: Connection, actor: Actor, key: str) -> PadTicket | None:
    """The ticket the window's pad offers now: the last one the window finished, unless it is
    rated already or too long ago."""
    row = _latest(conn, actor)
    if row is None or conn.execute(select(exists().where(ratings.c.ticket_id == row.id))).scalar():
        return None
    return PadTicket(row.id, row.number, row.window_number, tokens.pad_token(key, row.id))


@atomic
def rate_ticket(
    uow: UnitOfWork,
    actor: Actor,
    key: str,
    ticket_id: int,
    token: str,
    level: str,
    *,
    rectification_days: int,
) -> case_ratings.RatingRef:
    """一次一评 on the pad: the visitor's tap rates the ticket the pad showed; the linked case,
    when finished and unrated and the visitor is its applicant, gets the same level."""
    chosen = parse_level(level)
    tokens.check_pad_token(key, ticket_id, token)
    conn = uow.conn
    latest = _latest(conn, actor)
    if latest is None or latest.id != ticket_id:
        raise TicketNotRateable()
    ticket = records.ticket_row(conn, ticket_id)
    assert ticket is not None
    marks = Marks(chosen)
    counted = records.counted_for_ticket(conn, ticket)
    rating_id = records.insert_rating(
        conn, Subject.TICKET, ticket.id, ticket.user_id, RatingChannel.PAD, marks, counted, actor.at
    )
    audit.record(
        conn, actor, "rating.given", RATING, f"ticket:{ticket.id}", {"level": chosen.value}
    )
    task = None
    if chosen.is_poor:
        what = _("窗口服务 {number}").format(number=ticket.number)
        task = case_ratings.open_rectification(
            conn, actor, rating_id, counted, rectification_days, what
        )
    if ticket.case_number and ticket.user_id is not None:
        try:
            row = case_ratings.check_rateable(conn, ticket.case_number, ticket.user_id)
        except (RatingExists, NotTheApplicant, CaseNotFinished):
            row = None
        if row is not None:
            case_ratings.give_case_rating(
                conn, actor, row, ticket.user_id, marks, RatingChannel.PAD, rectification_days
            )
    return case_ratings.RatingRef(rating_id, Subject.TICKET, chosen.value, task)
