"""Where an inspection task stood on a day, from its first deadline and its decisions: the
figures a period shows as of its end."""

from __future__ import annotations

from datetime import date

import pytest

from tongban.domain.supervision.model import Outcome, TaskStatus
from tongban.domain.supervision.standing import TaskState, state_after

DUE = date(2026, 11, 17)
RECTIFY_BY = date(2026, 12, 1)


@pytest.mark.parametrize(
    ("decisions", "status", "due", "rectifications", "findings"),
    [
        ([], TaskStatus.PENDING, DUE, 0, False),
        ([(Outcome.CLOSURE, None)], TaskStatus.CLOSED, DUE, 0, False),
        ([(Outcome.REVOCATION, None)], TaskStatus.REVOKED, DUE, 0, True),
        ([(Outcome.RECTIFICATION, RECTIFY_BY)], TaskStatus.RECTIFYING, RECTIFY_BY, 1, True),
        (
            [(Outcome.RECTIFICATION, RECTIFY_BY), (Outcome.CLOSURE, None)],
            TaskStatus.CLOSED,
            RECTIFY_BY,
            1,
            True,
        ),
    ],
)
def test_the_decisions_taken_by_a_day_give_the_tasks_state_on_it(
    decisions: list[tuple[Outcome, date | None]],
    status: TaskStatus,
    due: date,
    rectifications: int,
    findings: bool,
) -> None:
    state = state_after(DUE, decisions)
    assert (state.status, state.due_on, state.rectifications) == (status, due, rectifications)
    assert state.with_findings is findings


@pytest.mark.parametrize(
    ("state", "day", "overdue"),
    [
        (TaskState(TaskStatus.ASSIGNED, DUE), date(2026, 11, 17), False),  # due that very day
        (TaskState(TaskStatus.ASSIGNED, DUE), date(2026, 11, 18), True),
        (TaskState(TaskStatus.PENDING, DUE), date(2026, 11, 30), True),
        (TaskState(TaskStatus.RECTIFYING, RECTIFY_BY, 1), date(2026, 11, 30), False),
        (TaskState(TaskStatus.CLOSED, DUE), date(2026, 11, 30), False),
        (TaskState(TaskStatus.REVOKED, DUE), date(2026, 11, 30), False),
    ],
)
def test_a_task_is_overdue_on_a_day_when_unfinished_and_its_deadline_passed_before_it(
    state: TaskState, day: date, overdue: bool
) -> None:
    assert state.overdue_on(day) is overdue
