"""The case clock (办理时限): working days from acceptance, minus stopped time, and alerts.

Counting itself lives in ``WorkingCalendar``; this module only decides which span to count.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from tongban.domain.cases.status import ClockState
from tongban.domain.errors import DomainError
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


def last_yellow_day(
    today: date, calendar: WorkingCalendar, yellow_days: int, horizon: int = 370
) -> date | None:
    """The last deadline that is yellow on ``today`` (at most ``yellow_days`` working days
    left): every undecided case due from ``today`` to this day is yellow, one due before
    ``today`` is red, so a database can count both with two date comparisons.  A day the
    calendar does not know ends the span (``clock_state`` cannot colour it either); ``None``
    only when ``horizon`` is 0."""
    found: date | None = None
    day = today
    for _ in range(horizon):
        try:
            if calendar.working_days_between(today, day) > yellow_days:
                break
        except DomainError:
            break
        found = day
        day += timedelta(days=1)
    return found
