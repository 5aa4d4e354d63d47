"""Tables of the indicator system (指标体系): definitions with versions, the case facts and
the daily case rollup the figures read.

Mirrors migration 0019 (and the later ones named beside their tables); imported at the end of
``tables`` so ``metadata`` holds every table.
"""

from __future__ import annotations

from sqlalchemy import (
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    UniqueConstraint,
)

from tongban.adapters.db.tables import metadata
from tongban.adapters.db.types import BigId, JSONDoc, UTCDateTime

indicator_definitions = Table(
    "indicator_definitions",
    metadata,
    Column("id", BigId, primary_key=True),
    Column("code", String(40), nullable=False, unique=True),
    Column("status", String(12), nullable=False),
    Column("published_version", Integer, nullable=True),
    # The spec being edited, if any; published versions live in indicator_versions.
    Column("draft", JSONDoc, nullable=True),
    Column("lock_version", Integer, nullable=False, server_default="1"),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    CheckConstraint("status in ('draft', 'published')", name="status"),
)

indicator_versions = Table(
    "indicator_versions",
    metadata,
    Column("id", BigId, primary_key=True),
    Column("definition_id", BigId, ForeignKey("indicator_definitions.id"), nullable=False),
    Column("version", Integer, nullable=False),
    Column("spec", JSONDoc, nullable=False),
    Column("note", String(500), nullable=False, server_default=""),
    Column("published_at", UTCDateTime, nullable=False),
    Column("published_by", BigId, ForeignKey("users.id"), nullable=True),
    UniqueConstraint("definition_id", "version", name="uq_indicator_versions_definition_version"),
)

_MEASURES = (
    "received",
    "online",
    "certificate_free",
    "visits",
    "finished",
    "on_time",
    "immediate",
    "smart",
    "working_days_used",
    "promised_days",
)

indicator_case_facts = Table(
    "indicator_case_facts",
    metadata,
    # One row per submitted case: what it counts for (domain.indicators.facts.CaseFact).
    Column("case_id", BigId, ForeignKey("cases.id"), primary_key=True),
    Column("item_code", String(40), nullable=False),
    Column("department_code", String(40), nullable=False),
    Column("centre_code", String(40), nullable=False),
    Column("channel", String(12), nullable=False),
    Column("received_on", Date, nullable=False),
    Column("finished_on", Date, nullable=True),
    *(Column(name, Integer, nullable=False) for name in _MEASURES),
)
Index("ix_indicator_case_facts_received_on", indicator_case_facts.c.received_on)
Index("ix_indicator_case_facts_finished_on", indicator_case_facts.c.finished_on)

CASE_DAILY_MEASURES = (
    "cases_received",
    "cases_online",
    "cases_certificate_free",
    "visits",
    "cases_finished",
    "cases_finished_on_time",
    "cases_immediate",
    "cases_smart",
    "working_days_used",
    "promised_days_of_finished",
)


def _rollup_key(period: str) -> tuple[Column[object], ...]:
    """The key columns of a rollup by ``period`` (its day, or a month's first day) × item ×
    department × centre × channel."""
    return (
        Column(period, Date, nullable=False),
        Column("item_code", String(40), nullable=False),
        Column("department_code", String(40), nullable=False),
        Column("centre_code", String(40), nullable=False),
        Column("channel", String(12), nullable=False),
    )


def _town_key() -> tuple[Column[object], ...]:
    """The key columns of a town rollup: month × department × the centre's town × channel."""
    return (
        Column("month", Date, nullable=False),
        Column("department_code", String(40), nullable=False),
        Column("town", String(40), nullable=False),
        Column("channel", String(12), nullable=False),
    )


def _sums(names: tuple[str, ...]) -> tuple[Column[object], ...]:
    """One integer column per measure, 0 unless written."""
    return tuple(Column(name, Integer, nullable=False, server_default="0") for name in names)


indicator_case_daily = Table(
    "indicator_case_daily",
    metadata,
    # Daily sums per item × department × centre × channel; the town is the centre's.
    Column("id", BigId, primary_key=True),
    *_rollup_key("day"),
    *_sums(CASE_DAILY_MEASURES),
    UniqueConstraint(
        "day",
        "item_code",
        "department_code",
        "centre_code",
        "channel",
        name="uq_indicator_case_daily_key",
    ),
)

indicator_case_monthly = Table(
    "indicator_case_monthly",
    metadata,
    # The daily rows summed by month (``month`` is its first day): what a month, quarter or
    # year reads, a twelfth to a thirtieth of the daily rows.
    Column("id", BigId, primary_key=True),
    *_rollup_key("month"),
    *_sums(CASE_DAILY_MEASURES),
    UniqueConstraint(
        "month",
        "item_code",
        "department_code",
        "centre_code",
        "channel",
        name="uq_indicator_case_monthly_key",
    ),
)
# Migration 0051: a department's month, quarter or year cut by centre or item (the Excel
# export by department) reads that department's rows, not every row of the period.
Index(
    "ix_indicator_case_monthly_department_month",
    indicator_case_monthly.c.department_code,
    indicator_case_monthly.c.month,
)

indicator_case_town_monthly = Table(
    "indicator_case_town_monthly",
    metadata,
    # The monthly rows summed by the centre's town instead of item and centre ('' online): what
    # the district's and towns' month, quarter and year panels read, whole, by town, department
    # or channel (a few hundred rows a month).
    Column("id", BigId, primary_key=True),
    *_town_key(),
    *_sums(CASE_DAILY_MEASURES),
    UniqueConstraint(
        "month", "department_code", "town", "channel", name="uq_indicator_case_town_monthly_key"
    ),
)

indicator_case_pending = Table(
    "indicator_case_pending",
    metadata,
    # The case rollups' ledger (migration 0052): each case write appends what it adds to the
    # daily row of its key (a plain insert, so concurrent writers never touch the same row);
    # ``services/indicators/ledger.fold`` moves the rows into the three rollups above.
    Column("id", BigId, primary_key=True),
    *_rollup_key("day"),
    *_sums(CASE_DAILY_MEASURES),
)

RATING_DAILY_MEASURES = (
    "ratings_total",
    "ratings_satisfied",
    "ratings_poor",
    "ratings_poor_called_back",
)

indicator_rating_daily = Table(
    "indicator_rating_daily",
    metadata,
    # 好差评 sums per day rated × item × department × centre × channel (the rated case's
    # channel, 'window' for a ticket); '' where the rating has no item, department or centre.
    Column("id", BigId, primary_key=True),
    *_rollup_key("day"),
    *_sums(RATING_DAILY_MEASURES),
    UniqueConstraint(
        "day",
        "item_code",
        "department_code",
        "centre_code",
        "channel",
        name="uq_indicator_rating_daily_key",
    ),
)
# Migration 0051: likewise for the ratings cut by centre or item, by the day rated.
Index(
    "ix_indicator_rating_daily_department_day",
    indicator_rating_daily.c.department_code,
    indicator_rating_daily.c.day,
)

indicator_rating_town_monthly = Table(
    "indicator_rating_town_monthly",
    metadata,
    # The daily rating rows summed by month × department × town × channel: what the month,
    # quarter and year panels read when only the town, department or channel is asked for.
    Column("id", BigId, primary_key=True),
    *_town_key(),
    *_sums(RATING_DAILY_MEASURES),
    UniqueConstraint(
        "month", "department_code", "town", "channel", name="uq_indicator_rating_town_monthly_key"
    ),
)
