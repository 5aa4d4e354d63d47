"""跨城通办 between two real nodes on loopback: each node is a ``tongban serve`` and a
``tongban worker`` on its own database (南海 on the test's backend, PostgreSQL when configured;
番禺 on SQLite), on free ports.  A case runs the full round trip; then the receiving node is
killed (SIGKILL) in the middle of an exchange and restarted: nothing lost, nothing applied
twice, both exchange logs whole."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, update

from tests.calendar_fixtures import seed_test_calendar
from tests.clock import SYSTEM, TEST_START
from tests.factories import make_staff
from tests.integration.catalogue_fixtures import ensure_departments
from tests.integration.federation_fixtures import PANYU
from tests.integration.test_federation_handover import APPLICANT, FORM, ID_CARD, LEASE, py_item
from tongban.adapters import node_keys
from tongban.adapters.courier import SimulatedCourier
from tongban.adapters.db.engine import build_engine
from tongban.adapters.db.tables import cases, jurisdiction
from tongban.adapters.db.tables_federation import (
    federation_cases,
    federation_log,
    federation_received,
    federation_sent,
)
from tongban.adapters.federation_http import HttpTransport
from tongban.bootstrap import Container
from tongban.config import Settings
from tongban.demo.jurisdictions import PANYU as PANYU_PRESET
from tongban.domain.federation.handover import MaterialFile
from tongban.domain.people.model import Role
from tongban.domain.shared.clock import PinnedClock
from tongban.domain.shared.jurisdiction import check_jurisdiction
from tongban.services.cases import delivery as case_delivery
from tongban.services.cases import lifecycle
from tongban.services.catalogue import items as catalogue
from tongban.services.federation import exchange_log, handover, items, node
from tongban.services.people.sessions import load_principal
from tongban.services.platform.context import Actor

TONGBAN = [sys.executable, "-c", "from tongban.cli import main; main()"]
WAIT = 90.0
"""Seconds to wait for a state the nodes reach on their own (a missed retry waits 30 s)."""


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Node:
    """One node: its container (for set-up and checks in this process), the environment its
    processes run with, its port and the processes started."""

    container: Container
    env: dict[str, str]
    port: int
    processes: dict[str, subprocess.Popen[str]] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, what: str) -> None:
        command = ["serve", "--port", str(self.port)] if what == "serve" else [
            "worker", "--interval", "0.2"]  # fmt: skip
        self.processes[what] = subprocess.Popen(
            [*TONGBAN, *command], env=self.env, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, text=True, start_new_session=True,
        )  # fmt: skip
        if what == "serve":
            wait_for(lambda: _up(self.url), f"{self.url} to start")

    def kill(self, what: str) -> None:
        process = self.processes.pop(what)
        process.send_signal(signal.SIGKILL)
        process.wait()

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()

    def count(self, table: Any, *where: Any) -> int:
        with self.container.read() as uow:
            query = select(func.count()).select_from(table).where(*where)
            return int(uow.conn.execute(query).scalar_one())


def _up(url: str) -> bool:
    try:
        return httpx.get(f"{url}/healthz", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def wait_for(check: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    raise AssertionError(f"waited {WAIT:.0f} s for {what}")


def _env(settings: Settings, url: str) -> dict[str, str]:
    return {
        **os.environ,
        "TONGBAN_DATA_DIR": str(settings.data_dir),
        "TONGBAN_KEYS_DIR": str(settings.resolved_keys_dir()),
        "TONGBAN_CLOCK_START": TEST_START.isoformat(),
        "TONGBAN_DATABASE_URL": url,
        "TONGBAN_SECRET_KEY": "process-test-secret-" + "x" * 32,
        "TONGBAN_LOG_LEVEL": "WARNING",
    }


@pytest.fixture
def nodes(
    container: Container, tmp_path: Path, migrated_sqlite: Path
) -> Iterator[tuple[Node, Node]]:
    """南海 (the test's database) and 番禺 (SQLite), trusting each other, each served and
    worked by its own processes on a free port; 番禺 decides PY-001."""
    path = tmp_path / "panyu.db"
    shutil.copy(migrated_sqlite, path)
    engine = build_engine(f"sqlite:///{path}")
    document = check_jurisdiction(PANYU_PRESET).as_document()
    with engine.begin() as conn:
        conn.execute(
            update(jurisdiction).values(region_code=document["region_code"], document=document)
        )
    panyu_settings = Settings(
        data_dir=tmp_path / "panyu", database_url=f"sqlite:///{path}",
        secret_key="test-secret-key-" + "y" * 32,  # type: ignore[arg-type]
        clock_start=TEST_START,
    )  # fmt: skip
    panyu_container = Container(
        settings=panyu_settings, engine=engine, secret_key="test-secret-2",
        clock=PinnedClock(TEST_START),
    )  # fmt: skip
    nanhai_url = container.engine.url.render_as_string(hide_password=False)
    nanhai = Node(container, {}, _free_port())
    panyu = Node(panyu_container, {}, _free_port())
    nanhai.env = _env(container.settings, nanhai_url)
    panyu.env = _env(panyu_settings, f"sqlite:///{path}")
    documents = {}
    for side, item in ((nanhai, "NH-001"), (panyu, "PY-001")):
        node_keys.initialise(side.container.settings.resolved_keys_dir(), TEST_START)
        ensure_departments(side.container.engine)
        seed_test_calendar(side.container)
        with side.container.uow() as uow:
            node.init_node(uow, SYSTEM, side.url, [item])
            documents[side.url] = node.node_document(uow.conn, side.container.node_keys)
    for side, other in ((nanhai, panyu), (panyu, nanhai)):
        with side.container.uow() as uow:
            node.trust(uow, SYSTEM, documents[other.url])
    with panyu.container.uow() as uow:
        catalogue.publish_spec(uow, SYSTEM, py_item())
        uow.commit()
    try:
        for side in (nanhai, panyu):
            side.start("serve")
            side.start("worker")
        yield nanhai, panyu
    finally:
        nanhai.stop()
        panyu.stop()
        engine.dispose()


def actor(side: Node, user_id: int) -> Actor:
    with side.container.read() as uow:
        principal = load_principal(uow.conn, user_id)
    return Actor(principal=principal, request_id=f"req-{user_id}", at=TEST_START)


def hand_over(nanhai: Node, clerk: int) -> str:
    request = handover.HandOver(
        partner=PANYU, item_code="PY-001", applicant_name="李四", id_number=APPLICANT,
        form=FORM, consent=True,
        materials=[MaterialFile(ID_CARD, b"id-card-scan"), MaterialFile(LEASE, b"lease")],
    )  # fmt: skip
    with nanhai.container.uow() as uow:
        return handover.hand_over(uow, actor(nanhai, clerk), nanhai.container.node_keys, request)


def case_there(panyu: Node, case_ref: str) -> Any:
    with panyu.container.read() as uow:
        return uow.conn.execute(
            select(cases.c.number, cases.c.status, cases.c.lock_version)
            .select_from(federation_cases.join(cases))
            .where(federation_cases.c.case_ref == case_ref)
        ).first()


def here(nanhai: Node, case_ref: str) -> dict[str, Any]:
    with nanhai.container.read() as uow:
        return handover.federated_case(uow.conn, case_ref)


def decide_there(panyu: Node, reviewer: int, case_ref: str) -> None:
    def step(fn: Any, *args: Any) -> None:
        case = case_there(panyu, case_ref)
        with panyu.container.uow() as uow:
            fn(uow, actor(panyu, reviewer), case.number, case.lock_version, *args)

    def issue(uow: Any, who: Actor, number: str, version: int) -> Any:
        return case_delivery.issue_result_and_dispatch(
            uow, who, number, version, SimulatedCourier(), "营业执照"
        )

    step(lifecycle.accept)
    step(lifecycle.start_review)
    step(lifecycle.propose_decision, True, "符合条件")
    step(issue)


def logs_whole(*sides: Node) -> None:
    for side in sides:
        with side.container.read() as uow:
            assert exchange_log.verify(uow.conn).ok


def test_a_case_runs_the_round_trip_between_two_processes_and_survives_a_kill(
    nodes: tuple[Node, Node],
) -> None:
    nanhai, panyu = nodes
    clerk = make_staff(nanhai.container, Role.CLERK).user_id
    reviewer = make_staff(panyu.container, Role.REVIEWER).user_id
    with nanhai.container.uow() as uow:
        synced = items.sync(uow, SYSTEM, HttpTransport(), PANYU)
    assert [i["code"] for i in synced] == ["PY-001"]

    # The round trip: accepted here, decided there, the result back and verified here.
    ref = hand_over(nanhai, clerk)
    wait_for(lambda: case_there(panyu, ref) is not None, "the case to appear at 番禺")
    decide_there(panyu, reviewer, ref)
    wait_for(lambda: here(nanhai, ref)["remote_status"] == "result_issued", "the result here")
    result = here(nanhai, ref)
    assert result["result_verified"] is True
    assert [m["type"] for m in result["received"]] == [
        "case.accepted", "case.decided", "case.result"]  # fmt: skip

    # 番禺 killed (-9) with a hand-over on its way, and restarted: the worker here keeps
    # retrying, the message is applied once.
    panyu.kill("serve")
    second = hand_over(nanhai, clerk)
    third = hand_over(nanhai, clerk)
    time.sleep(1.0)  # the worker here tries, and fails, at least once
    assert case_there(panyu, second) is None
    panyu.start("serve")
    wait_for(
        lambda: case_there(panyu, second) is not None and case_there(panyu, third) is not None,
        "the hand-overs to arrive after the restart",
    )
    # And its worker killed in the middle of answering, then restarted.
    panyu.kill("worker")
    decide_there(panyu, reviewer, second)
    panyu.start("worker")
    wait_for(lambda: here(nanhai, second)["remote_status"] == "result_issued", "second result")
    wait_for(
        lambda: (
            nanhai.count(federation_sent, federation_sent.c.status != "acknowledged") == 0
            and panyu.count(federation_sent, federation_sent.c.status != "acknowledged") == 0
        ),
        "every message to be acknowledged",
    )
    # Nothing lost, nothing applied twice: each side applied exactly what the other sent.
    assert panyu.count(federation_received) == nanhai.count(federation_sent) == 3
    assert nanhai.count(federation_received) == panyu.count(federation_sent) == 6
    assert panyu.count(federation_cases) == nanhai.count(federation_cases) == 3
    assert panyu.count(cases) == 3
    # Each message appears once as sent on one side and once as applied on the other.
    for sender, receiver in ((nanhai, panyu), (panyu, nanhai)):
        assert sender.count(federation_log, federation_log.c.outcome == "sent") == receiver.count(
            federation_log, federation_log.c.outcome == "applied"
        )
    logs_whole(nanhai, panyu)
