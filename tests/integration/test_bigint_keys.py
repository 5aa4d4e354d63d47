"""Migration 0038 on a populated PostgreSQL database: keys become bigint, rows stay as they were,
and ids past 2^31 can be issued and referenced."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from tests.conftest import POSTGRES_URL, _require_postgres
from tongban.adapters.db import migrate
from tongban.adapters.db.engine import build_engine

pytestmark = pytest.mark.postgres

POPULATE = [
    "INSERT INTO users (kind, name, created_at) SELECT 'citizen', '居民' || g, now() "
    "FROM generate_series(1, 2000) g",
    "INSERT INTO audit_log (at, actor_id, action, object_type, object_key, detail) "
    "SELECT now(), 1 + g % 2000, 'test', 'user', g::text, '{}'::jsonb "
    "FROM generate_series(1, 5000) g",
    "INSERT INTO sessions (id, user_id, csrf_token, created_at, expires_at) "
    "SELECT md5(g::text), g, 'x', now(), now() FROM generate_series(1, 2000) g",
    "INSERT INTO inbox_messages (user_id, title, body, created_at, outbox_id) "
    "SELECT g, '通知', '正文', now(), g FROM generate_series(1, 2000) g",
]

SET_USERS_SEQUENCE = "SELECT setval(pg_get_serial_sequence('users', 'id'), :v)"
NEW_USER = "INSERT INTO users (kind, name, created_at) VALUES ('citizen', '新', now()) RETURNING id"

_TYPE = """
SELECT data_type FROM information_schema.columns
WHERE table_schema = current_schema() AND table_name = :table AND column_name = :column
"""


@pytest.fixture
def at_0036() -> Iterator[Engine]:
    admin_url = make_url(_require_postgres())
    name = f"tongban_test_bigint_keys_{os.getpid()}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f"CREATE DATABASE \"{name}\" ENCODING 'UTF8' TEMPLATE template0"))
    engine = build_engine(admin_url.set(database=name).render_as_string(hide_password=False))
    migrate.upgrade(engine, "0036")
    yield engine
    engine.dispose()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _type(engine: Engine, table: str, column: str) -> str:
    with engine.connect() as conn:
        found: str = conn.execute(text(_TYPE), {"table": table, "column": column}).scalar_one()
    return found


def _fingerprint(engine: Engine) -> tuple[object, ...]:
    with engine.connect() as conn:
        return tuple(
            conn.execute(text(f"SELECT count(*), sum(hashtext(t::text)) FROM {table} t")).one()
            for table in ("users", "audit_log", "sessions", "inbox_messages")
        )


@pytest.mark.skipif(not POSTGRES_URL, reason="PostgreSQL only: SQLite keys are 64-bit already")
def test_0038_widens_keys_on_a_populated_database_and_ids_can_pass_2_to_the_31(
    at_0036: Engine,
) -> None:
    engine = at_0036
    with engine.begin() as conn:
        for statement in POPULATE:
            conn.execute(text(statement))
    before = _fingerprint(engine)
    assert _type(engine, "users", "id") == "integer"

    migrate.upgrade(engine, "0038")

    assert _fingerprint(engine) == before
    for table, column in [
        ("users", "id"),
        ("audit_log", "id"),
        ("audit_log", "actor_id"),
        ("sessions", "user_id"),
        ("case_events", "id"),
        ("case_events", "case_id"),
        ("inbox_messages", "outbox_id"),
        ("outbox", "id"),
    ]:
        assert _type(engine, table, column) == "bigint", (table, column)
    # A count and a single-row key stay what they were.
    assert _type(engine, "users", "failed_logins") == "integer"
    assert _type(engine, "jurisdiction", "id") == "integer"

    beyond = 2**31 + 7
    with engine.begin() as conn:
        conn.execute(text(SET_USERS_SEQUENCE), {"v": beyond})
        new_id = conn.execute(text(NEW_USER)).scalar_one()
        conn.execute(
            text(
                "INSERT INTO audit_log (at, actor_id, action, object_type, object_key, detail) "
                "VALUES (now(), :id, 'test', 'user', 'big', '{}'::jsonb)"
            ),
            {"id": new_id},
        )
    assert new_id == beyond + 1
    with engine.connect() as conn:
        assert (
            conn.execute(
                text("SELECT actor_id FROM audit_log WHERE object_key = 'big'")
            ).scalar_one()
            == beyond + 1
        )


@pytest.mark.skipif(not POSTGRES_URL, reason="PostgreSQL only: SQLite keys are 64-bit already")
def test_0038_goes_down_while_every_key_still_fits(at_0036: Engine) -> None:
    migrate.upgrade(at_0036, "0038")
    migrate.downgrade(at_0036, "0036")
    assert _type(at_0036, "users", "id") == "integer"
    assert _type(at_0036, "sessions", "user_id") == "integer"
