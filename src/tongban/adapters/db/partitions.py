"""Monthly range partitions on PostgreSQL (migration 0039): names, creation ahead, detaching.

A partitioned table ``t`` (by its ``at`` column) has one partition a month, ``t_pYYYYMM``,
covering that month in China time, and ``t_default``, the safety net for rows no monthly
partition covers (a worker that was down for months, a back-dated row).  Partitions are made
by the worker's ``partitions`` sweep ahead of need; expired ones are detached whole, never
emptied by DELETE.  A detached partition is dropped, or kept as a plain table in the
``archive`` schema for an operator to export (``pg_dump -n archive``) and drop.

SQLite has no partitions: the same tables are plain there, and retention deletes in batches.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Connection, text

from tongban.domain.shared.clock import CHINA_TZ

PARTITIONED = ("audit_log", "data_access_log")
"""Tables partitioned by month of ``at`` on PostgreSQL (docs/operations.md says why these)."""

ARCHIVE_SCHEMA = "archive"

_MONTHLY = re.compile(r"_p(\d{4})(\d{2})$")


def is_partition(table_name: str) -> bool:
    """Whether ``table_name`` names a partition (absent from the tables module by design)."""
    base, _, _ = table_name.rpartition("_")
    return base in PARTITIONED and (
        table_name.endswith("_default") or _MONTHLY.search(table_name) is not None
    )


def month_of(moment: datetime) -> date:
    """The first day of ``moment``'s month, in China time."""
    local = moment.astimezone(CHINA_TZ)
    return date(local.year, local.month, 1)


def add_months(month: date, count: int) -> date:
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def partition_name(table: str, month: date) -> str:
    return f"{table}_p{month.year:04d}{month.month:02d}"


def bound(month: date) -> str:
    """The partition bound of ``month``'s first instant, as a literal in China time."""
    return f"'{month.isoformat()} 00:00:00+08'"


@dataclass(frozen=True)
class Partition:
    name: str
    month: date


def monthly_partitions(conn: Connection, table: str) -> list[Partition]:
    """The monthly partitions attached to ``table``, oldest first (the default one left out)."""
    names = conn.execute(
        text(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = CAST(:t AS regclass)"
        ),
        {"t": table},
    ).scalars()
    found = []
    for name in names:
        match = _MONTHLY.search(name)
        if match and name == f"{table}{match.group(0)}":
            found.append(Partition(name, date(int(match.group(1)), int(match.group(2)), 1)))
    return sorted(found, key=lambda p: p.month)


def create_month(conn: Connection, table: str, month: date) -> bool:
    """Create ``month``'s partition of ``table`` unless it exists; True if created.

    Rows of that month already in the default partition are moved into the new one in the
    same transaction (PostgreSQL refuses the partition while the default one holds its rows).
    """
    name = partition_name(table, month)
    exists = conn.execute(text("SELECT to_regclass(:n)"), {"n": name}).scalar()
    if exists is not None:
        return False
    low, high = bound(month), bound(add_months(month, 1))
    default = f"{table}_default"
    stray = conn.execute(
        text(f'SELECT count(*) FROM "{default}" WHERE at >= {low} AND at < {high}')
    ).scalar_one()
    if stray:
        conn.execute(
            text(f'CREATE TEMPORARY TABLE "moving_{name}" (LIKE "{table}") ON COMMIT DROP')
        )
        conn.execute(
            text(
                f'WITH moved AS (DELETE FROM "{default}" WHERE at >= {low} AND at < {high} '
                f'RETURNING *) INSERT INTO "moving_{name}" SELECT * FROM moved'
            )
        )
    conn.execute(
        text(f'CREATE TABLE "{name}" PARTITION OF "{table}" FOR VALUES FROM ({low}) TO ({high})')
    )
    if stray:
        conn.execute(text(f'INSERT INTO "{table}" SELECT * FROM "moving_{name}"'))
    return True


def ensure_months(conn: Connection, table: str, first: date, last: date) -> list[str]:
    """Create every missing monthly partition from ``first`` to ``last``; returns new names."""
    created = []
    month = first
    while month <= last:
        if create_month(conn, table, month):
            created.append(partition_name(table, month))
        month = add_months(month, 1)
    return created


def detach(conn: Connection, table: str, partition: Partition, *, archive: bool) -> str:
    """Detach ``partition``; drop it, or move it to the archive schema.  Returns where it went.

    ``DETACH PARTITION`` (not ``CONCURRENTLY``, which a table with a default partition cannot
    use) holds ACCESS EXCLUSIVE on the parent for the moment it takes, rows are not touched.
    """
    conn.execute(text(f'ALTER TABLE "{table}" DETACH PARTITION "{partition.name}"'))
    if not archive:
        conn.execute(text(f'DROP TABLE "{partition.name}"'))
        return ""
    conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{ARCHIVE_SCHEMA}"'))
    conn.execute(text(f'ALTER TABLE "{partition.name}" SET SCHEMA "{ARCHIVE_SCHEMA}"'))
    return f"{ARCHIVE_SCHEMA}.{partition.name}"


LOCK_TIMEOUT = "5s"
"""How long partition DDL waits for its lock: queued behind a long transaction, it would hold
up every insert into the table behind it; the sweep tries again at its next run instead."""


def limit_lock_wait(conn: Connection) -> None:
    """Bound the wait for the table lock of the partition DDL in this transaction."""
    conn.execute(text(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'"))


def is_partitioned(conn: Connection, table: str) -> bool:
    if conn.dialect.name != "postgresql":
        return False
    kind = conn.execute(
        text("SELECT relkind FROM pg_class WHERE oid = to_regclass(:t)"), {"t": table}
    ).scalar()
    return bool(kind == "p")
