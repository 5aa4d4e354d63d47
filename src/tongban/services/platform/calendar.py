"""Working-day calendar use cases: seed the official schedules, edit one day, report how far the
calendar reaches, and compute deadlines from a per-process cache that notices edits made by any
process.  Importing a year's notice is in ``calendar_import``.

Every write runs in one transaction with its audit entry and stamps ``updated_at`` strictly
later than any stamp before it, so ``(count, max(updated_at))`` identifies the calendar's content.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any, Protocol

from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    delete,
    extract,
    func,
    insert,
    select,
    text,
    update,
)

from tongban.adapters.db.tables import calendar_days, calendar_years
from tongban.domain.errors import (
    CalendarUnknown,
    CalendarYearUnknown,
    ValidationFailed,
)
from tongban.domain.shared.calendar import (
    NAME_MAX_LENGTH,
    CalendarDay,
    ClockStop,
    DayKind,
    WorkingCalendar,
)
from tongban.services.platform import audit
from tongban.services.platform.context import Actor
from tongban.services.platform.unit_of_work import UnitOfWork, atomic

CHINA_TZ = timezone(timedelta(hours=8), "Asia/Shanghai")
"""China has kept UTC+8 without daylight saving since 1991; deadlines are dates in this zone."""
_WRITE_LOCK_KEY = 7_410_510_221  # pg_advisory_xact_lock key serialising calendar writes
_TICK = timedelta(microseconds=1)


@dataclass(frozen=True)
class CalendarStatus:
    """How far ahead deadlines can be computed, and whether that is too short."""

    known_from: date | None
    known_until: date | None
    days_known_ahead: int
    """Days after today known without a gap, example years included (deadlines use them)."""
    warn: bool
    """Fewer than the warning days are known ahead from official (non-example) years."""
    years: tuple[int, ...]
    example_years: tuple[int, ...] = ()
    """Years imported from an example file (示例), not from the State Council's notice."""
    official_days_ahead: int = 0
    """Days after today known without a gap from official years only."""
    official_until: date | None = None
    """The last day of the last official (non-example) year."""


# --- reading, with a per-process cache ----------------------------------------------------------

_Fingerprint = tuple[Any, ...]
_cache: weakref.WeakKeyDictionary[Engine, tuple[_Fingerprint, WorkingCalendar]] = (
    weakref.WeakKeyDictionary()
)
"""Per engine (one per process and database): writes stamp ``updated_at`` strictly later than
any stored stamp, so (count, latest stamp) changes with every write through that engine."""
_cache_lock = threading.Lock()


# Two scalar subqueries, not one select: alone, max() can read the end of an index on
# updated_at instead of scanning every row.  Built once: no cache-key work per call.
FINGERPRINT = (
    select(func.count()).select_from(calendar_days).scalar_subquery().label("calendar_days"),
    select(func.max(calendar_days.c.updated_at)).scalar_subquery().label("calendar_stamp"),
)
"""The calendar's fingerprint as two columns, for a use case that reads it with its own first
query (``load_calendar``'s ``fingerprint``) instead of in a round trip of its own."""
_FINGERPRINT = select(*FINGERPRINT)


def _fingerprint(conn: Connection) -> _Fingerprint:
    return tuple(conn.execute(_FINGERPRINT).one())


def load_calendar(conn: Connection, *, fingerprint: _Fingerprint | None = None) -> WorkingCalendar:
    """The stored calendar; rebuilt only when one cheap query shows another write since.

    ``fingerprint``: the ``FINGERPRINT`` columns as read in this transaction already."""
    key = conn.engine
    if fingerprint is None:
        fingerprint = _fingerprint(conn)
    cached = _cache.get(key)
    if cached is not None and cached[0] == fingerprint:
        return cached[1]
    rows = conn.execute(
        select(calendar_days.c.day, calendar_days.c.kind, calendar_days.c.name)
    ).all()
    calendar = WorkingCalendar(CalendarDay(row.day, DayKind(row.kind), row.name) for row in rows)
    with _cache_lock:
        _cache[key] = (fingerprint, calendar)
    return calendar


def deadline(conn: Connection, start: date, n: int, stops: Sequence[ClockStop] = ()) -> date | None:
    """The n-th working day after ``start`` (the start day never counts), skipping clock stops;
    None while an open stop holds the clock.  ``CalendarUnknown`` beyond the known years."""
    if n < 0:
        raise ValidationFailed(fields={"n": "期限天数不能为负数。"})
    try:
        return load_calendar(conn).deadline(start, n, stops)
    except ValueError:
        raise ValidationFailed(
            fields={
                "stops": "暂停时段有误：不能早于起算日，各段不能重叠，未恢复的暂停只能是最后一段。"
            }
        ) from None


def parse_stops(texts: Iterable[str]) -> list[ClockStop]:
    """Clock stops written ``FROM:TO`` (``FROM:`` while still stopped); commas separate several."""
    stops: list[ClockStop] = []
    for chunk in (part.strip() for text_ in texts for part in text_.split(",")):
        if not chunk:
            continue
        stopped, sep, resumed = chunk.partition(":")
        try:
            if not sep:
                raise ValueError(chunk)
            stops.append(
                ClockStop(
                    date.fromisoformat(stopped.strip()),
                    date.fromisoformat(resumed.strip()) if resumed.strip() else None,
                )
            )
        except ValueError:
            raise ValidationFailed(
                fields={
                    "stops": f"暂停时段“{chunk}”无效，"
                    "应为 起始日:恢复日，如 2026-03-02:2026-03-06。"
                }
            ) from None
    return stops


def year_days(conn: Connection, year: int) -> list[CalendarDay]:
    """Every day of ``year`` with its kind; ``CalendarYearUnknown`` if the year is not stored."""
    calendar = load_calendar(conn)
    if year not in calendar.years:
        raise CalendarYearUnknown(year=year)
    first = date(year, 1, 1)
    return [
        calendar.day(first + timedelta(days=i)) for i in range((date(year + 1, 1, 1) - first).days)
    ]


def calendar_status(conn: Connection, today: date, warn_days: int) -> CalendarStatus:
    """The known range and the days known ahead of ``today``; warn when the official years (an
    example year does not count) reach fewer than ``warn_days`` ahead."""
    calendar = load_calendar(conn)
    examples = example_years(conn)
    official = [year for year in calendar.years if year not in examples]
    official_ahead = _days_ahead(official, today)
    return CalendarStatus(
        known_from=calendar.known_from,
        known_until=calendar.known_until,
        days_known_ahead=calendar.days_known_ahead(today),
        warn=official_ahead < warn_days,
        years=calendar.years,
        example_years=tuple(year for year in calendar.years if year in examples),
        official_days_ahead=official_ahead,
        official_until=date(official[-1], 12, 31) if official else None,
    )


def example_years(conn: Connection) -> set[int]:
    """The years imported from an example file rather than the State Council's notice."""
    query = select(calendar_years.c.year).where(calendar_years.c.example.is_(True))
    return {int(year) for year in conn.execute(query).scalars()}


def _days_ahead(years: Sequence[int], today: date) -> int:
    if today.year not in years:
        return 0
    last = today.year
    while last + 1 in years:
        last += 1
    return (date(last, 12, 31) - today).days


# --- writing ------------------------------------------------------------------------------------


def begin_write(conn: Connection, now: datetime) -> datetime:
    """Serialise calendar writers and return a stamp later than every stored ``updated_at``."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _WRITE_LOCK_KEY})
    latest = conn.execute(select(func.max(calendar_days.c.updated_at))).scalar()
    return now if latest is None or now > latest else latest + _TICK


def year_range(year: int) -> tuple[ColumnElement[bool], ColumnElement[bool]]:
    """The ``calendar_days`` rows of ``year``."""
    return calendar_days.c.day >= date(year, 1, 1), calendar_days.c.day <= date(year, 12, 31)


def stored_years(conn: Connection) -> set[int]:
    year = extract("year", calendar_days.c.day)
    return {int(y) for y in conn.execute(select(year).group_by(year)).scalars()}


def day_rows(days: Iterable[CalendarDay], stamp: datetime, actor: Actor) -> list[dict[str, Any]]:
    return [
        {
            "day": d.day,
            "kind": d.kind.value,
            "name": d.name,
            "updated_at": stamp,
            "updated_by": actor.user_id,
        }
        for d in days
    ]


class OfficialSchedules(Protocol):
    """Port: the official holiday schedules (国务院办公厅放假安排) known to the software."""

    def official_years(self) -> range: ...

    def official_days(self, first_year: int, last_year: int) -> list[CalendarDay]: ...


@atomic
def seed_official(
    uow: UnitOfWork,
    actor: Actor,
    first_year: int | None = None,
    last_year: int | None = None,
    *,
    source: OfficialSchedules,
) -> int:
    """Store the official schedule of every year ``source`` covers (within the given range) that
    the calendar lacks or holds only as an example; official years already stored are never
    touched.  Returns the number of days added (0 the second time)."""
    covered = source.official_years()
    first = covered.start if first_year is None else first_year
    last = covered.stop - 1 if last_year is None else last_year
    for year in (first, last):
        if year not in covered:
            raise CalendarUnknown(day=date(year, 1, 1).isoformat())
    conn = uow.conn
    stamp = begin_write(conn, actor.at)
    stored = stored_years(conn) - example_years(conn)
    missing = [year for year in range(first, last + 1) if year not in stored]
    days = [d for year in missing for d in source.official_days(year, year)]
    if not days:
        return 0
    for year in missing:  # an example year gives way to the official schedule
        conn.execute(delete(calendar_days).where(*year_range(year)))
        conn.execute(delete(calendar_years).where(calendar_years.c.year == year))
    conn.execute(insert(calendar_days), day_rows(days, stamp, actor))
    audit.record(
        conn,
        actor,
        "calendar.seeded",
        "calendar",
        "official",
        {"years": missing, "days": len(days)},
    )
    return len(days)


@atomic
def set_day(
    uow: UnitOfWork, actor: Actor, day: date, kind: DayKind | str, name: str
) -> CalendarDay:
    """Change one day of a known year (an unexpected closure, a corrected notice); the kind must
    fit the weekday (调休上班 only at weekends) and a holiday needs its name."""
    entry = _checked_day(day, kind, name)
    conn = uow.conn
    stamp = begin_write(conn, actor.at)
    before = conn.execute(
        select(calendar_days.c.kind, calendar_days.c.name).where(calendar_days.c.day == day)
    ).first()
    if before is None:
        raise CalendarUnknown(day=day.isoformat())
    conn.execute(
        update(calendar_days)
        .where(calendar_days.c.day == day)
        .values(kind=entry.kind.value, name=entry.name, updated_at=stamp, updated_by=actor.user_id)
    )
    audit.record(
        conn,
        actor,
        "calendar.day_changed",
        "calendar_day",
        day.isoformat(),
        {
            "from": {"kind": before.kind, "name": before.name},
            "to": {"kind": entry.kind.value, "name": entry.name},
        },
    )
    return entry


def _checked_day(day: date, kind: DayKind | str, name: str) -> CalendarDay:
    try:
        kind = DayKind(kind)
    except ValueError:
        raise ValidationFailed(
            fields={"kind": "类型无效：应为工作日、休息日、法定节假日或调休上班。"}
        ) from None
    name = name.strip() if kind in (DayKind.HOLIDAY, DayKind.MAKEUP_WORKDAY) else ""
    weekend = day.weekday() >= 5
    fields: dict[str, str] = {}
    if kind is DayKind.WORKDAY and weekend:
        fields["kind"] = "星期六、星期日不能设为普通工作日；需要上班请设为“调休上班”。"
    elif kind is DayKind.MAKEUP_WORKDAY and not weekend:
        fields["kind"] = "调休上班日只能是星期六或星期日。"
    elif kind is DayKind.REST and not weekend:
        fields["kind"] = "星期一至星期五不能设为休息日；放假请设为“法定节假日”。"
    if kind is DayKind.HOLIDAY and not name:
        fields["name"] = "放假日须填写节日名称，如“春节”。"
    elif len(name) > NAME_MAX_LENGTH:
        fields["name"] = f"名称过长：最多 {NAME_MAX_LENGTH} 个字。"
    if fields:
        raise ValidationFailed(fields=fields)
    return CalendarDay(day, kind, name)
