"""Where an inspection task stood on a given day, from its first deadline and the decisions
taken by then: the leaders' figures for a period count the tasks as they stood at its end, so
a period's figures do not change when they are read later.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from tongban.domain.supervision.model import Outcome, TaskStatus


@dataclass(frozen=True)
class TaskState:
    """A task's state on a day: finished (closed or revoked) or not, its deadline then, and
    how many rectifications had been ordered."""

    status: TaskStatus
    due_on: date
    rectifications: int = 0

    @property
    def open(self) -> bool:
        return not self.status.finished

    @property
    def with_findings(self) -> bool:
        """An inspection found a problem: a rectification ordered or the licence revoked."""
        return self.rectifications > 0 or self.status is TaskStatus.REVOKED

    def overdue_on(self, day: date) -> bool:
        """Not finished, and its deadline passed before ``day`` (as ``alert_overdue`` counts
        it on the day it runs)."""
        return self.open and self.due_on < day


def state_after(
    first_due_on: date, conclusions: Iterable[tuple[Outcome, date | None]]
) -> TaskState:
    """The state after the decisions taken in order (each with its rectification deadline):
    closure and revocation finish the task; a rectification order moves the deadline to the
    re-inspection.  Without a decision the task is waiting for the draw or the inspector."""
    state = TaskState(TaskStatus.PENDING, first_due_on)
    for outcome, rectify_by in conclusions:
        if outcome is Outcome.CLOSURE:
            state = TaskState(TaskStatus.CLOSED, state.due_on, state.rectifications)
        elif outcome is Outcome.REVOCATION:
            state = TaskState(TaskStatus.REVOKED, state.due_on, state.rectifications)
        else:
            due = rectify_by or state.due_on
            state = TaskState(TaskStatus.RECTIFYING, due, state.rectifications + 1)
    return state
