"""The background worker (``tongban worker``): delivers the outbox and runs the periodic sweeps.

Several workers may run at once (on PostgreSQL): outbox rows are claimed under leases with
``SKIP LOCKED``, and each sweep runs only while its worker holds the sweep's ``job_runs`` lease,
so two workers never run the same sweep at the same time.  SIGTERM or SIGINT stops the worker
after the pass in hand.
"""

from __future__ import annotations

import logging
import os
import secrets
import signal
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import FrameType
from typing import Any

from sqlalchemy import Engine, or_, select, update

from tongban.adapters.db.tables import job_runs
from tongban.adapters.db.tables_data_space import citizen_codes
from tongban.bootstrap import Container
from tongban.services.bundles import applications as bundles
from tongban.services.cases import sweeps as cases_sweeps
from tongban.services.evaluation import sweeps as evaluation_sweeps
from tongban.services.federation import casework as federation_casework  # noqa: F401  (outbox kind)
from tongban.services.federation import delivery as federation_delivery  # noqa: F401  (outbox kind)
from tongban.services.federation import items as federation_items
from tongban.services.identity import check as identity_check
from tongban.services.indicators import ledger as indicator_ledger
from tongban.services.platform import outbox, readiness, retention, telemetry
from tongban.services.platform.batches import purge_in_batches
from tongban.services.projects import lifecycle as proxy_projects
from tongban.services.self_service import visits as kiosk_visits
from tongban.services.service_desk import sweeps as service_desk_sweeps
from tongban.services.supervision import sweeps as supervision_sweeps
from tongban.services.visits import appointments

log = logging.getLogger("tongban.worker")

SweepFn = Callable[[Container, datetime], object]
"""A periodic sweep: does its work in its own units of work; ``now`` is the pass's time."""


@dataclass(frozen=True)
class Sweep:
    name: str
    run: SweepFn
    interval: timedelta
    """Runs at most once per interval across all workers."""
    lease: timedelta
    """Longer than a run ever takes: past it, another worker may assume this one died."""
    shared: bool = False
    """A batched sweep (``services.platform.batches``): while one worker holds the lease, the
    others join the run once, and ``SKIP LOCKED`` gives each its own rows."""


SWEEPS: dict[str, Sweep] = {}


def register_sweep(
    name: str,
    run: SweepFn,
    *,
    interval: timedelta,
    lease: timedelta = timedelta(minutes=15),
    shared: bool = False,
) -> None:
    """Add a periodic sweep (alerts, 容缺 expiry, deemed acceptance …) to every worker."""
    SWEEPS[name] = Sweep(name, run, interval, lease, shared)


# --- job_runs leases -----------------------------------------------------------------------------


def take_lease(engine: Engine, sweep: Sweep, worker_id: str, now: datetime) -> bool:
    """Take the sweep's lease if it is due and nobody holds it; commits at once.

    One conditional UPDATE: on PostgreSQL a concurrent taker waits for the row and then finds
    the condition false; on SQLite writers are serialised by BEGIN IMMEDIATE.
    """
    t = job_runs
    with engine.begin() as conn:
        outbox.insert_or_ignore(conn, t, ["name"], {"name": sweep.name})
        taken = conn.execute(
            update(t)
            .where(t.c.name == sweep.name)
            .where(or_(t.c.locked_until.is_(None), t.c.locked_until <= now))
            .where(or_(t.c.last_started_at.is_(None), t.c.last_started_at <= now - sweep.interval))
            .values(locked_by=worker_id, locked_until=now + sweep.lease, last_started_at=now)
        ).rowcount
    return taken == 1


def run_in_progress(engine: Engine, sweep: Sweep, worker_id: str, now: datetime) -> datetime | None:
    """When another worker holds ``sweep``'s lease: the start of its run (to join it once)."""
    t = job_runs
    with engine.connect() as conn:
        row = conn.execute(
            select(t.c.last_started_at)
            .where(t.c.name == sweep.name, t.c.locked_until > now)
            .where(t.c.locked_by.is_not(None), t.c.locked_by != worker_id)
        ).first()
    return None if row is None else row.last_started_at


def release_lease(
    engine: Engine, name: str, worker_id: str, finished_at: datetime | None = None
) -> None:
    """Give the lease back (if still ours); ``finished_at`` records a successful run."""
    values: dict[str, object] = {"locked_by": None, "locked_until": None}
    if finished_at is not None:
        values["last_finished_at"] = finished_at
    with engine.begin() as conn:
        conn.execute(
            update(job_runs)
            .where(job_runs.c.name == name, job_runs.c.locked_by == worker_id)
            .values(**values)
        )


# --- the worker ----------------------------------------------------------------------------------


@dataclass
class PassReport:
    """What one pass did: outbox deliveries and the sweeps that ran."""

    sent: int = 0
    retried: int = 0
    failed: int = 0
    lost: int = 0
    sweeps: list[str] = field(default_factory=list)

    def add(self, batch: outbox.Batch) -> None:
        self.sent += batch.sent
        self.retried += batch.retried
        self.failed += batch.failed
        self.lost += batch.lost


def new_worker_id() -> str:
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{secrets.token_hex(3)}"


class Worker:
    """Delivers the outbox in batches and runs due sweeps, pass after pass until stopped."""

    MAX_BATCHES_PER_PASS = 20
    """Then the sweeps get their turn even while the outbox is busy."""

    def __init__(
        self,
        container: Container,
        *,
        worker_id: str | None = None,
        batch: int = 50,
        interval: float = 2.0,
        sweeps: dict[str, Sweep] | None = None,
    ) -> None:
        self.container = container
        self.worker_id = worker_id or new_worker_id()
        self.batch = batch
        self.interval = interval
        self.sweeps = SWEEPS if sweeps is None else sweeps
        self._stop = threading.Event()
        self.started_at = self.clock()
        self._last_beat: datetime | None = None
        self._joined: dict[str, datetime] = {}
        """The run of each shared sweep this worker last joined (it joins a run once)."""

    def clock(self) -> datetime:
        """Now, by the container's clock (read afresh: a pass may take a while)."""
        return self.container.clock.now()

    def beat(self) -> None:
        """Tell /readyz this worker is alive (at most every ``HEARTBEAT_EVERY``)."""
        now = self.clock()
        if self._last_beat is not None and now - self._last_beat < readiness.HEARTBEAT_EVERY:
            return
        with self.container.engine.begin() as conn:
            readiness.beat(conn, self.worker_id, self.started_at, now)
        self._last_beat = now

    def run_once(self) -> PassReport:
        report = PassReport()
        self.beat()
        for _ in range(self.MAX_BATCHES_PER_PASS):
            batch = outbox.deliver(self.container, self.worker_id, self.clock(), limit=self.batch)
            report.add(batch)
            telemetry.count_deliveries(
                sent=batch.sent, retried=batch.retried, failed=batch.failed, lost=batch.lost
            )
            if batch.claimed < self.batch or self._stop.is_set():
                break
        for sweep in list(self.sweeps.values()):
            if self._stop.is_set():
                break
            if self.run_sweep(sweep):
                report.sweeps.append(sweep.name)
        return report

    def run_sweep(self, sweep: Sweep) -> bool:
        """Run ``sweep`` if it is due and its lease is free, or join a shared sweep's run in
        progress once; True if it ran to the end."""
        engine = self.container.engine
        if not take_lease(engine, sweep, self.worker_id, self.clock()):
            return sweep.shared and self.join_sweep(sweep)
        try:
            with telemetry.job_context(f"sweep:{sweep.name}:{secrets.token_hex(4)}"):
                sweep.run(self.container, self.clock())
        except Exception:
            log.exception("sweep %s failed; it will be tried again after its interval", sweep.name)
            telemetry.count_sweep(sweep.name, ok=False)
            release_lease(engine, sweep.name, self.worker_id)
            return False
        telemetry.count_sweep(sweep.name, ok=True)
        release_lease(engine, sweep.name, self.worker_id, finished_at=self.clock())
        return True

    def join_sweep(self, sweep: Sweep) -> bool:
        """Help with another worker's run of a shared sweep (the lease stays the leader's)."""
        started = run_in_progress(self.container.engine, sweep, self.worker_id, self.clock())
        if started is None or self._joined.get(sweep.name) == started:
            return False
        self._joined[sweep.name] = started
        try:
            with telemetry.job_context(f"sweep:{sweep.name}:{secrets.token_hex(4)}"):
                sweep.run(self.container, self.clock())
        except Exception:
            log.exception("sweep %s failed while joining its run", sweep.name)
            telemetry.count_sweep(sweep.name, ok=False)
            return False
        telemetry.count_sweep(sweep.name, ok=True)
        return True

    def run_forever(self) -> None:
        log.info("worker %s started", self.worker_id)
        while not self._stop.is_set():
            try:
                self.run_once()
            except Exception:  # the database may be restarting: keep going, leases recover
                log.exception("worker pass failed")
            self._stop.wait(self.interval)
        try:
            with self.container.engine.begin() as conn:
                readiness.forget(conn, self.worker_id)
        except Exception:  # its row goes stale instead, and /readyz sees that
            log.exception("worker %s: heartbeat row not removed", self.worker_id)
        log.info("worker %s stopped", self.worker_id)

    def stop(self) -> None:
        self._stop.set()

    @contextmanager
    def stopping_on_signals(self) -> Iterator[None]:
        """SIGTERM and SIGINT stop the worker after the pass in hand (main thread only)."""

        def handle(signum: int, _frame: FrameType | None) -> None:
            log.info("signal %s: stopping after this pass", signum)
            self.stop()

        previous = {sig: signal.signal(sig, handle) for sig in (signal.SIGTERM, signal.SIGINT)}
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)


# --- built-in sweeps -----------------------------------------------------------------------------


def purge_old_rows(container: Container, now: datetime) -> None:
    """Delete, in batches, expired sessions, SMS codes, throttle counters and idempotency keys,
    outbox rows sent over 30 days ago, old in-app messages, and citizen codes a day past their
    expiry."""
    report = retention.purge_short_lived(container, now)
    codes = purge_in_batches(
        container,
        citizen_codes,
        identity_check.codes_expired_before(now - identity_check.KEEP_CODES),
        batch=container.settings.sweep_batch_size,
    )
    log.info("purged %s and %s citizen codes", report.deleted, codes)


def maintain_partitions(container: Container, now: datetime) -> None:
    """Monthly partitions made ahead, expired months detached (PostgreSQL); expired log rows
    deleted in batches (SQLite, and strays in a default partition); the data space's expired
    access events deleted in batches (both)."""
    report = retention.maintain_partitions(container, now)
    log.info(
        "partitions: created %s, detached %s (archived %s), rows deleted %s",
        report.created,
        report.detached,
        report.archived,
        report.deleted,
    )


def federation_sync(container: Container, now: datetime) -> None:
    """跨城通办: the partners' item versions, licence keys and revocation lists fetched again."""
    fetcher: Any = container.federation_transport  # the HTTP transport also fetches documents
    synced = federation_items.sync_partners(container, fetcher, now)
    log.info("federation: %s partners synced", synced)


def _register_sweeps() -> None:
    register_sweep("purge_old_rows", purge_old_rows, interval=timedelta(hours=1), shared=True)
    # Monthly partitions of the audit and data-access logs, and their retention.
    register_sweep("partitions", maintain_partitions, interval=timedelta(hours=6))
    cases_sweeps.register(register_sweep)
    # 跨城通办: partners' item versions and revocation lists (a revoked partner licence held
    # here fails verification from the next run on).
    register_sweep("federation_sync", federation_sync, interval=timedelta(hours=1))
    # 一件事: combined status, rejection policy and the one combined result notice.
    register_sweep(
        "bundle_refresh", bundles.refresh_sweep, interval=timedelta(minutes=1), shared=True
    )
    # 代办: overdue proxy-service steps alert their agent and the centre's managers.
    proxy_projects.overdue_sweep.register(register_sweep)
    # 预约办: the day-before reminder, and bookings not kept become no-shows.
    register_sweep(
        "appointment_reminders",
        appointments.remind_tomorrow,
        interval=timedelta(hours=1),
        shared=True,
    )
    register_sweep(
        "appointment_no_shows",
        appointments.mark_no_shows,
        interval=timedelta(minutes=15),
        shared=True,
    )
    # 办不成事 and 咨询: overdue escalations and unanswered questions alert.
    service_desk_sweeps.register(register_sweep)
    # 批后监管: overdue inspection tasks alert the department head.
    supervision_sweeps.register(register_sweep)
    # 好差评: the SMS rating link of finished cases, and overdue rectification tasks alert.
    evaluation_sweeps.register(register_sweep)
    # 指标体系: the case rollups' ledger folded into the rollups (reads on the primary fold
    # too; this bounds what a replica's figures lag behind).
    register_sweep(
        "indicator_fold",
        indicator_ledger.sweep,
        interval=timedelta(seconds=indicator_ledger.SWEEP_SECONDS),
        lease=timedelta(minutes=5),
        shared=True,
    )
    # 自助办: a kiosk visit past its idle time leaves nothing behind, even if the kiosk is off.
    register_sweep(
        "kiosk_visits_close",
        kiosk_visits.close_expired_sweep,
        interval=timedelta(minutes=1),
        shared=True,
    )


_register_sweeps()
