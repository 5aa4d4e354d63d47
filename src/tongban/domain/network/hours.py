"""Opening hours of a centre (办公时间): a weekly schedule with its lunch break, read against the
official calendar — closed on statutory holidays, open with working-day hours on a 调休 weekend.

The schedule is written the way a centre's notice board says it, and stored as that text:
``周一至周五 09:00-12:00, 13:30-17:30; 周六 09:00-12:00``.  Each ``;``-separated part names days
(``周一至周五``, ``周六``, ``周一、周三``, ``每天``) and their periods; the gap between two periods
is the lunch break.  ``parse_hours`` refuses anything else with a message that says why.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from itertools import pairwise

from tongban.domain.errors import ValidationFailed
from tongban.domain.shared.calendar import DayKind, WorkingCalendar
from tongban.domain.shared.clock import CHINA_TZ

_DAY_NAMES = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6}
_PERIOD = re.compile(r"^(\d{1,2}):(\d{2})\s*[-–—~至]\s*(\d{1,2}):(\d{2})$")
_RANGE = re.compile(r"^周([一二三四五六日天])\s*[至到-]\s*周([一二三四五六日天])$")
_ONE = re.compile(r"^周([一二三四五六日天])$")
WORKING_WEEKDAY = 0
"""A 调休 working weekend day keeps the hours of an ordinary working day (Monday's)."""


@dataclass(frozen=True, slots=True)
class Period:
    """One stretch of opening within a day, e.g. 09:00–12:00."""

    start: time
    end: time

    def __str__(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"

    def contains(self, moment: time) -> bool:
        return self.start <= moment < self.end


@dataclass(frozen=True)
class WeeklyHours:
    """Periods by weekday (0 = Monday); a day without periods is closed."""

    days: tuple[tuple[Period, ...], ...]

    def on_weekday(self, weekday: int) -> tuple[Period, ...]:
        return self.days[weekday]

    def periods_on(self, day: date, calendar: WorkingCalendar) -> tuple[Period, ...]:
        """The periods the centre is open on ``day``: none on a statutory holiday, the working
        day's on a 调休 working weekend day, else the weekday's own (a Saturday morning is
        open on an ordinary Saturday).  ``CalendarUnknown`` if the year is not known."""
        kind = calendar.day(day).kind
        if kind is DayKind.HOLIDAY:
            return ()
        if kind is DayKind.MAKEUP_WORKDAY:
            return self.days[WORKING_WEEKDAY]
        return self.days[day.weekday()]

    def is_open(self, at: datetime, calendar: WorkingCalendar) -> bool:
        """Whether the centre is open at the instant ``at`` (Beijing time)."""
        local = at.astimezone(CHINA_TZ)
        return any(p.contains(local.time()) for p in self.periods_on(local.date(), calendar))

    def closes_at(self, at: datetime, calendar: WorkingCalendar) -> datetime | None:
        """When the period open at ``at`` ends (lunch or evening); None if closed at ``at``."""
        local = at.astimezone(CHINA_TZ)
        for period in self.periods_on(local.date(), calendar):
            if period.contains(local.time()):
                return datetime.combine(local.date(), period.end, tzinfo=CHINA_TZ)
        return None

    def next_opening(
        self, at: datetime, calendar: WorkingCalendar, *, within_days: int = 14
    ) -> datetime | None:
        """The next instant at or after ``at`` when the centre opens (``at`` itself if open);
        None if not within ``within_days`` or past the calendar's known years."""
        local = at.astimezone(CHINA_TZ)
        for offset in range(within_days + 1):
            day = local.date() + timedelta(days=offset)
            if not calendar.knows(day):
                return None
            for period in self.periods_on(day, calendar):
                start = datetime.combine(day, period.start, tzinfo=CHINA_TZ)
                end = datetime.combine(day, period.end, tzinfo=CHINA_TZ)
                if end > local:
                    return max(start, local)
        return None

    def __str__(self) -> str:
        return format_hours(self)


def _period(text: str) -> Period:
    match = _PERIOD.match(text.strip())
    if match is None:
        raise ValueError(f"时段“{text.strip()}”应写作 09:00-12:00")
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    if h1 > 23 or h2 > 24 or m1 > 59 or m2 > 59:
        raise ValueError(f"时段“{text.strip()}”的时间不存在")
    start, end = time(h1, m1), time(23, 59) if h2 == 24 else time(h2, m2)
    if end <= start:
        raise ValueError(f"时段“{text.strip()}”的结束时间应晚于开始时间")
    return Period(start, end)


def _days(text: str) -> list[int]:
    text = text.strip()
    if text in ("每天", "每日", "周一至周日"):
        return list(range(7))
    found: list[int] = []
    for part in re.split(r"[、,，]", text):
        part = part.strip()
        ranged, one = _RANGE.match(part), _ONE.match(part)
        if ranged:
            first, last = _DAY_NAMES[ranged.group(1)], _DAY_NAMES[ranged.group(2)]
            if last < first:
                raise ValueError(f"“{part}”的起止顺序有误")
            found.extend(range(first, last + 1))
        elif one:
            found.append(_DAY_NAMES[one.group(1)])
        else:
            raise ValueError(f"“{part}”应写作 周一至周五、周六 或 每天")
    return found


def parse_hours(text: str, *, field: str = "opening_hours") -> WeeklyHours:
    """The weekly schedule a notice-board text describes; ``ValidationFailed`` says what is
    wrong (under ``field``).  Periods of a day must not overlap; a day named twice is refused."""
    days: list[list[Period]] = [[] for _ in range(7)]
    named: set[int] = set()
    try:
        parts = [p for p in re.split(r"[;；\n]", text or "") if p.strip()]
        if not parts:
            raise ValueError("请填写办公时间，如：周一至周五 09:00-12:00, 13:30-17:30")
        for part in parts:
            match = re.match(r"^\s*(\S+?)\s+(.+)$", part.strip())
            if match is None:
                raise ValueError(f"“{part.strip()}”应写作 周一至周五 09:00-12:00, 13:30-17:30")
            weekdays = _days(match.group(1))
            periods = sorted(
                (_period(p) for p in re.split(r"[,，]", match.group(2)) if p.strip()),
                key=lambda p: p.start,
            )
            for before, after in pairwise(periods):
                if after.start < before.end:
                    raise ValueError(f"{before} 与 {after} 重叠")
            for weekday in weekdays:
                if weekday in named:
                    raise ValueError("同一天出现了两次")
                named.add(weekday)
                days[weekday] = list(periods)
    except ValueError as error:
        raise ValidationFailed(fields={field: str(error)}) from None
    return WeeklyHours(tuple(tuple(d) for d in days))


_WEEKDAY_NAMES = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")


def format_hours(hours: WeeklyHours) -> str:
    """The schedule written back as a notice board says it (consecutive equal days joined)."""
    parts: list[str] = []
    weekday = 0
    while weekday < 7:
        periods = hours.days[weekday]
        last = weekday
        while last + 1 < 7 and hours.days[last + 1] == periods:
            last += 1
        if periods:
            names = _WEEKDAY_NAMES[weekday]
            if last > weekday:
                names += "至" + _WEEKDAY_NAMES[last]
            parts.append(f"{names} {', '.join(str(p) for p in periods)}")
        weekday = last + 1
    return "; ".join(parts) if parts else "暂停对外办公"
