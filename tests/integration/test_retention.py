"""The purge of short-lived rows: expired ones go in batches on both engines, live ones stay;
the data space's access events go by the month, as long as the access log keeps its rows."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from pydantic import ValidationError
from sqlalchemy import Engine, Table, insert, select

from tests.clock import TEST_START
from tongban.adapters.db.tables import (
    idempotency_keys,
    inbox_messages,
    login_throttle,
    outbox,
    sessions,
    sms_codes,
    sweep_failures,
    users,
)
from tongban.adapters.db.tables_data_space import data_access_events
from tongban.bootstrap import Container
from tongban.config import Settings
from tongban.domain.shared.clock import CHINA_TZ
from tongban.services.platform import retention
from tongban.worker import SWEEPS, Worker

NOW = TEST_START
DAY = timedelta(days=1)


def _rows(engine: Engine, table: Table, column: str) -> list[str]:
    with engine.connect() as conn:
        return sorted(str(v) for v in conn.execute(select(table.c[column])).scalars())


def _populate(engine: Engine) -> None:
    with engine.begin() as conn:
        user = conn.execute(
            insert(users).values(kind="citizen", name="居民", created_at=NOW).returning(users.c.id)
        ).scalar_one()
        conn.execute(
            insert(sessions),
            [
                {
                    "id": f"s{n}",
                    "user_id": user,
                    "csrf_token": "x",
                    "created_at": NOW - 2 * DAY,
                    "expires_at": NOW + (n - 5) * timedelta(hours=1),
                }
                for n in range(8)  # s0..s5 expired, s6 and s7 live
            ],
        )
        conn.execute(
            insert(sms_codes),
            [
                {
                    "user_id": user,
                    "code_hash": "old",
                    "created_at": NOW - 3 * DAY,
                    "expires_at": NOW - 2 * DAY,
                },
                {
                    "user_id": user,
                    "code_hash": "recent",
                    "created_at": NOW - DAY,
                    "expires_at": NOW - timedelta(hours=1),
                },
            ],
        )
        conn.execute(
            insert(login_throttle),
            [
                {
                    "key": "ip:old",
                    "failures": 3,
                    "window_started_at": NOW - 8 * DAY,
                    "locked_until": None,
                },
                {
                    "key": "ip:locked",
                    "failures": 9,
                    "window_started_at": NOW - 8 * DAY,
                    "locked_until": NOW + DAY,
                },
                {
                    "key": "ip:fresh",
                    "failures": 1,
                    "window_started_at": NOW - DAY,
                    "locked_until": None,
                },
            ],
        )
        conn.execute(
            insert(idempotency_keys),
            [
                {
                    "scope": "anon",
                    "key": key,
                    "request_hash": "h",
                    "status": "done",
                    "owner": "o",
                    "created_at": NOW - 2 * DAY,
                    "expires_at": expires,
                }
                for key, expires in (("expired", NOW - DAY), ("live", NOW + DAY))
            ],
        )
        conn.execute(
            insert(outbox),
            [
                {
                    "kind": "sms",
                    "payload": {},
                    "status": status,
                    "dedup_key": name,
                    "created_at": sent,
                    "available_at": sent,
                    "sent_at": sent,
                }
                for name, status, sent in (
                    ("sent-old", "sent", NOW - 31 * DAY),
                    ("sent-recent", "sent", NOW - DAY),
                    ("failed-old", "failed", NOW - 31 * DAY),
                )
            ],
        )
        conn.execute(
            insert(inbox_messages),
            [
                {"user_id": user, "title": title, "body": "正文", "created_at": at}
                for title, at in (("旧", NOW - 731 * DAY), ("新", NOW - 729 * DAY))
            ],
        )
        conn.execute(
            insert(sweep_failures),
            [
                {"sweep": "case_overdue", "row_key": key, "error": "ValueError", "failed_at": at}
                for key, at in (("91-days", NOW - 91 * DAY), ("89-days", NOW - 89 * DAY))
            ],
        )


def test_short_lived_rows_are_purged_in_batches_and_live_ones_stay(
    engine: Engine, container: Container
) -> None:
    _populate(engine)
    report = retention.purge_short_lived(container, NOW, batch=4)
    assert report.deleted == {
        "sessions": 6,
        "sms_codes": 1,
        "login_throttle": 1,
        "idempotency_keys": 1,
        "outbox": 1,
        "inbox_messages": 1,
        "sweep_failures": 1,
    }
    assert _rows(engine, sessions, "id") == ["s6", "s7"]
    assert _rows(engine, sms_codes, "code_hash") == ["recent"]
    assert _rows(engine, login_throttle, "key") == ["ip:fresh", "ip:locked"]
    assert _rows(engine, idempotency_keys, "key") == ["live"]
    assert _rows(engine, outbox, "dedup_key") == ["failed-old", "sent-recent"]
    assert _rows(engine, inbox_messages, "title") == ["新"]
    assert _rows(engine, sweep_failures, "row_key") == ["89-days"]


def test_the_worker_purges_them_hourly(engine: Engine, container: Container) -> None:
    _populate(engine)
    worker = Worker(container, sweeps={"purge_old_rows": SWEEPS["purge_old_rows"]})
    assert worker.run_once().sweeps == ["purge_old_rows"]
    assert _rows(engine, sessions, "id") == ["s6", "s7"]
    assert retention.purge_short_lived(container, NOW).deleted["sessions"] == 0


# --- the data space's access events: kept as long as the personal-data access log -------------


def _events(engine: Engine, *instants: datetime) -> None:
    with engine.begin() as conn:
        conn.execute(
            insert(data_access_events),
            [
                {
                    "holder_id": "440605194005010021",
                    "at": at,
                    "role": "department",
                    "kind": "licence",
                    "what": {"types": ["id_card"]},
                    "purpose": str(n),
                    "outcome": "allowed",
                }
                for n, at in enumerate(instants)
            ],
        )


def _china(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=CHINA_TZ)


def test_access_events_go_with_the_access_log_months_in_batches(
    engine: Engine, container: Container
) -> None:
    container.settings.data_access_log_keep_months = 48
    _events(
        engine,
        _china(2026, 11, 1),
        _china(2026, 11, 15, 12),
        _china(2026, 11, 30, 23, 59),  # the last minute of the last month expired
        _china(2026, 12, 1),  # the first minute kept
        _china(2027, 1, 10),
    )
    # On 1 December 2030, 48 full months are kept: December 2026 onwards.
    deleted = retention.purge_by_month(container, _china(2030, 12, 1), batch=2)
    assert deleted == {"data_access_events": 3}
    assert _rows(engine, data_access_events, "purpose") == ["3", "4"]
    # Kept longer than the log (never shorter): the events outlast it.
    container.settings.data_access_events_keep_months = 60
    assert retention.purge_by_month(container, _china(2031, 12, 1)) == {"data_access_events": 0}


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_the_partitions_sweep_purges_the_access_events_too(
    engine: Engine, container: Container
) -> None:
    """SQLite only: on PostgreSQL the sweep also makes and detaches the logs' partitions, which
    test_partitions.py tries in a database of its own."""
    _events(engine, _china(2026, 11, 1), _china(2027, 1, 10))
    report = retention.maintain_partitions(container, _china(2029, 12, 1))
    assert report.deleted["data_access_events"] == 1
    assert _rows(engine, data_access_events, "purpose") == ["1"]


def test_access_events_may_not_be_kept_shorter_than_the_access_log() -> None:
    with pytest.raises(ValidationError, match="TONGBAN_DATA_ACCESS_EVENTS_KEEP_MONTHS"):
        Settings(data_access_log_keep_months=48, data_access_events_keep_months=36)
    assert Settings(data_access_log_keep_months=48).resolved_events_keep_months() == 48
    assert Settings(data_access_events_keep_months=60).resolved_events_keep_months() == 60
