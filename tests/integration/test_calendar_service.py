"""The stored working-day calendar: seeded from the official schedules, extended by importing a
year's notice, edited day by day, and read through a cache that notices other processes' edits."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

import tongban
from tests.calendar_fixtures import notice_2027
from tests.clock import TEST_START
from tongban.adapters.calendar_source import official_years
from tongban.adapters.db.engine import build_engine
from tongban.adapters.db.tables import audit_log, calendar_days
from tongban.bootstrap import Container
from tongban.domain.errors import (
    CalendarUnknown,
    CalendarYearUnknown,
    ImportRejected,
    ValidationFailed,
)
from tongban.domain.shared.calendar import ClockStop, DayKind
from tongban.services.platform import calendar as cal
from tongban.services.platform import calendar_import as notices
from tongban.services.platform.context import Actor

EXAMPLE_2027 = Path(tongban.__file__).parent / "demo" / "data" / "calendar-2027-example.csv"
ACTOR = Actor(request_id="test", at=TEST_START)


def d(iso: str) -> date:
    return date.fromisoformat(iso)


def seed(container: Container, first: int | None = 2025, last: int | None = 2026) -> int:
    with container.uow() as uow:
        return cal.seed_official(uow, ACTOR, first, last, source=container.official_schedules)


def import_text(
    container: Container, text: str, filename: str = "notice.csv"
) -> notices.ImportSummary:
    with container.uow() as uow:
        return notices.import_notice(uow, ACTOR, text, filename)


def deadline(
    container: Container, start: str, n: int, stops: tuple[ClockStop, ...] = ()
) -> date | None:
    with container.uow() as uow:
        return cal.deadline(uow.conn, d(start), n, stops)


def status(container: Container, today: str = "2026-11-27") -> cal.CalendarStatus:
    with container.uow() as uow:
        return cal.calendar_status(uow.conn, d(today), 60)


def audit_actions(container: Container) -> list[str]:
    with container.uow() as uow:
        return list(uow.conn.execute(select(audit_log.c.action).order_by(audit_log.c.id)).scalars())


def test_seeding_loads_every_official_year_once_and_gives_the_spring_festival_example(
    container: Container,
) -> None:
    added = seed(container, None, None)
    years = official_years()
    assert added == (date(years.stop, 1, 1) - date(years.start, 1, 1)).days
    assert seed(container, None, None) == 0
    assert deadline(container, "2026-02-13", 5) == d("2026-02-27")
    assert status(container).known_from == date(years.start, 1, 1)
    assert audit_actions(container) == ["calendar.seeded"]


def test_seeding_fills_only_the_missing_years(container: Container) -> None:
    seed(container, 2026, 2026)
    assert seed(container, 2025, 2026) == 365
    assert status(container).years == (2025, 2026)


def test_seeding_a_year_the_official_package_does_not_cover_is_refused(
    container: Container,
) -> None:
    with pytest.raises(CalendarUnknown):
        seed(container, 2026, official_years().stop)
    assert status(container).known_until is None


def test_importing_the_2027_notice_extends_the_known_range(container: Container) -> None:
    seed(container)
    assert status(container).known_until == d("2026-12-31")
    assert status(container).warn  # 34 days ahead of 27 November, fewer than 60

    summary = import_text(container, notice_2027(), "calendar-2027.csv")

    assert summary == notices.ImportSummary(
        year=2027, holidays=29, makeup_workdays=5, replaced=False, changed_days=34
    )
    after = status(container)
    assert after.known_until == d("2027-12-31")
    assert after.days_known_ahead == 399
    assert not after.warn
    # 31 Dec counts, 1–3 Jan is 元旦, then 4–7 Jan.
    assert deadline(container, "2026-12-30", 5) == d("2027-01-07")
    assert audit_actions(container)[-1] == "calendar.imported"


def test_reimporting_a_year_replaces_it_whole(container: Container) -> None:
    seed(container)
    import_text(container, notice_2027())
    summary = import_text(container, "date,kind,name\n2027-10-01,holiday,国庆节\n")
    assert summary.replaced
    with container.uow() as uow:
        exceptions = [e.day for e in cal.load_calendar(uow.conn).exceptions(2027)]
    assert exceptions == [d("2027-10-01")]
    assert deadline(container, "2026-12-31", 1) == d("2027-01-01")


def test_a_notice_with_one_bad_row_among_many_imports_nothing(container: Container) -> None:
    seed(container)
    good = notice_2027()
    import_text(container, good)
    # The year is known; a corrected notice with one bad row must leave it as it was.
    bad = good.replace("2027-10-04,holiday,国庆节", "2027-10-04,makeup_workday,国庆节").replace(
        "2027-01-01,holiday,元旦", "2027-01-01,holiday,"
    )
    with container.uow() as uow:
        before = uow.conn.execute(select(calendar_days).order_by(calendar_days.c.day)).all()

    with pytest.raises(ImportRejected) as rejected:
        import_text(container, bad)

    bad_lines = bad.splitlines()
    assert [(e["row"], e["column"]) for e in rejected.value.errors] == [
        (bad_lines.index("2027-01-01,holiday,") + 1, "name"),
        (bad_lines.index("2027-10-04,makeup_workday,国庆节") + 1, "date"),
    ]
    with container.uow() as uow:
        assert uow.conn.execute(select(calendar_days).order_by(calendar_days.c.day)).all() == before
    assert audit_actions(container).count("calendar.imported") == 1


def test_a_bad_file_for_a_new_year_leaves_that_year_unknown(container: Container) -> None:
    seed(container)
    with pytest.raises(ImportRejected):
        import_text(container, "date,kind,name\n2027-01-01,holiday,元旦\n2027-02-30,holiday,春节\n")
    with container.uow() as uow, pytest.raises(CalendarYearUnknown):
        cal.year_days(uow.conn, 2027)


def test_a_notice_saved_by_excel_in_gb18030_is_read() -> None:
    text = "date,kind,name\n2027-01-01,holiday,元旦\n"
    assert notices.decode_notice(text.encode("gb18030")) == text
    assert notices.decode_notice(b"\xef\xbb\xbf" + text.encode()) == text


def test_closing_a_working_day_moves_the_deadline(container: Container) -> None:
    seed(container)
    assert deadline(container, "2026-03-02", 1) == d("2026-03-03")

    with container.uow() as uow:
        cal.set_day(uow, ACTOR, d("2026-03-03"), DayKind.HOLIDAY, "台风停工")

    assert deadline(container, "2026-03-02", 1) == d("2026-03-04")
    with container.uow() as uow:
        assert cal.load_calendar(uow.conn).day(d("2026-03-03")).name == "台风停工"
    assert audit_actions(container)[-1] == "calendar.day_changed"


def test_a_saturday_made_a_working_day_counts(container: Container) -> None:
    seed(container)
    with container.uow() as uow:
        cal.set_day(uow, ACTOR, d("2026-03-07"), "makeup_workday", "补班")
    assert deadline(container, "2026-03-06", 1) == d("2026-03-07")


@pytest.mark.parametrize(
    ("day", "kind", "name", "field"),
    [
        ("2026-03-07", DayKind.WORKDAY, "", "kind"),  # a Saturday
        ("2026-03-04", DayKind.REST, "", "kind"),  # a Wednesday
        ("2026-03-04", DayKind.MAKEUP_WORKDAY, "补班", "kind"),
        ("2026-03-04", DayKind.HOLIDAY, "  ", "name"),
        ("2026-03-04", "closed", "", "kind"),
    ],
)
def test_a_day_edit_must_fit_the_weekday(
    container: Container, day: str, kind: str, name: str, field: str
) -> None:
    seed(container)
    with container.uow() as uow, pytest.raises(ValidationFailed) as refused:
        cal.set_day(uow, ACTOR, d(day), kind, name)
    assert field in refused.value.fields
    assert deadline(container, "2026-03-02", 5) == d("2026-03-09")


def test_a_day_in_an_unknown_year_cannot_be_edited(container: Container) -> None:
    seed(container)
    with container.uow() as uow, pytest.raises(CalendarUnknown):
        cal.set_day(uow, ACTOR, d("2031-05-05"), DayKind.HOLIDAY, "劳动节")


def test_deadlines_beyond_the_known_years_are_refused_not_guessed(container: Container) -> None:
    seed(container)
    with pytest.raises(CalendarUnknown):
        deadline(container, "2026-12-28", 10)
    with pytest.raises(ValidationFailed):
        deadline(container, "2026-03-02", -1)
    with pytest.raises(ValidationFailed):
        deadline(container, "2026-03-02", 5, (ClockStop(d("2026-03-01"), d("2026-03-03")),))


def test_clock_stops_are_read_from_text() -> None:
    assert cal.parse_stops(["2026-03-03:2026-03-05, 2026-03-10:"]) == [
        ClockStop(d("2026-03-03"), d("2026-03-05")),
        ClockStop(d("2026-03-10"), None),
    ]
    with pytest.raises(ValidationFailed):
        cal.parse_stops(["2026-03-03"])


def test_the_calendar_is_read_once_while_nothing_changes(container: Container) -> None:
    seed(container)
    with container.uow() as uow:
        first = cal.load_calendar(uow.conn)
    with container.uow() as uow:
        assert cal.load_calendar(uow.conn) is first


def test_an_edit_by_another_process_is_seen(container: Container) -> None:
    seed(container)
    assert deadline(container, "2026-03-02", 1) == d("2026-03-03")
    url = container.engine.url.render_as_string(hide_password=False)
    other = Container(
        settings=container.settings,
        engine=build_engine(url),
        secret_key="x",
        clock=container.clock,
    )
    try:
        # The same actor (hence the same ``actor.at``) edits twice: both edits must show.
        with other.uow() as uow:
            cal.set_day(uow, ACTOR, d("2026-03-03"), DayKind.HOLIDAY, "临时闭馆")
        assert deadline(container, "2026-03-02", 1) == d("2026-03-04")
        with other.uow() as uow:
            cal.set_day(uow, ACTOR, d("2026-03-04"), DayKind.HOLIDAY, "临时闭馆")
        assert deadline(container, "2026-03-02", 1) == d("2026-03-05")
    finally:
        other.engine.dispose()


def test_an_edit_rolled_back_is_not_seen(container: Container) -> None:
    seed(container)
    with container.uow() as uow:
        cal.set_day(uow, ACTOR, d("2026-03-03"), DayKind.HOLIDAY, "临时闭馆")
    with container.uow() as uow:
        # Written but never committed: the cache built inside this transaction must not last.
        stamp = container.clock.now()
        uow.conn.execute(
            calendar_days.update()
            .where(calendar_days.c.day == d("2026-03-03"))
            .values(kind="workday", name="", updated_at=stamp)
        )
        assert cal.deadline(uow.conn, d("2026-03-02"), 1) == d("2026-03-03")
    assert deadline(container, "2026-03-02", 1) == d("2026-03-04")
    with container.uow() as uow:
        assert uow.conn.execute(select(func.count()).select_from(calendar_days)).scalar() == 730
