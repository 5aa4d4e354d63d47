"""The case clock (办理时限): working days from acceptance, minus stopped time, and alerts.

Counting itself lives in ``WorkingCalendar``; this module only decides which span to count.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from tongban.domain.cases.status import ClockState
from tongban.domain.shared.calendar import ClockStop, WorkingCalendar


def used_days(
    accepted_on: date | None,
    decided_on: date | None,
    stops: Sequence[ClockStop],
    today: date,
    calendar: WorkingCalendar,
) -> int:
    """Working days counted after acceptance up to today (or the decision), never stopped ones."""
    if accepted_on is None:
        return 0
    end = min(today, decided_on) if decided_on is not None else today
    if end <= accepted_on:
        return 0
    return calendar.working_days_between(accepted_on, end, stops)


def clock_state(
    deadline: date | None,
    decided_on: date | None,
    today: date,
    calendar: WorkingCalendar,
    yellow_days: int,
) -> ClockState:
    """Red once the deadline has passed (or the decision came late); yellow when at most
    ``yellow_days`` working days remain; normal otherwise, and while the clock is stopped."""
    if deadline is None:
        return ClockState.NORMAL
    if decided_on is not None:
        return ClockState.RED if decided_on > deadline else ClockState.NORMAL
    if today > deadline:
        return ClockState.RED
    remaining = calendar.working_days_between(today, deadline)
    return ClockState.YELLOW if remaining <= yellow_days else ClockState.NORMAL
