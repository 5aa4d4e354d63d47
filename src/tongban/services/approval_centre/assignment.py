"""The online approval centre (网上审批中心): claim, release, assign and reassign queued online
applications, and the chief's assignment settings.

Every use case is one transaction with its audit entry.  Taking an application is guarded in
the database, not in Python: the first taking inserts the row whose ``case_id`` is unique, a
later one (after a release) is ``UPDATE ... WHERE assignee_id IS NULL AND lock_version = <read>``;
of two reviewers claiming at the same moment exactly one write matches and the other is told
``already_claimed``.  The reviewer then acts on the case through the ordinary case services.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Row, insert, select, update
from sqlalchemy.exc import IntegrityError

from tongban.adapters.db.tables import cases
from tongban.adapters.db.tables_approval import (
    approval_assignment_log,
    approval_assignments,
    approval_settings,
)
from tongban.domain.approval.errors import (
    AlreadyClaimed,
    NoReviewerAvailable,
    NotCentreReviewer,
    NotHolder,
    NotInCentre,
    NotQueued,
    QueueEmpty,
)
from tongban.domain.approval.model import (
    AssignmentAction,
    Candidate,
    Strategy,
    choose,
    skill_covers,
)
from tongban.domain.errors import Conflict, ValidationFailed
from tongban.services.approval_centre import queries as q
from tongban.services.approval_centre.access import Scope, require_chief_scope, scope_of

# The chief's settings live in their own module; re-exported so callers need one import.
from tongban.services.approval_centre.settings import settings_for, update_settings
from tongban.services.platform import audit
from tongban.services.platform.context import Actor
from tongban.services.platform.paging import PageRequest
from tongban.services.platform.unit_of_work import UnitOfWork, atomic

__all__ = [
    "AssignmentRef",
    "assign",
    "assign_queue",
    "claim",
    "claim_next",
    "reassign",
    "release",
    "settings_for",
    "update_settings",
]

OBJECT = "approval_assignment"
MAX_BATCH = 100


@dataclass(frozen=True)
class AssignmentRef:
    """An application's assignment as it now stands."""

    number: str
    assignee_id: int | None
    action: AssignmentAction
    version: int
    strategy: Strategy | None = None


# --- guarded writes ---------------------------------------------------------------------------


def _row(conn: Connection, case_id: int) -> Row[Any] | None:
    return conn.execute(
        select(approval_assignments).where(approval_assignments.c.case_id == case_id)
    ).first()


def _log(
    conn: Connection,
    case: q.CentreCase,
    action: AssignmentAction,
    assignee_id: int | None,
    by: Actor,
    strategy: Strategy | None = None,
) -> None:
    conn.execute(
        insert(approval_assignment_log).values(
            case_id=case.case_id,
            action=action.value,
            assignee_id=assignee_id,
            previous_assignee_id=case.assignee_id,
            by_id=by.user_id,
            strategy=strategy.value if strategy else None,
            at=by.at,
        )
    )
    detail: dict[str, Any] = {"assignee_id": assignee_id, "previous": case.assignee_id}
    if strategy is not None:
        detail["strategy"] = strategy.value
    audit.record(conn, by, f"approval_centre.{action.value}", OBJECT, case.number, detail)


def _take(
    conn: Connection,
    case: q.CentreCase,
    assignee_id: int,
    action: AssignmentAction,
    by: Actor,
    strategy: Strategy | None = None,
) -> AssignmentRef:
    """Give a queued application to ``assignee_id``; loses with ``already_claimed`` when someone
    holds it, or when a concurrent taking commits first (unique key or version guard)."""
    values = {
        "assignee_id": assignee_id,
        "action": action.value,
        "assigned_at": by.at,
        "assigned_by": by.user_id,
        "updated_at": by.at,
    }
    row = _row(conn, case.case_id)
    if row is None:
        try:
            # A savepoint, so that a lost race leaves the transaction usable (claim-next goes on).
            with conn.begin_nested():
                conn.execute(
                    insert(approval_assignments).values(
                        case_id=case.case_id, lock_version=1, **values
                    )
                )
        except IntegrityError:
            raise AlreadyClaimed() from None
        version = 1
    else:
        if row.assignee_id is not None:
            raise AlreadyClaimed()
        version = row.lock_version + 1
        won = conn.execute(
            update(approval_assignments)
            .where(
                approval_assignments.c.case_id == case.case_id,
                approval_assignments.c.assignee_id.is_(None),
                approval_assignments.c.lock_version == version - 1,
            )
            .values(lock_version=version, **values)
        ).rowcount
        if won != 1:
            raise AlreadyClaimed()
    _log(conn, case, action, assignee_id, by, strategy)
    return AssignmentRef(case.number, assignee_id, action, version, strategy)


def _move(
    conn: Connection,
    case: q.CentreCase,
    to_user_id: int | None,
    action: AssignmentAction,
    by: Actor,
) -> AssignmentRef:
    """Release (``to_user_id`` None) or reassign a held application; compare-and-set on the
    holder and the version read, so a concurrent change makes this one fail."""
    row = _row(conn, case.case_id)
    if row is None or row.assignee_id is None:
        raise NotHolder("该申请当前没有人办理。")
    version = row.lock_version + 1
    moved = conn.execute(
        update(approval_assignments)
        .where(
            approval_assignments.c.case_id == case.case_id,
            approval_assignments.c.assignee_id == row.assignee_id,
            approval_assignments.c.lock_version == version - 1,
        )
        .values(
            assignee_id=to_user_id,
            action=action.value,
            assigned_at=by.at if to_user_id else None,
            assigned_by=by.user_id if to_user_id else None,
            lock_version=version,
            updated_at=by.at,
        )
    ).rowcount
    if moved != 1:
        raise Conflict("该申请的分派已被他人修改，请刷新后重试。")
    _log(conn, case, action, to_user_id, by)
    return AssignmentRef(case.number, to_user_id, action, version)


# --- lookups ----------------------------------------------------------------------------------


def _case(conn: Connection, scope: Scope, number: str) -> q.CentreCase:
    found = q.centre_case(conn, number)
    if found is None or found.department_id not in scope.departments:
        raise NotInCentre(number=number)
    return found


def _queued(case: q.CentreCase) -> None:
    if case.status not in q.QUEUE_STATUSES:
        raise NotQueued()
    if case.assignee_id is not None:
        raise AlreadyClaimed()


def _reviewer_of(conn: Connection, case: q.CentreCase, user_id: int, field: str) -> None:
    if user_id not in {r.user_id for r in q.reviewers(conn, [case.department_id])}:
        raise NotCentreReviewer(fields={field: NotCentreReviewer.template})


def _pick(conn: Connection, case: q.CentreCase) -> tuple[int, Strategy]:
    """The reviewer the department's strategy gives ``case`` to; the settings row is locked so
    that concurrent automatic assignments take turns in round robin."""
    conn.execute(
        select(approval_settings.c.lock_version)
        .where(approval_settings.c.department_id == case.department_id)
        .with_for_update()
    )
    settings = q.settings(conn, case.department_id)
    candidates = [
        Candidate(r.user_id, r.load, settings.skills.get(r.user_id, ()))
        for r in q.reviewers(conn, [case.department_id])
    ]
    chosen = choose(
        settings.strategy,
        candidates,
        item_code=case.item_code,
        item_category=case.item_category,
        last_user_id=settings.last_assignee_id,
    )
    if chosen is None:
        raise NoReviewerAvailable()
    if settings.version:
        conn.execute(
            update(approval_settings)
            .where(approval_settings.c.department_id == case.department_id)
            .values(last_assignee_id=chosen.user_id)
        )
    return chosen.user_id, settings.strategy


# --- use cases --------------------------------------------------------------------------------


@atomic
def claim(uow: UnitOfWork, actor: Actor, served: Collection[str], number: str) -> AssignmentRef:
    """领取: a reviewer of the centre takes a chosen queued application; of two, one wins.
    Claiming again what one already holds changes nothing."""
    scope = scope_of(uow.conn, actor.principal, served)
    case = _case(uow.conn, scope, number)
    if case.assignee_id == scope.user_id:
        row = _row(uow.conn, case.case_id)
        assert row is not None
        action = case.action or AssignmentAction.CLAIMED
        return AssignmentRef(number, scope.user_id, action, row.lock_version)
    _queued(case)
    ref = _take(uow.conn, case, scope.user_id, AssignmentAction.CLAIMED, actor)
    return ref


CLAIM_WINDOW = 50
"""Queued applications read at a time by 领取下一件 (the skill strategy orders each window)."""


@atomic
def claim_next(uow: UnitOfWork, actor: Actor, served: Collection[str]) -> AssignmentRef:
    """领取下一件: the first queued application (priority, then the oldest); under the skill
    strategy the reviewer's own skills come first within each window of the queue.

    On PostgreSQL each candidate's case row is locked ``FOR UPDATE SKIP LOCKED``: reviewers
    claiming at the same moment pass over the application another is taking instead of queueing
    behind its transaction; a lost race moves on to the next one, window after window."""
    scope = scope_of(uow.conn, actor.principal, served)
    page = PageRequest(limit=CLAIM_WINDOW)
    while True:
        window = q.queue_page(uow.conn, scope.department_ids, page)
        waiting = sorted(window.rows, key=lambda c: not _suits(uow.conn, scope.user_id, c))
        for case in waiting:
            if not _lock_unless_taken(uow, case.case_id):
                continue
            try:
                return _take(uow.conn, case, scope.user_id, AssignmentAction.CLAIMED, actor)
            except AlreadyClaimed:
                continue
        if window.next is None:
            raise QueueEmpty()
        page = PageRequest(limit=CLAIM_WINDOW, after=window.next)


def _lock_unless_taken(uow: UnitOfWork, case_id: int) -> bool:
    """PostgreSQL: lock the case row unless another transaction holds it (SKIP LOCKED)."""
    if uow.dialect != "postgresql":
        return True  # SQLite: this transaction already holds the only write lock
    locked = uow.conn.execute(
        select(cases.c.id).where(cases.c.id == case_id).with_for_update(skip_locked=True)
    ).first()
    return locked is not None


def _suits(conn: Connection, user_id: int, case: q.CentreCase) -> bool:
    settings = q.settings(conn, case.department_id)
    skills = settings.skills.get(user_id, ())
    if settings.strategy is not Strategy.SKILL or not skills:
        return True
    return any(skill_covers(s, case.item_code, case.item_category) for s in skills)


@atomic
def release(uow: UnitOfWork, actor: Actor, served: Collection[str], number: str) -> AssignmentRef:
    """退回队列: the holder (or the department's chief) puts an undecided application back."""
    scope = scope_of(uow.conn, actor.principal, served)
    case = _case(uow.conn, scope, number)
    if case.assignee_id is None:
        raise NotHolder("该申请当前没有人办理。")
    if case.assignee_id != scope.user_id and case.department_id not in scope.chief_of:
        raise NotHolder()
    if case.status not in q.OPEN_STATUSES:
        raise NotQueued("已办结的申请不能退回队列。")
    ref = _move(uow.conn, case, None, AssignmentAction.RELEASED, actor)
    return ref


@atomic
def assign(
    uow: UnitOfWork,
    actor: Actor,
    served: Collection[str],
    number: str | None = None,
    assignee_id: int | None = None,
) -> AssignmentRef:
    """分派: the chief gives an application (the next queued one unless named) to a named
    reviewer, or to the one the department's strategy picks."""
    scope = scope_of(uow.conn, actor.principal, served)
    require_chief_scope(scope)
    if number is None:
        waiting = q.queue(uow.conn, sorted(scope.chief_of), limit=1)
        if not waiting:
            raise QueueEmpty()
        case = waiting[0]
    else:
        case = _case(uow.conn, scope, number)
    scope.require_chief(case.department_id)
    _queued(case)
    ref = _assign_one(uow.conn, case, assignee_id, actor)
    return ref


def _assign_one(
    conn: Connection, case: q.CentreCase, assignee_id: int | None, actor: Actor
) -> AssignmentRef:
    strategy: Strategy | None = None
    if assignee_id is None:
        assignee_id, strategy = _pick(conn, case)
    else:
        _reviewer_of(conn, case, assignee_id, "assignee_id")
    return _take(conn, case, assignee_id, AssignmentAction.ASSIGNED, actor, strategy)


@atomic
def assign_queue(
    uow: UnitOfWork, actor: Actor, served: Collection[str], limit: int = 20
) -> list[AssignmentRef]:
    """一键分派: the chief distributes up to ``limit`` queued applications by the strategy;
    an application nobody is skilled for stays in the queue."""
    scope = scope_of(uow.conn, actor.principal, served)
    require_chief_scope(scope)
    if not 1 <= limit <= MAX_BATCH:
        raise ValidationFailed(fields={"limit": f"一次分派 1 至 {MAX_BATCH} 件"})
    waiting = q.queue(uow.conn, sorted(scope.chief_of), limit=limit)
    done: list[AssignmentRef] = []
    for case in waiting:
        try:
            done.append(_assign_one(uow.conn, case, None, actor))
        except NoReviewerAvailable:
            continue
    if waiting and not done:
        raise NoReviewerAvailable()
    return done


@atomic
def reassign(
    uow: UnitOfWork,
    actor: Actor,
    served: Collection[str],
    to_user_id: int,
    *,
    number: str | None = None,
    from_user_id: int | None = None,
) -> list[AssignmentRef]:
    """改派: the chief moves one application, or every open one a reviewer holds, to another
    reviewer of the same department."""
    scope = scope_of(uow.conn, actor.principal, served)
    require_chief_scope(scope)
    if number is not None:
        targets = [_case(uow.conn, scope, number)]
        if targets[0].assignee_id is None:
            raise NotHolder("该申请当前没有人办理，请直接分派。")
        if from_user_id is not None and targets[0].assignee_id != from_user_id:
            raise NotHolder("该申请当前不由所选人员办理。")
    elif from_user_id is not None:
        targets = q.every_held(uow.conn, sorted(scope.chief_of), from_user_id)
    else:
        raise ValidationFailed(fields={"number": "请指定要改派的申请或原办理人员"})
    if from_user_id == to_user_id:
        raise ValidationFailed(fields={"to_user_id": "改派对象与原办理人员相同"})
    moved = []
    for case in targets:
        scope.require_chief(case.department_id)
        if case.status not in q.OPEN_STATUSES:
            raise NotQueued("已办结的申请不能改派。")
        _reviewer_of(uow.conn, case, to_user_id, "to_user_id")
        if case.assignee_id == to_user_id:
            continue
        moved.append(_move(uow.conn, case, to_user_id, AssignmentAction.REASSIGNED, actor))
    return moved
