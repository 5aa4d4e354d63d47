"""Inspection tasks (检查任务): opened by an approval of a supervised item, inspected by the
inspector a draw assigned, concluded by closure, a rectification order or revocation.

Opening happens in the transaction that issues the result (``open_for_result``, called by
``cases.delivery``): the task exists if and only if the approval commits, its subject's
e-licence is known right there, and no event can be lost between the two.  Each later change is
one transaction with its audit entry, a line of history and its messages, and a compare-and-set
on ``lock_version``.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any, Literal

from sqlalchemy import Connection, Row, Select, and_, insert, select, update

from tongban.adapters.db.tables import users
from tongban.adapters.db.tables_supervision import inspection_tasks
from tongban.domain.errors import ValidationFailed
from tongban.domain.people.model import UserKind
from tongban.domain.shared.clock import china_date
from tongban.domain.supervision.errors import NoLicenceToRevoke
from tongban.domain.supervision.model import Outcome, TaskStatus, task_number
from tongban.i18n import gettext as _
from tongban.services.licences import library as licences
from tongban.services.platform import audit
from tongban.services.platform import calendar as working_days
from tongban.services.platform.context import Actor
from tongban.services.platform.unit_of_work import UnitOfWork, atomic
from tongban.services.supervision.access import check_inspector
from tongban.services.supervision.items import SupervisedItem, supervised
from tongban.services.supervision.records import (
    OBJECT,
    add_event,
    aggregate,
    check_version,
    department_heads,
    load,
    save,
    staff_link,
    tell,
)

MAX_RECTIFY_DAYS = 60


def _due(conn: Connection, actor: Actor, days: int) -> date:
    due = working_days.deadline(conn, china_date(actor.at), days)
    assert due is not None  # no clock stops here
    return due


def open_for_result(
    conn: Connection,
    actor: Actor,
    *,
    item_code: str,
    case_id: int | None,
    case_number: str | None,
    applicant_id: int,
    licence_id: str | None,
    setting: SupervisedItem | Literal["unread"] | None = "unread",
) -> str | None:
    """批后监管: an approval of an item on the supervision list opens an inspection task for
    the applicant (and the e-licence issued), due in the item's working days; returns its
    number, None when the item is not supervised.  Runs on the caller's transaction.
    ``setting``: the item's, when the caller has read it (``supervised``) already."""
    if isinstance(setting, str):
        setting = supervised(conn, item_code)
    if setting is None:
        return None
    applicant = conn.execute(
        select(users.c.name, users.c.kind).where(users.c.id == applicant_id)
    ).one()
    name = applicant.name or ""
    kind = "enterprise" if applicant.kind == UserKind.ENTERPRISE.value else "person"
    if licence_id is not None:  # the licence's holder is who is inspected
        licence = licences.get(conn, licence_id)
        name, kind = licence.holder_name or name, licence.holder_kind.value
    due = _due(conn, actor, setting.inspect_within_days)
    new_id = conn.execute(
        insert(inspection_tasks)
        .values(
            number=f"T{secrets.token_hex(8)}",  # replaced below by the number of the id
            item_code=item_code,
            department_code=setting.department_code,
            case_id=case_id,
            case_number=case_number,
            subject_id=applicant_id,
            subject_name=name[:200],
            subject_kind=kind,
            licence_id=licence_id,
            checklist=[e.as_dict() for e in setting.checklist],
            findings={},
            status=TaskStatus.PENDING.value,
            due_on=due,
            first_due_on=due,
            lock_version=1,
            created_at=actor.at,
            updated_at=actor.at,
        )
        .returning(inspection_tasks.c.id)
    ).scalar_one()
    number = task_number(new_id)
    conn.execute(
        update(inspection_tasks).where(inspection_tasks.c.id == new_id).values(number=number)
    )
    add_event(conn, new_id, "opened", actor, {"case": case_number, "due_on": due.isoformat()})
    audit.record(conn, actor, "inspection_task.opened", OBJECT, number, {"case": case_number})
    return number


@atomic
def record_findings(
    uow: UnitOfWork,
    actor: Actor,
    number: str,
    findings: Mapping[str, Mapping[str, Any]],
    version: int,
) -> Row[Any]:
    """The assigned inspector records a finding per checklist entry (符合 / 不符合 / 不适用)."""
    conn = uow.conn
    row = load(conn, number)
    check_inspector(actor.principal, row)
    check_version(row, version)
    after_task = aggregate(row).record_findings(findings)
    after = save(conn, row, after_task, actor)
    recorded = {code: after_task.findings[code].as_dict() for code in findings}
    add_event(conn, row.id, "findings", actor, {"findings": recorded})
    audit.record(
        conn, actor, "inspection_task.findings", OBJECT, row.number, {"entries": sorted(findings)}
    )
    return after


@atomic
def conclude(
    uow: UnitOfWork,
    actor: Actor,
    number: str,
    outcome: Outcome,
    version: int,
    *,
    reason: str = "",
    rectify_days: int | None = None,
) -> Row[Any]:
    """The inspector's decision: 合格 closes the task; 责令整改 sets a deadline in working days
    for the re-inspection and tells the subject; 注销 revokes the subject's e-licence (from then
    on it fails verification, online and against the published revocation list)."""
    conn = uow.conn
    row = load(conn, number)
    check_inspector(actor.principal, row)
    check_version(row, version)
    reason = reason.strip()
    if len(reason) > 500:
        raise ValidationFailed(fields={"reason": "理由不超过500字"})
    rectify_by = None
    if outcome is Outcome.RECTIFICATION:
        if rectify_days is None or not 1 <= rectify_days <= MAX_RECTIFY_DAYS:
            raise ValidationFailed(fields={"rectify_days": "整改期限须为 1 至 60 个工作日"})
        rectify_by = _due(conn, actor, rectify_days)
    before = aggregate(row)
    task = before.conclude(outcome, reason=reason, rectify_by=rectify_by)
    if outcome is Outcome.REVOCATION and row.licence_id is None:
        raise NoLicenceToRevoke()
    first = row.inspected_on or china_date(actor.at)
    after = save(conn, row, task, actor, inspected_on=first, conclusion=reason)
    detail: dict[str, Any] = {
        "outcome": outcome.value,
        "findings": {code: f.as_dict() for code, f in before.findings.items()},
        "reason": reason,
    }
    if rectify_by is not None:
        detail["rectify_by"] = rectify_by.isoformat()
    add_event(conn, row.id, "concluded", actor, detail)
    audit.record(
        conn, actor, "inspection_task.concluded", OBJECT, row.number, {"outcome": outcome.value}
    )
    if outcome is Outcome.REVOCATION:
        assert row.licence_id is not None
        licences.revoke(uow, actor, row.licence_id, f"批后监管检查 {row.number}：{reason}")
    _tell_subject(conn, actor, after, outcome, rectify_by)
    return after


def _tell_subject(
    conn: Connection, actor: Actor, row: Row[Any], outcome: Outcome, rectify_by: date | None
) -> None:
    if outcome is Outcome.RECTIFICATION:
        title = _("责令整改通知")
        body = _("批后监管检查 {number} 发现问题，请于 {day} 前完成整改，届时将复查。").format(
            number=row.number, day=rectify_by.isoformat() if rectify_by else ""
        )
    elif outcome is Outcome.REVOCATION:
        title = _("电子证照已注销")
        body = _("根据批后监管检查 {number} 的结果，您的电子证照 {licence} 已注销。").format(
            number=row.number, licence=row.licence_id or ""
        )
    else:
        title = _("批后监管检查合格")
        body = _("批后监管检查 {number} 已办结：合格。").format(number=row.number)
    tell(
        conn,
        [row.subject_id],
        title,
        body,
        link="/my/licences",
        key=f"inspection:{row.number}:{row.lock_version}",
        now=actor.at,
    )


# --- the worker ----------------------------------------------------------------------------------


@atomic
def alert_overdue(uow: UnitOfWork, actor: Actor, today: date) -> int:
    """超期预警: each unfinished task past its deadline alerts the department head (and its
    inspector), once per task and deadline; returns how many are overdue.  The worker's sweep
    pages through the same rows (``overdue_query``, ``alert_one``) in batches."""
    query = overdue_query(today).order_by(inspection_tasks.c.due_on, inspection_tasks.c.id)
    rows = uow.conn.execute(query).all()
    for row in rows:
        alert_one(uow.conn, row, actor.at)
    return len(rows)


def overdue_query(today: date) -> Select[Any]:
    """Unfinished inspection tasks past their deadline, with the task's id as the sweep's key."""
    t = inspection_tasks
    return select(t.c.id, t.c.number, t.c.department_code, t.c.inspector_id, t.c.due_on).where(
        and_(
            t.c.status.in_([s.value for s in TaskStatus if not s.finished]),
            t.c.due_on < today,
        )
    )


def alert_one(conn: Connection, row: Row[Any], now: datetime) -> bool:
    """Tell the department head and the inspector that one task is overdue (once: dedup key)."""
    tell(
        conn,
        [*department_heads(conn, row.department_code), row.inspector_id],
        _("批后监管检查任务已超期"),
        _("检查任务 {number} 已超过检查期限 {day}，请尽快安排检查。").format(
            number=row.number, day=row.due_on.isoformat()
        ),
        link=staff_link(row.number),
        key=f"inspection:{row.number}:overdue:{row.due_on.isoformat()}",
        now=now,
    )
    return True
