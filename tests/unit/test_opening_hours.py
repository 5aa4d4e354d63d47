"""Opening hours read against the official calendar: lunch breaks, Saturday mornings, statutory
holidays closed, 调休 weekend days open with working-day hours, and bad notice-board text."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from tongban.domain.errors import ValidationFailed
from tongban.domain.network.hours import format_hours, parse_hours
from tongban.domain.shared.calendar import CalendarDay, DayKind, WorkingCalendar
from tongban.domain.shared.clock import CHINA_TZ

TOWN = "周一至周五 09:00-12:00, 13:30-17:30; 周六 09:00-12:00"


def calendar_2026() -> WorkingCalendar:
    """2026 with 国庆 1–8 Oct and 调休上班 on Sunday 27 Sep and Saturday 10 Oct."""
    days = []
    day = date(2026, 1, 1)
    holidays = {date(2026, 10, d) for d in range(1, 9)}
    makeup = {date(2026, 9, 27), date(2026, 10, 10)}
    while day.year == 2026:
        if day in holidays:
            days.append(CalendarDay(day, DayKind.HOLIDAY, "国庆节"))
        elif day in makeup:
            days.append(CalendarDay(day, DayKind.MAKEUP_WORKDAY, "国庆节调休"))
        else:
            kind = DayKind.REST if day.weekday() >= 5 else DayKind.WORKDAY
            days.append(CalendarDay(day, kind))
        day = date.fromordinal(day.toordinal() + 1)
    return WorkingCalendar(days)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=CHINA_TZ)


def test_a_town_centre_closes_for_lunch_and_opens_on_saturday_mornings() -> None:
    hours, cal = parse_hours(TOWN), calendar_2026()
    assert hours.is_open(at("2026-11-16 09:00"), cal)  # Monday
    assert not hours.is_open(at("2026-11-16 12:30"), cal)  # lunch
    assert hours.is_open(at("2026-11-16 13:30"), cal)
    assert not hours.is_open(at("2026-11-16 17:30"), cal)  # closing time is closed
    assert hours.is_open(at("2026-11-21 11:59"), cal)  # Saturday morning
    assert not hours.is_open(at("2026-11-22 10:00"), cal)  # Sunday


def test_holidays_close_and_makeup_weekend_days_open_with_working_day_hours() -> None:
    hours, cal = parse_hours(TOWN), calendar_2026()
    assert not hours.is_open(at("2026-10-05 10:00"), cal)  # 国庆, a Monday
    assert hours.is_open(at("2026-09-27 15:00"), cal)  # 调休 Sunday: afternoon too
    assert hours.is_open(at("2026-10-10 15:00"), cal)  # 调休 Saturday: not only the morning
    assert hours.next_opening(at("2026-09-30 18:00"), cal) == at("2026-10-09 09:00")
    assert hours.next_opening(at("2026-11-16 12:10"), cal) == at("2026-11-16 13:30")
    assert hours.next_opening(at("2026-12-31 18:00"), cal) is None  # 2027 not known


def test_notice_board_text_round_trips_and_bad_text_says_why() -> None:
    assert format_hours(parse_hours(TOWN)) == TOWN
    assert format_hours(parse_hours("每天 08:30-20:00")) == "周一至周日 08:30-20:00"
    for bad, why in [
        ("周一至周五 9点到12点", "09:00-12:00"),
        ("周一至周五 12:00-09:00", "晚于"),
        ("周一至周五 09:00-12:00, 11:00-14:00", "重叠"),
        ("周一至周五 09:00-12:00; 周五 14:00-17:00", "两次"),
        ("", "请填写"),
    ]:
        with pytest.raises(ValidationFailed) as refused:
            parse_hours(bad)
        assert why in refused.value.fields["opening_hours"], bad
