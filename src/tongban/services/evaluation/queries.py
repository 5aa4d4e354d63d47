"""What 好差评 pages and the API read: the rating of one's own case, and the rectification
tasks within a member of staff's scope.  Comments are shown masked (ID and mobile numbers)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Row, Select, select

from tongban.adapters.db.tables import cases, departments, users
from tongban.adapters.db.tables_evaluation import ratings, rectification_callbacks, rectifications
from tongban.domain.errors import CaseNotFound
from tongban.domain.evaluation.errors import RectificationNotFound
from tongban.domain.evaluation.model import EDITS_ALLOWED, FINISHED_CASE_STATUSES, Level
from tongban.domain.evaluation.rectification import CallbackOutcome, RectificationStatus
from tongban.domain.people.model import Principal
from tongban.domain.shared.masking import mask_name, mask_text
from tongban.services.evaluation import records
from tongban.services.evaluation.access import scope_of
from tongban.services.platform.paging import Key, Page, PageRequest, read_page


@dataclass(frozen=True)
class TaskSummary:
    number: str
    status: RectificationStatus
    level: Level
    comment: str
    """Masked."""
    subject_label: str
    department_name: str | None
    owner_id: int | None
    owner_name: str | None
    due_on: date
    overdue: bool
    called_back: bool
    response: str
    re_level: Level | None
    version: int


@dataclass(frozen=True)
class CaseRating:
    """The applicant's view of rating their case: whether they may, what they gave, what
    became of a poor rating."""

    number: str
    item_name: str
    finished: bool
    level: Level | None
    dimensions: dict[str, str]
    comment: str
    rated_at: datetime | None
    editable: bool
    editable_until: datetime | None
    task: TaskSummary | None


@dataclass(frozen=True)
class Callback:
    called_on: date
    by_name: str
    outcome: CallbackOutcome
    note: str


@dataclass(frozen=True)
class Rater:
    """The rater as the staff calling them back see them (the read is logged)."""

    id: int
    name: str
    phone: str | None


@dataclass(frozen=True)
class TaskView:
    summary: TaskSummary
    rater: Rater | None
    callbacks: list[Callback]
    case_number: str | None


def _task_query() -> Any:
    owner = users.alias("owner")
    return select(
        rectifications,
        ratings.c.level.label("rating_level"),
        ratings.c.comment,
        ratings.c.subject,
        ratings.c.rater_id,
        ratings.c.case_id,
        departments.c.name.label("department_name"),
        owner.c.name.label("owner_name"),
        cases.c.number.label("case_number"),
    ).select_from(
        rectifications.join(ratings, ratings.c.id == rectifications.c.rating_id)
        .outerjoin(departments, departments.c.id == rectifications.c.department_id)
        .outerjoin(owner, owner.c.id == rectifications.c.owner_id)
        .outerjoin(cases, cases.c.id == ratings.c.case_id)
    )


def _summary(row: Row[Any], today: date) -> TaskSummary:
    status = RectificationStatus(row.status)
    subject = f"办件 {row.case_number}" if row.case_number else "窗口服务"
    return TaskSummary(
        number=row.number,
        status=status,
        level=Level(row.rating_level),
        comment=mask_text(row.comment),
        subject_label=subject,
        department_name=row.department_name,
        owner_id=row.owner_id,
        owner_name=row.owner_name,
        due_on=row.due_on,
        overdue=status is RectificationStatus.OPEN and row.due_on < today,
        called_back=row.called_back,
        response=row.response,
        re_level=Level(row.re_level) if row.re_level else None,
        version=row.lock_version,
    )


def task_list(
    conn: Connection,
    principal: Principal | None,
    today: date,
    *,
    status: RectificationStatus | None = None,
) -> list[TaskSummary]:
    """The tasks of the reader's departments and centres, soonest deadline first."""
    query = _scoped_tasks(conn, principal, status)
    query = query.order_by(rectifications.c.due_on, rectifications.c.id)
    return [_summary(r, today) for r in conn.execute(query)]


def _scoped_tasks(
    conn: Connection, principal: Principal | None, status: RectificationStatus | None
) -> Select[Any]:
    scope = scope_of(conn, principal)
    query: Select[Any] = _task_query().where(
        scope.condition(rectifications.c.department_id, rectifications.c.centre_id)
    )
    if status is not None:
        query = query.where(rectifications.c.status == status.value)
    return query


def task_page(
    conn: Connection,
    principal: Principal | None,
    today: date,
    page: PageRequest,
    *,
    status: RectificationStatus | None = None,
) -> Page[TaskSummary]:
    """One page of ``task_list``, from where the last page ended."""
    query = _scoped_tasks(conn, principal, status)
    keys = [Key(rectifications.c.due_on), Key(rectifications.c.id)]
    return read_page(conn, query, keys, page, lambda r: _summary(r, today))


def task_view(conn: Connection, principal: Principal | None, number: str, today: date) -> TaskView:
    scope = scope_of(conn, principal)
    text = (number or "").strip().upper()
    row = conn.execute(_task_query().where(rectifications.c.number == text)).first()
    if row is None or not scope.sees(row.department_id, row.centre_id):
        raise RectificationNotFound(number=text)
    rater = None
    if row.rater_id is not None:
        person = conn.execute(
            select(users.c.name, users.c.phone).where(users.c.id == row.rater_id)
        ).one()
        rater = Rater(row.rater_id, mask_name(person.name), person.phone)
    calls = conn.execute(
        select(rectification_callbacks, users.c.name)
        .join(users, users.c.id == rectification_callbacks.c.by_id)
        .where(rectification_callbacks.c.rectification_id == row.id)
        .order_by(rectification_callbacks.c.id)
    )
    callbacks = [Callback(c.called_on, c.name, CallbackOutcome(c.outcome), c.note) for c in calls]
    return TaskView(_summary(row, today), rater, callbacks, row.case_number)


def case_rating(
    conn: Connection, principal: Principal | None, number: str, now: datetime, edit_days: int
) -> CaseRating:
    """The applicant's own case and its rating; anyone else's case is not found."""
    row = records.case_row(conn, number)
    if principal is None or row.applicant_id != principal.user_id:
        raise CaseNotFound(number=row.number)
    rating = conn.execute(select(ratings).where(ratings.c.case_id == row.id)).first()
    task = None
    if rating is not None:
        found = conn.execute(_task_query().where(rectifications.c.rating_id == rating.id)).first()
        task = _summary(found, now.date()) if found is not None else None
    until = rating.rated_at + timedelta(days=edit_days) if rating is not None else None
    return CaseRating(
        number=row.number,
        item_name=row.item_name,
        finished=row.status in FINISHED_CASE_STATUSES,
        level=Level(rating.level) if rating is not None else None,
        dimensions=dict(rating.dimensions or {}) if rating is not None else {},
        comment=rating.comment if rating is not None else "",
        rated_at=rating.rated_at if rating is not None else None,
        editable=rating is not None
        and until is not None
        and rating.edits < EDITS_ALLOWED
        and now <= until,
        editable_until=until,
        task=task,
    )
