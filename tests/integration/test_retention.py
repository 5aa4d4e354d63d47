"""The purge of short-lived rows: expired ones go in batches on both engines, live ones stay."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Engine, Table, insert, select

from tests.clock import TEST_START
from tongban.adapters.db.tables import (
    idempotency_keys,
    inbox_messages,
    login_throttle,
    outbox,
    sessions,
    sms_codes,
    users,
)
from tongban.bootstrap import Container
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
    }
    assert _rows(engine, sessions, "id") == ["s6", "s7"]
    assert _rows(engine, sms_codes, "code_hash") == ["recent"]
    assert _rows(engine, login_throttle, "key") == ["ip:fresh", "ip:locked"]
    assert _rows(engine, idempotency_keys, "key") == ["live"]
    assert _rows(engine, outbox, "dedup_key") == ["failed-old", "sent-recent"]
    assert _rows(engine, inbox_messages, "title") == ["新"]


def test_the_worker_purges_them_hourly(engine: Engine, container: Container) -> None:
    _populate(engine)
    worker = Worker(container, sweeps={"purge_old_rows": SWEEPS["purge_old_rows"]})
    assert worker.run_once().sweeps == ["purge_old_rows"]
    assert _rows(engine, sessions, "id") == ["s6", "s7"]
    assert retention.purge_short_lived(container, NOW).deleted["sessions"] == 0
