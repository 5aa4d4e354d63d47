"""Loading and saving inspection tasks: the row ↔ aggregate mapping, the compare-and-set on
``lock_version``, the history, and the messages of the area (through the outbox)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, insert, select, update

from tongban.adapters.db.tables import departments, role_assignments, users
from tongban.adapters.db.tables_supervision import inspection_events, inspection_tasks
from tongban.domain.errors import StaleVersion
from tongban.domain.people.model import Role
from tongban.domain.shared.masking import mask_text
from tongban.domain.supervision.errors import TaskNotFound
from tongban.domain.supervision.model import (
    ChecklistEntry,
    Finding,
    FindingResult,
    InspectionTask,
    Outcome,
    TaskStatus,
)
from tongban.services.platform import outbox
from tongban.services.platform.context import Actor

OBJECT = "inspection_task"


def load(conn: Connection, number: str) -> Row[Any]:
    row = conn.execute(
        select(inspection_tasks).where(inspection_tasks.c.number == number.strip().upper())
    ).first()
    if row is None:
        raise TaskNotFound(number=number)
    return row


def aggregate(row: Row[Any]) -> InspectionTask:
    return InspectionTask(
        number=row.number,
        status=TaskStatus(row.status),
        checklist=tuple(ChecklistEntry(e["code"], e["text"]) for e in row.checklist),
        findings={
            code: Finding(FindingResult(f["result"]), f.get("note", ""))
            for code, f in (row.findings or {}).items()
        },
        due_on=row.due_on,
        version=row.lock_version,
        has_licence=row.licence_id is not None,
        outcome=Outcome(row.outcome) if row.outcome else None,
        rectifications=row.rectifications,
    )


def check_version(row: Row[Any], version: int) -> None:
    if row.lock_version != version:
        raise StaleVersion(current=row.lock_version)


def save(
    conn: Connection, row: Row[Any], task: InspectionTask, actor: Actor, **extra: Any
) -> Row[Any]:
    """Compare-and-set: of two inspectors acting on one task at once exactly one wins; the
    other gets ``stale_version`` and nothing of theirs is written."""
    done = conn.execute(
        update(inspection_tasks)
        .where(
            inspection_tasks.c.id == row.id,
            inspection_tasks.c.lock_version == row.lock_version,
        )
        .values(
            status=task.status.value,
            outcome=task.outcome.value if task.outcome else None,
            findings={code: f.as_dict() for code, f in task.findings.items()},
            due_on=task.due_on,
            rectifications=task.rectifications,
            lock_version=row.lock_version + 1,
            updated_at=actor.at,
            **extra,
        )
    )
    if done.rowcount != 1:
        current = conn.execute(
            select(inspection_tasks.c.lock_version).where(inspection_tasks.c.id == row.id)
        ).scalar()
        raise StaleVersion(current=current)
    return load(conn, row.number)


def add_event(
    conn: Connection, task_id: int, kind: str, actor: Actor, detail: Mapping[str, Any]
) -> None:
    conn.execute(
        insert(inspection_events).values(
            task_id=task_id, kind=kind, actor_id=actor.user_id, detail=dict(detail), at=actor.at
        )
    )


def department_heads(conn: Connection, department_code: str) -> list[int]:
    """The department's active heads and section chiefs: those alerted of overdue tasks."""
    query = (
        select(role_assignments.c.user_id)
        .join(departments, departments.c.id == role_assignments.c.department_id)
        .join(users, users.c.id == role_assignments.c.user_id)
        .where(
            departments.c.code == department_code,
            role_assignments.c.role.in_([Role.DEPARTMENT_HEAD.value, Role.SECTION_CHIEF.value]),
            users.c.is_active.is_(True),
        )
        .distinct()
        .order_by(role_assignments.c.user_id)
    )
    return [int(u) for u in conn.execute(query).scalars()]


def department_inspectors(conn: Connection, department_code: str) -> list[int]:
    """The department's active inspectors: the inspector pool of its draws."""
    query = (
        select(role_assignments.c.user_id)
        .join(departments, departments.c.id == role_assignments.c.department_id)
        .join(users, users.c.id == role_assignments.c.user_id)
        .where(
            departments.c.code == department_code,
            role_assignments.c.role == Role.INSPECTOR.value,
            users.c.is_active.is_(True),
        )
        .distinct()
        .order_by(role_assignments.c.user_id)
    )
    return [int(u) for u in conn.execute(query).scalars()]


def tell(
    conn: Connection,
    recipients: Iterable[int | None],
    title: str,
    body: str,
    *,
    link: str,
    key: str,
    now: datetime,
) -> None:
    """An in-app message to each recipient, once per ``key``; texts masked like every message."""
    text, heading = mask_text(body), mask_text(title)
    messages = [
        outbox.inbox(user_id, heading, text, link=link, dedup_key=f"{key}:inbox:{user_id}")
        for user_id in dict.fromkeys(r for r in recipients if r is not None)
    ]
    outbox.enqueue_many(conn, messages, now=now)


def staff_link(number: str) -> str:
    return f"/supervision/tasks/{number}"
