"""Importing a year's notice (放假安排) into the working-day calendar: a preview of what would
change (``--dry-run``), then the import itself in one transaction with its audit entry.

A notice may make weekend days of the previous December working days; those days are changed in
the stored previous year, which must be known.  A file marked ``@example: yes`` is refused
unless the caller asks for an example (the demo, ``--example``); the year is then flagged as an
example in ``calendar_years`` so every page and ``/healthz`` can say so.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from tongban.adapters.db.tables import calendar_days, calendar_years
from tongban.domain.errors import ImportRejected
from tongban.domain.shared.calendar import CalendarDay, DayKind
from tongban.domain.shared.calendar_notice import Notice, read_notice, row_error
from tongban.services.platform import audit
from tongban.services.platform.calendar import (
    begin_write,
    day_rows,
    example_years,
    load_calendar,
    year_range,
)
from tongban.services.platform.context import Actor
from tongban.services.platform.unit_of_work import UnitOfWork, atomic

MAX_NOTICE_BYTES = 1_000_000


@dataclass(frozen=True)
class DayChange:
    """One day a notice changes: what is stored (None for a year not stored yet) and what comes."""

    day: date
    before: CalendarDay | None
    after: CalendarDay


@dataclass(frozen=True)
class NoticePreview:
    """What importing a notice would do, computed without writing anything."""

    notice: Notice
    replaced: bool
    """The year is stored already and would be replaced as a whole."""
    was_example: bool
    """The stored year came from an example file."""
    changes: tuple[DayChange, ...]
    """The days whose kind or name would change (for a new year: every day the notice lists)."""


@dataclass(frozen=True)
class ImportSummary:
    """What importing one year's notice changed."""

    year: int
    holidays: int
    makeup_workdays: int
    replaced: bool
    """True when the year was known before and has been replaced as a whole."""
    example: bool = False
    carried: tuple[date, ...] = ()
    """Days of the previous December made working days by this notice."""
    changed_days: int = 0


def decode_notice(data: bytes) -> str:
    """The text of an uploaded notice: UTF-8 (with or without BOM), else GB18030 as Excel on a
    Chinese Windows saves CSV; ``ImportRejected`` if it is too large or neither."""
    if len(data) > MAX_NOTICE_BYTES:
        message = "文件过大：放假安排文件不应超过 1 MB。"
        raise ImportRejected(errors=[row_error(0, "date", "file_too_large", message)])
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    message = "无法识别文件编码，请保存为 UTF-8 编码的 CSV 或 JSON。"
    raise ImportRejected(errors=[row_error(0, "date", "file_encoding", message)])


def read_checked(text_: str, filename: str, *, allow_example: bool) -> Notice:
    """The notice in a file; ``ImportRejected`` for any error, or for an example file unless
    ``allow_example`` (an example must never become a real calendar by mistake)."""
    notice = read_notice(text_, filename=filename)
    if notice.example and not allow_example:
        message = (
            "这是示例文件（文件内标有 @example: yes），并非国务院办公厅的正式通知，"
            "不能作为工作日历导入。请按正式通知填写空白模板（tongban calendar template）；"
            "确需导入示例（仅限演示）请加 --example。"
        )
        raise ImportRejected(errors=[row_error(0, "date", "example_refused", message)])
    return notice


def preview_notice(conn: Connection, notice: Notice) -> NoticePreview:
    """What importing ``notice`` would change; ``ImportRejected`` if a December day it carries
    cannot be changed (the previous year unknown, or that day a holiday)."""
    calendar = load_calendar(conn)
    replaced = notice.year in calendar.years
    changes: list[DayChange] = []
    errors: list[dict[str, Any]] = []
    for entry in notice.carried:
        if not calendar.knows(entry.day):
            message = (
                f"{entry.day.isoformat()} 属于 {entry.day.year} 年，工作日历尚未包含该年："
                f"请先导入 {entry.day.year} 年的放假安排。"
            )
            errors.append(row_error(0, "date", "carried_year_unknown", message))
            continue
        before = calendar.day(entry.day)
        if before.kind is DayKind.HOLIDAY:
            message = (
                f"{entry.day.isoformat()} 在 {entry.day.year} 年的安排中是法定节假日"
                f"（{before.name}），不能再设为调休上班。"
            )
            errors.append(row_error(0, "date", "carried_day_holiday", message))
        elif before != entry:
            changes.append(DayChange(entry.day, before, entry))
    if errors:
        raise ImportRejected(errors=errors)
    for entry in notice.days:
        stored = calendar.day(entry.day) if replaced else None
        if stored != entry and (stored is not None or entry.kind in _LISTED):
            changes.append(DayChange(entry.day, stored, entry))
    return NoticePreview(
        notice=notice,
        replaced=replaced,
        was_example=notice.year in example_years(conn),
        changes=tuple(sorted(changes, key=lambda change: change.day)),
    )


_LISTED = (DayKind.HOLIDAY, DayKind.MAKEUP_WORKDAY)


@atomic
def import_notice(
    uow: UnitOfWork, actor: Actor, text_: str, filename: str, *, allow_example: bool = False
) -> ImportSummary:
    """Replace the whole year a notice (放假安排) covers and the December days it carries, in one
    transaction with its audit entry; any error changes nothing and raises ``ImportRejected``
    listing every row and column at fault."""
    notice = read_checked(text_, filename, allow_example=allow_example)
    conn = uow.conn
    stamp = begin_write(conn, actor.at)
    preview = preview_notice(conn, notice)
    year = notice.year
    conn.execute(delete(calendar_days).where(*year_range(year)))
    conn.execute(insert(calendar_days), day_rows(notice.days, stamp, actor))
    for entry in notice.carried:
        conn.execute(
            update(calendar_days)
            .where(calendar_days.c.day == entry.day)
            .values(
                kind=entry.kind.value, name=entry.name, updated_at=stamp, updated_by=actor.user_id
            )
        )
    _record_year(conn, notice, actor)
    summary = ImportSummary(
        year=year,
        holidays=sum(1 for d in notice.days if d.kind is DayKind.HOLIDAY),
        makeup_workdays=sum(1 for d in notice.listed if d.kind is DayKind.MAKEUP_WORKDAY),
        replaced=preview.replaced,
        example=notice.example,
        carried=tuple(entry.day for entry in notice.carried),
        changed_days=len(preview.changes),
    )
    audit.record(
        conn,
        actor,
        "calendar.imported",
        "calendar_year",
        str(year),
        {
            "filename": filename[:200],
            "holidays": summary.holidays,
            "makeup_workdays": summary.makeup_workdays,
            "replaced": preview.replaced,
            "example": notice.example,
            "reference": notice.reference,
            "published": notice.published.isoformat() if notice.published else None,
            "carried": [day.isoformat() for day in summary.carried],
            "changed_days": summary.changed_days,
        },
    )
    return summary


def _record_year(conn: Connection, notice: Notice, actor: Actor) -> None:
    values = {
        "example": notice.example,
        "reference": notice.reference,
        "published": notice.published,
        "imported_at": actor.at,
        "imported_by": actor.user_id,
    }
    known = conn.execute(
        select(calendar_years.c.year).where(calendar_years.c.year == notice.year)
    ).first()
    if known is None:
        conn.execute(insert(calendar_years).values(year=notice.year, **values))
    else:
        conn.execute(
            update(calendar_years).where(calendar_years.c.year == notice.year).values(**values)
        )
