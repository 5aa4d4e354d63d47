"""Is the deployment ready to serve? The database, the calendar, the worker and the outbox.

``/healthz`` answers whether this process and its database are up (liveness); ``/readyz``
answers whether the deployment does its work: each check is ``ok``, ``warn`` or ``fail``, and
any ``fail`` makes the answer 503.  The thresholds (settings, documented in
docs/operations.md):

- **database**: answers ``SELECT 1`` — else fail (the error propagates as a 503 from the route).
- **calendar**: known ``calendar_warn_days`` ahead — warn below that, fail when it does not
  cover today (no deadline can be computed).
- **worker**: some worker beat within ``worker_stale_seconds`` — else fail: without a worker no
  SMS, notice or reminder leaves and no sweep runs.
- **outbox**: the oldest message waiting to go out is younger than ``outbox_max_age_seconds``
  — warn past half of it, fail past it.

Workers beat (``beat``) at most every ``HEARTBEAT_EVERY`` while they work and remove their row
when they stop; a row not refreshed for a day is deleted by the next beat of any worker.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, delete, func, select, text, update

from tongban.adapters.db.tables import outbox, worker_heartbeats
from tongban.services.platform.calendar import calendar_status
from tongban.services.platform.outbox import Status, insert_or_ignore
from tongban.services.platform.telemetry import StateGauge

HEARTBEAT_EVERY = timedelta(seconds=15)
FORGET_AFTER = timedelta(days=1)
_WAITING = (Status.PENDING.value, Status.CLAIMED.value)


@dataclass(frozen=True)
class Thresholds:
    calendar_warn_days: int
    worker_stale_seconds: int
    outbox_max_age_seconds: int


@dataclass(frozen=True)
class OutboxState:
    waiting_by_kind: dict[str, int]
    oldest_waiting_seconds: float | None
    failed: int


@dataclass(frozen=True)
class WorkerState:
    alive: int
    newest_beat_seconds: float | None
    """Seconds since the most recent beat of any worker; None when no worker ever beat."""


# --- heartbeats ----------------------------------------------------------------------------------


def beat(conn: Connection, worker_id: str, started_at: datetime, now: datetime) -> None:
    """Record that ``worker_id`` is alive now (in the caller's transaction)."""
    host, pid = socket.gethostname()[:100], _pid_of(worker_id)
    fresh = {"host": host, "pid": pid, "started_at": started_at, "beat_at": now}
    insert_or_ignore(conn, worker_heartbeats, ["worker_id"], {"worker_id": worker_id, **fresh})
    conn.execute(
        update(worker_heartbeats)
        .where(worker_heartbeats.c.worker_id == worker_id)
        .values(beat_at=now)
    )
    conn.execute(delete(worker_heartbeats).where(worker_heartbeats.c.beat_at < now - FORGET_AFTER))


def forget(conn: Connection, worker_id: str) -> None:
    """A worker stopping on purpose takes its row with it."""
    conn.execute(delete(worker_heartbeats).where(worker_heartbeats.c.worker_id == worker_id))


def _pid_of(worker_id: str) -> int:
    parts = worker_id.split(":")
    return int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0


def workers(conn: Connection, now: datetime, stale_seconds: int) -> WorkerState:
    newest = conn.execute(select(func.max(worker_heartbeats.c.beat_at))).scalar()
    alive = conn.execute(
        select(func.count()).where(
            worker_heartbeats.c.beat_at >= now - timedelta(seconds=stale_seconds)
        )
    ).scalar_one()
    age = (now - newest).total_seconds() if newest is not None else None
    return WorkerState(int(alive), age)


# --- the outbox ----------------------------------------------------------------------------------


def outbox_state(conn: Connection, now: datetime) -> OutboxState:
    """Messages waiting to go out by kind, the age of the oldest one due, and those failed."""
    rows = conn.execute(
        select(outbox.c.kind, func.count())
        .where(outbox.c.status.in_(_WAITING))
        .group_by(outbox.c.kind)
    ).all()
    oldest = conn.execute(
        select(func.min(outbox.c.available_at)).where(
            outbox.c.status.in_(_WAITING), outbox.c.available_at <= now
        )
    ).scalar()
    failed = conn.execute(
        select(func.count()).where(outbox.c.status == Status.FAILED.value)
    ).scalar_one()
    age = max((now - oldest).total_seconds(), 0.0) if oldest is not None else None
    return OutboxState({kind: int(n) for kind, n in rows}, age, int(failed))


# --- the answer ----------------------------------------------------------------------------------


def _check(status: str, **detail: Any) -> dict[str, Any]:
    return {"status": status, **detail}


def readiness(
    conn: Connection, *, today: date, now: datetime, limits: Thresholds
) -> dict[str, Any]:
    """``{"status": ok|warn|fail, "checks": {...}}``; a database failure propagates."""
    conn.execute(text("SELECT 1"))
    checks: dict[str, dict[str, Any]] = {"database": _check("ok", dialect=conn.dialect.name)}

    calendar = calendar_status(conn, today, limits.calendar_warn_days)
    known = calendar.known_until
    covered = known is not None and known >= today
    checks["calendar"] = _check(
        "fail" if not covered else "warn" if calendar.warn else "ok",
        known_until=known.isoformat() if known else None,
        days_ahead=calendar.days_known_ahead,
        warn_below_days=limits.calendar_warn_days,
    )

    found = workers(conn, now, limits.worker_stale_seconds)
    checks["worker"] = _check(
        "ok" if found.alive else "fail",
        alive=found.alive,
        last_beat_seconds_ago=_round(found.newest_beat_seconds),
        stale_after_seconds=limits.worker_stale_seconds,
    )

    box = outbox_state(conn, now)
    age, limit = box.oldest_waiting_seconds, limits.outbox_max_age_seconds
    checks["outbox"] = _check(
        "fail" if age is not None and age > limit else "warn" if age and age > limit / 2 else "ok",
        waiting=sum(box.waiting_by_kind.values()),
        oldest_waiting_seconds=_round(age),
        failed=box.failed,
        fail_after_seconds=limit,
    )
    statuses = {c["status"] for c in checks.values()}
    overall = "fail" if "fail" in statuses else "warn" if "warn" in statuses else "ok"
    return {"status": overall, "checks": checks}


def state_gauges(
    conn: Connection, *, today: date, now: datetime, limits: Thresholds
) -> list[StateGauge]:
    """The database's state as gauges for ``/metrics``."""
    box = outbox_state(conn, now)
    found = workers(conn, now, limits.worker_stale_seconds)
    calendar = calendar_status(conn, today, limits.calendar_warn_days)
    gauges: list[StateGauge] = [
        (
            "tongban_outbox_waiting",
            "Outbox messages waiting to be delivered (pending or claimed), by kind.",
            ("kind",),
            [((kind,), float(n)) for kind, n in sorted(box.waiting_by_kind.items())],
        ),
        (
            "tongban_outbox_failed",
            "Outbox messages that failed for good (after every retry).",
            (),
            [((), float(box.failed))],
        ),
        (
            "tongban_outbox_oldest_waiting_seconds",
            "Age of the oldest outbox message due and not yet delivered (0 when none).",
            (),
            [((), box.oldest_waiting_seconds or 0.0)],
        ),
        (
            "tongban_workers_alive",
            "Workers whose heartbeat is fresher than worker_stale_seconds.",
            (),
            [((), float(found.alive))],
        ),
        (
            "tongban_calendar_days_ahead",
            "Days from today to the last day the official working-day calendar knows.",
            (),
            [((), float(calendar.days_known_ahead or 0))],
        ),
    ]
    if found.newest_beat_seconds is not None:
        gauges.append(
            (
                "tongban_worker_last_beat_seconds",
                "Seconds since the most recent heartbeat of any worker.",
                (),
                [((), found.newest_beat_seconds)],
            )
        )
    return gauges


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)
