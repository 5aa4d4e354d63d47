"""Bulk writing of generated rows: COPY on PostgreSQL (psycopg's ``cursor.copy``),
executemany batches on SQLite, bypassing SQLAlchemy's per-row statement building.

Rows are dicts of column values as SQLAlchemy would bind them; the writer turns them into what
each engine stores (JSON text, UTC datetimes without a zone on SQLite).  After writing ids
explicitly, ``reset_sequences`` moves PostgreSQL's id sequences past them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, func, select, text


def copy_value(value: Any) -> Any:
    """A value as COPY takes it: JSON as text, everything else as psycopg adapts it."""
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, default=str)
    return value


def sqlite_value(value: Any) -> Any:
    """What SQLAlchemy's SQLite types store: UTC datetimes without a zone, ISO dates, JSON."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, default=str)
    if isinstance(value, bool):
        return int(value)
    return value


class BulkWriter:
    """COPY on PostgreSQL, executemany batches on SQLite, on the connection's transaction."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.postgres = conn.dialect.name == "postgresql"

    def write(self, table: Any, rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        names = list(rows[0])
        raw = self.conn.connection.driver_connection
        assert raw is not None
        if not self.postgres:
            marks = ", ".join("?" * len(names))
            raw.executemany(
                f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({marks})",
                [tuple(sqlite_value(row[n]) for n in names) for row in rows],
            )
            return
        with raw.cursor() as cursor:
            statement = f"COPY {table.name} ({', '.join(names)}) FROM STDIN"
            with cursor.copy(statement) as copy:
                for row in rows:
                    copy.write_row([copy_value(row[n]) for n in names])

    def write_rows(self, table: Any, names: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
        """Rows already in the stored form (JSON and instants as text, dates ISO), as tuples
        in the order of ``names``: what the demo's fast history path writes."""
        if not rows:
            return
        raw = self.conn.connection.driver_connection
        assert raw is not None
        if not self.postgres:
            marks = ", ".join("?" * len(names))
            raw.executemany(f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({marks})", rows)
            return
        with raw.cursor() as cursor:
            statement = f"COPY {table.name} ({', '.join(names)}) FROM STDIN"
            with cursor.copy(statement) as copy:
                for row in rows:
                    copy.write_row(row)

    def reset_sequences(self, tables: Iterable[Any]) -> None:
        """Move each table's id sequence past the ids written (PostgreSQL; SQLite needs none)."""
        if not self.postgres:
            return
        for table in tables:
            self.conn.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                    f"(SELECT coalesce(max(id), 0) + 1 FROM {table.name}), false)"
                )
            )


@contextmanager
def checks_after(conn: Connection, tables: Iterable[Any]) -> Iterator[None]:
    """On PostgreSQL, the tables' foreign keys and plain (``ix_``) indexes dropped for a bulk
    load and put back after it, in the caller's transaction: each key is then checked by one
    join over the table instead of a trigger per row, and each index built once.  Unique
    constraints stay (they guard the numbers and the chains).  SQLite: nothing changes."""
    if conn.dialect.name != "postgresql":
        yield
        return
    names = [table.name for table in tables]
    keys = conn.execute(
        text(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
            "FROM pg_constraint "
            "WHERE contype = 'f' AND conrelid::regclass::text = ANY(:names)"
        ),
        {"names": names},
    ).all()
    indexes = conn.execute(
        text(
            "SELECT indexname, indexdef FROM pg_indexes "
            "WHERE tablename = ANY(:names) AND indexname LIKE 'ix\\_%'"
        ),
        {"names": names},
    ).all()
    for table, name, _ in keys:
        conn.execute(text(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"'))
    for name, _ in indexes:
        conn.execute(text(f'DROP INDEX "{name}"'))
    yield
    for _, definition in indexes:
        conn.execute(text(definition))
    for table, name, definition in keys:
        conn.execute(text(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}'))


def max_id(conn: Connection, table: Any) -> int:
    """The largest id in ``table`` (0 when empty): where explicitly numbered rows start."""
    return int(conn.execute(select(func.coalesce(func.max(table.c.id), 0))).scalar_one())
