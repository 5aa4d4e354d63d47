"""Read replicas on a real streaming replica (``pg_basebackup -R`` of the test server, started on
loopback): read-only units of work are served there, writes go to the primary, and a browser
that has just written reads the primary while the replica is behind (read-your-own-writes)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import psycopg
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, insert, select, text
from sqlalchemy.engine import make_url
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from tests import replica
from tongban.adapters.db.async_reader import libpq_dsn
from tongban.adapters.db.engine import build_engine
from tongban.adapters.db.replicas import Replicas
from tongban.adapters.db.tables import job_runs
from tongban.adapters.db.tables_indicators import indicator_case_daily, indicator_case_pending
from tongban.bootstrap import Container
from tongban.domain.shared.clock import FixedClock
from tongban.services.indicators import ledger
from tongban.services.platform.reads import primary_only
from tongban.web.replica_pin import PIN_COOKIE, ReadYourWrites

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.parametrize("engine", ["postgresql"], indirect=True),
]

IN_RECOVERY = text("SELECT pg_is_in_recovery()")


@pytest.fixture(scope="module")
def replica_url(migrated_postgres: str) -> Iterator[str]:
    if not replica.available():
        pytest.skip("pg_basebackup and pg_ctl are not installed")
    yield from replica.serve(migrated_postgres)


@pytest.fixture
def replicated(container: Container, replica_url: str) -> Iterator[Container]:
    container.replicas = Replicas([build_engine(replica_url, pool_size=2)])
    container.settings.replica_pin_seconds = 10
    yield container
    container.replicas.dispose()


def _raw(url: str) -> psycopg.Connection[tuple[object, ...]]:
    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    return psycopg.connect(dsn, autocommit=True)


def test_reads_are_served_by_the_replica_and_writes_by_the_primary(
    replicated: Container,
) -> None:
    with replicated.read() as uow:
        assert uow.conn.execute(IN_RECOVERY).scalar_one() is True
    with replicated.uow() as uow:
        assert uow.conn.execute(IN_RECOVERY).scalar_one() is False
    with primary_only(), replicated.read() as uow:
        assert uow.conn.execute(IN_RECOVERY).scalar_one() is False


def test_an_unreachable_replica_is_passed_over_for_the_primary(container: Container) -> None:
    gone = build_engine("postgresql+psycopg://postgres@127.0.0.1:1/nowhere", pool_size=1)
    container.replicas = Replicas([gone])
    with container.read() as uow:
        assert uow.conn.execute(IN_RECOVERY).scalar_one() is False
    gone.dispose()


def _app(container: Container) -> Starlette:
    """Two routes in the shape of tongban's: one writes in a unit of work, one reads."""

    def write(request: Request) -> JSONResponse:
        with container.uow() as uow, uow.atomic():
            uow.conn.execute(job_runs.insert().values(name=request.path_params["name"]))
        return JSONResponse({"ok": True})

    def read(request: Request) -> JSONResponse:
        with container.read() as uow:
            found = uow.conn.execute(
                select(job_runs.c.name).where(job_runs.c.name == request.path_params["name"])
            ).first()
            on_replica = uow.conn.execute(IN_RECOVERY).scalar_one()
        return JSONResponse({"found": found is not None, "replica": on_replica})

    app = Starlette(
        routes=[Route("/w/{name}", write, methods=["POST"]), Route("/r/{name}", read)],
        middleware=[Middleware(ReadYourWrites)],
    )
    app.state.container = container
    return app


def _replayed(replica_url: str, primary: Engine) -> None:
    """Wait until the replica has replayed everything the primary has written so far."""
    with primary.connect() as conn:
        lsn = conn.execute(text("SELECT pg_current_wal_lsn()::text")).scalar_one()
    with _raw(replica_url) as conn:
        for _ in range(600):
            row = conn.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", (lsn,)).fetchone()
            if row is not None and row[0]:
                return
            conn.execute("SELECT pg_sleep(0.05)")
    raise AssertionError("the replica did not catch up")


def test_a_stale_replica_read_is_pinned_to_the_primary_for_its_writer(
    replicated: Container, replica_url: str
) -> None:
    start = replicated.clock.now()
    replicated.clock = FixedClock(start)
    app = _app(replicated)
    # Caught up first: a replay paused while it still holds a lock replayed from the primary
    # (the setup's TRUNCATE takes ACCESS EXCLUSIVE) would block every read on the standby.
    _replayed(replica_url, replicated.engine)
    with TestClient(app) as writer, TestClient(app) as other, _raw(replica_url) as standby:
        standby.execute("SELECT pg_wal_replay_pause()")  # the replica falls behind
        try:
            assert writer.post("/w/ryw").status_code == 200
            assert PIN_COOKIE in writer.cookies
            # The writer reads its own write, from the primary.
            assert writer.get("/r/ryw").json() == {"found": True, "replica": False}
            # Anyone else reads the replica, which has not seen it yet.
            assert other.get("/r/ryw").json() == {"found": False, "replica": True}
        finally:
            standby.execute("SELECT pg_wal_replay_resume()")
        _replayed(replica_url, replicated.engine)
        assert other.get("/r/ryw").json() == {"found": True, "replica": True}
        # Once the pin has run out, the writer reads the replica like everyone else.
        replicated.clock = FixedClock(start + timedelta(seconds=11))
        assert writer.get("/r/ryw").json() == {"found": True, "replica": True}


def _both_hosts(first: str, second: str, attrs: str) -> str:
    """One URL naming two servers, libpq's way of failing over (``TONGBAN_DATABASE_URL``)."""
    a, b = make_url(first), make_url(second)
    hosts = "&".join(f"host={u.host}:{u.port}" for u in (a, b))
    return f"postgresql+psycopg://{a.username}@/{a.database}?{hosts}&target_session_attrs={attrs}"


def test_a_url_naming_the_replica_first_reaches_the_primary_with_read_write(
    engine: Engine, migrated_postgres: str, replica_url: str
) -> None:
    """``target_session_attrs=read-write`` passes over a server in recovery, for the engine and
    for the connections of tongban's own (case numbers, session reads) alike; ``any`` is the
    control: the first host answers, replica or not."""
    for attrs, in_recovery in (("read-write", False), ("any", True)):
        url = _both_hosts(replica_url, migrated_postgres, attrs)
        both = build_engine(url, pool_size=1)
        try:
            with both.connect() as conn:
                assert conn.execute(IN_RECOVERY).scalar_one() is in_recovery
            with psycopg.connect(libpq_dsn(both.url), autocommit=True) as raw:
                row = raw.execute("SELECT pg_is_in_recovery()").fetchone()
                assert row is not None and row[0] is in_recovery
        finally:
            both.dispose()


def test_a_read_of_the_figures_folds_the_ledger_on_the_primary_never_on_the_replica(
    container: Container, replica_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """A replica's engine (``replica=True``) is not folded on, nor tried (a hot standby
    cannot write): its figures wait for the worker; a read on the primary folds first."""
    container.replicas = Replicas([build_engine(replica_url, pool_size=2, replica=True)])
    pending = select(func.count()).select_from(indicator_case_pending)
    try:
        with container.engine.begin() as conn:
            conn.execute(
                insert(indicator_case_pending).values(
                    day=date(2026, 11, 2), item_code="SCJGJ-0001", department_code="SCJGJ",
                    centre_code="", channel="online", cases_received=1,
                )
            )  # fmt: skip
        _replayed(replica_url, container.engine)
        caplog.set_level("WARNING", logger="tongban.indicators")
        with container.read() as uow:
            assert uow.conn.execute(IN_RECOVERY).scalar_one() is True
            ledger.current(uow.conn)
            assert uow.conn.execute(pending).scalar_one() == 1
        assert caplog.records == []
        with primary_only(), container.read() as uow:
            ledger.current(uow.conn)
            assert uow.conn.execute(pending).scalar_one() == 0
            received = uow.conn.execute(select(indicator_case_daily.c.cases_received))
            assert received.scalars().all() == [1]
    finally:
        container.replicas.dispose()
