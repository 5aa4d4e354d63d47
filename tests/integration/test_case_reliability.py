"""Case writes over HTTP under pressure: a key sent ten times at once, two clerks racing, and
(on PostgreSQL) the app process killed with ``kill -9`` in the middle of a burst."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select, update

from tests.factories import DISTRICT_CENTRE_CODE, make_staff
from tests.integration.test_cases import FORM
from tests.integration.test_cases_api import Api, Caller, build_api, online_body
from tongban.adapters.db.tables import case_events, cases, idempotency_keys
from tongban.bootstrap import Container
from tongban.domain.people.model import Role
from tongban.services.cases.audit import verify
from tongban.services.people import sessions
from tongban.web.deps import CSRF_HEADER, SESSION_COOKIE
from tongban.web.idempotency import HEADER

TRIALS = 50
BURST = 200


@pytest.fixture
def api(app: FastAPI, container: Container) -> Api:
    return build_api(app, container)


def test_the_same_key_sent_ten_times_at_once_creates_exactly_one_case(api: Api) -> None:
    barrier = threading.Barrier(10)

    def send(_: int) -> Any:
        barrier.wait(timeout=10)
        return api.citizen.post("", online_body(materials=[]), key="ten-at-once")

    with ThreadPoolExecutor(max_workers=10) as pool:
        answers = list(pool.map(send, range(10)))
    created = [a.json() for a in answers if a.status_code == 201]
    others = {(a.status_code, a.json()["code"]) for a in answers if a.status_code != 201}
    assert created and all(body == created[0] for body in created)
    assert others <= {(409, "idempotency_in_progress")}
    assert api.count(cases) == 1
    again = api.citizen.post("", online_body(materials=[]), key="ten-at-once")
    assert (again.status_code, again.json()) == (201, created[0])


def test_two_clerks_accepting_the_same_case_over_http_never_both_win(
    api: Api, app: FastAPI
) -> None:
    container = api.world.container
    second = Caller(app, container, make_staff(container, Role.CLERK, DISTRICT_CENTRE_CODE).user_id)
    barrier = threading.Barrier(2)

    def accept(clerk: Caller, number: str) -> tuple[int, str]:
        barrier.wait(timeout=10)
        answer = clerk.post(f"/{number}/accept", {"version": 1})
        return answer.status_code, answer.json().get("code", "won")

    body = online_body(applicant_id=api.world.citizen)
    with ThreadPoolExecutor(max_workers=2) as pool:
        for _ in range(TRIALS):
            number = api.clerk.post("/window", body).json()["number"]
            outcomes = sorted(pool.map(accept, (api.clerk, second), (number, number)))
            assert outcomes[0] == (200, "won"), outcomes
            assert outcomes[1] in ((409, "stale_version"), (409, "illegal_transition")), outcomes
    with container.read() as uow:
        accepted = uow.conn.execute(
            select(func.count()).where(case_events.c.type == "CaseAccepted")
        ).scalar()
        assert verify(uow.conn).ok
    assert (api.count(cases), accepted) == (TRIALS, TRIALS)


# --- kill -9 in the middle of a burst (PostgreSQL) ---------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """``tongban serve`` as a child process on loopback, one worker."""

    def __init__(self, container: Container, tmp: Path) -> None:
        self.env = {
            **os.environ,
            "TONGBAN_DATABASE_URL": container.settings.database_url,
            "TONGBAN_DATABASE_POOLER": container.settings.database_pooler,
            "TONGBAN_DATABASE_SIDE_URL": container.settings.database_side_url,
            "TONGBAN_DATA_DIR": str(tmp),
            "TONGBAN_SECRET_KEY": "reliability-secret-" + "x" * 32,
            "TONGBAN_LOG_LEVEL": "WARNING",
        }
        self.clock = container.clock
        self.tmp = tmp
        self.process: subprocess.Popen[bytes] | None = None
        self.url = ""

    def start(self) -> None:
        port = _free_port()
        self.url = f"http://127.0.0.1:{port}"
        tongban = Path(sys.executable).parent / "tongban"
        log = (self.tmp / f"serve-{port}.log").open("wb")
        # The server's clock goes on from the test's: the same pinned day, never backwards.
        self.env["TONGBAN_CLOCK_START"] = self.clock.now().isoformat()
        self.process = subprocess.Popen(
            [str(tongban), "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        # A start-up bound, not a timing: on a loaded 2-core machine importing the app and
        # migrating checks has taken over 30 s.
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"tongban serve exited with {self.process.returncode}")
            try:
                if httpx.get(self.url + "/healthz", timeout=1).status_code < 500:
                    return
            except httpx.HTTPError:
                time.sleep(0.1)
        raise AssertionError("tongban serve did not start within 120 s")

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)


@pytest.fixture
def server(container: Container, tmp_path: Path) -> Iterator[Server]:
    # Only the PostgreSQL run asks for this fixture: several processes need a server database.
    assert container.engine.dialect.name == "postgresql"
    running = Server(container, tmp_path)
    yield running
    running.kill()


def _session(container: Container, user_id: int) -> tuple[str, str]:
    with container.uow() as uow:
        token, csrf = sessions.create_session(uow.conn, user_id, now=container.clock.now(), hours=1)
        uow.commit()
    return token, csrf


def _fire(client: httpx.Client, csrf: str, i: int) -> tuple[int, Any]:
    """Submission ``i`` with its own key; (0, None) when the server was gone."""
    body = online_body(form={**FORM, "shop_name": f"店铺{i}"}, materials=[])
    headers = {CSRF_HEADER: csrf, HEADER: f"burst-{i}"}
    try:
        answer = client.post("/api/v1/cases", json=body, headers=headers)
    except httpx.HTTPError:
        return 0, None
    return answer.status_code, answer.json()


def _burst(
    server: Server, cookie: str, csrf: str, indices: list[int], kill_after: int
) -> dict[int, Any]:
    """Fire ``indices`` from 16 threads; kill the server once ``kill_after`` were acknowledged."""
    acked: dict[int, Any] = {}
    lock = threading.Lock()
    client = httpx.Client(base_url=server.url, cookies={SESSION_COOKIE: cookie}, timeout=10)

    def one(i: int) -> None:
        status, body = _fire(client, csrf, i)
        with lock:
            if status == 201:
                acked[i] = body
                if len(acked) == kill_after:
                    server.kill()

    with client, ThreadPoolExecutor(max_workers=16) as pool:
        list(pool.map(one, indices))
    return acked


def _check_nothing_half_written(container: Container, acked: dict[int, Any]) -> None:
    with container.read() as uow:
        conn = uow.conn
        rows = {r.number: r for r in conn.execute(select(cases.c.id, cases.c.number, cases.c.form))}
        for i, body in acked.items():
            row = rows[body["number"]]
            assert row.form == {**FORM, "shop_name": f"店铺{i}", "area": 35}
        without_events = conn.execute(
            select(func.count())
            .select_from(cases)
            .where(~select(case_events.c.id).where(case_events.c.case_id == cases.c.id).exists())
        ).scalar()
        orphans = conn.execute(
            select(func.count())
            .select_from(case_events)
            .where(~select(cases.c.id).where(cases.c.id == case_events.c.case_id).exists())
        ).scalar()
        done = conn.execute(
            select(func.count()).where(idempotency_keys.c.status == "done")
        ).scalar()
        assert (without_events, orphans) == (0, 0)
        assert done == len(rows)  # every committed case committed its answer with it
        assert verify(conn).ok


@pytest.mark.postgres
@pytest.mark.parametrize("engine", ["postgresql"], indirect=True)
def test_kill_9_mid_burst_keeps_every_acknowledged_submission_and_retries_add_no_duplicates(
    api: Api, server: Server
) -> None:
    container = api.world.container
    cookie, csrf = _session(container, api.world.citizen)
    server.start()
    acked = _burst(server, cookie, csrf, list(range(BURST)), kill_after=BURST // 4)
    assert BURST // 4 <= len(acked) < BURST, "the kill did not land mid-burst"
    _check_nothing_half_written(container, acked)

    # The dead attempts' keys stay "in progress" for STALE_AFTER; let that time pass.
    with container.uow() as uow:
        uow.conn.execute(
            update(idempotency_keys)
            .where(idempotency_keys.c.status == "in_progress")
            .values(created_at=container.clock.now() - timedelta(minutes=5))
        )
        uow.commit()
    server.start()
    missing = [i for i in range(BURST) if i not in acked]
    retried = _burst(server, cookie, csrf, missing + sorted(acked)[:5], kill_after=-1)
    assert sorted(retried) == sorted(missing + sorted(acked)[:5])
    for i in sorted(acked)[:5]:
        assert retried[i] == acked[i]  # a replay, not a second case
    _check_nothing_half_written(container, {**acked, **retried})
    with container.read() as uow:
        shops = uow.conn.execute(select(cases.c.form)).scalars().all()
    assert sorted(f["shop_name"] for f in shops) == sorted(f"店铺{i}" for i in range(BURST))
