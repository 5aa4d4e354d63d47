"""Retention: monthly partitions made ahead and expired ones detached, short-lived rows purged.

Two worker sweeps call this module:

* ``partitions`` (every 6 hours): on PostgreSQL, for the audit and data-access logs, the
  partitions of the current month and ``partitions_ahead_months`` after it are made, months
  older than the table's retention are detached (then dropped, or kept in the ``archive``
  schema), and rows of expired months that sit in the default partition are deleted in
  batches.  On SQLite the same retention deletes the rows in batches.  The data space's access
  events, not partitioned, lose their expired months in batches on both engines.  A month is
  expired when every instant in it is older than the retention: ``keep`` full months are kept
  before the current one.
* ``purge_old_rows`` (hourly): sessions, SMS codes, log-in throttle counters, idempotency keys,
  sent outbox messages and old in-app messages, deleted in batches of short transactions on
  both engines, so a purge never holds locks on a large set.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import ColumnElement, Table, and_, delete, or_, select, tuple_

from tongban.adapters.db import partitions
from tongban.adapters.db.tables import (
    audit_log,
    data_access_log,
    idempotency_keys,
    inbox_messages,
    login_throttle,
    outbox,
    sessions,
    sms_codes,
    sweep_failures,
)
from tongban.adapters.db.tables_data_space import data_access_events
from tongban.config import Settings
from tongban.domain.shared.clock import CHINA_TZ
from tongban.services.platform.outbox import KEEP_SENT, Status
from tongban.services.platform.unit_of_work import UnitsOfWork

log = logging.getLogger("tongban.retention")

BATCH = 1000
"""Rows deleted per transaction."""

KEEP_SMS_CODES = timedelta(days=1)
"""An SMS code is kept a day past its expiry (the support desk may ask whether one was sent)."""

KEEP_THROTTLE = timedelta(days=7)
"""A log-in throttle counter untouched for a week, and not locking anything, starts afresh."""

KEEP_SWEEP_FAILURES = timedelta(days=90)
"""A row a batched sweep could not handle is retried on the sweep's next run; the record of
each failure stays a quarter for the operator (a row failing every minute leaves 1,440 a day)."""


class RetentionPorts(UnitsOfWork, Protocol):
    @property
    def settings(self) -> Settings: ...


@dataclass(frozen=True)
class Rule:
    """How long one partitioned table keeps its rows, and what becomes of an expired month."""

    table: Table
    keep_months: int
    archive: bool


def rules(settings: Settings) -> tuple[Rule, ...]:
    return (
        Rule(audit_log, settings.audit_log_keep_months, settings.audit_log_expired == "archive"),
        Rule(
            data_access_log,
            settings.data_access_log_keep_months,
            settings.data_access_log_expired == "archive",
        ),
    )


def batch_rules(settings: Settings) -> tuple[Rule, ...]:
    """Tables kept by the month like the logs but not partitioned: expired rows are deleted in
    batches.  The data space's access events are a fraction of the access log's rows (the log
    records every staff read, the events only reads of the data space), nothing references
    them, and their expired rows, picked by ``at`` (index 0049), go a month's worth at a time
    at most, so partitioning (a rebuild of the table under lock) would buy little."""
    return (Rule(data_access_events, settings.resolved_events_keep_months(), archive=False),)


def cutoff(now: datetime, keep_months: int) -> datetime:
    """Rows before this instant are expired: the start of the month ``keep_months`` back."""
    month = partitions.add_months(partitions.month_of(now), -keep_months)
    return datetime(month.year, month.month, 1, tzinfo=CHINA_TZ)


@dataclass
class PartitionReport:
    created: list[str] = field(default_factory=list)
    detached: list[str] = field(default_factory=list)
    archived: list[str] = field(default_factory=list)
    deleted: dict[str, int] = field(default_factory=dict)


def delete_in_batches(
    ports: UnitsOfWork, table: Table, *where: ColumnElement[bool], batch: int = BATCH
) -> int:
    """Delete the rows of ``table`` matching ``where``, ``batch`` rows per transaction."""
    key = list(table.primary_key.columns)
    chosen = select(*key).where(*where).limit(batch)
    match: ColumnElement[bool] = key[0].in_(chosen) if len(key) == 1 else tuple_(*key).in_(chosen)
    total = 0
    while True:
        with ports.uow() as uow, uow.atomic():
            # ``where`` again outside: on a partitioned table it prunes the partitions probed.
            count = uow.conn.execute(delete(table).where(match, *where)).rowcount
        total += count
        if count < batch:
            return total


def maintain_partitions(ports: RetentionPorts, now: datetime) -> PartitionReport:
    """Make partitions ahead, detach expired months, delete expired stray rows (the sweep)."""
    report = PartitionReport()
    ahead = ports.settings.partitions_ahead_months
    for rule in rules(ports.settings):
        name = rule.table.name
        before = cutoff(now, rule.keep_months)
        with ports.uow() as uow, uow.atomic():
            partitioned = partitions.is_partitioned(uow.conn, name)
            if partitioned:
                partitions.limit_lock_wait(uow.conn)
                current = partitions.month_of(now)
                report.created += partitions.ensure_months(
                    uow.conn, name, current, partitions.add_months(current, ahead)
                )
                expired = [
                    p
                    for p in partitions.monthly_partitions(uow.conn, name)
                    if partitions.add_months(p.month, 1) <= partitions.month_of(before)
                ]
        if partitioned:
            for partition in expired:
                # One short transaction each: the parent's lock is held only for the detach.
                with ports.uow() as uow, uow.atomic():
                    partitions.limit_lock_wait(uow.conn)
                    where = partitions.detach(uow.conn, name, partition, archive=rule.archive)
                report.detached.append(partition.name)
                if where:
                    report.archived.append(where)
                log.info("%s: month %s detached (%s)", name, partition.month, where or "dropped")
        # On PostgreSQL this finds only the default partition's strays; on SQLite, every row.
        report.deleted[name] = delete_in_batches(ports, rule.table, rule.table.c.at < before)
    report.deleted.update(purge_by_month(ports, now))
    return report


def purge_by_month(ports: RetentionPorts, now: datetime, *, batch: int = BATCH) -> dict[str, int]:
    """Delete the expired months of the tables of ``batch_rules``, ``batch`` rows a transaction;
    returns rows deleted per table."""
    return {
        rule.table.name: delete_in_batches(
            ports, rule.table, rule.table.c.at < cutoff(now, rule.keep_months), batch=batch
        )
        for rule in batch_rules(ports.settings)
    }


@dataclass
class PurgeReport:
    deleted: dict[str, int] = field(default_factory=dict)


def purge_short_lived(ports: RetentionPorts, now: datetime, *, batch: int = BATCH) -> PurgeReport:
    """Delete expired sessions, SMS codes, throttle counters and idempotency keys, sent outbox
    messages past 30 days, in-app messages past ``inbox_keep_days`` and sweep failures past 90
    days, in batches."""
    keep_inbox = timedelta(days=ports.settings.inbox_keep_days)
    throttle = login_throttle.c
    targets: list[tuple[Table, list[Any]]] = [
        (sessions, [sessions.c.expires_at <= now]),
        (sms_codes, [sms_codes.c.expires_at < now - KEEP_SMS_CODES]),
        (
            login_throttle,
            [
                throttle.window_started_at < now - KEEP_THROTTLE,
                or_(throttle.locked_until.is_(None), throttle.locked_until <= now),
            ],
        ),
        (idempotency_keys, [idempotency_keys.c.expires_at <= now]),
        # Failed messages stay for an operator to inspect.
        (outbox, [and_(outbox.c.status == Status.SENT.value, outbox.c.sent_at < now - KEEP_SENT)]),
        (inbox_messages, [inbox_messages.c.created_at < now - keep_inbox]),
        (sweep_failures, [sweep_failures.c.failed_at < now - KEEP_SWEEP_FAILURES]),
    ]
    report = PurgeReport()
    for table, where in targets:
        report.deleted[table.name] = delete_in_batches(ports, table, *where, batch=batch)
    return report
