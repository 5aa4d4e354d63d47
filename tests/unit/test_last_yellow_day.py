"""The last yellow deadline: every deadline from today to it is yellow by ``clock_state``, the
day after is not, and a calendar that does not know the days ends the span."""

from __future__ import annotations

from datetime import date, timedelta

from tongban.adapters.calendar_source import official_days
from tongban.domain.cases.clock import clock_state, last_yellow_day
from tongban.domain.cases.status import ClockState
from tongban.domain.shared.calendar import WorkingCalendar

CALENDAR = WorkingCalendar(official_days(2026, 2026))


def test_the_span_matches_clock_state_day_by_day() -> None:
    for today in (date(2026, 11, 16), date(2026, 11, 20), date(2026, 9, 30)):
        for yellow_days in (0, 1, 3):
            last = last_yellow_day(today, CALENDAR, yellow_days)
            assert last is not None and last >= today
            day = today
            while day <= last:
                assert clock_state(day, None, today, CALENDAR, yellow_days) is ClockState.YELLOW
                day += timedelta(days=1)
            after = clock_state(day, None, today, CALENDAR, yellow_days)
            assert after is ClockState.NORMAL, (today, yellow_days, day)


def test_a_friday_with_one_yellow_day_reaches_over_the_weekend_to_monday() -> None:
    assert last_yellow_day(date(2026, 11, 20), CALENDAR, 1) == date(2026, 11, 23)


def test_days_the_calendar_does_not_know_end_the_span() -> None:
    assert last_yellow_day(date(2026, 12, 31), CALENDAR, 3) == date(2026, 12, 31)
    # a deadline of today is yellow even in a year the calendar does not know (nothing to count)
    assert last_yellow_day(date(2027, 1, 4), CALENDAR, 1) == date(2027, 1, 4)
