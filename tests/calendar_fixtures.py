"""A working-day calendar for tests that run on today's date.

The official schedules end with 2026. Case tests take today's date, so from late 2026 their
deadlines run into 2027: tests therefore also load the example 2027 notice that ships as a
format sample. This is for tests only; the platform itself never guesses a year.
"""

from __future__ import annotations

from pathlib import Path

import tongban
from tests.clock import SYSTEM
from tongban.bootstrap import Container
from tongban.services.platform import calendar, calendar_import

EXAMPLE_2027 = Path(tongban.__file__).parent / "demo" / "data" / "calendar-2027-example.csv"


def seed_test_calendar(container: Container, *, first_year: int = 2026) -> None:
    """The official years from ``first_year`` on, plus the example 2027 notice."""
    with container.uow() as uow:
        calendar.seed_official(uow, SYSTEM, first_year, 2026, source=container.official_schedules)
        known = set(calendar.load_calendar(uow.conn).years)
        if 2027 not in known:
            calendar_import.import_notice(
                uow,
                SYSTEM,
                EXAMPLE_2027.read_text(encoding="utf-8"),
                EXAMPLE_2027.name,
                allow_example=True,
            )


def notice_2027() -> str:
    """The example's dates as an operator's file of the real notice would carry them: the same
    format without the example mark (tests need a year after 2026 that is not an example)."""
    text = EXAMPLE_2027.read_text(encoding="utf-8")
    assert "# @example: yes\n" in text
    return text.replace(
        "# @example: yes\n", "# @example: no\n# @notice: 国办发明电〔2026〕1号\n"
    ).replace("# @notice: 示例，无文号\n", "")
