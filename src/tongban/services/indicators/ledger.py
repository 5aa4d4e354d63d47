"""The case rollups' ledger: case writes append, ``fold`` moves the rows into the rollups.

A case write (``services/cases/facts.changes``) appends what it adds to the daily rollup to
``indicator_case_pending``, one plain insert: no two writers share a row, so none waits for
another's commit.  ``fold`` moves the ledger's rows, oldest first and a bounded batch at a
time, into ``indicator_case_daily``, ``indicator_case_monthly`` and
``indicator_case_town_monthly`` (the town is the centre's, as ``recount`` joins it), summed by
key with adding upserts, in one transaction; on PostgreSQL each batch is one statement
(``DELETE … RETURNING`` feeding the three upserts), its rows claimed ``FOR UPDATE SKIP
LOCKED`` so that two folds never wait on each other's ledger rows.  Each upsert writes its rows
in key order, so two folds cannot deadlock on the rollup rows either (one waits for the
other's commit where their keys meet).

Who folds: the worker's ``indicator_fold`` sweep every ``SWEEP_SECONDS``, and every read of the
figures on the primary (``current``, called by ``figures.figure``, ``dashboard.build`` and
``check_has_data``, ``export.workbook``) first, in its own short transaction, so that figures
read on the primary include every case write committed before the read.  A read served by a
replica does not fold (nothing can be written there): it sees what the primary had folded,
``SWEEP_SECONDS`` and the replica's lag behind at most while the worker runs.
"""

from __future__ import annotations

import logging
import threading
import weakref
from typing import Any

from sqlalchemy import Connection, text
from sqlalchemy.engine import RootTransaction
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from tongban.adapters.db.engine import READ_ONLY, REPLICA
from tongban.adapters.db.tables_indicators import CASE_DAILY_MEASURES
from tongban.services.platform.unit_of_work import UnitsOfWork

log = logging.getLogger("tongban.indicators")

BATCH = 5000
"""Ledger rows moved per statement (and per transaction of the sweep)."""
SWEEP_SECONDS = 5
"""The worker's fold interval: what a read on a replica may lag behind the case writes, with
the replica's own delay."""

_KEYS = ("item_code", "department_code", "centre_code", "channel")
_DAY = ("day", *_KEYS)
_MONTH = ("month", *_KEYS)
_TOWN = ("month", "department_code", "town", "channel")
_SUMS = ", ".join(f"sum({m}) AS {m}" for m in CASE_DAILY_MEASURES)


def _upsert(table: str, keys: tuple[str, ...], source: str, where: str = "true") -> str:
    """Add the rows of ``source`` to ``table``'s rows of the same key, in key order."""
    names = ", ".join((*keys, *CASE_DAILY_MEASURES))
    added = ", ".join(f"{m} = {table}.{m} + excluded.{m}" for m in CASE_DAILY_MEASURES)
    return (
        f"INSERT INTO {table} ({names}) SELECT {names} FROM {source} WHERE {where} "
        f"ORDER BY {', '.join(keys)} "
        f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {added}"
    )


def _town_rows(monthly: str) -> str:
    """The town rows of the monthly rows ``monthly`` (the centre's town; '' for none)."""
    return (
        f"SELECT m.month, m.department_code, coalesce(ce.town, '') AS town, m.channel, {_SUMS} "
        f"FROM {monthly} m LEFT JOIN centres ce ON ce.code = m.centre_code "
        "AND m.centre_code <> '' "
        "GROUP BY m.month, m.department_code, coalesce(ce.town, ''), m.channel"
    )


def _postgres_fold(skip_locked: bool) -> str:
    columns = ", ".join((*_DAY, *CASE_DAILY_MEASURES))
    keys = ", ".join(_KEYS)
    claim = "FOR UPDATE SKIP LOCKED" if skip_locked else "FOR UPDATE"
    return f"""WITH moved AS (
  DELETE FROM indicator_case_pending WHERE id IN (
    SELECT id FROM indicator_case_pending ORDER BY id LIMIT :batch {claim})
  RETURNING {columns}),
d AS (SELECT day, {keys}, {_SUMS} FROM moved GROUP BY day, {keys}),
m AS (SELECT date_trunc('month', day)::date AS month, {keys}, {_SUMS} FROM d
  GROUP BY date_trunc('month', day)::date, {keys}),
t AS ({_town_rows("m")}),
w1 AS ({_upsert("indicator_case_daily", _DAY, "d")}),
w2 AS ({_upsert("indicator_case_monthly", _MONTH, "m")}),
w3 AS ({_upsert("indicator_case_town_monthly", _TOWN, "t")})
SELECT count(*) FROM moved"""


_PG_SKIP = text(_postgres_fold(skip_locked=True))
_PG_WAIT = text(_postgres_fold(skip_locked=False))

_SQLITE_LAST = text(
    "SELECT max(id) FROM (SELECT id FROM indicator_case_pending ORDER BY id LIMIT :batch)"
)
_SQLITE_MONTHLY = (
    f"SELECT date(day, 'start of month') AS month, {', '.join(_KEYS)}, {_SUMS} "
    f"FROM indicator_case_pending WHERE id <= :last "
    f"GROUP BY date(day, 'start of month'), {', '.join(_KEYS)}"
)
_SQLITE_FOLD = (
    text(
        _upsert(
            "indicator_case_daily",
            _DAY,
            f"(SELECT {', '.join(_DAY)}, {_SUMS} FROM indicator_case_pending WHERE id <= :last "
            f"GROUP BY {', '.join(_DAY)})",
        )
    ),
    text(_upsert("indicator_case_monthly", _MONTH, f"({_SQLITE_MONTHLY})")),
    text(
        f"WITH m AS ({_SQLITE_MONTHLY}) "
        + _upsert("indicator_case_town_monthly", _TOWN, f"({_town_rows('m')})")
    ),
)
_SQLITE_DELETE = text("DELETE FROM indicator_case_pending WHERE id <= :last")


def fold_batch(conn: Connection, batch: int = BATCH, *, wait: bool = False) -> int:
    """Move up to ``batch`` of the oldest ledger rows into the three rollups, in the caller's
    transaction; the number moved.  On PostgreSQL rows another fold holds are skipped, or with
    ``wait`` waited for (then found gone, as that fold moved them)."""
    if conn.dialect.name == "postgresql":
        return int(conn.execute(_PG_WAIT if wait else _PG_SKIP, {"batch": batch}).scalar_one())
    # SQLite: writers are serialised (BEGIN IMMEDIATE), so the rows up to ``last`` are ours.
    last = conn.execute(_SQLITE_LAST, {"batch": batch}).scalar()
    if last is None:
        return 0
    for statement in _SQLITE_FOLD:
        conn.execute(statement, {"last": last})
    return int(conn.execute(_SQLITE_DELETE, {"last": last}).rowcount)


def fold(conn: Connection, *, batch: int = BATCH, wait: bool = False) -> int:
    """Move every ledger row into the rollups, ``batch`` rows at a time, in the caller's
    transaction; the number moved."""
    moved = 0
    while True:
        done = fold_batch(conn, batch, wait=wait)
        moved += done
        if done < batch:
            return moved


def fold_committed(units: UnitsOfWork, *, batch: int = BATCH) -> int:
    """Fold the ledger a batch per transaction, each committed at once (short row locks)."""
    moved = 0
    while True:
        with units.uow() as uow, uow.atomic():
            done = fold_batch(uow.conn, batch)
        moved += done
        if done < batch:
            return moved


def sweep(units: UnitsOfWork, _now: Any) -> None:
    """The worker's ``indicator_fold`` sweep."""
    moved = fold_committed(units)
    if moved:
        log.info("indicator ledger: %s rows folded into the rollups", moved)


_current: weakref.WeakSet[RootTransaction] = weakref.WeakSet()
_folding = threading.Semaphore(1)
"""One read of a process folds on a connection of its own at a time: a read holds its own
connection while it folds, so with no bound every connection of a busy pool could be a reader
waiting for a second one (until the pool's timeout).  With one, a process needs at most one
connection beyond its readers', and a reader that finds another folding waits for it at most
``FOLD_WAIT`` seconds, then reads (the other fold has moved the ledger up to its own start)."""
FOLD_WAIT = 1.0
"""The reading transactions that have folded already (once is enough: see ``current``)."""


def current(conn: Connection) -> None:
    """Before reading the rollups on ``conn``: fold the ledger, so that the read includes
    every case write committed before it.  Once per transaction of ``conn``; not on a replica
    (nothing can be written there).  A read-only transaction (pages, the API) folds on a
    connection of its own, committed before ``conn`` reads anything (on SQLite the read's
    snapshot starts at its first statement); a transaction that writes folds in itself.  A
    fold that fails (the database busy) is logged and the read goes on with the rollups as
    last folded (so does a read that found no pooled connection free for the fold within the
    pool's timeout)."""
    options = conn.get_execution_options()
    if options.get(REPLICA):
        return
    transaction = conn.get_transaction()
    if transaction is not None:
        if transaction in _current:
            return
        _current.add(transaction)
    if not options.get(READ_ONLY):
        fold(conn, wait=True)
        return
    if not _folding.acquire(timeout=FOLD_WAIT):
        log.info("indicator ledger: another read of this process is folding; read as it is")
        return
    try:
        with conn.engine.connect() as own, own.begin():
            fold(own, wait=True)
    except (DBAPIError, PoolTimeout):
        log.warning("indicator ledger not folded before a read", exc_info=True)
    finally:
        _folding.release()
