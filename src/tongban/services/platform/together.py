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

``write_returning`` does the same with an insert whose RETURNING rows the caller needs (a
秒批 decision's consent grants, whose ids its logs carry) as the statement, the others riding
along: sent at once, its rows returned.

``holding`` lets a request's last write ride along with the statement that ends it: inside the
block, on PostgreSQL, what ``write_together`` is given is held back instead of sent, and
``finish_with`` sends it with its own statement (the idempotency key's answer) as one.  Any
other statement on the connection first sends what is held, and so does a savepoint; a rollback
drops it.  So the database sees the same statements in the same order, one round trip fewer;
only a held insert that fails (none of a use case's should) fails at the next statement.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import Connection, Engine, bindparam, event
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.dml import Insert, UpdateBase

Part = tuple[Insert, Sequence[Mapping[str, Any]]]
"""An insert statement (without RETURNING, but for ``write_returning``'s first) and the rows
it writes."""

MAX_ROWS = 32
"""Together only up to this many rows in all: a use case's handful.  A bulk write (the demo's
thousands of rollup rows) goes insert by insert, each an executemany, as elsewhere."""
_MAX_SHAPES = 512
"""Shapes vary only with the row counts; bounded so an odd caller cannot grow it forever."""


@dataclass(frozen=True)
class _Prepared:
    sql: str
    names: tuple[str, ...]
    """Each parameter's name, in the order of the parts' rows and their values (the shape
    fixes the columns of each row, in order)."""
    processed: tuple[tuple[int, str, Callable[[Any], Any]], ...]
    """(position, name, bind processor) of the parameters that have one (JSON, time stamps):
    the others go as they are."""


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
    processed = tuple((n, k, f) for n, (k, f) in enumerate(processors.items()) if f is not None)
    return _Prepared(str(first.compile(dialect=dialect)), tuple(processors), processed)


def write_together(conn: Connection, parts: Sequence[Part]) -> None:
    """Execute every part that has rows: as one statement on PostgreSQL, one by one elsewhere
    (inside ``holding``, held back to go with the statement that ends the block)."""
    given = [(stmt, list(rows)) for stmt, rows in parts if rows]
    if not given:
        return
    hold = _held.get()
    if hold is not None and hold.conn is conn and not conn.in_nested_transaction():
        _send_held(hold)
        hold.parts = given
        return
    _send(conn, given)


def _send(conn: Connection, parts: list[tuple[Insert, list[Mapping[str, Any]]]]) -> None:
    alone = len(parts) == 1 or sum(len(rows) for _, rows in parts) > MAX_ROWS
    if conn.dialect.name != "postgresql" or alone:
        for stmt, rows in parts:
            conn.execute(stmt, rows)
        return
    prepared, params = _bound(conn.dialect, parts)
    conn.exec_driver_sql(prepared.sql, params)


def _bound(
    dialect: Dialect, parts: list[tuple[Insert, list[Mapping[str, Any]]]]
) -> tuple[_Prepared, dict[str, Any]]:
    """The combined statement of ``parts`` (compiled once per shape) and its parameters."""
    shape = _shape(dialect, parts)
    prepared = _prepared.get(shape)
    if prepared is None:
        prepared = _prepare(dialect, parts)
        with _lock:
            if len(_prepared) >= _MAX_SHAPES:
                _prepared.clear()
            _prepared[shape] = prepared
    values = [value for _stmt, rows in parts for row in rows for value in row.values()]
    params = dict(zip(prepared.names, values, strict=True))
    for n, key, process in prepared.processed:
        params[key] = process(values[n])
    return prepared, params


def write_returning(conn: Connection, first: Part, parts: Sequence[Part]) -> list[Any]:
    """``first``, an insert with RETURNING, and the independent inserts ``parts``: on
    PostgreSQL one statement whose main insert is ``first`` (the others ride along as CTEs),
    sent at once (never held back); elsewhere one by one, ``first`` first.  Returns ``first``'s
    rows, in no promised order."""
    stmt, rows = first
    if not rows:
        write_together(conn, parts)
        return []
    given = [(s, list(r)) for s, r in parts if r]
    together = [(stmt, list(rows)), *given]
    if (
        conn.dialect.name != "postgresql"
        or not given
        or sum(len(r) for _, r in together) > MAX_ROWS
    ):
        found = list(conn.execute(stmt, list(rows)).all())
        write_together(conn, given)
        return found
    hold = _held.get()
    if hold is not None and hold.conn is conn:
        _send_held(hold)  # what was held goes first, as it would have
    prepared, params = _bound(conn.dialect, together)
    return list(conn.exec_driver_sql(prepared.sql, params).all())


# --- the last write held back for the statement that ends the request ------------------------


@dataclass
class _Hold:
    conn: Connection
    parts: list[tuple[Insert, list[Mapping[str, Any]]]] = field(default_factory=list)


_held: ContextVar[_Hold | None] = ContextVar("tongban_held_writes", default=None)
_guarded: weakref.WeakSet[Engine] = weakref.WeakSet()


def _send_held(hold: _Hold) -> None:
    parts, hold.parts = hold.parts, []
    if parts:
        _send(hold.conn, parts)


def _before_statement(conn: Connection, *_args: Any) -> None:
    hold = _held.get()
    if hold is not None and hold.parts and hold.conn is conn:
        _send_held(hold)


def _on_rollback(conn: Connection) -> None:
    hold = _held.get()
    if hold is not None and hold.conn is conn:
        hold.parts = []


def _guard(engine: Engine) -> None:
    """Send what is held before any other statement, a savepoint or a commit; drop it on a
    rollback (listeners installed once per engine; they cost nothing outside ``holding``)."""
    if engine in _guarded:
        return
    with _lock:
        if engine in _guarded:
            return
        event.listen(engine, "before_execute", _before_statement)
        event.listen(engine, "savepoint", _before_statement)
        event.listen(engine, "commit", _before_statement)
        event.listen(engine, "rollback", _on_rollback)
        _guarded.add(engine)


@contextmanager
def holding(conn: Connection) -> Iterator[None]:
    """Hold back the last ``write_together`` on ``conn`` (PostgreSQL) until ``finish_with``,
    another statement or the end of the block sends it; see the module docstring."""
    if conn.dialect.name != "postgresql":
        yield
        return
    _guard(conn.engine)
    hold = _Hold(conn)
    token = _held.set(hold)
    try:
        yield
    except BaseException:
        hold.parts = []
        raise
    finally:
        _held.reset(token)
    _send_held(hold)


@dataclass(frozen=True)
class _Ending:
    sql: str
    compiled: SQLCompiler
    processors: dict[str, Callable[[Any], Any]]
    names: tuple[str, ...]
    """The held rows' parameter names, in the order of the parts' rows and their values (the
    shape fixes the columns of each row, in order)."""


_endings: dict[tuple[Any, ...], _Ending] = {}


def finish_with(conn: Connection, statement: UpdateBase, params: Mapping[str, Any]) -> int:
    """Execute ``statement`` (built once, with named parameters) carrying what ``holding``
    held back as data-modifying CTEs: one statement.  Returns ``statement``'s own rowcount."""
    hold = _held.get()
    parts: list[tuple[Insert, list[Mapping[str, Any]]]] = []
    if hold is not None and hold.conn is conn:
        parts, hold.parts = hold.parts, []
    if not parts or sum(len(rows) for _, rows in parts) > MAX_ROWS:
        if parts:
            _send(conn, parts)
        return int(conn.execute(statement, dict(params)).rowcount)
    key = ("ending", statement, _shape(conn.dialect, parts))
    ending = _endings.get(key)
    if ending is None:
        ending = _prepare_ending(conn.dialect, statement, parts)
        with _lock:
            if len(_endings) >= _MAX_SHAPES:
                _endings.clear()
            _endings[key] = ending
    values = dict(params)
    held = (value for _stmt, rows in parts for row in rows for value in row.values())
    values.update(zip(ending.names, held, strict=True))
    processors = ending.processors
    raw = ending.compiled.construct_params(values)
    sent = {k: processors[k](v) if k in processors else v for k, v in raw.items()}
    return int(conn.exec_driver_sql(ending.sql, sent).rowcount)


def _prepare_ending(dialect: Dialect, statement: UpdateBase, parts: Sequence[Part]) -> _Ending:
    built = statement
    for p, (stmt, rows) in enumerate(parts):
        table = stmt.table
        values = [
            {column: bindparam(_name(p, r, column), type_=table.c[column].type) for column in row}
            for r, row in enumerate(rows)
        ]
        built = built.add_cte(stmt.values(values).cte(f"w{p + 1}"))
    compiled = built.compile(dialect=dialect)
    # What Connection.execute applies to each value (the JSON columns' serializer, say).
    processors = cast(dict[str, Callable[[Any], Any]], dict(compiled._bind_processors))
    names = tuple(
        _name(p, r, column)
        for p, (_stmt, rows) in enumerate(parts)
        for r, row in enumerate(rows)
        for column in row
    )
    return _Ending(str(compiled), compiled, processors, names)
