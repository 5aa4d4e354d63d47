"""Whose address the log-in throttles count: the connection's, unless a trusted proxy says.

``tongban serve`` as a child process on loopback; a failed log-in leaves its ``ip:`` throttle
row, which shows the address the app believed.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from tests.integration.test_case_reliability import Server
from tongban.adapters.db.tables import login_throttle
from tongban.bootstrap import Container
from tongban.cli.app import proxy_options
from tongban.config import Settings

FORWARDED = {"X-Forwarded-For": "203.0.113.9"}


@pytest.fixture
def serve(container: Container, tmp_path: Path) -> Iterator[Server]:
    running = Server(container, tmp_path)
    yield running
    running.kill()


def throttled_addresses(container: Container) -> set[str]:
    with container.read() as uow:
        keys = uow.conn.execute(select(login_throttle.c.key)).scalars()
        return {key.removeprefix("ip:") for key in keys if key.startswith("ip:")}


def fail_a_log_in(server: Server) -> None:
    body = {"login": "nobody", "password": "wrong-password"}
    answer = httpx.post(f"{server.url}/api/v1/auth/login", json=body, headers=FORWARDED)
    assert answer.status_code == 401


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_by_default_no_client_chooses_its_address_not_even_one_on_loopback(
    container: Container, serve: Server
) -> None:
    serve.start()
    fail_a_log_in(serve)
    assert throttled_addresses(container) == {"127.0.0.1"}


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_a_trusted_proxy_s_forwarded_address_is_believed(
    container: Container, serve: Server
) -> None:
    serve.env["TONGBAN_TRUSTED_PROXIES"] = '["127.0.0.1"]'
    serve.start()
    fail_a_log_in(serve)
    assert throttled_addresses(container) == {"203.0.113.9"}


def test_the_server_options_follow_the_setting() -> None:
    assert proxy_options(Settings()) == {"proxy_headers": False, "forwarded_allow_ips": None}
    trusted = Settings(trusted_proxies=("10.0.0.5", "10.1.0.0/24"))
    assert proxy_options(trusted) == {
        "proxy_headers": True,
        "forwarded_allow_ips": ["10.0.0.5", "10.1.0.0/24"],
    }
