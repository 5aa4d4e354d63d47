"""Shared fixtures: every database test runs on SQLite and, where configured, PostgreSQL.

Set ``TONGBAN_TEST_POSTGRES_URL`` (for example
``postgresql+psycopg://postgres@127.0.0.1:5432/postgres``) to run the PostgreSQL half; each
test worker gets its own database created from that server.  Without it the PostgreSQL runs
are skipped with a visible reason, except under CI (``CI=true``), where they fail instead.

``TONGBAN_TEST_PGBOUNCER=1`` runs the PostgreSQL half through a PgBouncer in transaction mode
started for the session (``tests/pgbouncer.py``); the database is still created and migrated
directly on the server.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from tests.clock import TEST_START
from tongban.adapters.db import migrate
from tongban.adapters.db.engine import build_engine, pooler_of
from tongban.adapters.db.tables import jurisdiction, metadata
from tongban.bootstrap import Container
from tongban.config import Settings
from tongban.demo.jurisdictions import NANHAI
from tongban.domain.shared.clock import PinnedClock
from tongban.domain.shared.jurisdiction import check_jurisdiction

# Hypothesis checks no example's duration: a shared CI machine would make such a check fail
# at random, and speed is the benches' to measure, never a test's.
hypothesis_settings.register_profile("tongban", deadline=None)
hypothesis_settings.load_profile("tongban")

POSTGRES_URL = os.environ.get("TONGBAN_TEST_POSTGRES_URL", "")
THROUGH_PGBOUNCER = os.environ.get("TONGBAN_TEST_PGBOUNCER", "").lower() in ("1", "true", "yes")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
BACKENDS = [
    "sqlite",
    pytest.param("postgresql", marks=pytest.mark.postgres),
]


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def _require_postgres() -> str:
    if POSTGRES_URL:
        return POSTGRES_URL
    if IN_CI:
        pytest.fail("CI must run the PostgreSQL tests: set TONGBAN_TEST_POSTGRES_URL")
    pytest.skip("PostgreSQL not configured: set TONGBAN_TEST_POSTGRES_URL to run this half")


def _fresh_postgres_database(name: str) -> str:
    """Create (or re-create) database ``name`` on the test server; returns its URL."""
    admin_url = make_url(_require_postgres())
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f"CREATE DATABASE \"{name}\" ENCODING 'UTF8' TEMPLATE template0"))
    admin.dispose()
    return admin_url.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file that each test copies (copying beats migrating every time)."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = build_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    configure_nanhai(engine)
    raw = engine.raw_connection()
    try:
        # Outside SQLAlchemy's transaction (the engine begins every one IMMEDIATE).
        raw.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # type: ignore[union-attr]
    finally:
        raw.close()
    engine.dispose()
    return path


def _drop_postgres_database(name: str) -> None:
    admin = create_engine(make_url(POSTGRES_URL), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def migrated_postgres() -> Iterator[str]:
    """A database of this test process's own (several runs may share one server)."""
    name = f"tongban_test_{_worker()}_{os.getpid()}"
    url = _fresh_postgres_database(name)
    engine = build_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    yield url
    _drop_postgres_database(name)


@pytest.fixture(scope="session")
def pgbouncer_postgres(migrated_postgres: str) -> Iterator[str]:
    """This test process's database reached through a PgBouncer in transaction mode."""
    from tests import pgbouncer

    if not pgbouncer.available():
        pytest.fail("TONGBAN_TEST_PGBOUNCER is set but pgbouncer is not installed")
    yield from pgbouncer.serve(migrated_postgres)


def configure_nanhai(engine: Engine) -> None:
    """Every test database serves 南海区 as ``tongban init --preset nanhai`` would set it (the
    row alone, without the audit entry ``init`` adds: tests count their own audit entries)."""
    document = check_jurisdiction(NANHAI).as_document()
    with engine.begin() as conn:
        conn.execute(
            jurisdiction.insert().values(
                id=1, region_code=document["region_code"], document=document, updated_at=TEST_START
            )
        )


def _truncate_all(engine: Engine) -> None:
    names = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


@pytest.fixture(autouse=True)
def cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Argon2 at production cost takes ~170 ms a hash; tests use the same code, cheaper."""
    from argon2 import PasswordHasher

    from tongban.services.people import accounts as people

    monkeypatch.setattr(people, "HASHER", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))


@pytest.fixture(params=BACKENDS)
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An empty, migrated database on each backend."""
    if request.param == "sqlite":
        path = tmp_path / "tongban.db"
        shutil.copy(request.getfixturevalue("migrated_sqlite"), path)
        eng = build_engine(f"sqlite:///{path}")
        yield eng
        eng.dispose()
        return
    if THROUGH_PGBOUNCER:
        from tests import pgbouncer

        url = request.getfixturevalue("pgbouncer_postgres")
        side = pgbouncer.side_of(url)
        eng = build_engine(url, pool_size=5, pooler="transaction", side_url=side)
    else:
        eng = build_engine(request.getfixturevalue("migrated_postgres"), pool_size=5)
    _truncate_all(eng)
    configure_nanhai(eng)
    yield eng
    eng.dispose()


@pytest.fixture
def settings(tmp_path: Path, engine: Engine) -> Settings:
    return Settings(
        data_dir=tmp_path / "var",
        database_url=engine.url.render_as_string(hide_password=False),
        secret_key="test-secret-key-" + "x" * 32,  # type: ignore[arg-type]
        clock_start=TEST_START,
        database_pooler=pooler_of(engine),
        database_side_url=str(engine.get_execution_options().get("tongban_side_url", "")),
    )


@pytest.fixture
def container(settings: Settings, engine: Engine) -> Container:
    """Everything a test needs, on a clock that starts at ``TEST_START`` whatever the date."""
    return Container(
        settings=settings, engine=engine, secret_key="test-secret", clock=PinnedClock(TEST_START)
    )


@pytest.fixture
def app(container: Container):  # type: ignore[no-untyped-def]
    from tongban.web.app import build_app

    return build_app(container)


@pytest.fixture
def client(app):  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """The URL of a real S3-compatible server (moto's) for this test process."""
    from tests import s3

    yield from s3.serve()
