"""What ``tongban calendar import --dry-run`` prints: the year as twelve small month calendars
and the days the import would change."""

from __future__ import annotations

import calendar as stdlib_calendar
from collections.abc import Iterable, Sequence
from datetime import date

from rich.cells import cell_len
from rich.table import Table

from tongban.domain.shared.calendar import WEEKDAYS, CalendarDay, DayKind
from tongban.i18n import gettext as _
from tongban.services.platform.calendar_import import DayChange

MONTHS_PER_ROW = 3
_CELL = 3  # two digits and a marker
_MARKERS = {DayKind.HOLIDAY: ("*", "bold red"), DayKind.MAKEUP_WORKDAY: ("+", "bold blue")}
_HEADER = "".join(day.removeprefix("星期") + " " for day in WEEKDAYS)  # 一 二 … 日, 3 cells each


def legend() -> str:
    return _("图例：数字后 * 为法定节假日（放假），+ 为调休上班；暗色为周六、周日。")


def year_grid(year: int, days: Iterable[CalendarDay]) -> list[str]:
    """Rich markup lines: the twelve months of ``year``, three side by side."""
    by_day = {entry.day: entry for entry in days}
    months = [_month(year, month, by_day) for month in range(1, 13)]
    lines: list[str] = []
    for first in range(0, 12, MONTHS_PER_ROW):
        row = months[first : first + MONTHS_PER_ROW]
        height = max(len(month) for month in row)
        for index in range(height):
            parts = [month[index] if index < len(month) else " " * 7 * _CELL for month in row]
            lines.append("   ".join(parts).rstrip())
        lines.append("")
    return lines


def _month(year: int, month: int, by_day: dict[date, CalendarDay]) -> list[str]:
    width = 7 * _CELL
    title = _("{year} 年 {month} 月").format(year=year, month=month)
    left = (width - cell_len(title)) // 2
    lines = [" " * left + title + " " * (width - left - cell_len(title)), _HEADER]
    for week in stdlib_calendar.Calendar(firstweekday=0).monthdatescalendar(year, month):
        cells = []
        for day in week:
            cells.append(_cell(day, by_day.get(day)) if day.month == month else " " * _CELL)
        lines.append("".join(cells))
    return lines


def _cell(day: date, entry: CalendarDay | None) -> str:
    number = f"{day.day:>2}"
    kind = entry.kind if entry is not None else None
    if kind in _MARKERS:
        marker, style = _MARKERS[kind]
        return f"[{style}]{number}{marker}[/{style}]"
    if day.weekday() >= 5:
        return f"[dim]{number}[/dim] "
    return f"{number} "


def changes_table(changes: Sequence[DayChange]) -> Table:
    """One row per day the import changes: the date, its weekday, what it was and becomes."""
    table = Table(title=_("将发生的变更（共 {n} 天）").format(n=len(changes)), title_justify="left")
    for column in (_("日期"), _("星期"), _("原为"), _("改为")):
        table.add_column(column)
    for change in changes:
        table.add_row(
            change.day.isoformat(),
            WEEKDAYS[change.day.weekday()],
            _describe(change.before) if change.before is not None else _("（该年尚未导入）"),
            _describe(change.after),
        )
    return table


def _describe(entry: CalendarDay) -> str:
    label = _(entry.kind.label)
    return f"{label}（{entry.name}）" if entry.name else label
