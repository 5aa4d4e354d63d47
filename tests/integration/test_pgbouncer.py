"""Behind PgBouncer in transaction mode: consecutive transactions of one client connection run on
whichever server connection is free, so psycopg must prepare nothing server-side.

A PgBouncer with a single server connection makes the sharing certain: two client connections
see the same backend, and with psycopg's default (prepare a statement after its fifth run) the
second client trips over the first one's prepared statement.  ``pooler="transaction"`` (the
``TONGBAN_DATABASE_POOLER`` setting) turns that off.  The rest of the PostgreSQL half runs
through a PgBouncer with ``TONGBAN_TEST_PGBOUNCER=1`` (see .ci/run for the subset)."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest
from sqlalchemy import Engine, exc, text
from sqlalchemy.engine import make_url

from tests import pgbouncer
from tongban.adapters.db.engine import build_engine

pytestmark = pytest.mark.postgres

RUNS = 8
"""More than psycopg's prepare threshold (5)."""


@pytest.fixture(scope="module")
def one_server_connection(migrated_postgres: str) -> Iterator[str]:
    if not pgbouncer.available():
        pytest.skip("pgbouncer is not installed")
    yield from pgbouncer.serve(migrated_postgres, pool_size=1)


def interleaved(engine: Engine) -> set[int]:
    """Two client connections alternate transactions running the same SELECT; their backends."""
    query = text("SELECT pg_backend_pid() + :zero")
    backends: set[int] = set()
    with engine.connect() as first, engine.connect() as second:
        for _ in range(RUNS):
            for conn in (first, second):
                backends.add(conn.execute(query, {"zero": 0}).scalar_one())
                conn.commit()
    return backends


def test_transaction_pooling_needs_no_prepared_statements(one_server_connection: str) -> None:
    engine = build_engine(one_server_connection, pool_size=2, pooler="transaction")
    try:
        assert len(interleaved(engine)) == 1  # one server connection served both clients
    finally:
        engine.dispose()


def test_psycopg_defaults_break_behind_a_transaction_pooler(one_server_connection: str) -> None:
    """The control: without the setting, the shared server connection already holds the
    statement the other client prepared (or lacks the one this client did)."""
    engine = build_engine(one_server_connection, pool_size=2)
    try:
        with pytest.raises(exc.DBAPIError) as failure:
            interleaved(engine)
        assert isinstance(
            failure.value.orig,
            psycopg.errors.DuplicatePreparedStatement | psycopg.errors.InvalidSqlStatementName,
        )
    finally:
        engine.dispose()


CONNECTIONS = 600
"""Each logs two lines of ~170 bytes: over three times what a pipe holds (64 KiB)."""


def test_the_bouncer_keeps_answering_after_many_connections(one_server_connection: str) -> None:
    """The suite's PgBouncer logs every connection; its output once went to a pipe nobody
    read, and after a few hundred connections PgBouncer blocked writing to it and every test
    after waited for a connection that never came (the fixture errors of the PgBouncer run)."""
    dsn = make_url(one_server_connection).set(drivername="postgresql")
    for n in range(CONNECTIONS):
        with psycopg.connect(dsn.render_as_string(False), connect_timeout=10) as conn:
            assert conn.execute("SELECT %s::int", (n,)).fetchone() == (n,)
