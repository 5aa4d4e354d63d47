"""Counters of failed attempts and the locks they lead to (the ``login_throttle`` table).

One row per key: ``account:<id>`` for an account's consecutive failures (log-in, and the
password and code checks that turn the second factor off), ``ip:<address>`` per address,
``sms-...`` for SMS code requests.  Each count is one statement, so concurrent processes never
lose one.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Connection, case, literal, null, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from tongban.adapters.db.tables import login_throttle
from tongban.adapters.db.types import UTCDateTime


def count_event(
    conn: Connection, key: str, now: datetime, window: timedelta | None
) -> tuple[int, datetime]:
    """Count one event under ``key``; returns the count and when its window started.

    The count restarts when ``window`` has passed or a lock on the key has expired.  One
    statement (INSERT .. ON CONFLICT DO UPDATE), so concurrent processes never lose a count.
    """
    t = login_throttle
    at = literal(now, UTCDateTime())
    restart = t.c.locked_until <= at
    if window is not None:
        restart = or_(restart, t.c.window_started_at <= literal(now - window, UTCDateTime()))
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    stmt = (
        dialect.insert(t)
        .values(key=key, failures=1, window_started_at=now, locked_until=None)
        .on_conflict_do_update(
            index_elements=[t.c.key],
            set_={
                "failures": case((restart, 1), else_=t.c.failures + 1),
                "window_started_at": case((restart, at), else_=t.c.window_started_at),
                "locked_until": case((restart, null()), else_=t.c.locked_until),
            },
        )
        .returning(t.c.failures, t.c.window_started_at)
    )
    row = conn.execute(stmt).one()
    return int(row.failures), row.window_started_at


def locked_until(conn: Connection, key: str, now: datetime) -> datetime | None:
    """When the lock on ``key`` ends, or None if it is not locked."""
    until = conn.execute(
        select(login_throttle.c.locked_until).where(login_throttle.c.key == key)
    ).scalar()
    return until if until is not None and until > now else None


def lock(conn: Connection, key: str, until: datetime) -> None:
    conn.execute(
        update(login_throttle).where(login_throttle.c.key == key).values(locked_until=until)
    )
