"""Engine construction for both supported databases.

SQLite (the embedded default) gets WAL, foreign keys and a busy timeout on every connection;
PostgreSQL gets a pool.  JSON is written with Chinese unescaped on both, so a JSON lookup by a
Chinese key or value behaves the same everywhere.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, exc
from sqlalchemy.engine import URL, make_url
from sqlalchemy.sql.elements import ClauseElement

READ_ONLY = "tongban_read_only"
"""Execution option marking a connection whose transactions only read."""
REPLICA = "tongban_replica"
"""Engine execution option marking a read replica's engine (``adapters.db.replicas``): a hot
standby, where nothing can be written (the indicator ledger is not folded there)."""
PING_IDLE_SECONDS = 10.0
"""A pooled PostgreSQL connection idle for longer than this is pinged before it is handed out."""


def _json_dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


POOL_OVERFLOW = 4
"""Connections opened beyond the pool under a burst, each closed again when given back."""

POOLER = "tongban_pooler"
"""Engine execution option: the pooler in front of PostgreSQL (``transaction``, ``session``
or empty), for the code that opens psycopg connections of its own."""


SIDE_URL = "tongban_side_url"
"""Engine execution option: where the connections of their own go (``side_url_of``)."""


def build_engine(
    url: str,
    *,
    pool_size: int = 16,
    echo: bool = False,
    pooler: str = "",
    side_url: str = "",
    replica: bool = False,
) -> Engine:
    """Create the engine for ``url`` with the per-connection settings tongban relies on.

    ``pooler="transaction"``: PostgreSQL is reached through PgBouncer in transaction mode, where
    consecutive transactions of one client connection may run on different server connections.
    psycopg then prepares no statement server-side (a prepared statement belongs to one server
    connection; PgBouncer before 1.21 does not carry them over).  Nothing else in tongban needs
    a session: no ``SET``, no ``LISTEN``, no temporary table, and its only advisory lock is
    ``pg_advisory_xact_lock`` (released at the end of its transaction).

    ``side_url``: where the psycopg connections of their own (case-number reservations, session
    reads) connect instead of ``url``.  Behind a transaction pooler, a submitting transaction
    holds a server connection while it waits for its case number: if the reservation queued in
    the same pool, a pool full of such transactions would wait for ever.  A second database
    alias in PgBouncer (its own pool) breaks that cycle.

    ``replica``: the engine of a read replica (marked with the ``REPLICA`` execution option).
    """
    parsed = make_url(url)
    kwargs: dict[str, Any] = {"json_serializer": _json_dumps, "echo": echo, "future": True}
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:" and not database.startswith("file:"):
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        kwargs["connect_args"] = {"timeout": 30, "check_same_thread": False}
        engine = create_engine(url, **kwargs)
        _configure_sqlite(engine)
        return engine
    # The pool holds what a busy process uses at once: a connection opened and closed per
    # request (overflow) costs a PostgreSQL backend start each time.
    kwargs.update(pool_size=pool_size, max_overflow=POOL_OVERFLOW)
    kwargs["connect_args"] = psycopg_connect_args(pooler)
    kwargs["execution_options"] = {POOLER: pooler, SIDE_URL: side_url, REPLICA: replica}
    engine = create_engine(url, **kwargs)
    _ping_when_idle(engine, PING_IDLE_SECONDS)
    _cache_long_statements()
    return engine


CACHED_STATEMENT_LENGTH = 32_768
CACHED_STATEMENT_PARAMS = 400
"""psycopg converts each statement's ``%(name)s`` placeholders to ``$n`` by scanning it, and
caches the result (128 statements) only for statements up to 4,096 bytes and 50 parameters.
tongban's combined writes (``services.platform.together``: a request's events, facts, logs,
audit entries and its idempotency answer in one statement) are longer, few and sent on every
request, so each was scanned afresh: about a millisecond of a 秒批 decision's CPU.  Raised to
these bounds, the cache's worst case stays a few megabytes (a bulk insert of hundreds of rows
still passes uncached)."""


def _cache_long_statements() -> None:
    from psycopg import _queries

    # Module settings read on every conversion; psycopg documents no other way to set them.
    if getattr(_queries, "MAX_CACHED_STATEMENT_LENGTH", 0) < CACHED_STATEMENT_LENGTH:
        _queries.MAX_CACHED_STATEMENT_LENGTH = CACHED_STATEMENT_LENGTH
    if getattr(_queries, "MAX_CACHED_STATEMENT_PARAMS", 0) < CACHED_STATEMENT_PARAMS:
        _queries.MAX_CACHED_STATEMENT_PARAMS = CACHED_STATEMENT_PARAMS


def _ping_when_idle(engine: Engine, idle_seconds: float) -> None:
    """Ping a pooled connection before use only when it has sat idle for ``idle_seconds``.

    ``pool_pre_ping`` would cost a round trip on every checkout, i.e. several per request.  A
    connection back in use within seconds was alive a moment ago; one that sat idle may have
    been cut (a server restart, a firewall's idle timeout) and is pinged.  A dead one is
    replaced (``DisconnectionError`` makes the pool retry with a fresh connection).  Should a
    connection die between two busy moments, its request fails once and SQLAlchemy discards
    every connection of the pool that was opened before the failure.
    """

    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_connection: Any, record: Any) -> None:
        record.info["tongban_idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get("tongban_idle_since")
        if since is None or time.monotonic() - since < idle_seconds:
            return  # new (just connected) or recently used
        try:
            alive = engine.dialect.do_ping(dbapi_connection)
        except Exception as error:  # what a dead socket raises depends on the driver
            raise exc.DisconnectionError(f"idle connection is gone: {error}") from error
        if not alive:
            raise exc.DisconnectionError("idle connection is gone")


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, issue BEGIN; see "Serializable isolation /
        # Savepoints / Transactional DDL" in the SQLAlchemy SQLite dialect docs.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # A writer takes the write lock up front (BEGIN IMMEDIATE), so two writers queue on the
        # busy timeout instead of one failing at commit with "database is locked".  Readers
        # (READ_ONLY) begin deferred and, under WAL, never wait for a writer.
        if conn.get_execution_options().get(READ_ONLY):
            conn.exec_driver_sql("BEGIN")
        else:
            conn.exec_driver_sql("BEGIN IMMEDIATE")


def psycopg_connect_args(pooler: str) -> dict[str, Any]:
    """The psycopg ``connect`` arguments a pooler needs (none without one)."""
    return {"prepare_threshold": None} if pooler == "transaction" else {}


def pooler_of(engine: Engine) -> str:
    """The pooler ``engine`` was built for (``build_engine``'s ``pooler``)."""
    return str(engine.get_execution_options().get(POOLER, ""))


def side_url_of(engine: Engine) -> URL:
    """Where ``engine``'s connections of their own go: its ``side_url``, else its own URL."""
    side = str(engine.get_execution_options().get(SIDE_URL, ""))
    return make_url(side) if side else engine.url


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def psycopg_sql(statement: ClauseElement) -> str:
    """``statement`` as PostgreSQL's psycopg driver gets it (``%(name)s`` parameters), for the
    code paths that send SQL on a raw libpq connection of their own."""
    from sqlalchemy.dialects.postgresql.psycopg import dialect

    return str(statement.compile(dialect=dialect()))  # type: ignore[no-untyped-call]
