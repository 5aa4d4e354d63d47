"""What the README promises about processes: several app processes and several workers share one
PostgreSQL database; SQLite refuses more than one app process."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine, func, select
from typer.testing import CliRunner

from tests.clock import TEST_START
from tests.factories import PASSWORD, make_citizen
from tongban.adapters.db.tables import outbox
from tongban.bootstrap import Container
from tongban.cli.app import app
from tongban.services.platform import outbox as outbox_service

TONGBAN = [sys.executable, "-c", "from tongban.cli import main; main()"]


@pytest.fixture
def env(engine: Engine, tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "TONGBAN_DATA_DIR": str(tmp_path / "var"),
        "TONGBAN_CLOCK_START": TEST_START.isoformat(),
        "TONGBAN_DATABASE_URL": engine.url.render_as_string(hide_password=False),
        "TONGBAN_SECRET_KEY": "process-test-secret-" + "x" * 32,
        "TONGBAN_LOG_LEVEL": "INFO",
    }


@pytest.fixture
def processes() -> Iterator[list[subprocess.Popen[str]]]:
    started: list[subprocess.Popen[str]] = []
    yield started
    for process in started:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_sqlite_refuses_several_app_processes(env: dict[str, str]) -> None:
    result = CliRunner().invoke(app, ["serve", "--workers", "2"], env=env)
    assert result.exit_code == 2
    assert "SQLite 只支持一个应用进程" in result.output


@pytest.mark.postgres
@pytest.mark.parametrize("engine", ["postgresql"], indirect=True)
def test_two_app_processes_serve_one_postgresql_database(
    container: Container, env: dict[str, str], processes: list[subprocess.Popen[str]]
) -> None:
    citizen = make_citizen(container)
    port = _free_port()
    server = subprocess.Popen(
        [*TONGBAN, "serve", "--workers", "2", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    processes.append(server)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.2)
    children = subprocess.run(
        ["pgrep", "-P", str(server.pid)], capture_output=True, text=True, check=False
    ).stdout.split()
    assert len(children) >= 2, "uvicorn should run two worker processes"
    # A session opened on one process is honoured by the other: state lives in the database.
    with httpx.Client(base_url=base, timeout=10) as client:
        login = {"login": citizen.login, "password": PASSWORD}
        assert client.post("/api/v1/auth/login", json=login).status_code == 200
        answers = [client.get("/api/v1/me").status_code for _ in range(40)]
    assert answers == [200] * 40


@pytest.mark.postgres
@pytest.mark.parametrize("engine", ["postgresql"], indirect=True)
def test_two_workers_deliver_each_message_once(
    container: Container, env: dict[str, str], processes: list[subprocess.Popen[str]]
) -> None:
    # Due a few seconds after the workers' clocks start (TONGBAN_CLOCK_START), so that both
    # are up and race for the same rows.
    with container.uow() as uow:
        for n in range(60):
            outbox_service.enqueue(
                uow.conn,
                "sms",
                {"phone": "13800138000", "text": f"通知 {n}"},
                available_at=TEST_START + timedelta(seconds=4),
                now=TEST_START,
            )
        uow.commit()
    for _ in range(2):
        worker = subprocess.Popen(
            [*TONGBAN, "worker", "--interval", "0.1", "--batch", "5"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        processes.append(worker)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with container.read() as uow:
            left = uow.conn.execute(
                select(func.count()).where(outbox.c.status != "sent")
            ).scalar_one()
        if left == 0:
            break
        time.sleep(0.2)
    assert left == 0
    logs = []
    for worker in processes:
        worker.send_signal(signal.SIGTERM)
        logs.append(worker.communicate(timeout=30)[1])
    # The worker logs JSON lines (TONGBAN_LOG_FORMAT's default): one object per line.
    lines = [json.loads(line) for log in logs for line in log.splitlines() if line.startswith("{")]
    sent = [line["message"] for line in lines if "通知 " in line["message"]]
    texts = sorted(line.split("通知 ")[1].split()[0] for line in sent)
    # Every message once, none twice, whichever worker took it (how they share the batch
    # depends on which polls first: no test can rely on both taking some).
    assert texts == sorted(str(n) for n in range(60))
