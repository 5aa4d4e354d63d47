"""Read side of the hard-case window: lists and one escalation, as each reader may see them.

The person concerned sees their own escalations; a clerk those of their centre; a centre
manager those of their centre and the centres below it.  Lists mask the person's name; one
escalation shows staff the person's name and phone (the page logs that read).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, Select, and_, case, func, or_, select

from tongban.adapters.db.tables import cases, centres, role_assignments, users
from tongban.adapters.db.tables_service_desk import hard_case_events, hard_cases
from tongban.domain.people.model import Principal, Role
from tongban.domain.service_desk.errors import HardCaseNotFound
from tongban.domain.service_desk.hard_cases import (
    EventKind,
    HardCaseStatus,
    HardCaseType,
    Outcome,
    RaisedVia,
)
from tongban.domain.shared.masking import mask_name
from tongban.services.people.queries import Applicant, applicant
from tongban.services.platform.paging import Key, Page, PageRequest, read_page
from tongban.services.service_desk.access import (
    CentreScope,
    centre_scope,
    desk_staff_condition,
    is_applicant,
    signed_in,
)

MAX_ROWS = 200
_owner = users.alias("owner")
_person = users.alias("person")


@dataclass(frozen=True)
class HardCaseSummary:
    """One line of a list of escalations."""

    number: str
    type: HardCaseType
    status: HardCaseStatus
    raised_via: RaisedVia
    summary: str
    centre_code: str
    centre_name: str
    centre_id: int
    case_number: str | None
    person_name: str | None
    """Masked in staff lists; None when no person is concerned (or in the person's own list)."""
    owner_id: int | None
    owner_name: str | None
    due_on: date
    raised_at: datetime
    outcome: Outcome | None
    feedback_solved: bool | None
    reopened: int
    version: int
    overdue: bool
    feedback_reminded: bool = False
    """The person was reminded of 问题解决了吗？ (after the last resolution)."""
    feedback_no_answer: bool = False
    """未回复: still no answer some working days after the reminder."""


def _select() -> Select[Any]:
    return select(
        hard_cases,
        centres.c.code.label("centre_code"),
        centres.c.name.label("centre_name"),
        cases.c.number.label("case_number"),
        _owner.c.name.label("owner_name"),
        _person.c.name.label("person_name"),
        _person.c.kind.label("person_kind"),
    ).select_from(
        hard_cases.join(centres, centres.c.id == hard_cases.c.centre_id)
        .outerjoin(cases, cases.c.id == hard_cases.c.case_id)
        .outerjoin(_owner, _owner.c.id == hard_cases.c.owner_id)
        .outerjoin(_person, _person.c.id == hard_cases.c.person_id)
    )


def _summary(row: Any, today: date, *, mask: bool) -> HardCaseSummary:
    status = HardCaseStatus(row.status)
    person = row.person_name
    if person is not None and mask and row.person_kind == "citizen":
        person = mask_name(person)
    return HardCaseSummary(
        number=row.number,
        type=HardCaseType(row.type),
        status=status,
        raised_via=RaisedVia(row.raised_via),
        summary=row.summary,
        centre_code=row.centre_code,
        centre_name=row.centre_name,
        centre_id=row.centre_id,
        case_number=row.case_number,
        person_name=person if mask else None,
        owner_id=row.owner_id,
        owner_name=row.owner_name,
        due_on=row.due_on,
        raised_at=row.raised_at,
        outcome=Outcome(row.outcome) if row.outcome else None,
        feedback_solved=row.feedback_solved,
        reopened=row.reopened,
        version=row.lock_version,
        overdue=status is not HardCaseStatus.RESOLVED and row.due_on < today,
        feedback_reminded=row.feedback_reminded_at is not None,
        feedback_no_answer=row.feedback_lapsed_at is not None and row.feedback_solved is None,
    )


def _mine(user_id: int) -> Any:
    return or_(hard_cases.c.person_id == user_id, hard_cases.c.raised_by == user_id)


def hard_case_list(
    conn: Connection,
    principal: Principal | None,
    today: date,
    *,
    status: HardCaseStatus | None = None,
    overdue_only: bool = False,
    limit: int = MAX_ROWS,
) -> list[HardCaseSummary]:
    """The reader's escalations: open ones first, the overdue and nearest deadline first, then
    the resolved ones, newest first."""
    return hard_case_page(
        conn, principal, today, PageRequest(limit=limit), status=status, overdue_only=overdue_only
    ).rows


_FAR = date(9999, 12, 31)


def hard_case_page(
    conn: Connection,
    principal: Principal | None,
    today: date,
    page: PageRequest,
    *,
    status: HardCaseStatus | None = None,
    overdue_only: bool = False,
) -> Page[HardCaseSummary]:
    """One page of ``hard_case_list``, from where the last page ended."""
    who = signed_in(principal)
    query = _select()
    staff = not is_applicant(who)
    if staff:
        query = query.where(hard_cases.c.centre_id.in_(centre_scope(conn, who).centre_ids))
    else:
        query = query.where(_mine(who.user_id))
    if status is not None:
        query = query.where(hard_cases.c.status == status.value)
    open_ = hard_cases.c.status != HardCaseStatus.RESOLVED.value
    if overdue_only:
        query = query.where(and_(open_, hard_cases.c.due_on < today))
    keys = [
        Key(case((open_, 0), else_=1)),
        Key(case((and_(open_, hard_cases.c.due_on.is_not(None)), hard_cases.c.due_on), else_=_FAR)),
        Key(hard_cases.c.id, descending=True),
    ]
    return read_page(conn, query, keys, page, lambda row: _summary(row, today, mask=staff))


def open_counts(
    conn: Connection, principal: Principal | None, today: date, centre_code: str
) -> tuple[int, int]:
    """(open, of which overdue) escalations of one of the reader's centres, counted by the
    database over all of them."""
    who = signed_in(principal)
    open_ = hard_cases.c.status != HardCaseStatus.RESOLVED.value
    overdue = case((hard_cases.c.due_on < today, 1), else_=0)
    row = conn.execute(
        select(func.count(), func.coalesce(func.sum(overdue), 0))
        .select_from(hard_cases.join(centres, centres.c.id == hard_cases.c.centre_id))
        .where(
            hard_cases.c.centre_id.in_(centre_scope(conn, who).centre_ids),
            centres.c.code == centre_code,
            open_,
        )
    ).one()
    return int(row[0]), int(row[1])


@dataclass(frozen=True)
class EventView:
    kind: EventKind
    at: datetime
    actor_name: str | None
    body: str
    detail: dict[str, Any]


@dataclass(frozen=True)
class Colleague:
    user_id: int
    name: str
    role: Role


@dataclass(frozen=True)
class HardCaseView:
    """One escalation with its history, and what the reader may do with it."""

    summary: HardCaseSummary
    description: str
    resolution: str
    resolved_at: datetime | None
    person: Applicant | None
    """The person concerned (in full: staff reading it is logged by the page)."""
    person_id: int | None
    events: list[EventView]
    seen_as: str
    """``person`` or ``staff``."""
    may_take: bool = False
    may_assign: bool = False
    may_note: bool = False
    may_resolve: bool = False
    may_answer: bool = False
    owners: tuple[Colleague, ...] = ()
    """Whom the centre manager may make the owner."""

    @property
    def number(self) -> str:
        return self.summary.number

    @property
    def version(self) -> int:
        return self.summary.version


def colleagues(conn: Connection, centre_id: int) -> tuple[Colleague, ...]:
    """Who may own a centre's escalations: its active clerks, and the managers of the centre
    and of the centres above it."""
    rows = conn.execute(
        select(users.c.id, users.c.name, role_assignments.c.role)
        .join(role_assignments, role_assignments.c.user_id == users.c.id)
        .where(desk_staff_condition(conn, centre_id), users.c.is_active.is_(True))
        .order_by(users.c.id)
    )
    found: dict[int, Colleague] = {}
    for row in rows:
        found.setdefault(row.id, Colleague(row.id, row.name, Role(row.role)))
    return tuple(found.values())


def _events(conn: Connection, hard_case_id: int) -> list[EventView]:
    rows = conn.execute(
        select(hard_case_events, users.c.name.label("actor_name"))
        .select_from(hard_case_events.outerjoin(users, users.c.id == hard_case_events.c.actor_id))
        .where(hard_case_events.c.hard_case_id == hard_case_id)
        .order_by(hard_case_events.c.id)
    )
    return [
        EventView(EventKind(r.kind), r.at, r.actor_name, r.body, dict(r.detail or {})) for r in rows
    ]


def _staff_powers(scope: CentreScope, row: Any) -> dict[str, bool]:
    open_ = row.status != HardCaseStatus.RESOLVED.value
    manages = scope.manages(row.centre_id)
    return {
        "may_take": open_ and row.owner_id != scope.user_id,
        "may_assign": open_ and manages,
        "may_note": open_,
        "may_resolve": row.status == HardCaseStatus.IN_PROGRESS.value
        and (row.owner_id == scope.user_id or manages),
    }


def hard_case_view(
    conn: Connection, principal: Principal | None, number: str, today: date
) -> HardCaseView:
    """One escalation for the person concerned or the staff of its centre; for anyone else it
    does not exist (``hard_case_not_found``)."""
    who = signed_in(principal)
    text = (number or "").strip().upper()
    row = conn.execute(_select().where(hard_cases.c.number == text)).first()
    if row is None:
        raise HardCaseNotFound(number=text)
    powers: dict[str, bool] = {}
    owners: tuple[Colleague, ...] = ()
    if is_applicant(who):
        if row.person_id != who.user_id and row.raised_by != who.user_id:
            raise HardCaseNotFound(number=text)
        seen_as = "person"
        powers["may_answer"] = (
            row.person_id == who.user_id
            and row.status == HardCaseStatus.RESOLVED.value
            and row.feedback_solved is None
        )
    else:
        scope = centre_scope(conn, who)
        if not scope.reads(row.centre_id):
            raise HardCaseNotFound(number=text)
        seen_as = "staff"
        powers = _staff_powers(scope, row)
        if powers["may_assign"]:
            owners = colleagues(conn, row.centre_id)
    person = applicant(conn, row.person_id) if row.person_id is not None else None
    return HardCaseView(
        summary=_summary(row, today, mask=False),
        description=row.description,
        resolution=row.resolution,
        resolved_at=row.resolved_at,
        person=person,
        person_id=row.person_id,
        events=_events(conn, row.id),
        seen_as=seen_as,
        owners=owners,
        **powers,
    )
