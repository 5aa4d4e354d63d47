"""A visit (自助办): one person identified at a kiosk, by their citizen code or the ID-card
reader, whom the kiosk then serves as themself until the visit closes.

A visit closes when its case is filed (only its receipt may still be printed, until the idle
time passes), when the visitor finishes or walks away (the page's idle timer), or on the
server, whatever the page does, once ``expires_at`` passes: every action moves it on by the
kiosk's idle time, and a visit past it acts for no one and is closed by the next request or by
the worker's sweep.  The form being filled in is kept on the visit (so the pages can redirect
after every POST and the browser keeps no values) and wiped when the visit closes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Row, Select, insert, select, update

from tongban.adapters.db.tables_self_service import kiosk_visits
from tongban.domain.errors import ValidationFailed
from tongban.domain.identity_check.model import IdentifiedPerson
from tongban.domain.self_service.errors import NoVisit, VisitExpired
from tongban.domain.self_service.model import CloseReason, Kiosk, Visit, VisitMethod, VisitState
from tongban.services.identity import check as identity_check
from tongban.services.people import queries as people
from tongban.services.people import sessions
from tongban.services.platform import audit
from tongban.services.platform.batches import SweepPorts, sweep_in_batches
from tongban.services.platform.context import Actor, Via
from tongban.services.platform.unit_of_work import UnitOfWork, atomic
from tongban.services.self_service.kiosks import close_all, device_kiosk


@dataclass(frozen=True)
class Screen:
    """What a kiosk shows now: its visit (None: the start screen) and the visitor as a
    passer-by may see them (name and number masked)."""

    kiosk: Kiosk
    visit: Visit | None
    visitor: people.Applicant | None
    timed_out: bool = False
    """A visit has just been found past its idle time and closed: say so on the start screen."""

    def seconds_left(self, at: datetime) -> int:
        """Seconds until the visit ends without an action (by the server's clock)."""
        if self.visit is None:
            return 0
        return max(0, int((self.visit.expires_at - at).total_seconds()))


def _visit(row: Row[Any]) -> Visit:
    return Visit(
        id=row.id,
        kiosk_id=row.kiosk_id,
        subject_id=row.subject_id,
        method=row.method,
        started_at=row.started_at,
        expires_at=row.expires_at,
        submitted_at=row.submitted_at,
        case_number=row.case_number,
        draft=dict(row.draft) if row.draft is not None else None,
    )


def _current(conn: Connection, kiosk: Kiosk, *, lock: bool = False) -> Visit | None:
    query = (
        select(kiosk_visits)
        .where(kiosk_visits.c.kiosk_id == kiosk.id, kiosk_visits.c.closed_at.is_(None))
        .order_by(kiosk_visits.c.id.desc())
        .limit(1)
    )
    row = conn.execute(query.with_for_update() if lock else query).first()
    return None if row is None else _visit(row)


def _close(conn: Connection, visit: Visit, at: datetime, reason: CloseReason) -> None:
    conn.execute(
        update(kiosk_visits)
        .where(kiosk_visits.c.id == visit.id, kiosk_visits.c.closed_at.is_(None))
        .values(closed_at=at, close_reason=reason.value, draft=None)
    )


def touch(conn: Connection, kiosk: Kiosk, visit: Visit, at: datetime, **values: Any) -> None:
    """Every action keeps the visit going for the kiosk's idle time from now."""
    expires_at = at + timedelta(seconds=kiosk.idle_seconds)
    conn.execute(
        update(kiosk_visits)
        .where(kiosk_visits.c.id == visit.id)
        .values(expires_at=expires_at, **values)
    )


@atomic
def screen(uow: UnitOfWork, actor: Actor) -> Screen:
    """The kiosk's screen now; a visit past its idle time is closed here and its draft wiped."""
    conn = uow.conn
    kiosk = device_kiosk(conn, actor.principal, lock=True)
    visit = _current(conn, kiosk)
    if visit is not None and visit.expired(actor.at):
        _close(conn, visit, actor.at, CloseReason.IDLE)
        audit.record(conn, actor, "kiosk.visit_timed_out", "kiosk_visit", str(visit.id))
        return Screen(kiosk, None, None, timed_out=True)
    if visit is None:
        return Screen(kiosk, None, None)
    found = people.applicant(conn, visit.subject_id)
    return Screen(kiosk, visit, found.masked() if found is not None else None)


def live_visit(
    conn: Connection, actor: Actor, state: VisitState = VisitState.OPEN
) -> tuple[Kiosk, Visit]:
    """The kiosk and its visit in ``state``, locked for this action; none is ``NoVisit``, one
    past its idle time ``VisitExpired`` (it acts for no one, whether or not closed yet)."""
    kiosk = device_kiosk(conn, actor.principal, lock=True)
    visit = _current(conn, kiosk, lock=True)
    if visit is None:
        raise NoVisit()
    if visit.expired(actor.at):
        raise VisitExpired()
    if visit.state is not state:
        raise NoVisit()
    return kiosk, visit


@atomic
def start_visit(
    uow: UnitOfWork,
    actor: Actor,
    method: str,
    *,
    token: str = "",
    card: Mapping[str, Any] | None = None,
    key: str,
    reader: identity_check.IdCardReader,
) -> Screen:
    """刷证 or 扫码: identify the person at the kiosk and start their visit, closing whatever
    visit the kiosk still had.  A refused identification changes nothing."""
    conn = uow.conn
    kiosk = device_kiosk(conn, actor.principal, lock=True)
    if method == VisitMethod.CITIZEN_CODE:
        person: IdentifiedPerson = identity_check.redeem_citizen_code(uow, actor, token, key=key)
    elif method == VisitMethod.ID_CARD:
        person = identity_check.read_id_card(uow, actor, card or {}, reader=reader)
    else:
        raise ValidationFailed(fields={"method": "请选择核验方式：市民码或身份证"})
    close_all(conn, kiosk.id, actor, CloseReason.REPLACED)
    visit_id = conn.execute(
        insert(kiosk_visits)
        .values(
            kiosk_id=kiosk.id,
            subject_id=person.user_id,
            method=method,
            started_at=actor.at,
            expires_at=actor.at + timedelta(seconds=kiosk.idle_seconds),
        )
        .returning(kiosk_visits.c.id)
    ).scalar_one()
    detail = {"kiosk": kiosk.code, "method": method, "subject_id": person.user_id}
    audit.record(conn, actor, "kiosk.visit_started", "kiosk_visit", str(visit_id), detail)
    return screen(uow, actor)


@atomic
def keep_alive(uow: UnitOfWork, actor: Actor) -> Visit:
    """继续办理: the visitor is still there; the visit (or its receipt) goes on."""
    conn = uow.conn
    kiosk = device_kiosk(conn, actor.principal, lock=True)
    visit = _current(conn, kiosk, lock=True)
    if visit is None:
        raise NoVisit()
    if visit.expired(actor.at):
        raise VisitExpired()
    touch(conn, kiosk, visit, actor.at)
    return _reload(conn, visit.id)


def _reload(conn: Connection, visit_id: int) -> Visit:
    return _visit(conn.execute(select(kiosk_visits).where(kiosk_visits.c.id == visit_id)).one())


@atomic
def keep_draft(uow: UnitOfWork, actor: Actor, draft: Mapping[str, Any]) -> None:
    """What the visitor typed (a form and what was wrong with it, or the words they looked an
    item up by), kept on the visit until it closes, together with what it kept before."""
    kiosk, visit = live_visit(uow.conn, actor)
    touch(uow.conn, kiosk, visit, actor.at, draft={**(visit.draft or {}), **draft})


@atomic
def finish(uow: UnitOfWork, actor: Actor, *, idle: bool = False) -> bool:
    """完成 or 返回首页: close the kiosk's visit, if any, its draft wiped; ``idle`` when the page's
    idle timer asks.  Returns whether a visit was closed (the second call changes nothing)."""
    conn = uow.conn
    kiosk = device_kiosk(conn, actor.principal, lock=True)
    visit = _current(conn, kiosk, lock=True)
    if visit is None:
        return False
    reason = CloseReason.IDLE if idle or visit.expired(actor.at) else CloseReason.FINISHED
    _close(conn, visit, actor.at, reason)
    audit.record(conn, actor, f"kiosk.visit_{reason.value}", "kiosk_visit", str(visit.id))
    return True


def visitor_actor(conn: Connection, actor: Actor, kiosk: Kiosk, visit: Visit) -> Actor:
    """The visitor acting as themself at the kiosk: what they file, read and consent to is
    theirs, and every case event names the kiosk and its centre (``Via``)."""
    principal = sessions.load_principal(conn, visit.subject_id)
    if principal is None:  # deactivated since identification
        raise VisitExpired()
    return Actor(
        at=actor.at,
        principal=principal,
        request_id=actor.request_id,
        ip=actor.ip,
        via=Via(kiosk.centre_code, kiosk=kiosk.code),
    )


def mark_submitted(conn: Connection, kiosk: Kiosk, visit: Visit, number: str, at: datetime) -> None:
    """The case is filed: the visit acts for no one any more; its receipt stays printable
    for the kiosk's idle time."""
    touch(conn, kiosk, visit, at, submitted_at=at, case_number=number, draft=None)


def expired_query(now: datetime) -> Select[Any]:
    """Open visits past their idle time, by id (the worker sweep's key)."""
    t = kiosk_visits
    return select(t.c.id).where(t.c.closed_at.is_(None), t.c.expires_at <= now)


def close_one(conn: Connection, visit_id: int, now: datetime) -> bool:
    """Close one expired visit and wipe its draft, unless someone closed it first."""
    closed = conn.execute(
        update(kiosk_visits)
        .where(kiosk_visits.c.id == visit_id, kiosk_visits.c.closed_at.is_(None))
        .values(closed_at=now, close_reason=CloseReason.IDLE.value, draft=None)
    ).rowcount
    return closed == 1


def close_expired_sweep(ports: SweepPorts, now: datetime) -> int:
    """``kiosk_visits_close``: the worker closes the visits past their idle time, in keyset
    pages of ``sweep_batch_size`` shared by the workers."""
    report = sweep_in_batches(
        ports,
        "kiosk_visits_close",
        expired_query(now),
        kiosk_visits.c.id,
        lambda uow, row: close_one(uow.conn, row.id, now),
        now,
        batch=ports.settings.sweep_batch_size,
    )
    return report.changed


@atomic
def close_expired(uow: UnitOfWork, actor: Actor) -> int:
    """Close every visit past its idle time, wiping its draft, so nothing of a visitor stays
    behind even when the kiosk never asks again (the worker's sweep does it in batches)."""
    return uow.conn.execute(
        update(kiosk_visits)
        .where(kiosk_visits.c.closed_at.is_(None), kiosk_visits.c.expires_at <= actor.at)
        .values(closed_at=actor.at, close_reason=CloseReason.IDLE.value, draft=None)
    ).rowcount
