"""Read side of the online approval centre: the shared queue, each reviewer's applications and
load, the assignment settings and the figures of the chief's page.

The queue is the served departments' online applications waiting for a decision-maker
(submitted, pre-checked, accepted or under review) that nobody holds; priority (绿色通道) first,
then the oldest submission.  No applicant's personal data is read here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Row, Select, and_, func, select

from tongban.adapters.db.tables import (
    case_events,
    cases,
    departments,
    role_assignments,
    service_items,
    users,
)
from tongban.adapters.db.tables_approval import approval_assignments, approval_settings
from tongban.domain.approval.model import (
    AssignmentAction,
    Decision,
    QueueFigures,
    ReviewerFigures,
    Strategy,
    queue_figures,
    reviewer_figures,
)
from tongban.domain.cases.status import CaseStatus, Channel
from tongban.domain.people.model import Role
from tongban.services.platform.paging import Key, Page, PageRequest, read_page

QUEUE_STATUSES = (
    CaseStatus.SUBMITTED,
    CaseStatus.PRECHECKED,
    CaseStatus.ACCEPTED,
    CaseStatus.UNDER_REVIEW,
)
"""Waiting for a decision-maker: acceptance (受理) or review; the centre's reviewers do both."""
OPEN_STATUSES = (*QUEUE_STATUSES, CaseStatus.CORRECTION_REQUESTED)
"""A held application counts in its reviewer's load until it is decided (补正 included)."""
DECIDED_STATUSES = (
    CaseStatus.APPROVED,
    CaseStatus.REJECTION_PROPOSED,
    CaseStatus.REJECTED,
    CaseStatus.NOT_ACCEPTED,
)
"""The reviewer's decision: approval, a proposed rejection (the chief signs it off later), or a
refusal to accept; the first event reaching one of these is the decision time."""
MAX_ROWS = 500


@dataclass(frozen=True)
class CentreCase:
    """One online application of the centre, as the queue and the assignment see it."""

    case_id: int
    number: str
    department_id: int
    department_code: str
    item_code: str
    item_name: str
    item_category: str
    status: CaseStatus
    priority: int
    submitted_at: datetime | None
    deadline: date | None
    assignee_id: int | None = None
    assignee_name: str | None = None
    assigned_at: datetime | None = None
    action: AssignmentAction | None = None


@dataclass(frozen=True)
class Reviewer:
    user_id: int
    name: str
    department_id: int
    load: int = 0


@dataclass(frozen=True)
class CentreSettings:
    """A department's assignment settings (defaults until its chief saves them: version 0)."""

    department_id: int
    department_code: str
    strategy: Strategy = Strategy.LEAST_LOADED
    skills: dict[int, tuple[str, ...]] = field(default_factory=dict)
    last_assignee_id: int | None = None
    version: int = 0


@dataclass(frozen=True)
class CentreFigures:
    queue: QueueFigures
    reviewers: list[tuple[Reviewer, ReviewerFigures]]


def _cases() -> Select[Any]:
    assignee = users.alias("assignee")
    return (
        select(
            cases.c.id.label("case_id"),
            cases.c.number,
            cases.c.department_id,
            departments.c.code.label("department_code"),
            service_items.c.code.label("item_code"),
            service_items.c.name.label("item_name"),
            service_items.c.category.label("item_category"),
            cases.c.status,
            cases.c.priority,
            cases.c.submitted_at,
            cases.c.deadline,
            approval_assignments.c.assignee_id,
            assignee.c.name.label("assignee_name"),
            approval_assignments.c.assigned_at,
            approval_assignments.c.action,
        )
        .select_from(
            cases.join(service_items, service_items.c.id == cases.c.item_id)
            .join(departments, departments.c.id == cases.c.department_id)
            .outerjoin(approval_assignments, approval_assignments.c.case_id == cases.c.id)
            .outerjoin(assignee, assignee.c.id == approval_assignments.c.assignee_id)
        )
        .where(cases.c.channel == Channel.ONLINE.value)
    )


def _run_row(r: Row[Any]) -> CentreCase:
    return CentreCase(
        case_id=r.case_id,
        number=r.number,
        department_id=r.department_id,
        department_code=r.department_code,
        item_code=r.item_code,
        item_name=r.item_name,
        item_category=r.item_category,
        status=CaseStatus(r.status),
        priority=r.priority,
        submitted_at=r.submitted_at,
        deadline=r.deadline,
        assignee_id=r.assignee_id,
        assignee_name=r.assignee_name,
        assigned_at=r.assigned_at,
        action=AssignmentAction(r.action) if r.action else None,
    )


def _run(conn: Connection, query: Select[Any]) -> list[CentreCase]:
    return [_run_row(r) for r in conn.execute(query)]


def _statuses(statuses: Sequence[CaseStatus]) -> list[str]:
    return [s.value for s in statuses]


def queue(
    conn: Connection, department_ids: Sequence[int], limit: int = MAX_ROWS
) -> list[CentreCase]:
    """The shared queue: unheld applications waiting for a decision, priority first, then oldest."""
    return queue_page(conn, department_ids, PageRequest(limit=limit)).rows


_OLDEST_URGENT_FIRST = [
    Key(cases.c.priority, descending=True),
    Key(cases.c.submitted_at),
    Key(cases.c.id),
]
"""The queues' order: 绿色通道 first, then the oldest submission; the id settles ties."""


def _queued(department_ids: Sequence[int]) -> Any:
    return and_(
        cases.c.department_id.in_(department_ids),
        cases.c.status.in_(_statuses(QUEUE_STATUSES)),
        approval_assignments.c.assignee_id.is_(None),
    )


def waiting_ages(
    conn: Connection, department_ids: Sequence[int]
) -> list[tuple[datetime | None, int]]:
    """(submitted_at, priority) of every application in the shared queue, however many."""
    rows = conn.execute(
        select(cases.c.submitted_at, cases.c.priority)
        .select_from(
            cases.outerjoin(approval_assignments, approval_assignments.c.case_id == cases.c.id)
        )
        .where(cases.c.channel == Channel.ONLINE.value, _queued(department_ids))
    )
    return [(r.submitted_at, r.priority) for r in rows]


def queue_page(
    conn: Connection, department_ids: Sequence[int], page: PageRequest
) -> Page[CentreCase]:
    """One page of the shared queue, from where the last page ended."""
    query = _cases().where(
        cases.c.department_id.in_(department_ids),
        cases.c.status.in_(_statuses(QUEUE_STATUSES)),
        approval_assignments.c.assignee_id.is_(None),
    )
    return read_page(conn, query, _OLDEST_URGENT_FIRST, page, _run_row)


def centre_case(conn: Connection, number: str) -> CentreCase | None:
    """One online application by number, with its current holder (None: no such application)."""
    found = _run(conn, _cases().where(cases.c.number == number))
    return found[0] if found else None


def held(
    conn: Connection, department_ids: Sequence[int], user_id: int | None = None
) -> list[CentreCase]:
    """Open applications held by ``user_id`` (or by anyone), the oldest submission first."""
    return held_page(conn, department_ids, PageRequest(limit=MAX_ROWS), user_id).rows


def every_held(conn: Connection, department_ids: Sequence[int], user_id: int) -> list[CentreCase]:
    """Every open application ``user_id`` holds, read a page at a time: a reassignment of all
    of a reviewer's applications moves them all, however many."""
    found: list[CentreCase] = []
    page = PageRequest(limit=MAX_ROWS)
    while True:
        chunk = held_page(conn, department_ids, page, user_id)
        found += chunk.rows
        if chunk.next is None:
            return found
        page = PageRequest(limit=MAX_ROWS, after=chunk.next)


def held_page(
    conn: Connection,
    department_ids: Sequence[int],
    page: PageRequest,
    user_id: int | None = None,
) -> Page[CentreCase]:
    """One page of the open applications held by ``user_id`` (or by anyone)."""
    query = _cases().where(
        cases.c.department_id.in_(department_ids),
        cases.c.status.in_(_statuses(OPEN_STATUSES)),
        approval_assignments.c.assignee_id.is_not(None),
    )
    if user_id is not None:
        query = query.where(approval_assignments.c.assignee_id == user_id)
    return read_page(conn, query, _OLDEST_URGENT_FIRST, page, _run_row)


def held_count(conn: Connection, department_ids: Sequence[int], user_id: int | None = None) -> int:
    """How many open applications ``user_id`` (or anyone) holds, however many pages they fill."""
    query = (
        select(func.count())
        .select_from(cases.join(approval_assignments, approval_assignments.c.case_id == cases.c.id))
        .where(
            cases.c.channel == Channel.ONLINE.value,
            cases.c.department_id.in_(department_ids),
            cases.c.status.in_(_statuses(OPEN_STATUSES)),
            approval_assignments.c.assignee_id.is_not(None),
        )
    )
    if user_id is not None:
        query = query.where(approval_assignments.c.assignee_id == user_id)
    return int(conn.execute(query).scalar_one())


def queue_count(conn: Connection, department_ids: Sequence[int]) -> int:
    """How many applications wait in the shared queue, however many pages they fill."""
    query = (
        select(func.count())
        .select_from(
            cases.outerjoin(approval_assignments, approval_assignments.c.case_id == cases.c.id)
        )
        .where(cases.c.channel == Channel.ONLINE.value, _queued(department_ids))
    )
    return int(conn.execute(query).scalar_one())


def loads(conn: Connection, department_ids: Sequence[int]) -> dict[int, int]:
    """Open applications held per reviewer (当前在办)."""
    rows = conn.execute(
        select(approval_assignments.c.assignee_id, func.count())
        .select_from(approval_assignments.join(cases, cases.c.id == approval_assignments.c.case_id))
        .where(
            approval_assignments.c.assignee_id.is_not(None),
            cases.c.department_id.in_(department_ids),
            cases.c.status.in_(_statuses(OPEN_STATUSES)),
        )
        .group_by(approval_assignments.c.assignee_id)
    )
    return {r[0]: int(r[1]) for r in rows}


def reviewers(conn: Connection, department_ids: Sequence[int]) -> list[Reviewer]:
    """Active reviewers of the departments, with their open load, by user id."""
    rows = conn.execute(
        select(users.c.id, users.c.name, role_assignments.c.department_id)
        .select_from(users.join(role_assignments, role_assignments.c.user_id == users.c.id))
        .where(
            role_assignments.c.role == Role.REVIEWER.value,
            role_assignments.c.department_id.in_(department_ids),
            users.c.is_active.is_(True),
        )
        .order_by(users.c.id)
    ).all()
    load = loads(conn, department_ids)
    seen: dict[int, Reviewer] = {}
    for r in rows:
        seen.setdefault(r.id, Reviewer(r.id, r.name, r.department_id, load.get(r.id, 0)))
    return list(seen.values())


def settings(conn: Connection, department_id: int) -> CentreSettings:
    """The department's settings, or the defaults (least loaded, no skills) if never saved."""
    code = conn.execute(
        select(departments.c.code).where(departments.c.id == department_id)
    ).scalar_one()
    row = conn.execute(
        select(approval_settings).where(approval_settings.c.department_id == department_id)
    ).first()
    if row is None:
        return CentreSettings(department_id, code)
    return CentreSettings(
        department_id=department_id,
        department_code=code,
        strategy=Strategy(row.strategy),
        skills={int(k): tuple(v) for k, v in (row.skills or {}).items()},
        last_assignee_id=row.last_assignee_id,
        version=row.lock_version,
    )


def decisions(conn: Connection, department_ids: Sequence[int], since: datetime) -> list[Decision]:
    """Applications held in the centre and decided since ``since``, with their three times."""
    decided = (
        select(case_events.c.case_id, func.min(case_events.c.at).label("decided_at"))
        .where(
            case_events.c.to_status.in_(_statuses(DECIDED_STATUSES)),
            case_events.c.from_status != case_events.c.to_status,
        )
        .group_by(case_events.c.case_id)
        .subquery()
    )
    rows = conn.execute(
        select(
            approval_assignments.c.assignee_id,
            approval_assignments.c.assigned_at,
            cases.c.submitted_at,
            decided.c.decided_at,
        )
        .select_from(
            approval_assignments.join(cases, cases.c.id == approval_assignments.c.case_id).join(
                decided, decided.c.case_id == cases.c.id
            )
        )
        .where(
            and_(
                approval_assignments.c.assignee_id.is_not(None),
                cases.c.department_id.in_(department_ids),
                cases.c.channel == Channel.ONLINE.value,
                decided.c.decided_at >= since,
            )
        )
    )
    return [
        Decision(r.assignee_id, r.submitted_at, r.assigned_at, r.decided_at)
        for r in rows
        if r.assigned_at is not None
    ]


def figures(conn: Connection, department_ids: Sequence[int], now: datetime) -> CentreFigures:
    """Queue size and age; per reviewer: load, decided per day (7/30 days), median hours."""
    waiting = waiting_ages(conn, department_ids)
    done = decisions(conn, department_ids, now - timedelta(days=30))
    rows = [
        (r, reviewer_figures(r.user_id, r.load, done, now)) for r in reviewers(conn, department_ids)
    ]
    return CentreFigures(queue_figures(waiting, now), rows)
