"""The official holiday schedules (国务院办公厅放假安排) as shipped by ``chinesecalendar``.

Used to seed the working-day calendar; later years are imported from their notices with
``tongban.domain.shared.calendar.parse_notice``.
"""

from __future__ import annotations

from datetime import date

import chinese_calendar

from tongban.domain.errors import CalendarUnknown
from tongban.domain.shared.calendar import ONE_DAY, CalendarDay, DayKind, ordinary_kind

# chinesecalendar names holidays in English; a 调休上班 day carries the holiday it serves.
HOLIDAY_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "National Day、Mid-autumn Festival": "国庆节、中秋节",
    "Mid-autumn Festival、National Day": "国庆节、中秋节",
    "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
}


def official_years() -> range:
    """The years whose whole schedule the installed package knows (it refuses any other)."""
    years = {day.year for day in chinese_calendar.holidays}
    return range(min(years), max(years) + 1)


def official_days(first_year: int, last_year: int) -> list[CalendarDay]:
    """Every day from 1 January ``first_year`` to 31 December ``last_year`` with its kind and
    holiday name; raises ``CalendarUnknown`` for a year the package does not cover."""
    if first_year > last_year:
        raise ValueError(f"first year {first_year} is after last year {last_year}")
    covered = official_years()
    for year in (first_year, last_year):
        if year not in covered:
            raise CalendarUnknown(day=date(year, 1, 1).isoformat())
    days: list[CalendarDay] = []
    day = date(first_year, 1, 1)
    while day.year <= last_year:
        days.append(_official_day(day))
        day += ONE_DAY
    return days


def _official_day(day: date) -> CalendarDay:
    on_holiday, english = chinese_calendar.get_holiday_detail(day)
    if english is None:
        return CalendarDay(day, ordinary_kind(day))
    name = _chinese_name(english)
    if on_holiday:
        return CalendarDay(day, DayKind.HOLIDAY, name)
    return CalendarDay(day, DayKind.MAKEUP_WORKDAY, name)


def _chinese_name(english: str) -> str:
    if english in HOLIDAY_NAMES:
        return HOLIDAY_NAMES[english]
    try:
        return str(chinese_calendar.Holiday(english).chinese)
    except ValueError:
        return english


class ChineseCalendarSource:
    """``OfficialSchedules`` from the ``chinesecalendar`` package."""

    def official_years(self) -> range:
        return official_years()

    def official_days(self, first_year: int, last_year: int) -> list[CalendarDay]:
        return official_days(first_year, last_year)
