"""Sweeps in batches: a keyset cursor, short transactions, several workers, bad rows set aside.

A sweep's set (the cases whose clock runs, the bookings not kept …) may hold millions of rows.
``sweep_in_batches`` pages through it by its key (``WHERE key > last ORDER BY key LIMIT n``)
and handles each page in its own transaction, so no transaction holds more than ``n`` rows,
and a crash loses at most the page in hand, which rolls back whole.

Several workers share a sweep on PostgreSQL: each page is selected ``FOR UPDATE SKIP LOCKED``,
so a worker passes over the rows another is handling.  Once that other worker commits, its rows
no longer match the sweep's condition (the case is accepted, the booking is a no-show) or their
effect carries a dedup key (an alert, a reminder), so a row is changed once whoever reaches it
and however often a sweep is resumed.  That is the contract for a sweep's ``handle``: it must be
idempotent, and a state-changing sweep selects only rows in the state it changes.  On SQLite
the engine has one writer at a time (BEGIN IMMEDIATE): the pages are the same, unlocked.

Each row runs in a savepoint: a row that raises is rolled back alone, logged, counted
(``tongban_sweep_row_failures``) and kept in ``sweep_failures``, and the page goes on.  A
``DomainError`` (someone acted on the case first: a stale version, an illegal transition) is
not a failure: the row is skipped.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import (
    Column,
    ColumnElement,
    Connection,
    Row,
    Select,
    Table,
    delete,
    insert,
    select,
    tuple_,
    update,
)

from tongban.adapters.db.tables import sweep_failures
from tongban.config import Settings
from tongban.domain.errors import DomainError
from tongban.domain.shared.clock import china_date
from tongban.domain.shared.masking import mask_text
from tongban.services.platform import telemetry
from tongban.services.platform.unit_of_work import UnitOfWork, UnitsOfWork

log = logging.getLogger("tongban.sweeps")

DEFAULT_BATCH = 200


class SweepPorts(UnitsOfWork, Protocol):
    """What a batched sweep needs from the container: units of work and the batch size."""

    @property
    def settings(self) -> Settings: ...


class Handle(Protocol):
    """Handle one row inside the page's transaction: True if it changed something."""

    def __call__(self, uow: UnitOfWork, row: Row[Any], /) -> bool: ...


@dataclass
class BatchReport:
    """What a batched sweep did: rows seen, changed, skipped (someone acted first), failed."""

    seen: int = 0
    changed: int = 0
    skipped: int = 0
    failed: int = 0
    pages: int = 0


def sweep_in_batches(
    ports: UnitsOfWork,
    sweep: str,
    query: Select[Any],
    key: Column[Any],
    handle: Handle,
    now: datetime,
    *,
    batch: int = DEFAULT_BATCH,
    lock: Table | None = None,
) -> BatchReport:
    """Run ``handle`` on every row of ``query``, one keyset page per transaction.

    ``lock``: the table whose rows a page locks on PostgreSQL (``FOR UPDATE OF lock SKIP
    LOCKED``), by default ``key``'s.  An exception that is not an ``Exception`` (the process
    is being stopped) rolls back the page in hand and ends the sweep.
    """
    report = BatchReport()
    locked = lock if lock is not None else key.table
    last: Any = None
    while True:
        with ports.uow() as uow, uow.atomic():
            page = query.order_by(key).limit(batch)
            if last is not None:
                page = page.where(key > last)
            if uow.dialect == "postgresql":
                page = page.with_for_update(of=locked, skip_locked=True)
            rows = uow.conn.execute(page).all()
            report.pages += 1
            for row in rows:
                report.seen += 1
                outcome = handle_one(uow, sweep, row, row._mapping[key], handle, now)
                if outcome is None:
                    report.failed += 1
                elif outcome:
                    report.changed += 1
                else:
                    report.skipped += 1
        if len(rows) < batch:
            break
        last = rows[-1]._mapping[key]
    if report.failed:
        log.warning("sweep %s: %s of %s rows failed", sweep, report.failed, report.seen)
    return report


def handle_one(
    uow: UnitOfWork,
    sweep: str,
    row: Row[Any],
    row_key: object,
    handle: Callable[[UnitOfWork, Row[Any]], bool],
    now: datetime,
) -> bool | None:
    """``handle`` one row in a savepoint: its outcome, or None if it failed (and was recorded)."""
    try:
        with uow.atomic(savepoint=True):
            return handle(uow, row)
    except DomainError as error:  # StaleVersion, IllegalTransition: someone acted first
        log.info("sweep %s skipped row %s: %s", sweep, row_key, error.message)
        return False
    except Exception as error:
        log.exception("sweep %s: row %s failed; the sweep goes on", sweep, row_key)
        record_failure(uow, sweep, row_key, error, now)
        return None


def record_failure(
    uow: UnitOfWork, sweep: str, row_key: object, error: BaseException, now: datetime
) -> None:
    """Keep the failure in ``sweep_failures`` (in the page's transaction) and count it."""
    reason = mask_text(f"{type(error).__name__}: {error}")[:500]
    uow.conn.execute(
        insert(sweep_failures).values(
            sweep=sweep, row_key=str(row_key)[:100], error=reason, failed_at=now
        )
    )
    uow.after_commit(lambda: telemetry.count_sweep_row_failure(sweep))


@dataclass(frozen=True)
class OverdueAlerts:
    """An overdue-alert sweep (超期预警): each row of ``query(today)`` (past its deadline) is
    alerted by ``alert_one``, once per row and deadline (its dedup key), in keyset pages of
    ``sweep_batch_size`` shared by the workers; a run returns how many rows are overdue."""

    name: str
    query: Callable[[date], Select[Any]]
    key: Column[Any]
    alert_one: Callable[[Connection, Row[Any], datetime], bool]
    lock: Table | None = None
    """As ``sweep_in_batches``: the table a page locks, when ``key``'s is joined to others."""
    interval: timedelta = timedelta(minutes=30)

    def __call__(self, ports: SweepPorts, now: datetime) -> int:
        report = sweep_in_batches(
            ports,
            self.name,
            self.query(china_date(now)),
            self.key,
            lambda uow, row: self.alert_one(uow.conn, row, now),
            now,
            batch=ports.settings.sweep_batch_size,
            lock=self.lock,
        )
        return report.seen

    def register(self, add: Callable[..., None]) -> None:
        """Register the sweep with the worker (``worker.register_sweep``), shared."""
        add(self.name, self, interval=self.interval, shared=True)


def update_in_batches(
    ports: UnitsOfWork,
    table: Table,
    condition: ColumnElement[bool],
    values: dict[str, Any],
    *,
    batch: int = DEFAULT_BATCH,
) -> int:
    """Set ``values`` on the rows of ``table`` matching ``condition``, ``batch`` rows per
    transaction; ``values`` must take a row out of ``condition`` (a status change), or the
    loop would never end.  PostgreSQL: ``SKIP LOCKED``, as ``purge_in_batches``."""
    key = list(table.primary_key.columns)
    total = 0
    while True:
        with ports.uow() as uow, uow.atomic():
            page = select(*key).where(condition).limit(batch)
            if uow.dialect == "postgresql":
                page = page.with_for_update(skip_locked=True)
            picked = key[0].in_(page) if len(key) == 1 else tuple_(*key).in_(page)
            changed = uow.conn.execute(update(table).where(picked).values(values)).rowcount
        total += changed
        if changed < batch:
            return total


def purge_in_batches(
    ports: UnitsOfWork, table: Table, condition: ColumnElement[bool], *, batch: int = DEFAULT_BATCH
) -> int:
    """Delete the rows of ``table`` matching ``condition``, ``batch`` rows per transaction.

    No cursor is needed: a deleted row leaves the set.  Each page picks its rows by primary key
    (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so two workers purge disjoint rows), so no
    transaction holds more than ``batch`` row locks or a long-lived snapshot.
    """
    key = list(table.primary_key.columns)
    total = 0
    while True:
        with ports.uow() as uow, uow.atomic():
            page = select(*key).where(condition).limit(batch)
            if uow.dialect == "postgresql":
                page = page.with_for_update(skip_locked=True)
            picked = key[0].in_(page) if len(key) == 1 else tuple_(*key).in_(page)
            deleted = uow.conn.execute(delete(table).where(picked)).rowcount
        total += deleted
        if deleted < batch:
            return total
