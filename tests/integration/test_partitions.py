"""Monthly partitions and retention: made ahead by the worker, rows in their month, expired
months detached (archived or dropped) rather than deleted; SQLite deletes in batches."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, func, insert, select, text
from sqlalchemy.engine import make_url

from tests.clock import TEST_START
from tests.conftest import _require_postgres
from tongban.adapters.db import migrate, partitions
from tongban.adapters.db.engine import build_engine
from tongban.adapters.db.tables import audit_log, data_access_log, users
from tongban.bootstrap import Container
from tongban.config import Settings
from tongban.domain.shared.clock import CHINA_TZ, PinnedClock
from tongban.services.platform import retention
from tongban.worker import SWEEPS, Worker

NAME = f"tongban_test_partitions_{os.getpid()}"


def china(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=CHINA_TZ)


def _container(engine: Engine, tmp_path: Path, **overrides: object) -> Container:
    settings = Settings(
        data_dir=tmp_path / "var",
        database_url=engine.url.render_as_string(hide_password=False),
        secret_key="test-secret-key-" + "x" * 32,  # type: ignore[arg-type]
        clock_start=TEST_START,
        **overrides,  # type: ignore[arg-type]
    )
    return Container(
        settings=settings, engine=engine, secret_key="test-secret", clock=PinnedClock(TEST_START)
    )


def _own_database(revision: str) -> Iterator[Engine]:
    admin_url = make_url(_require_postgres())
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{NAME}" WITH (FORCE)'))
        conn.execute(text(f"CREATE DATABASE \"{NAME}\" ENCODING 'UTF8' TEMPLATE template0"))
    engine = build_engine(admin_url.set(database=NAME).render_as_string(hide_password=False))
    migrate.upgrade(engine, revision)
    yield engine
    engine.dispose()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{NAME}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def pg() -> Iterator[Engine]:
    """A database of its own: these tests detach and drop partitions."""
    yield from _own_database("head")


@pytest.fixture
def at_0038() -> Iterator[Engine]:
    yield from _own_database("0038")


def _audit(engine: Engine, *instants: datetime) -> None:
    with engine.begin() as conn:
        conn.execute(
            insert(audit_log),
            [
                {"at": at, "action": "test", "object_type": "t", "object_key": str(n), "detail": {}}
                for n, at in enumerate(instants)
            ],
        )


def _where(engine: Engine, table: str) -> dict[str, str]:
    """Each row's object key (or what) → the partition it is stored in."""
    column = "object_key" if table == "audit_log" else "what"
    with engine.connect() as conn:
        rows = conn.execute(text(f"SELECT {column}, CAST(tableoid AS regclass) FROM {table}"))
        return {str(key): str(where) for key, where in rows}


def _months(engine: Engine, table: str) -> list[str]:
    with engine.connect() as conn:
        return [p.name for p in partitions.monthly_partitions(conn, table)]


def _exists(engine: Engine, name: str) -> bool:
    with engine.connect() as conn:
        return conn.execute(text("SELECT to_regclass(:n)"), {"n": name}).scalar() is not None


@pytest.mark.postgres
def test_0039_partitions_a_populated_log_and_goes_back(at_0038: Engine) -> None:
    _audit(at_0038, china(2025, 3, 9), china(2026, 11, 30, 23, 59), china(2026, 12, 1))
    with at_0038.connect() as conn:
        before = conn.execute(text("SELECT id, at, object_key FROM audit_log ORDER BY id")).all()

    migrate.upgrade(at_0038)

    assert _where(at_0038, "audit_log") == {
        "0": "audit_log_p202503",
        "1": "audit_log_p202611",
        "2": "audit_log_p202612",
    }
    assert _exists(at_0038, "audit_log_default")
    assert _exists(at_0038, "data_access_log_default")
    with at_0038.begin() as conn:
        assert (
            conn.execute(text("SELECT id, at, object_key FROM audit_log ORDER BY id")).all()
            == before
        )
        # The sequence carries on where the plain table left it.
        new_id = conn.execute(
            insert(audit_log)
            .values(at=TEST_START, action="t", object_type="t", object_key="new", detail={})
            .returning(audit_log.c.id)
        ).scalar_one()
        assert new_id == before[-1].id + 1
        key = conn.execute(
            text(
                "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = 'pk_audit_log'"
            )
        ).scalar_one()
        assert key == "PRIMARY KEY (id, at)"

    migrate.downgrade(at_0038, "0038")
    assert not _exists(at_0038, "audit_log_default")
    with at_0038.connect() as conn:
        assert not partitions.is_partitioned(conn, "audit_log")
        assert conn.execute(text("SELECT count(*) FROM audit_log")).scalar_one() == 4


@pytest.mark.postgres
def test_the_worker_makes_partitions_ahead_of_the_clock(pg: Engine, tmp_path: Path) -> None:
    container = _container(pg, tmp_path)
    worker = Worker(container, sweeps={"partitions": SWEEPS["partitions"]})
    assert worker.run_once().sweeps == ["partitions"]
    for month in ("202611", "202612", "202701", "202702"):
        assert f"audit_log_p{month}" in _months(pg, "audit_log")
        assert f"data_access_log_p{month}" in _months(pg, "data_access_log")

    container.clock.set(china(2027, 6, 20))  # type: ignore[attr-defined]
    report = retention.maintain_partitions(container, container.clock.now())
    assert {"audit_log_p202706", "audit_log_p202709"} <= set(report.created)
    assert "audit_log_p202710" not in _months(pg, "audit_log")
    # Made already: a second pass makes nothing.
    assert retention.maintain_partitions(container, container.clock.now()).created == []


@pytest.mark.postgres
def test_rows_land_in_their_china_month_and_strays_move_in_when_their_month_is_made(
    pg: Engine, tmp_path: Path
) -> None:
    container = _container(pg, tmp_path)
    retention.maintain_partitions(container, TEST_START)
    # 2026-11-30 23:59 in China is still November there (15:59 UTC); 00:00 on 1 December
    # is December.  January 2025 and August 2027 have no partition yet: the default one keeps them.
    _audit(
        pg, china(2026, 11, 30, 23, 59), china(2026, 12, 1), china(2025, 1, 5), china(2027, 8, 9)
    )
    assert _where(pg, "audit_log") == {
        "0": "audit_log_p202611",
        "1": "audit_log_p202612",
        "2": "audit_log_default",
        "3": "audit_log_default",
    }

    container.clock.set(china(2027, 7, 1))  # type: ignore[attr-defined]
    retention.maintain_partitions(container, container.clock.now())
    assert _where(pg, "audit_log")["3"] == "audit_log_p202708"
    with pg.connect() as conn:
        assert conn.execute(select(func.count()).select_from(audit_log)).scalar_one() == 4
        assert conn.execute(
            select(audit_log.c.at).where(audit_log.c.object_key == "3")
        ).scalar_one() == china(2027, 8, 9)


@pytest.mark.postgres
def test_expired_months_are_detached_whole_into_the_archive_or_dropped(
    pg: Engine, tmp_path: Path
) -> None:
    container = _container(pg, tmp_path, audit_log_keep_months=6, audit_log_expired="archive")
    retention.maintain_partitions(container, TEST_START)
    _audit(pg, china(2026, 11, 20), china(2026, 11, 21), china(2026, 12, 2), china(2020, 1, 5))
    with pg.begin() as conn:
        subject = conn.execute(
            insert(users)
            .values(kind="citizen", name="居民", created_at=TEST_START)
            .returning(users.c.id)
        ).scalar_one()
        conn.execute(
            insert(data_access_log),
            [
                {
                    "at": china(2026, 11, 20),
                    "subject_id": subject,
                    "what": "nov",
                    "purpose": "t",
                    "allowed": True,
                },
                {
                    "at": china(2027, 1, 3),
                    "subject_id": subject,
                    "what": "jan",
                    "purpose": "t",
                    "allowed": True,
                },
            ],
        )

    # June 2027, six months kept: December 2026 on stays; November goes to the archive, and
    # the 2020 row in the default partition is deleted.
    container.clock.set(china(2027, 6, 1))  # type: ignore[attr-defined]
    report = retention.maintain_partitions(container, container.clock.now())
    assert report.detached == ["audit_log_p202611"]
    assert report.archived == ["archive.audit_log_p202611"]
    assert report.deleted["audit_log"] == 1
    assert _where(pg, "audit_log") == {"2": "audit_log_p202612"}
    with pg.connect() as conn:
        kept = conn.execute(text("SELECT object_key FROM archive.audit_log_p202611 ORDER BY 1"))
        assert [row[0] for row in kept] == ["0", "1"]
    assert "audit_log_p202611" not in _months(pg, "audit_log")
    assert "data_access_log_p202611" in _months(pg, "data_access_log")

    # Three years on, the access log's November 2026 is dropped (its default: 36 months, drop).
    container.clock.set(china(2029, 12, 1))  # type: ignore[attr-defined]
    report = retention.maintain_partitions(container, container.clock.now())
    assert "data_access_log_p202611" in report.detached
    assert "data_access_log_p202611" not in report.archived
    assert not _exists(pg, "data_access_log_p202611")
    assert not _exists(pg, "archive.data_access_log_p202611")
    assert _where(pg, "data_access_log") == {"jan": "data_access_log_p202701"}


def test_sqlite_keeps_plain_tables_and_deletes_expired_log_rows_in_batches(
    migrated_sqlite: Path, tmp_path: Path
) -> None:
    """SQLite only (PostgreSQL detaches partitions instead, the tests above)."""
    path = tmp_path / "tongban.db"
    shutil.copy(migrated_sqlite, path)
    engine = build_engine(f"sqlite:///{path}")
    container = _container(engine, tmp_path, audit_log_keep_months=6)
    _audit(
        engine, *(china(2026, 11, 20) + timedelta(minutes=n) for n in range(5)), china(2026, 12, 2)
    )
    with engine.connect() as conn:
        assert not partitions.is_partitioned(conn, "audit_log")
    report = retention.maintain_partitions(container, china(2027, 6, 1))
    assert report.created == [] and report.detached == []
    assert report.deleted["audit_log"] == 5
    with engine.connect() as conn:
        assert conn.execute(select(audit_log.c.object_key)).scalars().all() == ["5"]
    engine.dispose()
