"""Review steps (审查环节): set an item's plan; claim, assign and complete a case's steps.

Each step action is one transaction that changes the step row and saves the case (its
compare-and-set on ``lock_version`` and its hash-chained audit entry), so every claim,
assignment and outcome is in the case's audit trail.  A claim is ``UPDATE ... WHERE
assignee_id IS NULL``: of two reviewers claiming one step, exactly one matches the row.  The
last approval of the last stage approves the case; any rejecting step proposes rejection,
which still waits for the section chief (否决权上移).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, delete, insert, select, update

from tongban.adapters.db.tables import (
    case_review_steps,
    cases,
    departments,
    review_plans,
    service_items,
)
from tongban.domain.cases.model import Case
from tongban.domain.cases.review import (
    Outcome,
    PlanStep,
    Progress,
    ReviewPlan,
    ReviewStep,
    StepAlreadyClaimed,
    StepNotFound,
    StepNotOpen,
    StepStatus,
    advance,
    instantiate,
    reopen_rejected,
    shift_for_stops,
)
from tongban.domain.cases.status import CaseStatus
from tongban.domain.cases.values import Performer
from tongban.domain.errors import (
    ItemNotFound,
    NotAuthenticated,
    PermissionDenied,
    UnknownDepartment,
    ValidationFailed,
)
from tongban.domain.people.model import Principal, Role
from tongban.domain.shared.calendar import ClockStop, WorkingCalendar
from tongban.domain.shared.clock import china_date
from tongban.services.cases import repository as repo
from tongban.services.cases.notify import notify
from tongban.services.people.sessions import load_principal
from tongban.services.platform import audit
from tongban.services.platform.access import access_catalogue_edit
from tongban.services.platform.calendar import load_calendar
from tongban.services.platform.context import Actor
from tongban.services.platform.unit_of_work import UnitOfWork, atomic

__all__ = [
    "StepRef",
    "assign_step",
    "claim_step",
    "close_for_decision",
    "complete_step",
    "open_review",
    "reopen_after_send_back",
    "resume_after_stops",
    "set_review_plan",
]


@dataclass(frozen=True)
class StepRef:
    """What a step action returns: the step and the case as they now stand."""

    step_id: int
    number: str
    case_status: CaseStatus
    case_version: int
    step_status: StepStatus
    assignee_id: int | None


# --- plans ------------------------------------------------------------------------------------


@atomic
def set_review_plan(
    uow: UnitOfWork, actor: Actor, item_code: str, stages: Iterable[Iterable[PlanStep]]
) -> ReviewPlan:
    """The catalogue admin sets an item's review plan; cases already under review keep theirs."""
    principal = access_catalogue_edit(actor.principal)
    plan = ReviewPlan.of(stages)
    item_id = uow.conn.execute(
        select(service_items.c.id).where(service_items.c.code == item_code)
    ).scalar()
    if item_id is None:
        raise ItemNotFound(code=item_code)
    known = set(uow.conn.execute(select(departments.c.code)).scalars())
    for code in sorted(plan.department_codes - known):
        raise UnknownDepartment(code=code)
    uow.conn.execute(delete(review_plans).where(review_plans.c.item_id == item_id))
    stored = [[vars(step) for step in stage] for stage in plan.stages]
    uow.conn.execute(
        insert(review_plans).values(
            item_id=item_id, stages=stored, updated_at=actor.at, updated_by=principal.user_id
        )
    )
    audit.record(uow.conn, actor, "review_plan.set", "service_item", item_code, {"stages": stored})
    return plan


def review_plan(conn: Connection, item_code: str) -> ReviewPlan | None:
    """The item's stored plan, or None when it has none (the default one-step plan applies)."""
    stored = conn.execute(
        select(review_plans.c.stages)
        .select_from(review_plans.join(service_items, service_items.c.id == review_plans.c.item_id))
        .where(service_items.c.code == item_code)
    ).scalar()
    if stored is None:
        return None
    return ReviewPlan(tuple(tuple(PlanStep(**s) for s in stage) for stage in stored))


# --- step rows --------------------------------------------------------------------------------


def _department_ids(conn: Connection) -> dict[str, int]:
    return {r.code: r.id for r in conn.execute(select(departments.c.code, departments.c.id))}


def _steps_select() -> Any:
    return select(case_review_steps, departments.c.code.label("department_code")).select_from(
        case_review_steps.join(departments, departments.c.id == case_review_steps.c.department_id)
    )


def _step(row: Row[Any]) -> ReviewStep:
    return ReviewStep(
        id=row.id,
        stage=row.stage,
        name=row.name,
        role=row.role,
        department_code=row.department_code,
        budget_days=row.budget_days,
        status=StepStatus(row.status),
        due_on=row.due_on,
        assignee_id=row.assignee_id,
        outcome=Outcome(row.outcome) if row.outcome else None,
        reasons=row.reasons,
        done_at=row.done_at,
        done_by=row.done_by,
    )


def case_steps(conn: Connection, case_id: int | None) -> list[ReviewStep]:
    """A case's steps in stage order."""
    query = _steps_select().where(case_review_steps.c.case_id == case_id)
    rows = conn.execute(query.order_by(case_review_steps.c.stage, case_review_steps.c.id))
    return [_step(r) for r in rows]


def _store(conn: Connection, steps: Iterable[ReviewStep], expected: StepStatus) -> None:
    """Write changed steps; the ``status`` guard makes a concurrent change lose, not merge."""
    for step in steps:
        result = conn.execute(
            update(case_review_steps)
            .where(case_review_steps.c.id == step.id, case_review_steps.c.status == expected)
            .values(
                status=step.status.value,
                due_on=step.due_on,
                assignee_id=step.assignee_id,
                outcome=step.outcome.value if step.outcome else None,
                reasons=step.reasons,
                done_at=step.done_at,
                done_by=step.done_by,
            )
        )
        if result.rowcount != 1:
            raise StepNotOpen()


def open_review(
    conn: Connection, case: Case, at: datetime, calendar: WorkingCalendar | None = None
) -> None:
    """Review starts: the case gets its own copy of the item's plan (or the default step)."""
    plan = review_plan(conn, case.item_code) or ReviewPlan.default(
        case.department_code, case.terms.promised_days
    )
    ids = _department_ids(conn)
    steps = instantiate(plan, china_date(at), calendar or load_calendar(conn))
    conn.execute(
        insert(case_review_steps),
        [
            {
                "case_id": case.id,
                "stage": s.stage,
                "name": s.name,
                "department_id": ids[s.department_code],
                "role": s.role,
                "budget_days": s.budget_days,
                "due_on": s.due_on,
                "status": s.status.value,
            }
            for s in steps
        ],
    )


def close_for_decision(
    conn: Connection, case: Case, by: Performer, at: datetime, approve: bool, reasons: str
) -> None:
    """A whole-case decision (``propose_decision``) completes the one step still open; a case
    with several open steps must go step by step.  Cases without steps are left alone."""
    steps = case_steps(conn, case.id)
    open_ = [s for s in steps if s.status is not StepStatus.DONE]
    if not open_:
        return
    if len(open_) > 1 or open_[0].status is not StepStatus.ACTIVE:
        raise StepNotOpen("此办件按审查方案分环节办理，请逐个环节办理。")
    [step] = open_
    step.assignee_id = step.assignee_id or by.user_id
    step.finish(Outcome.APPROVE if approve else Outcome.REJECT, reasons, by.user_id, at)
    _store(conn, [step], StepStatus.ACTIVE)


def reopen_after_send_back(conn: Connection, case: Case) -> None:
    """The chief sent the rejection back: the rejecting steps are to be done again."""
    _store(conn, reopen_rejected(case_steps(conn, case.id)), StepStatus.DONE)


def resume_after_stops(
    conn: Connection, case: Case, before: Sequence[ClockStop], calendar: WorkingCalendar
) -> None:
    """The case's clock resumed (corrections supplied): the stops closed since ``before`` (the
    case's stops as they were) push the due day of every step not yet done by the working days
    stopped.  Written on the caller's connection, so it commits with the supply; the steps are
    not case events, so the audit trail is untouched."""
    closed = [s for s in case.stops if not s.is_open and s not in before]
    if not closed:
        return
    moved = shift_for_stops(case_steps(conn, case.id), closed, calendar)
    for status in (StepStatus.ACTIVE, StepStatus.PENDING):
        _store(conn, [s for s in moved if s.status is status], status)


# --- who may act on a step --------------------------------------------------------------------


def _signed_in(actor: Actor) -> Principal:
    if actor.principal is None:
        raise NotAuthenticated()
    return actor.principal


def _holder(principal: Principal, roles: Sequence[str], department: str) -> Performer | None:
    for a in principal.roles:
        if a.role.value in roles and a.department_code == department:
            return Performer(principal.user_id, a.role.value, a.centre_code, a.department_code)
    return None


def _as_step_worker(actor: Actor, step: ReviewStep) -> Performer:
    """The step's role in the step's department (a section chief may also do a reviewer's)."""
    roles = (step.role, Role.SECTION_CHIEF.value)
    found = _holder(_signed_in(actor), roles, step.department_code)
    if found is None:
        raise PermissionDenied()
    return Performer(
        found.user_id,
        found.role,
        found.centre_code,
        found.department_code,
        request_id=actor.request_id,
    )


def _as_chief(actor: Actor, step: ReviewStep) -> Performer:
    found = _holder(_signed_in(actor), (Role.SECTION_CHIEF.value,), step.department_code)
    if found is None:
        raise PermissionDenied()
    return Performer(
        found.user_id,
        found.role,
        found.centre_code,
        found.department_code,
        request_id=actor.request_id,
    )


def _load(conn: Connection, step_id: int, case_number: str | None) -> tuple[Case, ReviewStep]:
    """The step and its case; a step reached through another case's number is not found."""
    row = conn.execute(
        _steps_select()
        .add_columns(cases.c.number.label("case_number"))
        .join(cases, cases.c.id == case_review_steps.c.case_id)
        .where(case_review_steps.c.id == step_id)
    ).first()
    if row is None or case_number not in (None, row.case_number):
        raise StepNotFound()
    return repo.get(conn, row.case_number), _step(row)


def _under_review(case: Case) -> None:
    if case.status is not CaseStatus.UNDER_REVIEW:
        raise StepNotOpen()


def _claim(conn: Connection, step: ReviewStep, user_id: int | None) -> None:
    """Compare-and-set: only an open, unclaimed step can be claimed, by exactly one."""
    won = conn.execute(
        update(case_review_steps)
        .where(
            case_review_steps.c.id == step.id,
            case_review_steps.c.assignee_id.is_(None),
            case_review_steps.c.status == StepStatus.ACTIVE.value,
        )
        .values(assignee_id=user_id)
    ).rowcount
    if won != 1:
        raise StepAlreadyClaimed()
    step.assignee_id = user_id


def _save(uow: UnitOfWork, case: Case, step: ReviewStep, at: datetime) -> StepRef:
    notify(uow.conn, case, at)
    repo.save(uow.conn, case, at)
    assert step.id is not None
    return StepRef(step.id, case.number, case.status, case.version, step.status, step.assignee_id)


# --- step actions -----------------------------------------------------------------------------


@atomic
def claim_step(
    uow: UnitOfWork, actor: Actor, step_id: int, *, case_number: str | None = None
) -> StepRef:
    """A reviewer of the step's department takes an open step; of two claims one wins.
    (``case_number``: the case the caller reached the step through, when it names one.)"""
    case, step = _load(uow.conn, step_id, case_number)
    by = _as_step_worker(actor, step)
    _under_review(case)
    if step.status is not StepStatus.ACTIVE:
        raise StepNotOpen()
    _claim(uow.conn, step, by.user_id)
    case.note("ReviewStepClaimed", by, actor.at, step=step.name, stage=step.stage)
    return _save(uow, case, step, actor.at)


@atomic
def assign_step(
    uow: UnitOfWork,
    actor: Actor,
    step_id: int,
    assignee_id: int,
    *,
    case_number: str | None = None,
) -> StepRef:
    """The section chief of the step's department gives the step to a named reviewer of it."""
    case, step = _load(uow.conn, step_id, case_number)
    by = _as_chief(actor, step)
    _under_review(case)
    if step.status is StepStatus.DONE:
        raise StepNotOpen()
    assignee = load_principal(uow.conn, assignee_id)
    if assignee is None or _holder(assignee, (step.role,), step.department_code) is None:
        raise ValidationFailed(fields={"assignee_id": "应为该环节所属部门的办理人员"})
    before = step.status
    step.assignee_id = assignee_id
    _store(uow.conn, [step], before)
    case.note(
        "ReviewStepAssigned", by, actor.at, step=step.name, stage=step.stage, assignee=assignee_id
    )
    return _save(uow, case, step, actor.at)


@atomic
def complete_step(
    uow: UnitOfWork,
    actor: Actor,
    step_id: int,
    outcome: Outcome,
    reasons: str = "",
    *,
    case_number: str | None = None,
) -> StepRef:
    """The step's assignee (an unclaimed step is claimed on the way) approves or rejects; the
    last approval approves the case, a rejection proposes rejection to the section chief."""
    case, step = _load(uow.conn, step_id, case_number)
    by = _as_step_worker(actor, step)
    _under_review(case)
    if step.status is not StepStatus.ACTIVE:
        raise StepNotOpen()
    if step.assignee_id is None:
        _claim(uow.conn, step, by.user_id)
    elif step.assignee_id != by.user_id:
        raise PermissionDenied("该审查环节已由他人认领。")
    steps = case_steps(uow.conn, case.id)
    mine = next(s for s in steps if s.id == step.id)
    mine.finish(outcome, reasons, by.user_id, actor.at)
    calendar = load_calendar(uow.conn)
    progress = advance(steps, mine, china_date(actor.at), calendar)
    _store(uow.conn, [mine], StepStatus.ACTIVE)
    if progress is Progress.NEXT_STAGE:
        opened = [s for s in steps if s.stage == mine.stage + 1]
        _store(uow.conn, opened, StepStatus.PENDING)
    case.note(
        "ReviewStepCompleted",
        by,
        actor.at,
        mine.reasons,
        step=mine.name,
        stage=mine.stage,
        outcome=outcome.value,
    )
    if progress is Progress.ALL_APPROVED:
        case.approve(by=by, at=actor.at, reasons=mine.reasons)
    elif progress is Progress.REJECTED:
        case.propose_rejection(by=by, at=actor.at, reasons=mine.reasons)
    return _save(uow, case, mine, actor.at)
