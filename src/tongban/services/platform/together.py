"""Several independent multi-row inserts sent as one statement (one round trip).

On PostgreSQL the inserts after the first ride along as data-modifying CTEs
(``WITH w1 AS (INSERT ...), w2 AS (INSERT ...) INSERT ...``): they run in the same snapshot,
all or nothing, and none may read what another writes, so only inserts that do not depend on
each other's rows are sent together.  Elsewhere (SQLite, in process, no round trips) each
insert is executed on its own, as before.  The combined statement is built once per shape
(which inserts, how many rows, which columns) with named parameters, each row its own
single-row insert so that SQLAlchemy compiles each shape once.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, bindparam
from sqlalchemy.sql.dml import Insert

Part = tuple[Insert, Sequence[Mapping[str, Any]]]
"""An insert statement (without RETURNING) and the rows it writes."""

_built: dict[tuple[Any, ...], Insert] = {}
_lock = threading.Lock()
_MAX_SHAPES = 512
"""Shapes vary only with the row counts; bounded so an odd caller cannot grow it forever."""
MAX_ROWS = 32
"""Together only up to this many rows in all: a use case's handful.  A bulk write (the demo's
thousands of rollup rows) goes insert by insert, each an executemany, as elsewhere."""


def _shape(parts: Sequence[Part]) -> tuple[Any, ...]:
    return tuple((stmt, tuple(tuple(row) for row in rows)) for stmt, rows in parts)


def _combined(parts: Sequence[Part]) -> Insert:
    """One single-row insert per row (SQLAlchemy caches the compiled form of those, not of a
    multi-row VALUES), the first as the statement and the others as its CTEs."""
    built: list[Insert] = []
    for p, (stmt, rows) in enumerate(parts):
        table = stmt.table
        for r, row in enumerate(rows):
            values = {name: bindparam(f"w{p}_{r}_{name}", type_=table.c[name].type) for name in row}
            built.append(stmt.values(values))
    first, *rest = built
    for n, other in enumerate(rest, start=1):
        first = first.add_cte(other.cte(f"w{n}"))
    return first


def write_together(conn: Connection, parts: Sequence[Part]) -> None:
    """Execute every part that has rows: as one statement on PostgreSQL, one by one elsewhere."""
    parts = [(stmt, list(rows)) for stmt, rows in parts if rows]
    if not parts:
        return
    alone = len(parts) == 1 or sum(len(rows) for _, rows in parts) > MAX_ROWS
    if conn.dialect.name != "postgresql" or alone:
        for stmt, rows in parts:
            conn.execute(stmt, rows)
        return
    shape = _shape(parts)
    combined = _built.get(shape)
    if combined is None:
        combined = _combined(parts)
        with _lock:
            if len(_built) >= _MAX_SHAPES:
                _built.clear()
            _built[shape] = combined
    params = {
        f"w{p}_{r}_{name}": value
        for p, (_stmt, rows) in enumerate(parts)
        for r, row in enumerate(rows)
        for name, value in row.items()
    }
    conn.execute(combined, params)
