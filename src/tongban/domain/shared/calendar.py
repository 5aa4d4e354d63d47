"""The working-day calendar (工作日历) behind every government-service clock.

Time limits count working days only, never statutory holidays (《行政许可法》第八十二条：
期限以工作日计算，不含法定节假日).  A calendar knows whole years, each imported from that year's
official notice (放假安排); a date in any other year raises ``CalendarUnknown``, never a guess.
"""

from __future__ import annotations

import csv
import itertools
import json
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Any

from tongban.domain.errors import CalendarUnknown, ImportRejected

ONE_DAY = timedelta(days=1)
NAME_MAX_LENGTH = 20
_WEEKDAYS = ("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日")


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
            raise ValueError(f"{self.day} falls on a {_WEEKDAYS[self.day.weekday()]}, not {kind}")
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


# --- the official notice (放假安排) ------------------------------------------------------------

_DATE_RE = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$")
_COLUMNS = ("date", "kind", "name")
_KIND_HINT = "holiday（放假）或 makeup_workday（调休上班）"
_Row = tuple[int, dict[str, str]]


def parse_notice(text: str, *, filename: str = "") -> list[CalendarDay]:
    """Every day of the one year a notice covers: the listed holidays and 调休上班 days, the rest
    ordinary.  CSV ``date,kind,name`` (``#`` comments), or JSON if ``filename`` ends in .json.

    Any error rejects the whole file: ``ImportRejected.errors`` holds one
    ``{"row", "column", "message"}`` per problem (row is the CSV line or JSON item, 0 = file).
    """
    text = text.removeprefix("\ufeff")
    if filename.lower().endswith(".json"):
        rows, errors = _json_rows(text)
    else:
        rows, errors = _csv_rows(text)
    if not rows and not errors:
        errors.append(_error(0, "date", "文件为空：没有列出任何放假或调休上班的日期。"))
    listed = _check_rows(rows, errors)
    if errors:
        raise ImportRejected(
            errors=sorted(errors, key=lambda e: (e["row"], _COLUMNS.index(e["column"])))
        )
    year = next(iter(listed)).year
    day = date(year, 1, 1)
    days: list[CalendarDay] = []
    while day.year == year:
        kind, name = listed.get(day, (ordinary_kind(day), ""))
        days.append(CalendarDay(day, kind, name))
        day += ONE_DAY
    return days


def _error(row: int, column: str, message: str) -> dict[str, Any]:
    return {"row": row, "column": column, "message": message}


def _csv_rows(text: str) -> tuple[list[_Row], list[dict[str, Any]]]:
    rows: list[_Row] = []
    positions: dict[str, int] | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        cells = [cell.strip() for cell in next(csv.reader([line]))]
        if positions is None:
            header = [cell.lower() for cell in cells]
            missing = [column for column in ("date", "kind") if column not in header]
            if missing:
                return [], [
                    _error(number, column, f"第一行应为表头 date,kind,name，缺少 {column} 列。")
                    for column in missing
                ]
            positions = {column: header.index(column) for column in _COLUMNS if column in header}
            continue
        values = {
            column: cells[index] if index < len(cells) else ""
            for column, index in positions.items()
        }
        rows.append((number, values))
    return rows, []


def _json_rows(text: str) -> tuple[list[_Row], list[dict[str, Any]]]:
    try:
        data = json.loads(text) if text.strip() else []
    except json.JSONDecodeError as exc:
        return [], [_error(0, "date", f"JSON 格式错误（第 {exc.lineno} 行）：{exc.msg}")]
    if not isinstance(data, list):
        return [], [_error(0, "date", "JSON 文件应为一个列表，每项含 date、kind、name。")]
    rows: list[_Row] = []
    errors: list[dict[str, Any]] = []
    for number, item in enumerate(data, start=1):
        if not isinstance(item, dict):
            errors.append(_error(number, "date", "此项应为含 date、kind、name 的对象。"))
            continue
        values = {
            column: "" if item.get(column) is None else str(item[column]).strip()
            for column in _COLUMNS
        }
        rows.append((number, values))
    return rows, errors


def _parse_date(raw: str) -> date | None:
    match = _DATE_RE.match(raw)
    if match is None:
        return None
    try:
        return date(*(int(part) for part in match.groups()))
    except ValueError:
        return None


def _check_rows(rows: list[_Row], errors: list[dict[str, Any]]) -> dict[date, tuple[DayKind, str]]:
    """The valid rows by date; every problem found is appended to ``errors``."""
    checked: list[tuple[int, date, DayKind, str]] = []
    for number, values in rows:
        raw_date, raw_kind, name = values["date"], values["kind"], values.get("name", "")
        day = _parse_date(raw_date)
        if day is None:
            message = (
                f"日期“{raw_date}”无效，应为 YYYY-MM-DD 格式，如 2027-01-01。"
                if raw_date
                else "缺少日期。"
            )
            errors.append(_error(number, "date", message))
        kind = DayKind(raw_kind.lower()) if raw_kind.lower() in _NOTICE_KINDS else None
        if kind is None:
            message = (
                f"类型“{raw_kind}”无效，只能是 {_KIND_HINT}。"
                if raw_kind
                else f"缺少类型：应为 {_KIND_HINT}。"
            )
            errors.append(_error(number, "kind", message))
        if len(name) > NAME_MAX_LENGTH:
            errors.append(_error(number, "name", f"名称过长：最多 {NAME_MAX_LENGTH} 个字。"))
        elif kind is DayKind.HOLIDAY and not name:
            errors.append(_error(number, "name", "放假日须填写节日名称，如“春节”。"))
        if day is None or kind is None:
            continue
        if kind is DayKind.MAKEUP_WORKDAY and day.weekday() < 5:
            errors.append(
                _error(
                    number,
                    "date",
                    f"{day.isoformat()} 是{_WEEKDAYS[day.weekday()]}，"
                    "调休上班日只能是星期六或星期日。",
                )
            )
            continue
        checked.append((number, day, kind, name))

    years = Counter(day.year for _, day, _, _ in checked)
    year = years.most_common(1)[0][0] if years else None
    first_row: dict[date, int] = {}
    listed: dict[date, tuple[DayKind, str]] = {}
    for number, day, kind, name in checked:
        if day.year != year:
            errors.append(
                _error(
                    number,
                    "date",
                    f"日期 {day.isoformat()} 不属于 {year} 年：一个文件只能包含一年的放假安排。",
                )
            )
        elif day in first_row:
            errors.append(
                _error(number, "date", f"日期 {day.isoformat()} 与第 {first_row[day]} 行重复。")
            )
        else:
            first_row[day] = number
            listed[day] = (kind, name)
    return listed
