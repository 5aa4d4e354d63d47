"""The hard-case window's work (办不成事): give an escalation an owner, keep notes, resolve it,
record the person's answer to 问题解决了吗？, and alert the overdue ones.

Each use case is one transaction with its audit entry, a line of the escalation's history and
its messages.  A change is a compare-and-set on ``lock_version`` (the ``version`` the caller
read): of two staff acting on one escalation at once exactly one wins, the other gets
``stale_version`` and nothing of theirs is written.  Raising lives in ``hard_case_intake``.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, Row, Select, and_, select

from tongban.adapters.db.tables import role_assignments, users
from tongban.adapters.db.tables_service_desk import hard_cases
from tongban.domain.errors import PermissionDenied
from tongban.domain.service_desk.errors import (
    HardCaseNotFound,
    NotHardCaseOwner,
    OwnerNotEligible,
)
from tongban.domain.service_desk.hard_cases import (
    EventKind,
    HardCaseStatus,
    check_comment,
    check_note,
)
from tongban.i18n import gettext as _
from tongban.services.platform import audit
from tongban.services.platform.context import Actor
from tongban.services.platform.unit_of_work import UnitOfWork, atomic
from tongban.services.service_desk.access import (
    CentreScope,
    centre_scope,
    desk_staff_condition,
    signed_in,
)
from tongban.services.service_desk.hard_case_intake import RaiseInput, raise_hard_case
from tongban.services.service_desk.hard_case_records import (
    OBJECT,
    HardCaseRef,
    add_event,
    aggregate,
    check_version,
    deadline_after,
    load,
    person_link,
    ref_of,
    save,
    staff_link,
)
from tongban.services.service_desk.notify import centre_managers, tell

__all__ = [
    "HardCaseRef",
    "RaiseInput",
    "add_note",
    "alert_one",
    "alert_overdue",
    "answer_follow_up",
    "assign_owner",
    "overdue_query",
    "raise_hard_case",
    "resolve",
]

# --- who acts --------------------------------------------------------------------------------


def _staff_on(conn: Connection, actor: Actor, row: Row[Any]) -> CentreScope:
    """A clerk or manager of the escalation's centre; anyone else does not see it at all."""
    scope = centre_scope(conn, actor.principal)
    if not scope.reads(row.centre_id):
        raise HardCaseNotFound(number=row.number)
    return scope


def _eligible_owner(conn: Connection, centre_id: int, user_id: int) -> None:
    """A clerk of the escalation's centre, or a manager of it or of a centre above it, with
    an active account."""
    found = conn.execute(
        select(role_assignments.c.id)
        .join(users, users.c.id == role_assignments.c.user_id)
        .where(
            role_assignments.c.user_id == user_id,
            desk_staff_condition(conn, centre_id),
            users.c.is_active.is_(True),
        )
        .limit(1)
    ).first()
    if found is None:
        raise OwnerNotEligible(fields={"owner_id": OwnerNotEligible.template})


# --- the centre's work -------------------------------------------------------------------------


@atomic
def assign_owner(
    uow: UnitOfWork, actor: Actor, number: str, owner_id: int | None, version: int
) -> HardCaseRef:
    """确定承办人: the centre manager gives the escalation to a clerk of the centre or to
    themselves; a clerk of the centre may take it on themselves (``owner_id`` None or their
    own id).  A new owner takes over from the previous one."""
    conn = uow.conn
    row = load(conn, number)
    scope = _staff_on(conn, actor, row)
    check_version(row, version)
    owner = scope.user_id if owner_id is None else owner_id
    if owner != scope.user_id and not scope.manages(row.centre_id):
        raise PermissionDenied("只有中心负责人可以把问题分派给他人。")
    _eligible_owner(conn, row.centre_id, owner)
    before = aggregate(row)
    after = save(conn, row, before.assign(owner), actor)
    add_event(conn, row.id, EventKind.ASSIGNED, actor, detail={"owner_id": owner})
    audit.record(
        conn,
        actor,
        "hard_case.assigned",
        OBJECT,
        row.number,
        {"owner_id": owner, "previous": before.owner_id},
    )
    if owner != scope.user_id:
        tell(
            conn,
            [owner],
            _("办不成事问题交由您承办"),
            _("办不成事问题 {number}（{summary}）交由您承办，办理期限 {due_on}。"),
            {"number": row.number, "summary": row.summary, "due_on": row.due_on.isoformat()},
            link=staff_link(row.number),
            key=f"hard_case:{row.number}:owner:{after.version}",
            now=actor.at,
        )
    return ref_of(after)


@atomic
def add_note(uow: UnitOfWork, actor: Actor, number: str, body: str, version: int) -> HardCaseRef:
    """处理记录: a clerk or manager of the centre notes what was done (a call, a meeting, a
    department consulted); the note is a change like any other (compare-and-set)."""
    conn = uow.conn
    row = load(conn, number)
    _staff_on(conn, actor, row)
    check_version(row, version)
    text = check_note(body)
    after = save(conn, row, aggregate(row).add_note(), actor)
    add_event(conn, row.id, EventKind.NOTE, actor, text)
    audit.record(conn, actor, "hard_case.note_added", OBJECT, row.number)
    return ref_of(after)


@atomic
def resolve(
    uow: UnitOfWork, actor: Actor, number: str, outcome: str, resolution: str, version: int
) -> HardCaseRef:
    """办结: the owner (or the centre manager) records the outcome and what was done; the person
    concerned is told and asked whether the problem was solved."""
    conn = uow.conn
    row = load(conn, number)
    scope = _staff_on(conn, actor, row)
    check_version(row, version)
    if row.owner_id != scope.user_id and not scope.manages(row.centre_id):
        raise NotHardCaseOwner()
    after = save(
        conn,
        row,
        aggregate(row).resolve(outcome, resolution),
        actor,
        resolved_at=actor.at,
        resolved_by=actor.user_id,
        feedback_at=None,
        feedback_reminded_at=None,  # a new resolution: the person is asked (and reminded) anew
        feedback_lapsed_at=None,
    )
    assert after.outcome is not None
    add_event(conn, row.id, EventKind.RESOLVED, actor, after.resolution, {"outcome": outcome})
    audit.record(conn, actor, "hard_case.resolved", OBJECT, row.number, {"outcome": outcome})
    if after.person_id is not None:
        tell(
            conn,
            [after.person_id],
            _("问题解决了吗？"),
            _(
                "您反映的问题 {number}（{summary}）已办结：{outcome}。问题解决了吗？"
                "请在“办不成事”页面告诉我们。"
            ),
            {"number": row.number, "summary": row.summary, "outcome": _(after.outcome.label)},
            link=person_link(row.number),
            key=f"hard_case:{row.number}:resolved:{after.reopened}",
            now=actor.at,
            sms_to=after.person_id,
        )
    return ref_of(after)


# --- the person's answer -----------------------------------------------------------------------


@atomic
def answer_follow_up(
    uow: UnitOfWork,
    actor: Actor,
    number: str,
    solved: bool,
    comment: str,
    *,
    days: int,
) -> HardCaseRef:
    """问题解决了吗？ The person concerned answers once per resolution: yes closes the matter;
    no reopens it with the same owner and ``days`` new working days, and the owner and the
    centre's managers are told."""
    conn = uow.conn
    principal = signed_in(actor.principal)
    row = load(conn, number)
    if row.person_id != principal.user_id:
        raise HardCaseNotFound(number=row.number)
    text = check_comment(comment)
    before = aggregate(row)
    new_due = row.due_on if solved else deadline_after(conn, actor, days)
    after = save(conn, row, before.answer_follow_up(solved, new_due), actor, feedback_at=actor.at)
    add_event(conn, row.id, EventKind.FEEDBACK, actor, text, {"solved": solved})
    audit.record(conn, actor, "hard_case.feedback", OBJECT, row.number, {"solved": solved})
    if solved:
        return ref_of(after)
    add_event(conn, row.id, EventKind.REOPENED, actor, detail={"due_on": new_due.isoformat()})
    recipients = centre_managers(conn, row.centre_id)
    if after.owner_id is not None:
        recipients.insert(0, after.owner_id)
    tell(
        conn,
        recipients,
        _("办不成事问题未解决，已重新办理"),
        _("反映人表示问题 {number}（{summary}）仍未解决，已重新办理，新的办理期限 {due_on}。"),
        {"number": row.number, "summary": row.summary, "due_on": new_due.isoformat()},
        link=staff_link(row.number),
        key=f"hard_case:{row.number}:reopened:{after.reopened}",
        now=actor.at,
    )
    return ref_of(after)


# --- the worker --------------------------------------------------------------------------------


def overdue(conn: Connection, today: date) -> list[Row[Any]]:
    """Escalations not yet resolved whose deadline has passed."""
    query = overdue_query(today).order_by(hard_cases.c.due_on, hard_cases.c.id)
    return list(conn.execute(query))


def overdue_query(today: date) -> Select[Any]:
    """The overdue escalations, with the escalation's id as the worker sweep's key."""
    t = hard_cases
    return select(t.c.id, t.c.number, t.c.summary, t.c.centre_id, t.c.owner_id, t.c.due_on).where(
        and_(t.c.status != HardCaseStatus.RESOLVED.value, t.c.due_on < today)
    )


@atomic
def alert_overdue(uow: UnitOfWork, actor: Actor, today: date) -> int:
    """超期预警: each overdue escalation alerts the centre's managers (and its owner), once per
    escalation and deadline (a second run queues nothing new); returns how many are overdue.
    The worker's sweep pages through the same rows (``overdue_query``, ``alert_one``)."""
    rows = overdue(uow.conn, today)
    for row in rows:
        alert_one(uow.conn, row, actor.at)
    return len(rows)


def alert_one(conn: Connection, row: Row[Any], now: datetime) -> bool:
    """Tell the centre's managers and the owner that one escalation is overdue (once)."""
    recipients = centre_managers(conn, row.centre_id)
    if row.owner_id is not None:
        recipients.append(row.owner_id)
    tell(
        conn,
        recipients,
        _("办不成事问题已超期"),
        _("办不成事问题 {number}（{summary}）已超过办理期限 {due_on}，请尽快办结。"),
        {"number": row.number, "summary": row.summary, "due_on": row.due_on.isoformat()},
        link=staff_link(row.number),
        key=f"hard_case:{row.number}:overdue:{row.due_on.isoformat()}",
        now=now,
    )
    return True
