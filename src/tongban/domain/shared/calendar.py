"""The working-day calendar (工作日历) behind every government-service clock.

Time limits count working days only, never statutory holidays (《行政许可法》第八十二条：
期限以工作日计算，不含法定节假日).  A calendar knows whole years, each imported from that year's
official notice (放假安排); a date in any other year raises ``CalendarUnknown``, never a guess.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from tongban.domain.errors import CalendarUnknown

ONE_DAY = timedelta(days=1)
NAME_MAX_LENGTH = 20
WEEKDAYS = ("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日")


class DayKind(StrEnum):
    """An ordinary weekday or weekend day, a statutory holiday, or a 调休 working weekend day."""

    WORKDAY = "workday"
    REST = "rest"
    HOLIDAY = "holiday"
    MAKEUP_WORKDAY = "makeup_workday"

    @property
    def is_working(self) -> bool:
        """Whether the clock counts this day: ordinary weekdays and 调休上班 days only."""
        return self in (DayKind.WORKDAY, DayKind.MAKEUP_WORKDAY)

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {
    DayKind.WORKDAY: "工作日",
    DayKind.REST: "休息日",
    DayKind.HOLIDAY: "法定节假日",
    DayKind.MAKEUP_WORKDAY: "调休上班",
}


def ordinary_kind(day: date) -> DayKind:
    """The kind of a day no notice mentions: workday Monday–Friday, rest Saturday–Sunday."""
    return DayKind.REST if day.weekday() >= 5 else DayKind.WORKDAY


@dataclass(frozen=True, slots=True)
class CalendarDay:
    """One day of the calendar; a holiday may fall on any day, the other kinds follow the week."""

    day: date
    kind: DayKind
    name: str = ""

    def __post_init__(self) -> None:
        kind = DayKind(self.kind)
        object.__setattr__(self, "kind", kind)
        weekend = self.day.weekday() >= 5
        if (kind is DayKind.WORKDAY and weekend) or (kind is DayKind.REST and not weekend):
            raise ValueError(f"{self.day} falls on a {WEEKDAYS[self.day.weekday()]}, not {kind}")
        if kind is DayKind.MAKEUP_WORKDAY and not weekend:
            raise ValueError(f"a make-up working day must be a weekend day, not {self.day}")


@dataclass(frozen=True, slots=True)
class ClockStop:
    """A pause of the clock (补正、专家评审…): working days d with stopped_on < d <= resumed_on
    do not count; ``resumed_on=None`` means the clock is still stopped."""

    stopped_on: date
    resumed_on: date | None = None

    def __post_init__(self) -> None:
        if self.resumed_on is not None and self.resumed_on < self.stopped_on:
            raise ValueError(
                f"clock resumed on {self.resumed_on} before it stopped on {self.stopped_on}"
            )

    @property
    def is_open(self) -> bool:
        return self.resumed_on is None

    def covers(self, day: date) -> bool:
        """Whether ``day`` falls inside the pause (after the stop day, up to the resume day)."""
        return self.stopped_on < day and (self.resumed_on is None or day <= self.resumed_on)


class WorkingCalendar:
    """Which days are working days, for whole years only; other dates raise ``CalendarUnknown``."""

    def __init__(self, days: Iterable[CalendarDay]) -> None:
        by_day: dict[date, CalendarDay] = {}
        for entry in days:
            if entry.day in by_day:
                raise ValueError(f"{entry.day} is given twice")
            by_day[entry.day] = entry
        per_year = Counter(day.year for day in by_day)
        partial = sorted(year for year, count in per_year.items() if count != _year_length(year))
        if partial:
            raise ValueError(f"incomplete years (every day must be given): {partial}")
        self._days = by_day
        self._years = tuple(sorted(per_year))

    def __repr__(self) -> str:
        return f"WorkingCalendar(years={list(self._years)})"

    @property
    def years(self) -> tuple[int, ...]:
        """The known years, ascending (not necessarily consecutive)."""
        return self._years

    @property
    def known_from(self) -> date | None:
        """The first known date (1 January of the first known year), None if nothing is known."""
        return date(self._years[0], 1, 1) if self._years else None

    @property
    def known_until(self) -> date | None:
        """The last known date (31 December of the last known year), None if nothing is known."""
        return date(self._years[-1], 12, 31) if self._years else None

    def knows(self, day: date) -> bool:
        return day.year in self._years

    def day(self, day: date) -> CalendarDay:
        """The calendar entry of ``day``; raises ``CalendarUnknown`` if its year is not known."""
        try:
            return self._days[day]
        except KeyError:
            raise CalendarUnknown(day=day.isoformat()) from None

    def is_workday(self, day: date) -> bool:
        """Whether the clock counts ``day``; raises ``CalendarUnknown`` if its year is not known."""
        return self.day(day).kind.is_working

    def exceptions(self, year: int) -> list[CalendarDay]:
        """The holidays and make-up working days of ``year``: what its notice lists."""
        return [
            entry
            for day, entry in sorted(self._days.items())
            if day.year == year and entry.kind in _NOTICE_KINDS
        ]

    def days_known_ahead(self, today: date) -> int:
        """How many days after ``today`` are known without a gap (0 if today itself is unknown)."""
        if not self.knows(today):
            return 0
        last_year = today.year
        while last_year + 1 in self._years:
            last_year += 1
        return (date(last_year, 12, 31) - today).days

    def deadline(self, start: date, n: int, stops: Sequence[ClockStop] = ()) -> date | None:
        """The n-th counted working day after ``start`` (the acceptance day itself never counts);
        ``start`` when n == 0 (即办).  None while an open stop keeps the clock from reaching it."""
        if n < 0:
            raise ValueError(f"a time limit cannot be negative: {n}")
        ordered = _checked_stops(start, stops)
        if n == 0:
            return start
        counted = 0
        day = start
        while True:
            day += ONE_DAY
            stop = _covering(ordered, day)
            if stop is not None:
                if stop.resumed_on is None:
                    return None
                day = stop.resumed_on
                continue
            if self.is_workday(day):
                counted += 1
                if counted == n:
                    return day

    def working_days_between(self, start: date, end: date, stops: Sequence[ClockStop] = ()) -> int:
        """The counted working days d with start < d <= end (days used so far); the inverse of
        ``deadline``: ``working_days_between(s, deadline(s, n)) == n``."""
        if end < start:
            raise ValueError(f"end {end} is before start {start}")
        ordered = _checked_stops(start, stops)
        counted = 0
        day = start
        while day < end:
            day += ONE_DAY
            stop = _covering(ordered, day)
            if stop is not None:
                if stop.resumed_on is None:
                    break
                day = min(stop.resumed_on, end)
                continue
            if self.is_workday(day):
                counted += 1
        return counted


_NOTICE_KINDS = (DayKind.HOLIDAY, DayKind.MAKEUP_WORKDAY)


def _year_length(year: int) -> int:
    return (date(year + 1, 1, 1) - date(year, 1, 1)).days


def _checked_stops(start: date, stops: Sequence[ClockStop]) -> tuple[ClockStop, ...]:
    """The stops in time order; raises ValueError if one starts before ``start`` or two overlap."""
    ordered = tuple(sorted(stops, key=lambda stop: stop.stopped_on))
    for stop in ordered:
        if stop.stopped_on < start:
            raise ValueError(f"clock stopped on {stop.stopped_on}, before it started on {start}")
    for earlier, later in itertools.pairwise(ordered):
        if earlier.resumed_on is None:
            raise ValueError(
                f"clock stopped on {later.stopped_on} while still stopped since "
                f"{earlier.stopped_on}"
            )
        if later.stopped_on < earlier.resumed_on:
            raise ValueError(f"stops overlap: {earlier} and {later}")
    return ordered


def _covering(stops: tuple[ClockStop, ...], day: date) -> ClockStop | None:
    return next((stop for stop in stops if stop.covers(day)), None)
