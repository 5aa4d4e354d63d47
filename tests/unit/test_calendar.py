"""The working-day calendar: a time limit counts working days after acceptance, following the
official holiday schedules, and stands still while the clock is stopped."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import chinese_calendar
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import tongban
from tongban.adapters.calendar_source import official_days, official_years
from tongban.domain.errors import CalendarUnknown, ImportRejected
from tongban.domain.shared.calendar import (
    CalendarDay,
    ClockStop,
    DayKind,
    WorkingCalendar,
)
from tongban.domain.shared.calendar_notice import blank_template, parse_notice, read_notice

OFFICIAL = WorkingCalendar(official_days(2019, 2026))
LAST_KNOWN = date(2026, 12, 31)
UNKNOWN = "unknown"
EXAMPLE_2027 = Path(tongban.__file__).parent / "demo" / "data" / "calendar-2027-example.csv"


def d(iso: str) -> date:
    return date.fromisoformat(iso)


# --- counting working days -----------------------------------------------------------------


def test_the_spring_festival_2026_example_holds() -> None:
    # 14 Feb is a make-up working day (1); 15–23 Feb is the holiday; 24, 25, 26, 27 Feb.
    assert OFFICIAL.deadline(d("2026-02-13"), 5) == d("2026-02-27")
    assert OFFICIAL.day(d("2026-02-14")).kind is DayKind.MAKEUP_WORKDAY


def test_the_acceptance_day_does_not_count() -> None:
    monday = d("2026-03-02")
    assert OFFICIAL.deadline(monday, 1) == d("2026-03-03")
    assert OFFICIAL.deadline(monday, 5) == d("2026-03-09")


def test_an_application_accepted_on_a_holiday_counts_from_the_next_working_day() -> None:
    assert OFFICIAL.deadline(d("2026-02-15"), 1) == d("2026-02-24")


def test_a_limit_of_zero_days_is_decided_on_the_spot() -> None:
    assert OFFICIAL.deadline(d("2026-03-02"), 0) == d("2026-03-02")
    assert OFFICIAL.deadline(d("2026-10-03"), 0) == d("2026-10-03")


def test_a_negative_limit_is_a_programming_error() -> None:
    with pytest.raises(ValueError):
        OFFICIAL.deadline(d("2026-03-02"), -1)


@pytest.mark.parametrize(
    ("accepted", "limit", "due"),
    [
        ("2025-09-26", 1, "2025-09-28"),  # Sunday 28 Sep 2025 is a make-up working day
        ("2025-09-26", 3, "2025-09-30"),
        ("2025-09-30", 1, "2025-10-09"),  # 1–8 Oct is the National Day / Mid-autumn holiday
        ("2025-10-09", 2, "2025-10-11"),  # Saturday 11 Oct 2025 is a make-up working day
        ("2026-04-30", 1, "2026-05-06"),  # 1–5 May 2026 is the Labour Day holiday
        ("2026-04-30", 4, "2026-05-09"),  # Saturday 9 May 2026 is a make-up working day
        ("2026-04-30", 5, "2026-05-11"),
    ],
)
def test_deadlines_skip_holiday_blocks_and_count_make_up_days(
    accepted: str, limit: int, due: str
) -> None:
    assert OFFICIAL.deadline(d(accepted), limit) == d(due)


def test_days_used_count_working_days_after_acceptance_up_to_and_including_the_end() -> None:
    assert OFFICIAL.working_days_between(d("2026-02-13"), d("2026-02-27")) == 5
    assert OFFICIAL.working_days_between(d("2026-02-13"), d("2026-02-13")) == 0
    assert OFFICIAL.working_days_between(d("2026-02-14"), d("2026-02-23")) == 0
    with pytest.raises(ValueError):
        OFFICIAL.working_days_between(d("2026-02-13"), d("2026-02-12"))


# --- stopping the clock ----------------------------------------------------------------------


def test_a_correction_request_moves_the_deadline_by_exactly_the_working_days_stopped() -> None:
    accepted = d("2026-03-02")
    stopped_on, resumed_on = d("2026-03-04"), d("2026-03-11")
    correction = ClockStop(stopped_on, resumed_on)
    stopped_days = OFFICIAL.working_days_between(stopped_on, resumed_on)
    assert stopped_days == 5
    unpaused = OFFICIAL.deadline(accepted, 10)
    assert unpaused is not None
    assert OFFICIAL.deadline(accepted, 10, [correction]) == OFFICIAL.deadline(unpaused, 5)


def test_the_stop_day_counts_and_counting_restarts_the_day_after_the_clock_resumes() -> None:
    stop = ClockStop(stopped_on=d("2026-03-03"), resumed_on=d("2026-03-05"))
    # Tue 3 Mar counts (1); Wed 4 and Thu 5 are stopped; Fri 6 Mar counts (2).
    assert OFFICIAL.deadline(d("2026-03-02"), 2, [stop]) == d("2026-03-06")
    assert OFFICIAL.working_days_between(d("2026-03-02"), d("2026-03-06"), [stop]) == 2


def test_a_stop_resumed_the_same_day_changes_nothing() -> None:
    stop = ClockStop(stopped_on=d("2026-03-03"), resumed_on=d("2026-03-03"))
    assert OFFICIAL.deadline(d("2026-03-02"), 5, [stop]) == OFFICIAL.deadline(d("2026-03-02"), 5)


def test_while_the_clock_is_still_stopped_there_is_no_deadline_yet() -> None:
    accepted = d("2026-03-02")
    open_stop = ClockStop(stopped_on=d("2026-03-04"))
    assert OFFICIAL.deadline(accepted, 5, [open_stop]) is None
    assert OFFICIAL.working_days_between(accepted, d("2026-03-31"), [open_stop]) == 2


def test_a_stop_opened_after_the_deadline_does_not_move_it() -> None:
    late_stop = ClockStop(stopped_on=d("2026-03-10"))
    assert OFFICIAL.deadline(d("2026-03-02"), 2, [late_stop]) == d("2026-03-04")


def test_stops_may_be_given_in_any_order() -> None:
    first = ClockStop(d("2026-03-03"), d("2026-03-05"))
    second = ClockStop(d("2026-03-05"), d("2026-03-10"))
    accepted = d("2026-03-02")
    assert OFFICIAL.deadline(accepted, 3, [second, first]) == OFFICIAL.deadline(
        accepted, 3, [first, second]
    )


@pytest.mark.parametrize(
    "stops",
    [
        [ClockStop(d("2026-03-03"), d("2026-03-06")), ClockStop(d("2026-03-05"), d("2026-03-09"))],
        [ClockStop(d("2026-03-03")), ClockStop(d("2026-03-05"), d("2026-03-09"))],
        [ClockStop(d("2026-03-01"), d("2026-03-03"))],
    ],
    ids=["overlapping", "after-an-open-stop", "before-acceptance"],
)
def test_ill_formed_stops_are_programming_errors(stops: list[ClockStop]) -> None:
    with pytest.raises(ValueError):
        OFFICIAL.deadline(d("2026-03-02"), 5, stops)


def test_a_clock_cannot_resume_before_it_stops() -> None:
    with pytest.raises(ValueError):
        ClockStop(stopped_on=d("2026-03-05"), resumed_on=d("2026-03-04"))


# --- what the calendar knows -----------------------------------------------------------------


def test_a_date_in_an_unknown_year_raises_calendar_unknown_naming_the_date() -> None:
    with pytest.raises(CalendarUnknown, match="2027-03-01"):
        OFFICIAL.is_workday(d("2027-03-01"))
    with pytest.raises(CalendarUnknown, match="2027-01-01"):
        OFFICIAL.deadline(d("2026-12-28"), 10)


def test_a_calendar_refuses_an_incomplete_year() -> None:
    with pytest.raises(ValueError, match="2026"):
        WorkingCalendar(official_days(2026, 2026)[:-1])


def test_a_day_whose_kind_contradicts_the_week_is_refused() -> None:
    with pytest.raises(ValueError):
        CalendarDay(d("2026-03-02"), DayKind.REST)
    with pytest.raises(ValueError):
        CalendarDay(d("2026-03-02"), DayKind.MAKEUP_WORKDAY, "春节")


def test_the_calendar_says_how_far_ahead_it_is_known() -> None:
    assert OFFICIAL.known_from == d("2019-01-01")
    assert OFFICIAL.known_until == LAST_KNOWN
    assert OFFICIAL.days_known_ahead(d("2026-12-01")) == 30
    assert OFFICIAL.days_known_ahead(d("2018-06-01")) == 0
    empty = WorkingCalendar([])
    assert empty.known_until is None
    assert empty.days_known_ahead(d("2026-12-01")) == 0
    extended = WorkingCalendar(
        [*official_days(2026, 2026), *parse_notice(EXAMPLE_2027.read_text(encoding="utf-8"))]
    )
    assert extended.days_known_ahead(d("2026-12-01")) == 30 + 365


def test_the_official_calendar_carries_chinese_holiday_names() -> None:
    assert 2019 in official_years() and 2026 in official_years()
    assert OFFICIAL.day(d("2025-10-06")) == CalendarDay(d("2025-10-06"), DayKind.HOLIDAY, "中秋节")
    assert OFFICIAL.day(d("2025-09-28")).name == "国庆节"
    assert OFFICIAL.day(d("2026-04-05")).name == "清明节"
    assert OFFICIAL.day(d("2026-03-07")) == CalendarDay(d("2026-03-07"), DayKind.REST)


def test_the_official_source_refuses_years_it_does_not_cover() -> None:
    with pytest.raises(CalendarUnknown):
        official_days(official_years().stop, official_years().stop)


# --- properties against the real official calendar ---------------------------------------------

starts = st.dates(min_value=date(2019, 1, 1), max_value=LAST_KNOWN)
limits = st.integers(min_value=0, max_value=60)


def deadline_or_unknown(start: date, n: int, stops: list[ClockStop] | None = None) -> object:
    try:
        return OFFICIAL.deadline(start, n, stops or [])
    except CalendarUnknown:
        return UNKNOWN


@given(starts, limits)
def test_the_days_used_up_to_the_deadline_equal_the_limit(start: date, n: int) -> None:
    due = deadline_or_unknown(start, n)
    assume(isinstance(due, date))
    assert isinstance(due, date)
    assert OFFICIAL.working_days_between(start, due) == n
    if n > 0:
        assert due > start
        assert OFFICIAL.is_workday(due)


@given(starts, st.integers(min_value=0, max_value=59))
def test_a_longer_limit_never_ends_earlier(start: date, n: int) -> None:
    shorter, longer = deadline_or_unknown(start, n), deadline_or_unknown(start, n + 1)
    assume(isinstance(shorter, date) and isinstance(longer, date))
    assert isinstance(shorter, date) and isinstance(longer, date)
    assert shorter < longer


@st.composite
def stops_after(draw: st.DrawFn, start: date) -> list[ClockStop]:
    """Up to three non-overlapping stops within 150 days of acceptance, the last maybe open."""
    offsets = sorted(draw(st.lists(st.integers(0, 150), unique=True, max_size=6)))
    days = [start + timedelta(days=k) for k in offsets]
    stops = [ClockStop(a, b) for a, b in zip(days[::2], days[1::2], strict=False)]
    if len(days) % 2:
        stops.append(ClockStop(days[-1], None))
    return draw(st.permutations(stops))


def oracle_deadline(start: date, n: int, stops: list[ClockStop]) -> object:
    """Naively list every counted day (by chinesecalendar itself) and take the n-th."""
    if n == 0:
        return start
    horizon = min(LAST_KNOWN, start + timedelta(days=400))

    def paused(day: date) -> bool:
        return any(
            s.stopped_on < day and (s.resumed_on is None or day <= s.resumed_on) for s in stops
        )

    every_day = [start + timedelta(days=k) for k in range(1, (horizon - start).days + 1)]
    counted = [day for day in every_day if chinese_calendar.is_workday(day) and not paused(day)]
    if len(counted) >= n:
        return counted[n - 1]
    if any(s.resumed_on is None and s.stopped_on <= LAST_KNOWN for s in stops):
        return None
    assert horizon == LAST_KNOWN
    return UNKNOWN


@given(st.data(), starts, limits)
def test_deadlines_agree_with_a_naive_day_by_day_count(
    data: st.DataObject, start: date, n: int
) -> None:
    stops = data.draw(stops_after(start))
    due = deadline_or_unknown(start, n, stops)
    assert due == oracle_deadline(start, n, stops)
    if isinstance(due, date):
        assert OFFICIAL.working_days_between(start, due, stops) == n


# --- importing a year's notice ---------------------------------------------------------------


def test_the_example_notice_gives_every_day_of_2027() -> None:
    days = parse_notice(EXAMPLE_2027.read_text(encoding="utf-8"), filename=EXAMPLE_2027.name)
    assert len(days) == 365
    calendar = WorkingCalendar(days)
    assert calendar.day(d("2027-02-08")) == CalendarDay(d("2027-02-08"), DayKind.HOLIDAY, "春节")
    assert calendar.day(d("2027-02-20")).kind is DayKind.MAKEUP_WORKDAY
    assert calendar.day(d("2027-03-01")).kind is DayKind.WORKDAY
    assert calendar.day(d("2027-03-06")).kind is DayKind.REST
    assert calendar.deadline(d("2027-02-04"), 1) == d("2027-02-15")


def test_a_leap_year_notice_gives_366_days() -> None:
    days = parse_notice("date,kind,name\n2028-01-01,holiday,元旦\n")
    assert len(days) == 366
    assert [day.day for day in days[:2]] == [d("2028-01-01"), d("2028-01-02")]


def test_the_official_2026_schedule_survives_a_round_trip_through_a_notice() -> None:
    rows = [f"{e.day.isoformat()},{e.kind},{e.name}" for e in OFFICIAL.exceptions(2026)]
    assert parse_notice("\n".join(["date,kind,name", *rows])) == official_days(2026, 2026)


def rejected(text: str, filename: str = "") -> list[dict[str, object]]:
    with pytest.raises(ImportRejected) as caught:
        parse_notice(text, filename=filename)
    return caught.value.errors


def test_one_bad_row_among_many_is_reported_by_row_and_column_and_nothing_is_imported() -> None:
    lines = EXAMPLE_2027.read_text(encoding="utf-8").splitlines()
    row = lines.index("2027-05-03,holiday,劳动节") + 1
    lines[row - 1] = "2027-05-03,holliday,劳动节"
    errors = rejected("\n".join(lines))
    assert [(e["row"], e["column"]) for e in errors] == [(row, "kind")]
    assert "holliday" in str(errors[0]["message"])


def test_every_problem_in_a_notice_is_reported_at_once() -> None:
    text = "\n".join(
        [
            "# 2027 年放假安排",
            "date,kind,name",
            "2027-01-01,holiday,元旦",  # 3: fine
            "2027-02-30,holiday,春节",  # 4: no such date
            "2028-01-01,holiday,元旦",  # 5: another year
            "2027-01-01,holiday,元旦",  # 6: duplicate of row 3
            "2027-01-02,day-off,元旦",  # 7: unknown kind
            "2027-02-08,makeup_workday,春节",  # 8: a Monday cannot be a make-up day
            "2027-02-09,holiday,",  # 9: a holiday needs its name
            "",
        ]
    )
    errors = rejected(text)
    assert [(e["row"], e["column"]) for e in errors] == [
        (4, "date"),
        (5, "date"),
        (6, "date"),
        (7, "kind"),
        (8, "date"),
        (9, "name"),
    ]
    assert all(isinstance(e["message"], str) and e["message"] for e in errors)
    assert "第 3 行" in str(errors[2]["message"])


@pytest.mark.parametrize(
    "text", ["", "# 只有注释\n\n", "date,kind,name\n"], ids=["blank", "comments", "header-only"]
)
def test_a_notice_without_dates_is_rejected_as_empty(text: str) -> None:
    assert [(e["row"], e["column"]) for e in rejected(text)] == [(0, "date")]


def test_a_notice_without_its_header_is_rejected() -> None:
    errors = rejected("2027-01-01,holiday,元旦\n")
    assert [(e["row"], e["column"]) for e in errors] == [(1, "date"), (1, "kind")]


def test_a_notice_may_be_json() -> None:
    csv_days = parse_notice(EXAMPLE_2027.read_text(encoding="utf-8"))
    items = [
        {"date": e.day.isoformat(), "kind": str(e.kind), "name": e.name}
        for e in WorkingCalendar(csv_days).exceptions(2027)
    ]
    text = json.dumps(items, ensure_ascii=False)
    assert parse_notice(text, filename="2027.json") == csv_days


def test_a_bad_json_notice_names_the_item_at_fault() -> None:
    assert rejected("[{", filename="notice.JSON")[0]["row"] == 0
    items = [{"date": "2027-01-01", "kind": "holiday", "name": "元旦"}, "2027-01-02"]
    errors = rejected(json.dumps(items), filename="notice.json")
    assert [(e["row"], e["column"]) for e in errors] == [(2, "date")]


# --- the blank template and the @ lines ---------------------------------------------------------


def test_the_blank_template_reads_back_as_its_year_once_days_are_added() -> None:
    blank = blank_template(2027)
    with pytest.raises(ImportRejected) as caught:
        read_notice(blank)
    assert [e["code"] for e in caught.value.errors] == ["file_empty"]

    filled = blank.replace("# @notice: ", "# @notice: 国办发明电〔2026〕1号").replace(
        "# @published: ", "# @published: 2026-11-20"
    )
    notice = read_notice(filled + "2026-12-27,makeup_workday,元旦\n2027-01-01,holiday,元旦\n")
    assert (notice.year, notice.example, notice.reference, notice.published) == (
        2027,
        False,
        "国办发明电〔2026〕1号",
        date(2026, 11, 20),
    )
    assert [d.day for d in notice.carried] == [date(2026, 12, 27)]
    assert len(notice.days) == 365 and notice.days[0].kind is DayKind.HOLIDAY


def test_the_shipped_example_says_it_is_an_example() -> None:
    assert read_notice(EXAMPLE_2027.read_text(encoding="utf-8")).example


@pytest.mark.parametrize(
    ("lines", "code"),
    [
        ("# @year: 二〇二七\n", "year_invalid"),
        ("# @example: maybe\n", "example_invalid"),
        ("# @exmaple: yes\n", "directive_unknown"),
        ("# @year: 2027\n# @year: 2027\n", "directive_twice"),
        ("# @published: 11月20日\n", "date_malformed"),
        ("# @year: 2028\n", "year_mismatch"),
    ],
)
def test_a_bad_at_line_is_reported_with_its_code(lines: str, code: str) -> None:
    with pytest.raises(ImportRejected) as caught:
        read_notice(lines + "date,kind,name\n2027-01-01,holiday,元旦\n")
    assert [e["code"] for e in caught.value.errors] == [code]


def test_a_previous_december_holiday_does_not_belong_to_next_years_notice() -> None:
    with pytest.raises(ImportRejected) as caught:
        read_notice("# @year: 2027\ndate,kind,name\n2026-12-31,holiday,元旦\n")
    assert [e["code"] for e in caught.value.errors] == ["year_mismatch"]
