"""Taking case numbers: from the day's counter, in blocks on PostgreSQL.

The counter row of a day (``case_number_counters``) stays locked from the moment it is bumped
until that transaction ends.  Bumped inside every submitting transaction, it made every
concurrent submission of the day queue behind the one before it (and a 秒批 decision's
transaction is long).  On PostgreSQL a process therefore reserves ``BLOCK`` numbers at a time
in a short transaction of its own, committed at once, and hands them out to its next cases
without touching the counter row; the row is locked only for that short transaction.

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

from sqlalchemy import Engine

from tongban.domain.cases.numbers import format_number
from tongban.services import cases_repository as repo
from tongban.services.unit_of_work import UnitOfWork

BLOCK = 10
"""Numbers reserved per counter update on PostgreSQL."""


@dataclass
class _Spare:
    """One process's reserved, unused numbers of one database, by day."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    by_day: dict[date, list[int]] = field(default_factory=dict)

    def take(self, day: date) -> int | None:
        with self.lock:
            for old in [d for d in self.by_day if d < day]:
                del self.by_day[old]  # yesterday's spares stay unused
            numbers = self.by_day.get(day)
            return numbers.pop() if numbers else None

    def add(self, day: date, numbers: range) -> None:
        with self.lock:
            pool = self.by_day.setdefault(day, [])
            pool.extend(numbers)
            pool.sort(reverse=True)  # pop() gives the smallest


_spares: weakref.WeakKeyDictionary[Engine, _Spare] = weakref.WeakKeyDictionary()
_spares_lock = threading.Lock()


def _spare_of(engine: Engine) -> _Spare:
    with _spares_lock:
        spare = _spares.get(engine)
        if spare is None:
            spare = _spares[engine] = _Spare()
        return spare


def take(uow: UnitOfWork, day: date) -> str:
    """The next case number of ``day`` for a case created in ``uow``'s transaction."""
    if uow.dialect != "postgresql":
        return repo.next_number(uow.conn, day)
    spare = _spare_of(uow.engine)
    sequence = spare.take(day)
    if sequence is None:
        # Another connection while this one is held: the pool keeps a few beyond the threads
        # that run routes (``POOL_OVERFLOW``), and this transaction waits on nothing else.
        with uow.engine.begin() as own:
            last = repo.reserve_numbers(own, day, BLOCK)
        sequence = last - BLOCK + 1
        spare.add(day, range(sequence + 1, last + 1))
    return format_number(day, sequence)
