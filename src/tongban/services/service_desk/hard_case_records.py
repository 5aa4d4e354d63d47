"""How an escalation (办不成事) is stored: its row as the aggregate, the compare-and-set save,
the lines of its history, and its deadline in working days.  Shared by the use cases."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from sqlalchemy import Connection, Row, insert, select, update

from tongban.adapters.db.tables_service_desk import hard_case_events, hard_cases
from tongban.domain.errors import StaleVersion
from tongban.domain.service_desk.errors import HardCaseNotFound
from tongban.domain.service_desk.hard_cases import EventKind, HardCase, HardCaseStatus, Outcome
from tongban.domain.shared.clock import china_date
from tongban.services.platform import calendar as working_days
from tongban.services.platform.context import Actor

OBJECT = "hard_case"


def person_link(number: str) -> str:
    """Where the person concerned follows the escalation and answers the follow-up."""
    return f"/my/hard-cases/{number}"


def staff_link(number: str) -> str:
    return f"/centre/hard-cases/{number}"


@dataclass(frozen=True)
class HardCaseRef:
    """The number, status and new lock version a write leaves the escalation in."""

    number: str
    status: HardCaseStatus
    version: int
    owner_id: int | None
    due_on: date


def ref_of(escalation: HardCase) -> HardCaseRef:
    return HardCaseRef(
        escalation.number,
        escalation.status,
        escalation.version,
        escalation.owner_id,
        escalation.due_on,
    )


# --- loading and saving -----------------------------------------------------------------------


def aggregate(row: Row[Any]) -> HardCase:
    return HardCase(
        number=row.number,
        status=HardCaseStatus(row.status),
        owner_id=row.owner_id,
        person_id=row.person_id,
        due_on=row.due_on,
        version=row.lock_version,
        outcome=Outcome(row.outcome) if row.outcome else None,
        resolution=row.resolution,
        feedback_solved=row.feedback_solved,
        reopened=row.reopened,
    )


def load(conn: Connection, number: str) -> Row[Any]:
    """The row, locked for the rest of the transaction on PostgreSQL."""
    text = (number or "").strip().upper()
    row = conn.execute(
        select(hard_cases).where(hard_cases.c.number == text).with_for_update()
    ).first()
    if row is None:
        raise HardCaseNotFound(number=text)
    return row


def check_version(row: Row[Any], version: int) -> None:
    if version != row.lock_version:
        raise StaleVersion(current=row.lock_version)


def save(conn: Connection, row: Row[Any], after: HardCase, actor: Actor, **extra: Any) -> HardCase:
    """UPDATE ... WHERE lock_version = <read>; when none matches, someone else got there first."""
    version = int(row.lock_version) + 1
    done = conn.execute(
        update(hard_cases)
        .where(hard_cases.c.id == row.id, hard_cases.c.lock_version == row.lock_version)
        .values(
            status=after.status.value,
            owner_id=after.owner_id,
            due_on=after.due_on,
            outcome=after.outcome.value if after.outcome else None,
            resolution=after.resolution,
            feedback_solved=after.feedback_solved,
            reopened=after.reopened,
            lock_version=version,
            updated_at=actor.at,
            **extra,
        )
    ).rowcount
    if done != 1:
        current = conn.execute(
            select(hard_cases.c.lock_version).where(hard_cases.c.id == row.id)
        ).scalar()
        raise StaleVersion(current=current)
    return replace(after, version=version)


def add_event(
    conn: Connection,
    hard_case_id: int,
    kind: EventKind,
    actor: Actor,
    body: str = "",
    detail: dict[str, Any] | None = None,
) -> None:
    conn.execute(
        insert(hard_case_events).values(
            hard_case_id=hard_case_id,
            kind=kind.value,
            actor_id=actor.user_id,
            body=body,
            detail=detail or {},
            at=actor.at,
        )
    )


def deadline_after(conn: Connection, actor: Actor, days: int) -> date:
    """``days`` working days on the official calendar from today (the day itself not counted);
    a year the calendar does not know yet is ``calendar_unknown``, never a guess."""
    due = working_days.deadline(conn, china_date(actor.at), days)
    assert due is not None  # no clock stops here
    return due
