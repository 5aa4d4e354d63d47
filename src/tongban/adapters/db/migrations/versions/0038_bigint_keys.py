"""64-bit keys: every surrogate key, every reference to one, and their sequences become bigint

On PostgreSQL the set is read from the catalogue rather than listed: every single-column
``integer`` primary key with a sequence behind it (``serial``), every ``integer`` column with a
foreign key to one of those, and ``inbox_messages.outbox_id`` (an outbox id without a foreign
key).  Each table is altered once, with all its columns in one ``ALTER TABLE`` (one rewrite
under ACCESS EXCLUSIVE: docs/operations.md gives the measured time per million rows), and each
sequence becomes ``AS bigint`` (its maximum rises from 2^31 - 1 with it).

On SQLite there is nothing to do: ``INTEGER`` is already 64-bit there, and an ``INTEGER
PRIMARY KEY`` stays the rowid alias that autoincrements (the tables module maps its 64-bit
keys back to ``INTEGER`` on SQLite).

Revision ID: 0038
Revises: 0036
Create Date: 2026-12-06 20:00:00
"""

from __future__ import annotations

from collections import defaultdict

import sqlalchemy as sa
from alembic import op

revision = "0038"
down_revision = "0036"
branch_labels = None
depends_on = None

LOOSE_IDS = {("inbox_messages", "outbox_id")}
"""Columns that hold a surrogate key without a foreign key to it."""

_SERIAL_KEYS = """
SELECT c.relname AS table_name, a.attname AS column_name,
       pg_get_serial_sequence(quote_ident(c.relname), a.attname) AS sequence
FROM pg_constraint k
JOIN pg_class c ON c.oid = k.conrelid
JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = current_schema()
JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = k.conkey[1]
WHERE k.contype = 'p' AND cardinality(k.conkey) = 1 AND a.atttypid = :type
  AND pg_get_serial_sequence(quote_ident(c.relname), a.attname) IS NOT NULL
"""

_REFERENCES = """
SELECT c.relname AS table_name, a.attname AS column_name,
       rc.relname AS referred_table, ra.attname AS referred_column
FROM pg_constraint k
JOIN pg_class c ON c.oid = k.conrelid
JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = current_schema()
JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = k.conkey[1]
JOIN pg_class rc ON rc.oid = k.confrelid
JOIN pg_attribute ra ON ra.attrelid = k.confrelid AND ra.attnum = k.confkey[1]
WHERE k.contype = 'f' AND cardinality(k.conkey) = 1 AND a.atttypid = :type
"""


def key_columns(conn: sa.Connection, type_name: str) -> tuple[dict[str, list[str]], list[str]]:
    """The columns to change, by table, and the sequences, for keys now of ``type_name``."""
    type_oid = conn.execute(
        sa.text("SELECT CAST(CAST(:t AS regtype) AS oid)"), {"t": type_name}
    ).scalar_one()
    columns: dict[str, set[str]] = defaultdict(set)
    sequences = []
    keys = set()
    for row in conn.execute(sa.text(_SERIAL_KEYS), {"type": type_oid}):
        columns[row.table_name].add(row.column_name)
        keys.add((row.table_name, row.column_name))
        sequences.append(row.sequence)
    for row in conn.execute(sa.text(_REFERENCES), {"type": type_oid}):
        if (row.referred_table, row.referred_column) in keys:
            columns[row.table_name].add(row.column_name)
    for table, column in LOOSE_IDS:
        columns[table].add(column)
    return {table: sorted(names) for table, names in sorted(columns.items())}, sorted(sequences)


def _retype(new_type: str, old_type: str) -> None:
    conn = op.get_bind()
    if conn.dialect.name != "postgresql":
        return
    columns, sequences = key_columns(conn, old_type)
    for table, names in columns.items():
        changes = ", ".join(f'ALTER COLUMN "{name}" TYPE {new_type}' for name in names)
        op.execute(f'ALTER TABLE "{table}" {changes}')
    for sequence in sequences:
        op.execute(f"ALTER SEQUENCE {sequence} AS {new_type}")


def upgrade() -> None:
    _retype("bigint", "integer")


def downgrade() -> None:
    # Fails (and changes nothing) once any key is past 2^31 - 1: that is the point of 0038.
    _retype("integer", "bigint")
