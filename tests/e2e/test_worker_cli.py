"""``tongban worker`` as an operator runs it: one pass with ``--once``, or a loop until SIGTERM."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from tests.clock import TEST_START
from tests.factories import make_citizen
from tongban.adapters.db.tables import inbox_messages, outbox
from tongban.bootstrap import Container
from tongban.cli.app import app
from tongban.services.platform import outbox as outbox_service


@pytest.fixture
def env(engine: Engine, tmp_path: Path) -> dict[str, str]:
    """The test database (SQLite file or PostgreSQL), as TONGBAN_* variables."""
    return {
        "TONGBAN_DATA_DIR": str(tmp_path / "var"),
        "TONGBAN_CLOCK_START": TEST_START.isoformat(),
        "TONGBAN_DATABASE_URL": engine.url.render_as_string(hide_password=False),
        "TONGBAN_SECRET_KEY": "cli-test-secret-" + "x" * 32,
        "COLUMNS": "200",
    }


@pytest.fixture(autouse=True)
def keep_logging() -> Iterator[None]:
    """The command configures the root logger; give the test session its own back."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def enqueue_notifications(container: Container) -> None:
    citizen = make_citizen(container)
    with container.uow() as uow:
        now = TEST_START - timedelta(minutes=1)  # queued a minute before the worker starts
        outbox_service.enqueue_sms(uow.conn, "13800138000", "您的办件已受理。", now=now)
        outbox_service.enqueue_inbox(
            uow.conn, citizen.user_id, "办件已受理", "您的办件已受理。", now=now
        )
        uow.commit()


def statuses(container: Container) -> list[str]:
    with container.read() as uow:
        return list(uow.conn.execute(select(outbox.c.status).order_by(outbox.c.id)).scalars())


def inbox_count(container: Container) -> int:
    with container.read() as uow:
        return len(uow.conn.execute(select(inbox_messages.c.id)).all())


def test_worker_once_delivers_pending_messages_and_exits(
    container: Container, env: dict[str, str]
) -> None:
    enqueue_notifications(container)
    result = CliRunner().invoke(app, ["worker", "--once"], env=env)
    assert result.exit_code == 0, result.output
    assert "已发送 2 条" in result.stdout
    assert "purge_old_rows" in result.stdout
    assert statuses(container) == ["sent", "sent"]
    assert inbox_count(container) == 1
    again = CliRunner().invoke(app, ["worker", "--once", "--batch", "10"], env=env)
    assert again.exit_code == 0, again.output
    assert "已发送 0 条" in again.stdout
    assert inbox_count(container) == 1


def test_bad_options_are_refused(env: dict[str, str]) -> None:
    result = CliRunner().invoke(app, ["worker", "--once", "--batch", "0"], env=env)
    assert result.exit_code == 2


def test_the_worker_loop_delivers_and_stops_cleanly_on_sigterm(
    container: Container, env: dict[str, str]
) -> None:
    enqueue_notifications(container)
    command = [sys.executable, "-c", "from tongban.cli import main; main()", "worker"]
    process = subprocess.Popen(
        [*command, "--interval", "0.1"],
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 120  # a bound, not a timing: a loaded machine starts slowly
        while statuses(container) != ["sent", "sent"] and time.monotonic() < deadline:
            time.sleep(0.1)
        assert statuses(container) == ["sent", "sent"]
        process.send_signal(signal.SIGTERM)
        _out, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0, err
    assert "stopped" in err
    # The log names the SMS recipient masked, never the whole number.
    assert "138****8000" in err and "13800138000" not in err
