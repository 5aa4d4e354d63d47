"""Read side of cases: the applicant's "my cases", the work queues and one case's timeline.

Every list is filtered by who asks: a citizen or enterprise sees only its own cases, a clerk
the cases of their centres (accepted there or collected there), a reviewer their department's
back-office queue, a section chief the rejections awaiting their signature.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Literal

from sqlalchemy import Connection, Row, Select, case, func, select

from tongban.adapters.db.tables import (
    case_events,
    case_review_steps,
    cases,
    centres,
    departments,
    service_items,
)
from tongban.adapters.db.tables_data_space import identity_checks
from tongban.domain.cases.model import Case
from tongban.domain.cases.status import UNDECIDED, CaseStatus, Channel
from tongban.domain.catalogue.model import FormField
from tongban.domain.errors import CaseNotFound, NotAuthenticated, PermissionDenied, ValidationFailed
from tongban.domain.people.model import Principal, Role, UserKind
from tongban.domain.shared.clock import CHINA_TZ
from tongban.domain.shared.masking import MASK_BY_TYPE
from tongban.services.cases import repository as repo
from tongban.services.catalogue.items import published_item
from tongban.services.platform import audit
from tongban.services.platform.context import Actor
from tongban.services.platform.paging import Key, Page, PageRequest, read_page
from tongban.services.platform.unit_of_work import UnitOfWork, atomic

REVIEW_QUEUE = (
    CaseStatus.SUBMITTED,
    CaseStatus.PRECHECKED,
    CaseStatus.ACCEPTED,
    CaseStatus.CORRECTION_REQUESTED,
    CaseStatus.UNDER_REVIEW,
    CaseStatus.APPROVED,
    CaseStatus.REJECTED,
)
"""What a department's back office still has to act on (or watch, while correction runs)."""
MAX_ROWS = 500


@dataclass(frozen=True)
class CaseSummary:
    """One line of a case list."""

    number: str
    item_code: str
    item_name: str
    department_name: str
    status: CaseStatus
    channel: Channel
    version: int
    submitted_at: datetime | None
    accepted_on: date | None
    deadline: date | None
    applicant_id: int


@dataclass(frozen=True)
class TimelineEntry:
    seq: int
    type: str
    from_status: CaseStatus | None
    to_status: CaseStatus
    at: datetime
    role: str
    centre_code: str | None
    reason: str
    detail: dict[str, Any]


def _summaries() -> Select[Any]:
    return (
        select(
            cases.c.number,
            service_items.c.code.label("item_code"),
            service_items.c.name.label("item_name"),
            departments.c.name.label("department_name"),
            cases.c.status,
            cases.c.channel,
            cases.c.lock_version,
            cases.c.submitted_at,
            cases.c.accepted_on,
            cases.c.deadline,
            cases.c.applicant_id,
        )
        .select_from(
            cases.join(service_items, service_items.c.id == cases.c.item_id).join(
                departments, departments.c.id == cases.c.department_id
            )
        )
        .limit(MAX_ROWS)
    )


def _summary(r: Row[Any]) -> CaseSummary:
    return CaseSummary(
        number=r.number,
        item_code=r.item_code,
        item_name=r.item_name,
        department_name=r.department_name,
        status=CaseStatus(r.status),
        channel=Channel(r.channel),
        version=r.lock_version,
        submitted_at=r.submitted_at,
        accepted_on=r.accepted_on,
        deadline=r.deadline,
        applicant_id=r.applicant_id,
    )


def _run(conn: Connection, query: Select[Any]) -> list[CaseSummary]:
    return [_summary(r) for r in conn.execute(query)]


NO_DEADLINE = date(9999, 12, 31)
"""Where a row without a due day sorts in a keyset order: after every dated one."""
"""Sorts a case without a deadline yet after every case with one."""


def _paged(
    conn: Connection, query: Select[Any], keys: Sequence[Key], page: PageRequest
) -> Page[CaseSummary]:
    return read_page(conn, query, keys, page, _summary)


def _urgency(today: date | None = None) -> list[Key]:
    """绿色通道 first, then (when ``today`` is given) the late ones, then the nearest deadline;
    the case id settles ties so every case has one place."""
    keys = [Key(cases.c.priority, descending=True)]
    if today is not None:
        keys.append(Key(case((_late(today), 0), else_=1)))
    deadline = func.coalesce(cases.c.deadline, NO_DEADLINE)
    return [*keys, Key(deadline), Key(cases.c.id)]


CaseQueue = Literal["mine", "centre", "department", "sign_off"]


def case_list(
    conn: Connection,
    principal: Principal | None,
    queue: CaseQueue,
    page: PageRequest,
    *,
    today: date | None = None,
) -> Page[CaseSummary]:
    """One page of a case list, read from where the last page ended: the applicant's own cases
    newest first, or a staff queue most urgent first (the same order as the queue pages)."""
    who = signed_in(principal)
    if queue == "mine":
        if who.kind not in (UserKind.CITIZEN, UserKind.ENTERPRISE):
            raise PermissionDenied()
        query = _summaries().where(cases.c.applicant_id == who.user_id)
        return _paged(conn, query, [Key(cases.c.id, descending=True)], page)
    if queue == "centre":
        query = _centre_cases(conn, who, True, today, QueueFilter())
        return _paged(conn, query, _urgency(today), page)
    if queue == "department":
        ids = department_ids(who, Role.REVIEWER, Role.SECTION_CHIEF)
        query = _summaries().where(
            cases.c.department_id.in_(ids), cases.c.status.in_([s.value for s in REVIEW_QUEUE])
        )
        return _paged(conn, query, _urgency(), page)
    ids = department_ids(who, Role.SECTION_CHIEF)
    query = _summaries().where(
        cases.c.department_id.in_(ids), cases.c.status == CaseStatus.REJECTION_PROPOSED.value
    )
    deadline = func.coalesce(cases.c.deadline, NO_DEADLINE)
    return _paged(conn, query, [Key(deadline), Key(cases.c.id)], page)


def signed_in(principal: Principal | None) -> Principal:
    if principal is None:
        raise NotAuthenticated()
    return principal


def my_cases(conn: Connection, principal: Principal | None) -> list[CaseSummary]:
    """The applicant's own cases, newest first; nobody else's, ever."""
    who = signed_in(principal)
    if who.kind not in (UserKind.CITIZEN, UserKind.ENTERPRISE):
        raise PermissionDenied()
    query = _summaries().where(cases.c.applicant_id == who.user_id).order_by(cases.c.id.desc())
    return _run(conn, query)


def _codes(principal: Principal, role: Role, attribute: str) -> list[str]:
    return [
        code for a in principal.assignments(role) if (code := getattr(a, attribute)) is not None
    ]


@dataclass(frozen=True)
class QueueFilter:
    """What a clerk narrows the centre's list to."""

    status: CaseStatus | None = None
    item_code: str | None = None
    submitted_on: date | None = None
    overdue_only: bool = False


@dataclass(frozen=True)
class QueuePage:
    rows: list[CaseSummary]
    total: int
    page: int
    pages: int


QUEUE_PAGE_SIZE = 50


OPEN_STATUSES = tuple(
    sorted(s.value for s in CaseStatus if s is not CaseStatus.DRAFT and not s.is_final)
)
"""A centre's open cases: submitted, not yet closed.  Listed rather than "not closed" so that
each arm of the centre's lookup is one range of ``(centre, status)`` per status in the index
(migration 0050), whatever the number of closed cases beside them."""


def _centre_cases(
    conn: Connection,
    principal: Principal | None,
    open_only: bool,
    today: date | None,
    filters: QueueFilter,
) -> Select[Any]:
    who = signed_in(principal)
    codes = _codes(who, Role.CLERK, "centre_code") + _codes(who, Role.CENTRE_MANAGER, "centre_code")
    if not codes:
        raise PermissionDenied()
    # The centres' ids as values, not a subquery: PostgreSQL can read "accepted at one of these
    # or collected at one of these" from two indexes only when it knows them (an OR of two
    # IN-subqueries is a filter over every row of the table).
    ids = list(conn.execute(select(centres.c.id).where(centres.c.code.in_(codes))).scalars())
    query = _summaries().where(
        cases.c.accepting_centre_id.in_(ids) | cases.c.pickup_centre_id.in_(ids)
    )
    if open_only:
        query = query.where(cases.c.status.in_(OPEN_STATUSES))
    if filters.status is not None:
        query = query.where(cases.c.status == filters.status.value)
    if filters.item_code:
        query = query.where(service_items.c.code == filters.item_code.strip().upper())
    if filters.submitted_on is not None:
        start = datetime.combine(filters.submitted_on, datetime.min.time(), tzinfo=CHINA_TZ)
        query = query.where(
            cases.c.submitted_at >= start, cases.c.submitted_at < start + timedelta(days=1)
        )
    if filters.overdue_only and today is not None:
        query = query.where(_late(today))
    return query


def _late(today: date) -> Any:
    """Still waiting for its decision and past its deadline: the only cases that are late."""
    return cases.c.status.in_([s.value for s in UNDECIDED]) & (cases.c.deadline < today)


def centre_queue(
    conn: Connection,
    principal: Principal | None,
    *,
    open_only: bool = True,
    today: date | None = None,
    filters: QueueFilter = QueueFilter(),
    page: int = 1,
    page_size: int = MAX_ROWS,
) -> list[CaseSummary]:
    """A clerk's queue: cases accepted at, or to be collected at, the clerk's centres, most
    urgent first: 绿色通道, then the late ones (when ``today`` is given), then the nearest
    deadline."""
    query = _centre_cases(conn, principal, open_only, today, filters)
    order: list[Any] = [cases.c.priority.desc()]
    if today is not None:
        # Late first; CASE rather than the condition itself, whose NULL (no deadline yet)
        # PostgreSQL would sort before TRUE.
        order.append(case((_late(today), 0), else_=1))
    order += [cases.c.deadline.is_(None), cases.c.deadline, cases.c.id]
    query = query.order_by(*order).limit(page_size).offset((max(page, 1) - 1) * page_size)
    return _run(conn, query)


def centre_queue_page(
    conn: Connection,
    principal: Principal | None,
    *,
    today: date,
    filters: QueueFilter = QueueFilter(),
    page: int = 1,
    page_size: int = QUEUE_PAGE_SIZE,
) -> QueuePage:
    """One page of the centre's open cases, with how many there are in all."""
    counted = _centre_cases(conn, principal, True, today, filters).limit(None).order_by(None)
    total = conn.execute(select(func.count()).select_from(counted.subquery())).scalar_one()
    pages = max(1, -(-total // page_size))
    page = min(max(page, 1), pages)
    rows = centre_queue(
        conn, principal, today=today, filters=filters, page=page, page_size=page_size
    )
    return QueuePage(rows, total, page, pages)


@dataclass(frozen=True)
class CentreCounts:
    """The centre manager's figures over every open case of their centres."""

    open: int
    by_status: dict[CaseStatus, int]
    red: int
    yellow: int


def centre_counts(
    conn: Connection, principal: Principal | None, today: date, last_yellow: date | None
) -> CentreCounts:
    """Open cases by status, and how many are red (undecided, past the deadline) and yellow
    (undecided, due from ``today`` to ``last_yellow``), counted by the database over all of
    them, however many."""
    found = _centre_cases(conn, principal, True, None, QueueFilter()).limit(None).subquery()
    undecided = found.c.status.in_([s.value for s in UNDECIDED])
    red = case((undecided & (found.c.deadline < today), 1), else_=0)
    yellow: Any = 0
    if last_yellow is not None:
        soon = undecided & (found.c.deadline >= today) & (found.c.deadline <= last_yellow)
        yellow = case((soon, 1), else_=0)
    rows = conn.execute(
        select(
            found.c.status,
            func.count().label("n"),
            func.sum(red).label("red"),
            func.sum(yellow).label("yellow"),
        ).group_by(found.c.status)
    ).all()
    return CentreCounts(
        open=sum(int(r.n) for r in rows),
        by_status={CaseStatus(r.status): int(r.n) for r in rows},
        red=sum(int(r.red or 0) for r in rows),
        yellow=sum(int(r.yellow or 0) for r in rows),
    )


def centre_alerts_page(
    conn: Connection,
    principal: Principal | None,
    today: date,
    last_yellow: date | None,
    page: PageRequest,
) -> Page[CaseSummary]:
    """One page of the centre's red and yellow cases: the nearest deadline first, so the late
    ones lead."""
    until = last_yellow if last_yellow is not None else today - timedelta(days=1)
    query = _centre_cases(conn, principal, True, None, QueueFilter()).where(
        cases.c.status.in_([s.value for s in UNDECIDED]), cases.c.deadline <= until
    )
    return _paged(conn, query, [Key(cases.c.deadline), Key(cases.c.id)], page)


def department_ids(principal: Principal, *roles: Role) -> Any:
    codes = [c for role in roles for c in _codes(principal, role, "department_code")]
    if not codes:
        raise PermissionDenied()
    return select(departments.c.id).where(departments.c.code.in_(codes)).scalar_subquery()


def department_queue(conn: Connection, principal: Principal | None) -> list[CaseSummary]:
    """A reviewer's back-office queue: their department's cases that still need action,
    green-channel cases first, then the nearest deadline."""
    ids = department_ids(signed_in(principal), Role.REVIEWER, Role.SECTION_CHIEF)
    query = _summaries().where(
        cases.c.department_id.in_(ids), cases.c.status.in_([s.value for s in REVIEW_QUEUE])
    )
    # 绿色通道: green-channel cases first, then the nearest deadline.
    order = (cases.c.priority.desc(), cases.c.deadline.is_(None), cases.c.deadline, cases.c.id)
    return _run(conn, query.order_by(*order))


def sign_off_queue(conn: Connection, principal: Principal | None) -> list[CaseSummary]:
    """The section chief's queue: proposed rejections waiting for a signature (否决权上移)."""
    ids = department_ids(signed_in(principal), Role.SECTION_CHIEF)
    query = _summaries().where(
        cases.c.department_id.in_(ids), cases.c.status == CaseStatus.REJECTION_PROPOSED.value
    )
    return _run(conn, query.order_by(cases.c.deadline.is_(None), cases.c.deadline, cases.c.id))


def case_to_act_on(conn: Connection, principal: Principal | None, number: str) -> Case:
    """The case a step acts on, loaded once: an applicant finds only their own (another's is
    not found, so its existence is never confirmed); for staff and the system the step's own
    role check decides."""
    return _own(principal, repo.get(conn, number), number)


def case_to_change(conn: Connection, principal: Principal | None, number: str) -> repo.ForChange:
    """``case_to_act_on`` with what the step's save and notifications need, read in the same
    statement (``repo.get_for_change``)."""
    found = repo.get_for_change(conn, number)
    _own(principal, found.case, number)
    return found


def _own(principal: Principal | None, case: Case, number: str) -> Case:
    if (
        principal is not None
        and principal.kind in (UserKind.CITIZEN, UserKind.ENTERPRISE)
        and case.applicant_id != principal.user_id
    ):
        raise CaseNotFound(number=number)  # never confirm another's case exists
    return case


IDENTIFIED_AT_WINDOW = timedelta(hours=4)
"""How long after identifying an applicant in person a clerk may read that applicant's cases."""


def read_reason(
    conn: Connection, who: Principal, case: Case, at: datetime | None = None
) -> str | None:
    """Why ``who``'s work gives them this case to read (None: it does not).

    一窗通办 means any window may accept any item, not read any case: staff read a case only
    when their work on it gives a reason.  The applicant reads their own; an unsubmitted draft
    is theirs alone.  Reviewers and section chiefs read their department's cases and those with
    a review step for their department (联审); clerks and centre managers the cases accepted at,
    or to be collected at, their centre; a clerk also the cases of an applicant they identified
    in person (市民码, ID card, face) within ``IDENTIFIED_AT_WINDOW`` before ``at``; auditors
    every submitted case, for audit.  Leaders see figures, not cases.
    """
    if who.kind in (UserKind.CITIZEN, UserKind.ENTERPRISE):
        return "本人办件" if case.applicant_id == who.user_id else None
    if case.status is CaseStatus.DRAFT:
        return None
    if who.has_role(Role.AUDITOR):
        return "审计检查"
    departments = _codes(who, Role.REVIEWER, "department_code") + _codes(
        who, Role.SECTION_CHIEF, "department_code"
    )
    if case.department_code in departments:
        return "本部门审批"
    centres = _codes(who, Role.CLERK, "centre_code") + _codes(
        who, Role.CENTRE_MANAGER, "centre_code"
    )
    if case.accepting_centre_code is not None and case.accepting_centre_code in centres:
        return "本中心受理"
    if case.delivery.pickup_centre_code is not None and case.delivery.pickup_centre_code in centres:
        return "本中心发放结果"
    if departments and _has_step_of(conn, case.id, departments):
        return "联合审查"
    if at is not None and who.has_role(Role.CLERK) and _identified_by(conn, who, case, at):
        return "窗口当面核验身份"
    return None


def _identified_by(conn: Connection, clerk: Principal, case: Case, at: datetime) -> bool:
    found = conn.execute(
        select(identity_checks.c.id)
        .where(
            identity_checks.c.actor_id == clerk.user_id,
            identity_checks.c.subject_id == case.applicant_id,
            identity_checks.c.at > at - IDENTIFIED_AT_WINDOW,
            identity_checks.c.at <= at,
        )
        .limit(1)
    ).first()
    return found is not None


def access_case(
    conn: Connection, principal: Principal | None, number: str, at: datetime | None = None
) -> Case:
    """One case, for whoever ``read_reason`` gives a reason (``at``: now, for the window's
    in-person identification).  Another applicant's case, or a draft, is not found (its
    existence is never confirmed); staff without a reason are refused.  Case numbers are
    sequential and so guessable: this check, not their obscurity, is the defence."""
    who = signed_in(principal)
    case = case_to_act_on(conn, who, number)
    if read_reason(conn, who, case, at) is not None:
        return case
    if case.status is CaseStatus.DRAFT:
        raise CaseNotFound(number=number)
    raise PermissionDenied()


@atomic
def read_case(uow: UnitOfWork, actor: Actor, number: str, purpose: str) -> Case:
    """``access_case`` for a read that shows the applicant's personal data: a staff read is
    written to the applicant's access log with its reason (《个人信息保护法》第五十一条)."""
    who = signed_in(actor.principal)
    case = access_case(uow.conn, who, number, actor.at)
    if who.user_id != case.applicant_id:
        reason = read_reason(uow.conn, who, case, actor.at)
        audit.record_data_access(
            uow.conn, actor, case.applicant_id, f"case:{case.number}", f"{purpose}（{reason}）"
        )
    return case


def _has_step_of(conn: Connection, case_id: int | None, department_codes: list[str]) -> bool:
    found = conn.execute(
        select(case_review_steps.c.id)
        .join(departments, departments.c.id == case_review_steps.c.department_id)
        .where(case_review_steps.c.case_id == case_id, departments.c.code.in_(department_codes))
        .limit(1)
    ).first()
    return found is not None


def timeline(conn: Connection, principal: Principal | None, number: str) -> list[TimelineEntry]:
    """The case's audit trail in order, for whoever may see the case."""
    case = access_case(conn, principal, number)
    rows = conn.execute(
        select(case_events).where(case_events.c.case_id == case.id).order_by(case_events.c.seq)
    )
    return [
        TimelineEntry(
            seq=r.seq,
            type=r.type,
            from_status=CaseStatus(r.from_status) if r.from_status else None,
            to_status=CaseStatus(r.to_status),
            at=r.at,
            role=r.role,
            centre_code=r.centre_code,
            reason=r.reason,
            detail=dict(r.detail),
        )
        for r in rows
    ]


AGENT_ID_FIELD = "agent.id_number"
"""The agent's document number, revealed like a personal form field (代理人证件号码)."""


@atomic
def reveal_form_value(uow: UnitOfWork, actor: Actor, number: str, field: str) -> str:
    """显示完整信息: the unmasked value of one personal field of a case's form (ID, phone,
    address, bank account) or of its agent's document number, for whoever may read the case; a
    staff member's reveal is written to the applicant's access log with the field and reason."""
    who = signed_in(actor.principal)
    case = access_case(uow.conn, who, number, actor.at)
    if field == AGENT_ID_FIELD and case.agent is not None and case.agent.id_number:
        if who.user_id != case.applicant_id:
            read_case(uow, actor, number, "查看完整信息：代理人证件号码")
        return case.agent.id_number
    spec = next((f for f in _item_form(uow.conn, case) if f.name == field), None)
    if spec is None or spec.type.value not in MASK_BY_TYPE:
        raise ValidationFailed(fields={"field": "该项不是需要遮盖的个人信息"})
    if who.user_id != case.applicant_id:
        read_case(uow, actor, number, f"查看完整信息：{spec.label}")
    value = case.form.get(field)
    return "" if value is None else str(value)


def _item_form(conn: Connection, case: Case) -> tuple[FormField, ...]:
    return tuple(published_item(conn, case.item_code, case.item_version).spec.form)
