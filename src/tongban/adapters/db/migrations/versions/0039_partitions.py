"""Monthly range partitions for the audit log and the data-access log (PostgreSQL)

Each table is rebuilt as ``PARTITION BY RANGE (at)``: its primary key becomes ``(id, at)`` (a
partitioned table's keys must hold the partition key; ``id`` stays unique by its sequence), its
indexes and foreign keys are recreated from the catalogue, partitions are made for every month
its rows cover and for the current month and three ahead (the worker keeps going from there),
plus a default partition, and the rows are copied across.  Nothing references these tables, so
no foreign key has to follow.  The copy holds ACCESS EXCLUSIVE on the table for its duration
(docs/operations.md).

SQLite keeps plain tables: nothing to do.

Revision ID: 0039
Revises: 0038
Create Date: 2026-12-06 20:30:00
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from alembic import op

from tongban.adapters.db import partitions

revision = "0039"
down_revision = "0038"
branch_labels = None
depends_on = None

AHEAD = 3


def _definitions(conn: sa.Connection, table: str) -> tuple[list[str], list[tuple[str, str]]]:
    """The table's secondary indexes (CREATE statements) and its foreign and check constraints."""
    indexes = list(
        conn.execute(
            sa.text(
                "SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema() "
                "AND tablename = :t AND indexname <> :pk"
            ),
            {"t": table, "pk": f"pk_{table}"},
        ).scalars()
    )
    constraints = [
        (row.conname, row.definition)
        for row in conn.execute(
            sa.text(
                "SELECT conname, pg_get_constraintdef(oid) AS definition FROM pg_constraint "
                "WHERE conrelid = CAST(:t AS regclass) AND contype IN ('f', 'c') ORDER BY conname"
            ),
            {"t": table},
        )
    ]
    return indexes, constraints


def _rebuild(conn: sa.Connection, table: str, *, partitioned: bool) -> None:
    old = f"{table}_before_0039"
    indexes, constraints = _definitions(conn, table)
    sequence = conn.execute(
        sa.text("SELECT pg_get_serial_sequence(:t, 'id')"), {"t": table}
    ).scalar_one()
    conn.execute(sa.text(f'LOCK TABLE "{table}" IN ACCESS EXCLUSIVE MODE'))
    conn.execute(sa.text(f'ALTER TABLE "{table}" RENAME TO "{old}"'))
    conn.execute(sa.text(f'ALTER TABLE "{old}" DROP CONSTRAINT "pk_{table}"'))
    for name, _definition in constraints:
        conn.execute(sa.text(f'ALTER TABLE "{old}" DROP CONSTRAINT "{name}"'))
    for statement in indexes:
        conn.execute(sa.text(f'DROP INDEX "{statement.split()[2]}"'))
    how = " PARTITION BY RANGE (at)" if partitioned else ""
    conn.execute(sa.text(f'CREATE TABLE "{table}" (LIKE "{old}" INCLUDING DEFAULTS){how}'))
    conn.execute(sa.text(f'ALTER SEQUENCE {sequence} OWNED BY "{table}".id'))
    if partitioned:
        conn.execute(sa.text(f'CREATE TABLE "{table}_default" PARTITION OF "{table}" DEFAULT'))
        months = conn.execute(
            sa.text(
                "SELECT DISTINCT CAST(date_trunc('month', at AT TIME ZONE 'Asia/Shanghai') "
                f'AS date) FROM "{old}"'
            )
        ).scalars()
        now = conn.execute(
            sa.text("SELECT CAST(date_trunc('month', now() AT TIME ZONE 'Asia/Shanghai') AS date)")
        ).scalar_one()
        wanted: set[date] = set(months)
        wanted.update(partitions.add_months(now, n) for n in range(AHEAD + 1))
        for month in sorted(wanted):
            partitions.create_month(conn, table, month)
    # Rows first, then the key, constraints and indexes: one build each instead of upkeep.
    conn.execute(sa.text(f'INSERT INTO "{table}" SELECT * FROM "{old}"'))
    key = "id, at" if partitioned else "id"
    conn.execute(sa.text(f'ALTER TABLE "{table}" ADD CONSTRAINT "pk_{table}" PRIMARY KEY ({key})'))
    for name, definition in constraints:
        conn.execute(sa.text(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}'))
    for statement in indexes:
        conn.execute(sa.text(statement))
    conn.execute(sa.text(f'DROP TABLE "{old}"'))


def upgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name != "postgresql":
        return
    for table in partitions.PARTITIONED:
        _rebuild(conn, table, partitioned=True)


def downgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name != "postgresql":
        return
    for table in partitions.PARTITIONED:
        _rebuild(conn, table, partitioned=False)
