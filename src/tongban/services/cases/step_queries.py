"""Read side of review steps (审查环节): a case's steps, a reviewer's own work, the overdue ones.

Who may see what is the cases' read side's: a case's steps for whoever may see the case, the
open steps of the departments where the principal reviews or signs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection, Row, Select, case, func, select

from tongban.adapters.db.tables import case_review_steps, cases, departments, service_items
from tongban.domain.cases.review import StepStatus
from tongban.domain.cases.status import CaseStatus
from tongban.domain.people.model import Principal, Role
from tongban.services.cases.queries import (
    MAX_ROWS,
    NO_DEADLINE,
    access_case,
    department_ids,
    signed_in,
)
from tongban.services.platform.paging import Key, Page, PageRequest, read_page


@dataclass(frozen=True)
class StepSummary:
    """One review step of one case, for the step lists."""

    id: int
    number: str
    item_name: str
    stage: int
    name: str
    department_code: str
    role: str
    assignee_id: int | None
    status: StepStatus
    outcome: str | None
    due_on: date | None


def _steps() -> Select[Any]:
    s = case_review_steps
    return (
        select(
            s.c.id,
            cases.c.number,
            service_items.c.name.label("item_name"),
            s.c.stage,
            s.c.name,
            departments.c.code.label("department_code"),
            s.c.role,
            s.c.assignee_id,
            s.c.status,
            s.c.outcome,
            s.c.due_on,
            cases.c.status.label("case_status"),
        )
        .select_from(
            s.join(cases, cases.c.id == s.c.case_id)
            .join(service_items, service_items.c.id == cases.c.item_id)
            .join(departments, departments.c.id == s.c.department_id)
        )
        .limit(MAX_ROWS)
    )


def _step_row(r: Row[Any]) -> StepSummary:
    """While the case's clock is stopped (补正) an open step has no due day, like the case's
    deadline: it is moved on when the clock resumes, and nothing is overdue meanwhile."""
    stopped = CaseStatus.CORRECTION_REQUESTED.value
    return StepSummary(
        id=r.id,
        number=r.number,
        item_name=r.item_name,
        stage=r.stage,
        name=r.name,
        department_code=r.department_code,
        role=r.role,
        assignee_id=r.assignee_id,
        status=StepStatus(r.status),
        outcome=r.outcome,
        due_on=None if r.case_status == stopped and r.status != StepStatus.DONE.value else r.due_on,
    )


def _run_steps(conn: Connection, query: Select[Any]) -> list[StepSummary]:
    return [_step_row(r) for r in conn.execute(query)]


def review_steps(conn: Connection, principal: Principal | None, number: str) -> list[StepSummary]:
    """A case's review steps in stage order, for whoever may see the case."""
    case = access_case(conn, principal, number)
    query = _steps().where(case_review_steps.c.case_id == case.id)
    return _run_steps(conn, query.order_by(case_review_steps.c.stage, case_review_steps.c.id))


def _open_steps(principal: Principal) -> Select[Any]:
    ids = department_ids(principal, Role.REVIEWER, Role.SECTION_CHIEF)
    return _steps().where(
        case_review_steps.c.department_id.in_(ids),
        case_review_steps.c.status == StepStatus.ACTIVE.value,
        cases.c.status == CaseStatus.UNDER_REVIEW.value,
    )


def my_review_steps(conn: Connection, principal: Principal | None) -> list[StepSummary]:
    """A reviewer's own work: open steps assigned to them, then the unclaimed open steps of
    their departments they could claim; the nearest due day first."""
    who = signed_in(principal)
    s = case_review_steps.c
    query = _open_steps(who).where((s.assignee_id == who.user_id) | s.assignee_id.is_(None))
    return _run_steps(
        conn, query.order_by(s.assignee_id.is_(None), s.due_on.is_(None), s.due_on, s.id)
    )


def my_review_step_page(
    conn: Connection, principal: Principal | None, page: PageRequest
) -> Page[StepSummary]:
    """One page of ``my_review_steps`` (the same order), from where the last page ended."""
    who = signed_in(principal)
    s = case_review_steps.c
    query = _open_steps(who).where((s.assignee_id == who.user_id) | s.assignee_id.is_(None))
    keys = [
        Key(case((s.assignee_id.is_(None), 1), else_=0)),
        Key(func.coalesce(s.due_on, NO_DEADLINE)),
        Key(s.id),
    ]
    return read_page(conn, query, keys, page, _step_row)


def overdue_steps(conn: Connection, principal: Principal | None, today: date) -> list[StepSummary]:
    """Open steps of the principal's departments past their due day, the oldest first."""
    s = case_review_steps.c
    query = _open_steps(signed_in(principal)).where(s.due_on < today)
    return _run_steps(conn, query.order_by(s.due_on, s.id))
