"""Taking case numbers: from the day's counter, in blocks on PostgreSQL.

The counter row of a day (``case_number_counters``) stays locked from the moment it is bumped
until that transaction ends.  Bumped inside every submitting transaction, it made every
concurrent submission of the day queue behind the one before it (and a 秒批 decision's
transaction is long).  On PostgreSQL a process therefore reserves ``BLOCK`` numbers at a time
on a connection of its own in autocommit, and hands them out to its next cases without touching
the counter row; the row is locked only for that one statement.  The connection is not taken
from the engine's pool: a case holds a pooled connection when it needs a number, and with every
pooled connection held by cases waiting (on an idempotency key, say) for the one that needs a
number, a second pooled connection would never come.

What this costs: numbers are unique and grow through the day, but two processes hand out
interleaved blocks, so a later case of one process may carry a smaller number than an earlier
case of another; and a number whose case rolled back, like the spare numbers a process still
holds when it stops, is never used (a gap in the day's sequence).  On SQLite, where writers
queue on the database lock anyway (and a second writer would wait for the first), every case
takes the counter's next number inside its own transaction: no gaps.
"""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import psycopg
from sqlalchemy import Engine, event

from tongban.adapters.db.async_reader import libpq_dsn
from tongban.adapters.db.engine import (
    pooler_of,
    psycopg_connect_args,
    psycopg_sql,
    side_url_of,
)
from tongban.domain.cases.numbers import format_number
from tongban.services.cases import repository as repo
from tongban.services.platform.unit_of_work import UnitOfWork

BLOCK = 10
"""Numbers reserved per counter update on PostgreSQL."""
APPLICATION_NAME = "tongban-case-numbers"
_RESERVE_SQL = psycopg_sql(repo.RESERVE["postgresql"])


@dataclass
class _Spare:
    """One process's reserved, unused numbers of one database, by day, and the connection it
    reserves them on; one thread at a time."""

    dsn: str
    connect_args: dict[str, Any] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    by_day: dict[date, list[int]] = field(default_factory=dict)
    conn: psycopg.Connection[Any] | None = None

    def take(self, day: date) -> int:
        with self.lock:
            for old in [d for d in self.by_day if d < day]:
                del self.by_day[old]  # yesterday's spares stay unused
            numbers = self.by_day.get(day)
            if not numbers:
                last = self._reserve(day)
                numbers = self.by_day[day] = list(range(last, last - BLOCK, -1))
            return numbers.pop()  # the smallest

    def _reserve(self, day: date) -> int:
        params = {"day": day, "count": BLOCK, "count_again": BLOCK}
        for attempt in (1, 2):
            if self.conn is None or self.conn.closed:
                self.conn = psycopg.connect(
                    self.dsn,
                    autocommit=True,
                    application_name=APPLICATION_NAME,
                    **self.connect_args,
                )
            try:
                row = self.conn.execute(_RESERVE_SQL, params).fetchone()
                assert row is not None
                return int(row[0])
            except psycopg.OperationalError:
                self.close()  # a broken connection: a fresh one gets one more try
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        conn, self.conn = self.conn, None
        if conn is not None:
            conn.close()


_spares: weakref.WeakKeyDictionary[Engine, _Spare] = weakref.WeakKeyDictionary()
_spares_lock = threading.Lock()


def _spare_of(engine: Engine) -> _Spare:
    with _spares_lock:
        spare = _spares.get(engine)
        if spare is None:
            connect_args = psycopg_connect_args(pooler_of(engine))
            spare = _spares[engine] = _Spare(libpq_dsn(side_url_of(engine)), connect_args)
            event.listen(engine, "engine_disposed", lambda _engine: spare.close())
        return spare


def take(uow: UnitOfWork, day: date) -> str:
    """The next case number of ``day`` for a case created in ``uow``'s transaction."""
    if uow.dialect != "postgresql":
        return repo.next_number(uow.conn, day)
    return format_number(repo.case_prefix(uow.conn), day, _spare_of(uow.engine).take(day))
