"""Several independent multi-row inserts sent as one statement (one round trip).

On PostgreSQL the inserts after the first ride along as data-modifying CTEs
(``WITH w1 AS (INSERT ...), w2 AS (INSERT ...) INSERT ...``): they run in the same snapshot,
all or nothing, and none may read what another writes, so only inserts that do not depend on
each other's rows are sent together.  Each insert keeps its rows in one multi-row ``VALUES``,
so their ids follow their order as with an insert of its own (the order *between* the CTEs is
unspecified, which is why they must be independent).  Elsewhere (SQLite, in process, no round
trips) each insert is executed on its own, as before, and so is a bulk write.

SQLAlchemy does not cache the compiled form of a multi-row ``VALUES``, so the combined statement
is compiled here once per shape (which inserts, how many rows, which columns) with named
parameters, and each row's values go through their columns' bind processors as SQLAlchemy
would send them.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, bindparam
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.dml import Insert

Part = tuple[Insert, Sequence[Mapping[str, Any]]]
"""An insert statement (without RETURNING) and the rows it writes."""

MAX_ROWS = 32
"""Together only up to this many rows in all: a use case's handful.  A bulk write (the demo's
thousands of rollup rows) goes insert by insert, each an executemany, as elsewhere."""
_MAX_SHAPES = 512
"""Shapes vary only with the row counts; bounded so an odd caller cannot grow it forever."""


@dataclass(frozen=True)
class _Prepared:
    sql: str
    processors: dict[str, Callable[[Any], Any] | None]
    """Each parameter's bind processor, in the order of the parts' rows and their values (the
    shape fixes the columns of each row, in order)."""


_prepared: dict[tuple[Any, ...], _Prepared] = {}
_lock = threading.Lock()


def _shape(dialect: Dialect, parts: Sequence[Part]) -> tuple[Any, ...]:
    rows = tuple((stmt, tuple(tuple(row) for row in rows)) for stmt, rows in parts)
    return (dialect.name, rows)


def _name(p: int, r: int, column: str) -> str:
    return f"w{p}_{r}_{column}"


def _prepare(dialect: Dialect, parts: Sequence[Part]) -> _Prepared:
    built: list[Insert] = []
    processors: dict[str, Callable[[Any], Any] | None] = {}
    for p, (stmt, rows) in enumerate(parts):
        table = stmt.table
        values: list[dict[str, Any]] = []
        for r, row in enumerate(rows):
            values.append({})
            for column in row:
                type_ = table.c[column].type
                values[-1][column] = bindparam(_name(p, r, column), type_=type_)
                processors[_name(p, r, column)] = type_.dialect_impl(dialect).bind_processor(
                    dialect
                )
        built.append(stmt.values(values))
    first, *rest = built
    for n, other in enumerate(rest, start=1):
        first = first.add_cte(other.cte(f"w{n}"))
    return _Prepared(str(first.compile(dialect=dialect)), processors)


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
    shape = _shape(conn.dialect, parts)
    prepared = _prepared.get(shape)
    if prepared is None:
        prepared = _prepare(conn.dialect, parts)
        with _lock:
            if len(_prepared) >= _MAX_SHAPES:
                _prepared.clear()
            _prepared[shape] = prepared
    params = {}
    for (key, process), value in zip(
        prepared.processors.items(),
        (value for _stmt, rows in parts for row in rows for value in row.values()),
        strict=True,
    ):
        params[key] = value if process is None else process(value)
    conn.exec_driver_sql(prepared.sql, params)
