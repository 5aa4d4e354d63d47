"""Keeping the calendar going from year to year: importing next year's notice (previous-December
make-up days, example files refused, bad files rejected with stable codes, nothing changed), the
demo's example year, the banners every page shows, and the acceptance error in words a clerk
can act on."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from tests.calendar_fixtures import EXAMPLE_2027, notice_2027
from tests.clock import SYSTEM
from tests.factories import make_staff, sign_in
from tests.integration.test_cases import World, at_window, build_world, step
from tongban.adapters.db.tables import audit_log, calendar_days, calendar_years
from tongban.bootstrap import Container
from tongban.demo.loader import demo_calendar
from tongban.domain.errors import CalendarUnknown, ImportRejected
from tongban.domain.people.model import Role
from tongban.domain.shared.calendar import CalendarDay, DayKind
from tongban.domain.shared.clock import CHINA_TZ, FixedClock
from tongban.services.cases import lifecycle as svc
from tongban.services.platform import calendar as cal
from tongban.services.platform import calendar_import as notices
from tongban.services.platform.context import Actor

HEADER = "# @year: 2027\ndate,kind,name\n"


def on(day: date) -> datetime:
    return datetime.combine(day, time(10), tzinfo=CHINA_TZ)


@pytest.fixture
def seeded(container: Container) -> Container:
    with container.uow() as uow:
        cal.seed_official(uow, SYSTEM, 2025, 2026, source=container.official_schedules)
    return container


def import_text(container: Container, text: str, *, example: bool = False) -> notices.ImportSummary:
    with container.uow() as uow:
        return notices.import_notice(uow, SYSTEM, text, "calendar-2027.csv", allow_example=example)


def stored(container: Container) -> tuple[object, ...]:
    """Everything an import could change: the days, the year records and the audit trail."""
    with container.read() as uow:
        conn = uow.conn
        days = conn.execute(
            select(calendar_days.c.day, calendar_days.c.kind, calendar_days.c.name).order_by(
                calendar_days.c.day
            )
        ).all()
        years = conn.execute(select(calendar_years)).all()
        audits = conn.execute(select(func.count()).select_from(audit_log)).scalar()
    return tuple(days), tuple(years), audits


def status(container: Container, today: str) -> cal.CalendarStatus:
    with container.read() as uow:
        return cal.calendar_status(uow.conn, date.fromisoformat(today), 60)


# --- previous December ---------------------------------------------------------------------


def test_a_make_up_day_in_the_previous_december_belongs_to_next_years_notice(
    seeded: Container,
) -> None:
    # 27 December 2026 is a Sunday the (imagined) 2027 notice makes a working day.
    assert status(seeded, "2026-12-21").known_until == date(2026, 12, 31)
    with seeded.read() as uow:
        assert not cal.load_calendar(uow.conn).is_workday(date(2026, 12, 27))
    text = HEADER + "2026-12-27,makeup_workday,元旦\n2027-01-01,holiday,元旦\n"

    summary = import_text(seeded, text)

    assert (summary.year, summary.carried, summary.makeup_workdays) == (
        2027,
        (date(2026, 12, 27),),
        1,
    )
    with seeded.read() as uow:
        calendar = cal.load_calendar(uow.conn)
    assert calendar.day(date(2026, 12, 27)) == CalendarDay(
        date(2026, 12, 27), DayKind.MAKEUP_WORKDAY, "元旦"
    )
    # Friday 25th, then Sunday 27th counts, then Monday 28th.
    assert calendar.deadline(date(2026, 12, 25), 1) == date(2026, 12, 27)


def test_a_previous_december_day_needs_that_year_and_cannot_overrule_a_holiday(
    container: Container,
) -> None:
    with container.uow() as uow:
        cal.seed_official(uow, SYSTEM, 2026, 2026, source=container.official_schedules)
    unknown_year = "# @year: 2026\ndate,kind,name\n2025-12-28,makeup_workday,元旦\n"
    with pytest.raises(ImportRejected) as caught, container.uow() as uow:
        notices.import_notice(uow, SYSTEM, unknown_year, "2026.csv")
    assert [e["code"] for e in caught.value.errors] == ["carried_year_unknown"]

    holiday = HEADER + "2026-10-03,makeup_workday,国庆节\n"  # not December: another year
    with pytest.raises(ImportRejected) as caught:
        import_text(container, holiday)
    assert [e["code"] for e in caught.value.errors] == ["year_mismatch"]


# --- example files -----------------------------------------------------------------------------


def test_the_shipped_example_is_refused_unless_asked_and_then_flagged(seeded: Container) -> None:
    before = stored(seeded)
    with pytest.raises(ImportRejected) as caught:
        import_text(seeded, EXAMPLE_2027.read_text(encoding="utf-8"))
    assert [e["code"] for e in caught.value.errors] == ["example_refused"]
    assert "示例文件" in caught.value.errors[0]["message"]
    assert stored(seeded) == before

    summary = import_text(seeded, EXAMPLE_2027.read_text(encoding="utf-8"), example=True)

    assert summary.example
    after = status(seeded, "2026-12-06")
    assert after.example_years == (2027,)
    assert after.known_until == date(2027, 12, 31)
    # Deadlines may use the example year, but it does not count as known officially.
    assert (after.warn, after.official_days_ahead, after.official_until) == (
        True,
        25,
        date(2026, 12, 31),
    )

    import_text(seeded, notice_2027())  # the real notice arrives: the flag goes
    assert status(seeded, "2026-12-06").example_years == ()
    with seeded.read() as uow:
        row = uow.conn.execute(select(calendar_years)).one()
    assert (row.year, row.example, row.reference) == (2027, False, "国办发明电〔2026〕1号")


# --- bad files ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rows", "code", "words"),
    [
        ("2027-01-04,makeup_workday,元旦\n", "makeup_not_weekend", "只能是星期六或星期日"),
        ("2027-01-01,holiday,元旦\n2027-01-01,holiday,元旦\n", "date_twice", "重复"),
        (
            "2027-02-20,makeup_workday,春节\n2027-02-20,holiday,春节\n",
            "holiday_on_makeup_day",
            "既放假又调休上班",
        ),
        ("2028-01-01,holiday,元旦\n", "year_mismatch", "不属于 2027 年"),
        ("2027/13/01,holiday,元旦\n", "date_malformed", "应为 YYYY-MM-DD"),
        ("1 月 1 日,holiday,元旦\n", "date_malformed", "无效"),
    ],
    ids=["weekday-make-up", "twice", "holiday-on-make-up", "year", "month-13", "words"],
)
def test_a_bad_file_is_refused_with_a_code_and_a_chinese_message_and_changes_nothing(
    seeded: Container, rows: str, code: str, words: str
) -> None:
    before = stored(seeded)
    with pytest.raises(ImportRejected) as caught:
        import_text(seeded, HEADER + "2027-10-01,holiday,国庆节\n" + rows)
    assert [e["code"] for e in caught.value.errors] == [code]
    assert words in caught.value.errors[0]["message"]
    assert stored(seeded) == before


# --- dry run -----------------------------------------------------------------------------------


def test_a_preview_lists_the_changes_against_what_is_stored_and_writes_nothing(
    seeded: Container,
) -> None:
    import_text(seeded, notice_2027())
    corrected = notice_2027().replace("2027-06-09,holiday,端午节\n", "2027-06-11,holiday,端午节\n")
    before = stored(seeded)
    notice = notices.read_checked(corrected, "2027.csv", allow_example=False)
    with seeded.read() as uow:
        preview = notices.preview_notice(uow.conn, notice)
    assert preview.replaced and not preview.was_example
    assert [
        (c.day, c.before.kind if c.before else None, c.after.kind) for c in preview.changes
    ] == [
        (date(2027, 6, 9), DayKind.HOLIDAY, DayKind.WORKDAY),
        (date(2027, 6, 11), DayKind.WORKDAY, DayKind.HOLIDAY),
    ]
    assert stored(seeded) == before


# --- the demo, and only the demo ---------------------------------------------------------------


def test_the_demo_loads_the_example_year_when_the_official_calendar_runs_short(
    seeded: Container,
) -> None:
    with seeded.uow() as uow:
        added = demo_calendar(uow, Actor(request_id="demo", at=on(date(2026, 12, 6))), 60)
    assert added == 365
    assert status(seeded, "2026-12-06").example_years == (2027,)
    with seeded.uow() as uow:  # a second run adds nothing
        assert demo_calendar(uow, Actor(request_id="demo", at=on(date(2027, 1, 4))), 60) == 0


def test_the_demo_leaves_a_long_enough_calendar_alone(seeded: Container) -> None:
    with seeded.uow() as uow:
        assert demo_calendar(uow, Actor(request_id="demo", at=on(date(2026, 3, 2))), 60) == 0
    assert status(seeded, "2026-03-02").years == (2025, 2026)


def test_seeding_a_deployment_never_loads_an_example(container: Container) -> None:
    with container.uow() as uow:
        cal.seed_official(uow, SYSTEM, source=container.official_schedules)
    short = status(container, "2026-12-06")
    assert short.warn and short.example_years == () and 2027 not in short.years


# --- banners and health ------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.CLERK, Role.REVIEWER, Role.CENTRE_MANAGER])
def test_every_staff_member_is_warned_on_every_page_when_the_calendar_runs_short(
    seeded: Container, client: TestClient, role: Role
) -> None:
    seeded.clock = FixedClock(on(date(2026, 12, 6)))
    sign_in(seeded, client, make_staff(seeded, role))
    page = client.get("/items")
    assert 'id="calendar-warning"' in page.text
    assert "工作日历只知道到 2026-12-31（还有 25 天）" in page.text
    assert "请联系目录管理员导入下一年度的放假安排" in page.text
    assert 'href="/admin/calendar"' not in page.text


def test_every_page_and_the_health_check_say_the_calendar_holds_an_example_year(
    seeded: Container, client: TestClient
) -> None:
    seeded.clock = FixedClock(on(date(2026, 12, 6)))
    assert 'id="calendar-example"' not in client.get("/items").text
    import_text(seeded, EXAMPLE_2027.read_text(encoding="utf-8"), example=True)

    page = client.get("/items")  # anyone, signed in or not
    assert 'id="calendar-example"' in page.text and "示例年份（2027 年）" in page.text
    assert 'id="calendar-warning"' not in page.text  # the short warning is for staff
    health = client.get("/healthz").json()
    assert health["status"] == "warn"
    assert health["warnings"] == ["calendar_short", "calendar_example"]
    assert health["calendar_example_years"] == [2027]
    assert health["calendar_official_until"] == "2026-12-31"


# --- the clerk's error -------------------------------------------------------------------------


def test_accepting_past_the_calendar_tells_the_clerk_what_to_do(container: Container) -> None:
    world: World = build_world(container)  # the calendar reaches 2027-12-31
    ref = at_window(world, "2027-12-30")
    with pytest.raises(CalendarUnknown) as caught:
        step(world, svc.accept, world.clerk, ref, "2027-12-31")
    message = caught.value.message
    assert caught.value.code == "calendar_unknown"
    assert "2028-01-01" in message and "请联系目录管理员" in message
    assert "导入该年放假安排后重试" in message
