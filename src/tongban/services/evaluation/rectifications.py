"""差评整改: the item's department works on the task a poor rating opened — the department head
assigns it to a member of staff, every real-name rater is called back (回访) and the call is
recorded, the department responds, and the rater may rate once more (复评), which closes it.
Overdue tasks alert the department head.

Each use case is one transaction with its audit entry; a change names the ``version`` read and
is a compare-and-set, so of two staff acting on one task at once exactly one wins."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, Row, Select, and_, insert, select

from tongban.adapters.db.tables import cases, departments, role_assignments, users
from tongban.adapters.db.tables_evaluation import rectification_callbacks, rectifications
from tongban.domain.errors import PermissionDenied
from tongban.domain.evaluation.errors import (
    NotTheApplicant,
    OwnerNotInDepartment,
    RectificationNotFound,
)
from tongban.domain.evaluation.model import parse_level
from tongban.domain.evaluation.rectification import Rectification, check_note, parse_outcome
from tongban.domain.people.model import Role
from tongban.domain.shared.masking import mask_text
from tongban.i18n import gettext as _
from tongban.services.evaluation import records
from tongban.services.evaluation.access import scope_of
from tongban.services.evaluation.ratings import department_heads
from tongban.services.evaluation.records import TASK
from tongban.services.platform import audit, outbox
from tongban.services.platform.context import Actor
from tongban.services.platform.unit_of_work import UnitOfWork, atomic


def _staff_on(conn: Connection, actor: Actor, row: Row[Any]) -> None:
    """Staff of the task's department (or whose scope holds it); others do not see it."""
    try:
        scope = scope_of(conn, actor.principal)
    except PermissionDenied:
        raise RectificationNotFound(number=row.number) from None
    if not scope.sees(row.department_id, row.centre_id):
        raise RectificationNotFound(number=row.number)


def _department_member(conn: Connection, department_id: int | None, user_id: int) -> None:
    found = conn.execute(
        select(role_assignments.c.id)
        .join(users, users.c.id == role_assignments.c.user_id)
        .where(
            role_assignments.c.user_id == user_id,
            role_assignments.c.department_id == department_id,
            role_assignments.c.role.in_(
                [Role.REVIEWER.value, Role.SECTION_CHIEF.value, Role.DEPARTMENT_HEAD.value]
            ),
            users.c.is_active.is_(True),
        )
        .limit(1)
    ).first()
    if found is None:
        raise OwnerNotInDepartment(fields={"owner_id": OwnerNotInDepartment.template})


def _is_head(conn: Connection, actor: Actor, department_id: int | None) -> bool:
    p = actor.principal
    if p is None or department_id is None:
        return False
    code = conn.execute(
        select(departments.c.code).where(departments.c.id == department_id)
    ).scalar()
    heads = (Role.DEPARTMENT_HEAD, Role.SECTION_CHIEF)
    return any(a.role in heads and a.department_code == code for a in p.roles)


@atomic
def assign_owner(
    uow: UnitOfWork, actor: Actor, number: str, owner_id: int, version: int
) -> Rectification:
    """确定责任人: the department head gives the task to a member of the department."""
    conn = uow.conn
    row = records.load_task(conn, number)
    _staff_on(conn, actor, row)
    if not _is_head(conn, actor, row.department_id):
        raise PermissionDenied("只有该部门负责人可以指定整改责任人。")
    records.check_version(row, version)
    _department_member(conn, row.department_id, owner_id)
    after = records.save_task(conn, row, records.task_of(row).assign(owner_id), actor.at)
    audit.record(conn, actor, "rectification.assigned", TASK, row.number, {"owner_id": owner_id})
    outbox.enqueue_many(
        conn,
        [
            outbox.inbox(
                owner_id,
                _("差评整改任务交由您办理"),
                _("整改任务 {number} 交由您办理，整改期限 {due_on}。").format(
                    number=row.number, due_on=row.due_on.isoformat()
                ),
                link=records.task_link(row.number),
                dedup_key=f"rectification:{row.number}:owner:{after.version}",
            )
        ],
        now=actor.at,
    )
    return after


@atomic
def record_callback(
    uow: UnitOfWork,
    actor: Actor,
    number: str,
    called_on: date,
    outcome: str,
    note: str,
    version: int,
) -> Rectification:
    """回访: the date, who called, how it went and what was said; counts for the call-back
    rate once the task has one."""
    conn = uow.conn
    row = records.load_task(conn, number)
    _staff_on(conn, actor, row)
    records.check_version(row, version)
    chosen = parse_outcome(outcome)
    text = mask_text(check_note(note))
    after = records.save_task(conn, row, records.task_of(row).record_callback(), actor.at)
    assert actor.user_id is not None
    conn.execute(
        insert(rectification_callbacks).values(
            rectification_id=row.id,
            called_on=called_on,
            by_id=actor.user_id,
            outcome=chosen.value,
            note=text,
            recorded_at=actor.at,
        )
    )
    audit.record(conn, actor, "rectification.called_back", TASK, row.number, {"outcome": chosen})
    return after


@atomic
def respond(
    uow: UnitOfWork, actor: Actor, number: str, response: str, version: int
) -> Rectification:
    """整改答复: what was done; the rater is told and may rate once more."""
    conn = uow.conn
    row = records.load_task(conn, number)
    _staff_on(conn, actor, row)
    records.check_version(row, version)
    after = records.save_task(
        conn,
        row,
        records.task_of(row).respond(response),
        actor.at,
        responded_at=actor.at,
        responded_by=actor.user_id,
    )
    audit.record(conn, actor, "rectification.responded", TASK, row.number)
    if row.rater_id is not None:
        case_number = conn.execute(select(cases.c.number).where(cases.c.id == row.case_id)).scalar()
        link = records.my_case_link(str(case_number)) if case_number else "/my/ratings"
        outbox.enqueue_many(
            conn,
            [
                outbox.inbox(
                    row.rater_id,
                    _("您的评价已整改答复"),
                    mask_text(
                        _("针对您的评价，相关部门已答复：{response}。欢迎再次评价。").format(
                            response=after.response
                        )
                    ),
                    link=link,
                    dedup_key=f"rectification:{row.number}:responded",
                )
            ],
            now=actor.at,
        )
    return after


@atomic
def re_rate(uow: UnitOfWork, actor: Actor, number: str, level: str) -> Rectification:
    """复评: the rater's one new level after the response; the original rating stays as given."""
    chosen = parse_level(level)
    conn = uow.conn
    row = records.load_task(conn, number)
    if actor.user_id is None or row.rater_id != actor.user_id:
        raise NotTheApplicant()
    after = records.save_task(
        conn, row, records.task_of(row).re_rate(chosen), actor.at, re_rated_at=actor.at
    )
    audit.record(conn, actor, "rectification.re_rated", TASK, row.number, {"level": chosen})
    return after


def overdue(conn: Connection, today: date) -> list[Row[Any]]:
    query = overdue_query(today).order_by(rectifications.c.due_on, rectifications.c.id)
    return list(conn.execute(query))


def overdue_query(today: date) -> Select[Any]:
    """Open rectification tasks past their deadline, with the task's id as the sweep's key."""
    t = rectifications
    return select(t.c.id, t.c.number, t.c.department_id, t.c.due_on).where(
        and_(t.c.status == "open", t.c.due_on < today)
    )


@atomic
def alert_overdue(uow: UnitOfWork, actor: Actor, today: date) -> int:
    """超期预警: each overdue task alerts its department head, once per task and deadline.  The
    worker's sweep pages through the same rows (``overdue_query``, ``alert_one``)."""
    rows = overdue(uow.conn, today)
    for row in rows:
        alert_one(uow.conn, row, actor.at)
    return len(rows)


def alert_one(conn: Connection, row: Row[Any], now: datetime) -> bool:
    """Tell the department head that one task is overdue (once: dedup key)."""
    messages = [
        outbox.inbox(
            user_id,
            _("差评整改已超期"),
            _("整改任务 {number} 已超过整改期限 {due_on}，请尽快答复。").format(
                number=row.number, due_on=row.due_on.isoformat()
            ),
            link=records.task_link(row.number),
            dedup_key=f"rectification:{row.number}:overdue:{row.due_on.isoformat()}:{user_id}",
        )
        for user_id in department_heads(conn, row.department_id)
    ]
    outbox.enqueue_many(conn, messages, now=now)
    return True
