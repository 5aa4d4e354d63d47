"""Reads of post-approval supervision: the caller's tasks, one task (its personal data read is
logged in the subject's access log), the public record of draws (一公开) and the figures."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Connection, Row, case, func, or_, select

from tongban.adapters.db.tables import departments, service_items, users
from tongban.adapters.db.tables_supervision import (
    inspection_events,
    inspection_tasks,
    supervision_draws,
)
from tongban.domain.people.model import Principal
from tongban.domain.shared.clock import CHINA_TZ
from tongban.domain.shared.masking import mask_name
from tongban.domain.supervision.model import Outcome, TaskStatus
from tongban.domain.supervision.standing import TaskState, state_after
from tongban.services.platform import audit
from tongban.services.platform.context import Actor
from tongban.services.platform.paging import Key, Page, PageRequest, read_page, seek, split
from tongban.services.supervision.access import check_task_reader, heads_of, signed_in
from tongban.services.supervision.records import load

LIST_LIMIT = 200


def shown_name(name: str, kind: str | None) -> str:
    """An enterprise's name is public; a person's is masked wherever a list shows it."""
    return name if kind == "enterprise" else mask_name(name)


def _summary(row: Any) -> dict[str, Any]:
    status = TaskStatus(row.status)
    return {
        "number": row.number,
        "item_code": row.item_code,
        "item_name": row.item_name,
        "department_code": row.department_code,
        "subject": shown_name(row.subject_name, row.subject_kind),
        "licence_id": row.licence_id,
        "status": status.value,
        "status_label": status.label,
        "outcome": row.outcome,
        "due_on": row.due_on,
        "inspector_id": row.inspector_id,
        "version": row.lock_version,
    }


def _task_select() -> Any:
    t = inspection_tasks
    return (
        select(
            t,
            service_items.c.name.label("item_name"),
        )
        .select_from(t)
        .join(service_items, service_items.c.code == t.c.item_code)
    )


def tasks_for(
    conn: Connection, principal: Principal | None, status: str | None = None
) -> list[dict[str, Any]]:
    """An inspector's own tasks; a department head's department's tasks (names masked)."""
    return task_page(conn, principal, PageRequest(limit=LIST_LIMIT), status).rows


def task_page(
    conn: Connection, principal: Principal | None, page: PageRequest, status: str | None = None
) -> Page[dict[str, Any]]:
    """One page of ``tasks_for``, the nearest due day first, from where the last page ended."""
    who = signed_in(principal)
    t = inspection_tasks
    scope = [t.c.inspector_id == who.user_id]
    if heads := heads_of(who):
        scope.append(t.c.department_code.in_(sorted(heads)))
    query = _task_select().where(or_(*scope))
    if status:
        query = query.where(t.c.status == status)
    return read_page(conn, query, [Key(t.c.due_on), Key(t.c.id)], page, _summary)


@dataclass(frozen=True)
class TaskDetail:
    summary: dict[str, Any]
    subject_name: str
    subject_phone: str
    case_number: str | None
    checklist: list[dict[str, str]]
    findings: dict[str, dict[str, str]]
    history: list[dict[str, Any]] = field(default_factory=list)


def task_detail(conn: Connection, actor: Actor, number: str) -> TaskDetail:
    """One task for its inspector or department head: the subject's name and phone in full
    (to find and call them), a read logged in the subject's access log with its purpose."""
    base = load(conn, number)
    check_task_reader(actor.principal, base)
    row = conn.execute(_task_select().where(inspection_tasks.c.id == base.id)).one()
    phone = ""
    if row.subject_id is not None:
        phone = (
            conn.execute(select(users.c.phone).where(users.c.id == row.subject_id)).scalar() or ""
        )
        if row.subject_id != actor.user_id:
            audit.record_data_access(
                conn,
                actor,
                row.subject_id,
                f"批后监管检查任务 {row.number}：名称、联系电话",
                "批后监管现场检查",
            )
    events = conn.execute(
        select(inspection_events.c.kind, inspection_events.c.detail, inspection_events.c.at)
        .where(inspection_events.c.task_id == row.id)
        .order_by(inspection_events.c.id)
    )
    return TaskDetail(
        summary=_summary(row),
        subject_name=row.subject_name,
        subject_phone=str(phone),
        case_number=row.case_number,
        checklist=list(row.checklist),
        findings=dict(row.findings or {}),
        history=[{"kind": e.kind, "detail": e.detail, "at": e.at} for e in events],
    )


# --- 一公开: the public record ------------------------------------------------------------


def public_draws(conn: Connection, limit: int = 50) -> list[dict[str, Any]]:
    """Every draw with its seed, hashes and the subjects drawn with their outcome so far;
    persons' names masked, inspectors shown by masked name."""
    return draw_page(conn, PageRequest(limit=limit)).rows


def draw_page(conn: Connection, page: PageRequest) -> Page[dict[str, Any]]:
    """One page of the public draws, the latest first, from where the last page ended."""
    query = select(supervision_draws, departments.c.name.label("department_name")).join(
        departments, departments.c.code == supervision_draws.c.department_code
    )
    keys = [
        Key(supervision_draws.c.run_at, descending=True),
        Key(supervision_draws.c.id, descending=True),
    ]
    found = split(conn.execute(seek(query, keys, page)).all(), keys, page)
    return Page(_draws_out(conn, found.rows), found.next)


def _draws_out(conn: Connection, draws: Sequence[Row[Any]]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    inspector = users.alias("inspector")
    for d in draws:
        tasks = conn.execute(
            _task_select()
            .add_columns(inspector.c.name.label("inspector_name"))
            .outerjoin(inspector, inspector.c.id == inspection_tasks.c.inspector_id)
            .where(inspection_tasks.c.draw_id == d.id)
            .order_by(inspection_tasks.c.number)
        ).all()
        out.append(
            {
                "number": d.number,
                "department_code": d.department_code,
                "department_name": d.department_name,
                "run_at": d.run_at,
                "seed": d.seed,
                "subject_pool_size": len(d.subject_pool),
                "subject_pool_hash": d.subject_pool_hash,
                "inspector_pool_size": len(d.inspector_pool),
                "inspector_pool_hash": d.inspector_pool_hash,
                "sample_size": d.sample_size,
                "results": [
                    {
                        "task": t.number,
                        "item_name": t.item_name,
                        "subject": shown_name(t.subject_name, t.subject_kind),
                        "inspector": mask_name(t.inspector_name or ""),
                        "status": t.status,
                        "status_label": TaskStatus(t.status).label,
                        "outcome": t.outcome,
                    }
                    for t in tasks
                ],
            }
        )
    return out


# --- figures ------------------------------------------------------------------------------


def figures(
    conn: Connection,
    *,
    start: date,
    end: date,
    department_code: str | None = None,
) -> list[dict[str, Any]]:
    """监管统计 by item and department for tasks opened in [start, end]: tasks created, inspected,
    inspected on time (first decision no later than the first deadline), and outcomes."""
    t = inspection_tasks
    lower = datetime.combine(start, time(), CHINA_TZ)
    upper = datetime.combine(end + timedelta(days=1), time(), CHINA_TZ)
    query = (
        select(
            t.c.department_code,
            t.c.item_code,
            service_items.c.name.label("item_name"),
            func.count().label("created"),
            func.count(t.c.inspected_on).label("inspected"),
            func.sum(_case_when(t.c.inspected_on <= t.c.first_due_on)).label("on_time"),
            func.sum(_case_when(t.c.status == TaskStatus.CLOSED.value)).label("closure"),
            func.sum(_case_when(t.c.rectifications > 0)).label("rectification"),
            func.sum(_case_when(t.c.status == TaskStatus.REVOKED.value)).label("revocation"),
        )
        .join(service_items, service_items.c.code == t.c.item_code)
        .where(t.c.created_at >= lower, t.c.created_at < upper)
        .group_by(t.c.department_code, t.c.item_code, service_items.c.name)
        .order_by(t.c.department_code, t.c.item_code)
    )
    if department_code:
        query = query.where(t.c.department_code == department_code)
    return [
        {
            "department_code": r.department_code,
            "item_code": r.item_code,
            "item_name": r.item_name,
            "created": int(r.created),
            "inspected": int(r.inspected),
            "on_time": int(r.on_time or 0),
            "closure": int(r.closure or 0),
            "rectification": int(r.rectification or 0),
            "revocation": int(r.revocation or 0),
        }
        for r in conn.execute(query)
    ]


def _case_when(condition: Any) -> Any:
    return case((condition, 1), else_=0)


@dataclass(frozen=True)
class Standing:
    """Where the inspection tasks opened in a period stood at its end (today, for a period not
    over yet): the leaders' dashboard, which reads the same figures for a past period whenever
    it is read."""

    opened: int
    open: int
    """Not yet concluded: waiting for the draw, for the inspector or for a rectification."""
    overdue: int
    """Open, and past their deadline before the period's end (or today)."""
    closed: int
    """Concluded as compliant (合格办结)."""
    revoked: int
    """Concluded by revoking the licence (注销证照)."""
    with_findings: int
    """Inspections that found a problem: a rectification ordered or the licence revoked."""


def standing(
    conn: Connection,
    *,
    start: date,
    end: date,
    today: date,
    department_code: str | None = None,
) -> Standing:
    """The tasks created in [start, end] (of one department, or all) as they stood at the end
    of the period's last day, or of today if the period is not over: open, overdue (a deadline
    passed before that day and not concluded by then), closed, revoked, with findings.  A task
    changed since then is taken back to that day from its decisions (``inspection_events``)."""
    as_of = min(end, today)
    t = inspection_tasks
    lower = datetime.combine(start, time(), CHINA_TZ)
    upper = datetime.combine(end + timedelta(days=1), time(), CHINA_TZ)
    cutoff = datetime.combine(as_of + timedelta(days=1), time(), CHINA_TZ)
    in_period = (t.c.created_at >= lower) & (t.c.created_at < upper)
    if department_code:
        in_period = in_period & (t.c.department_code == department_code)
    rows = conn.execute(
        select(t.c.id, t.c.status, t.c.due_on, t.c.first_due_on, t.c.rectifications).where(
            in_period, t.c.updated_at < cutoff
        )
    ).all()
    states = [TaskState(TaskStatus(r.status), r.due_on, r.rectifications) for r in rows]
    states += _taken_back(conn, in_period, cutoff)
    return Standing(
        opened=len(states),
        open=sum(s.open for s in states),
        overdue=sum(s.overdue_on(as_of) for s in states),
        closed=sum(s.status is TaskStatus.CLOSED for s in states),
        revoked=sum(s.status is TaskStatus.REVOKED for s in states),
        with_findings=sum(s.with_findings for s in states),
    )


def _taken_back(conn: Connection, in_period: Any, cutoff: datetime) -> list[TaskState]:
    """The tasks changed at or after ``cutoff``, as their decisions before it left them."""
    t, e = inspection_tasks, inspection_events
    changed = conn.execute(
        select(t.c.id, t.c.first_due_on).where(in_period, t.c.updated_at >= cutoff)
    ).all()
    if not changed:
        return []
    decided: dict[int, list[tuple[Outcome, date | None]]] = {r.id: [] for r in changed}
    events = conn.execute(
        select(e.c.task_id, e.c.detail)
        .where(
            e.c.task_id.in_(select(t.c.id).where(in_period, t.c.updated_at >= cutoff)),
            e.c.kind == "concluded",
            e.c.at < cutoff,
        )
        .order_by(e.c.at, e.c.id)
    )
    for event in events:
        rectify_by = event.detail.get("rectify_by")
        due = date.fromisoformat(rectify_by) if rectify_by else None
        decided[event.task_id].append((Outcome(event.detail["outcome"]), due))
    return [state_after(r.first_due_on, decided[r.id]) for r in changed]
