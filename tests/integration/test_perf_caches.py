"""The write path's shortcuts change nothing a client can see (docs/performance.md).

Each shortcut (one query for the principal, memoised principals and parsed item specs, the
idempotency key claimed in the use case's own transaction, one upsert for the case number, one
insert for a case's messages, pinging only idle connections) is checked where it could go
wrong: another app process changing the data behind a warm cache.  "Another process" is a
second engine and app on the same database.
"""

from __future__ import annotations

import contextlib
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, func, select, text

from tests.clock import SYSTEM, TEST_START
from tests.conftest import BACKENDS
from tests.factories import make_citizen, make_staff, sign_in
from tests.integration.test_cases import ITEM, World, application, build_world, publish_item
from tongban.adapters.db import engine as db_engine
from tongban.adapters.db.engine import build_engine
from tongban.adapters.db.tables import (
    audit_log,
    case_number_counters,
    cases,
    idempotency_keys,
    outbox,
)
from tongban.bootstrap import Container
from tongban.domain.cases.numbers import format_number
from tongban.domain.errors import UnknownCentre
from tongban.domain.people.model import Role, RoleAssignment
from tongban.services.cases import lifecycle as svc
from tongban.services.cases import numbers as case_numbers
from tongban.services.cases import repository as cases_repository
from tongban.services.catalogue import items as catalogue
from tongban.services.people import accounts as people
from tongban.services.people import sessions
from tongban.services.platform import audit, idempotency
from tongban.services.platform.context import Actor
from tongban.services.platform.unit_of_work import UnitOfWork, atomic
from tongban.web.app import build_app
from tongban.web.deps import SESSION_COOKIE

ONLINE = application(materials=[])
"""An online application with its form and none of its materials' files (none needed here)."""


@pytest.fixture
def other(container: Container) -> Iterator[Container]:
    """A second app process's container: its own engine (pool, caches) on the same database."""
    url = container.engine.url.render_as_string(hide_password=False)
    second = Container(
        settings=container.settings,
        engine=build_engine(url),
        secret_key="x",
        clock=container.clock,
    )
    try:
        yield second
    finally:
        second.engine.dispose()


@pytest.fixture
def two_apps(container: Container, other: Container) -> Iterator[tuple[TestClient, TestClient]]:
    with TestClient(build_app(container)) as a, TestClient(build_app(other)) as b:
        yield a, b


def me(client: TestClient, token: str) -> Any:
    client.cookies.set(SESSION_COOKIE, token)
    return client.get("/api/v1/me")


def roles(response: Any) -> list[str]:
    return [r["role"] for r in response.json()["roles"]]


# --- the principal ------------------------------------------------------------------------------


def test_a_revoked_session_is_refused_by_every_process_on_the_next_request(
    container: Container, two_apps: tuple[TestClient, TestClient]
) -> None:
    a, b = two_apps
    citizen = make_citizen(container)
    sign_in(container, a, citizen)
    token = a.cookies[SESSION_COOKIE]
    for _ in range(3):  # both processes warm: the principal is memoised in each
        assert me(a, token).status_code == 200
        assert me(b, token).status_code == 200
    with container.uow() as uow:  # the log-out, written through process A's engine
        sessions.end_session(uow.conn, token)
        uow.commit()
    assert me(b, token).status_code == 401
    assert me(a, token).status_code == 401


def test_a_role_change_or_a_deactivation_counts_from_the_next_request_everywhere(
    container: Container, other: Container, two_apps: tuple[TestClient, TestClient]
) -> None:
    a, b = two_apps
    clerk = make_staff(container, Role.CLERK)
    sign_in(container, a, clerk)
    token = a.cookies[SESSION_COOKIE]
    assert roles(me(a, token)) == roles(me(b, token)) == ["clerk"]
    with other.uow() as uow:  # process B's engine grants a role; A must see it at once
        people.assign_role(
            uow, SYSTEM, clerk.user_id, RoleAssignment(Role.CENTRE_MANAGER, centre_code="C-GC")
        )
    assert roles(me(a, token)) == ["clerk", "centre_manager"]
    assert roles(me(b, token)) == ["clerk", "centre_manager"]
    with container.uow() as uow:
        people.deactivate_user(uow, SYSTEM, clerk.user_id)
    assert me(b, token).status_code == 401
    assert me(a, token).status_code == 401


def test_an_expired_session_is_refused_although_its_principal_is_memoised(
    container: Container, client: TestClient
) -> None:
    citizen = make_citizen(container)
    with container.uow() as uow:
        token, _ = sessions.create_session(
            uow.conn, citizen.user_id, now=container.clock.now(), hours=1
        )
        uow.commit()
    assert me(client, token).status_code == 200
    later = container.clock.now().replace(year=container.clock.now().year + 1)
    assert sessions.read_session(container.engine, token, now=later) is None
    assert (
        sessions.read_session(container.engine, "unknown-token", now=container.clock.now()) is None
    )


def test_the_session_principal_is_the_one_the_two_step_loader_builds(
    container: Container,
) -> None:
    staff = make_staff(container, Role.REVIEWER)
    with container.uow() as uow:
        people.assign_role(
            uow, SYSTEM, staff.user_id, RoleAssignment(Role.CLERK, centre_code="C-GC")
        )
        token, csrf = sessions.create_session(
            uow.conn, staff.user_id, now=container.clock.now(), hours=1
        )
        uow.commit()
    found = sessions.read_session(container.engine, token, now=container.clock.now())
    assert found is not None
    with container.read() as uow:
        expected = sessions.load_principal(
            uow.conn, staff.user_id, session_id=sessions._digest(token)
        )
    assert found == (expected, csrf)


# --- published items ----------------------------------------------------------------------------


def test_a_new_version_published_by_another_process_is_served_at_once(
    container: Container, other: Container
) -> None:
    world = build_world(container)
    with container.read() as uow:
        first = catalogue.published_item(uow.conn, ITEM)
        assert catalogue.published_item(uow.conn, ITEM).spec is first.spec  # parsed once
    publish_item(other, name="个体工商户设立登记（新版）")
    with container.read() as uow:
        current = catalogue.published_item(uow.conn, ITEM)
        pinned = catalogue.published_item(uow.conn, ITEM, first.version)
    assert (current.version, current.spec.name) == (2, "个体工商户设立登记（新版）")
    assert (pinned.version, pinned.spec) == (first.version, first.spec)
    with container.uow() as uow:  # a case filed now pins version 2
        ref = svc.submit_online(uow, world.actor(world.citizen), application(materials=[]))
    with container.read() as uow:
        assert cases_repository.get(uow.conn, ref.number).item_version == 2


# --- idempotency: the key commits with the change -----------------------------------------------


@atomic
def note(uow: UnitOfWork, text_: str) -> tuple[int, Any]:
    audit.record(uow.conn, Actor(request_id="t", at=TEST_START), "note.created", "note", text_)
    return 201, {"text": text_}


def notes(container: Container, text_: str) -> int:
    with container.read() as uow:
        query = select(func.count()).where(audit_log.c.object_key == text_)
        return int(uow.conn.execute(query).scalar_one())


def test_the_key_the_change_and_the_answer_commit_in_one_transaction(
    container: Container,
) -> None:
    statements: list[str] = []

    def seen(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        verb = statement.split()[0].upper()
        if verb not in ("BEGIN", "SAVEPOINT", "RELEASE"):
            statements.append(verb)

    args: dict[str, Any] = {"key": "k", "scope": "anon", "request_hash": "h", "now": TEST_START}
    event.listen(container.engine, "before_cursor_execute", seen)
    try:
        outcome = idempotency.run(container.engine, handler=lambda uow: note(uow, "one"), **args)
    finally:
        event.remove(container.engine, "before_cursor_execute", seen)
    assert (outcome.status, outcome.replayed) == (201, False)
    # claim, change, answer: no transaction of its own for the key
    assert statements[0] == "INSERT" and statements[-1] == "UPDATE"
    again = idempotency.run(container.engine, handler=lambda uow: note(uow, "one"), **args)
    assert (again.body, again.replayed) == ({"text": "one"}, True)
    assert notes(container, "one") == 1


def test_a_use_case_that_rolls_back_inside_still_gets_its_answer_kept(
    container: Container,
) -> None:
    class GaveUp(Exception):
        pass

    def second_try(uow: UnitOfWork) -> tuple[int, Any]:
        # The use case gives up its first attempt: the savepoint undoes it, not the claim.
        with contextlib.suppress(GaveUp), uow.atomic(savepoint=True):
            audit.record(
                uow.conn,
                Actor(request_id="t", at=TEST_START),
                "note.created",
                "note",
                "lost",
            )
            raise GaveUp()
        return note(uow, "kept")

    args: dict[str, Any] = {"key": "k2", "scope": "anon", "request_hash": "h", "now": TEST_START}
    assert idempotency.run(container.engine, handler=second_try, **args).replayed is False
    assert idempotency.run(container.engine, handler=second_try, **args).replayed is True
    assert (notes(container, "lost"), notes(container, "kept")) == (0, 1)
    with container.read() as uow:
        rows = uow.conn.execute(select(idempotency_keys.c.status)).scalars().all()
    assert rows == ["done"]


def test_concurrent_twins_on_two_processes_apply_once_and_get_the_same_answer(
    container: Container, other: Container
) -> None:
    """The twin waits for the holder's transaction and then replays its answer."""
    runs = 0
    lock = threading.Lock()

    def slow(uow: UnitOfWork) -> tuple[int, Any]:
        nonlocal runs
        with lock:
            runs += 1
        time.sleep(0.2)
        return note(uow, "twin")

    start = threading.Barrier(6)

    def send(i: int) -> Any:
        engine = (container if i % 2 else other).engine
        start.wait()
        try:
            outcome = idempotency.run(
                engine, key="same", scope="anon", request_hash="h", handler=slow, now=TEST_START
            )
        except idempotency.IdempotencyInProgress:
            return "409"
        return outcome.body["text"]

    with ThreadPoolExecutor(6) as pool:
        answers = list(pool.map(send, range(6)))
    assert set(answers) <= {"twin", "409"} and "twin" in answers
    assert (runs, notes(container, "twin")) == (1, 1)


# --- case numbers and messages ------------------------------------------------------------------


def test_case_numbers_stay_unique_across_processes(container: Container, other: Container) -> None:
    world = build_world(container)
    day = "2026-11-03"

    def submit(i: int) -> str:
        target = container if i % 2 else other
        with target.uow() as uow:
            return svc.submit_online(uow, world.actor(world.citizen, day), ONLINE).number

    with ThreadPoolExecutor(6) as pool:
        numbers = list(pool.map(submit, range(24)))
    assert len(set(numbers)) == 24
    on = world.actor(None, day).at.date()
    assert all(n.startswith(format_number("440605", on, 1)[:16]) for n in numbers)
    sequences = sorted(int(n[-7:]) for n in numbers)
    reserved = counter_of(container, on)
    if container.engine.dialect.name == "sqlite":
        assert sequences == list(range(1, 25)) and reserved == 24
    else:
        # Blocks of ten per process: every number was reserved, none twice, from 1 up.
        assert sequences[0] == 1 and sequences[-1] <= reserved
        assert reserved % case_numbers.BLOCK == 0


def counter_of(container: Container, day: date) -> int:
    with container.read() as uow:
        t = case_number_counters
        return int(uow.conn.execute(select(t.c.last).where(t.c.day == day)).scalar_one())


@pytest.mark.parametrize("engine", ["postgresql"], indirect=True)
def test_a_process_takes_numbers_from_blocks_it_reserved_on_their_own(
    container: Container, other: Container
) -> None:
    world = build_world(container)
    day = "2026-11-03"
    on = world.actor(None, day).at.date()
    # The first case reserves a block in a transaction of its own, then fails (after its
    # insert): the reservation stands, the failed case's number is a gap.
    with pytest.raises(UnknownCentre), container.uow() as uow:
        svc.submit_online(
            uow,
            world.actor(world.citizen, day),
            application(pickup_centre_code="C-NOWHERE", materials=[]),
        )
    assert counter_of(container, on) == case_numbers.BLOCK
    # The block's other numbers go to the next cases without touching the counter row.
    taken = [submit_and_count(world, day).number for _ in range(case_numbers.BLOCK)]
    assert taken[:-1] == [format_number("440605", on, i) for i in range(2, case_numbers.BLOCK + 1)]
    assert taken[-1] == format_number("440605", on, case_numbers.BLOCK + 1)
    assert counter_of(container, on) == 2 * case_numbers.BLOCK
    # Another process (another engine) reserves after this one's blocks, never inside them.
    with other.uow() as uow:
        later = svc.submit_online(uow, world.actor(world.citizen, day), ONLINE).number
    assert later == format_number("440605", on, 2 * case_numbers.BLOCK + 1)


def test_messages_of_a_change_exist_iff_it_commits(container: Container) -> None:
    world = build_world(container)
    ref = submit_and_count(world)
    with container.read() as uow:
        kinds = uow.conn.execute(select(outbox.c.kind).order_by(outbox.c.id)).scalars().all()
    assert kinds == ["inbox", "sms"]
    # An unknown pickup centre is found by the insert itself: nothing is written at all.
    before = count_outbox(container)
    with pytest.raises(UnknownCentre), container.uow() as uow:
        svc.submit_online(
            uow,
            world.actor(world.citizen),
            application(pickup_centre_code="C-NOWHERE", materials=[]),
        )
    assert count_outbox(container) == before
    with container.read() as uow:
        assert uow.conn.execute(select(func.count()).select_from(cases)).scalar_one() == 1
        assert cases_repository.get(uow.conn, ref.number).version == 1


def submit_and_count(world: World, day: str = "2026-11-02") -> svc.CaseRef:
    with world.container.uow() as uow:
        return svc.submit_online(uow, world.actor(world.citizen, day), ONLINE)


def count_outbox(container: Container) -> int:
    with container.read() as uow:
        return int(uow.conn.execute(select(func.count()).select_from(outbox)).scalar_one())


# --- connections --------------------------------------------------------------------------------


@pytest.mark.parametrize("engine", [BACKENDS[1]], indirect=True)  # SQLite has no server
def test_an_idle_connection_that_died_is_replaced_before_use(container: Container) -> None:
    engine = container.engine
    victim, killer = engine.connect(), engine.connect()
    pid = victim.exec_driver_sql("SELECT pg_backend_pid()").scalar_one()
    victim.close()  # back in the pool, idle
    # An idle connection cut (a server restart, a firewall): its socket is dead.
    killer.exec_driver_sql(f"SELECT pg_terminate_backend({int(pid)})")
    killer.commit()
    killer.close()
    pool = engine.pool
    for record in list(pool._pool.queue):  # type: ignore[attr-defined]
        record.info["tongban_idle_since"] = time.monotonic() - db_engine.PING_IDLE_SECONDS - 1
    for _ in range(2):  # both pooled connections, the dead one among them, are checked
        with engine.connect() as conn:
            assert conn.execute(text("SELECT 1")).scalar_one() == 1


def test_a_fresh_idempotency_key_per_request_keeps_the_table_to_one_row_per_key(
    container: Container, client: TestClient
) -> None:
    build_world(container)
    csrf = sign_in(container, client, make_citizen(container))
    key = str(uuid.uuid4())
    body = {"item_code": ITEM, "form": application().form, "materials": []}
    first = client.post(
        "/api/v1/cases", json=body, headers={"X-CSRF-Token": csrf, "Idempotency-Key": key}
    )
    again = client.post(
        "/api/v1/cases", json=body, headers={"X-CSRF-Token": csrf, "Idempotency-Key": key}
    )
    assert first.status_code == again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert first.json() == again.json()
    with container.read() as uow:
        assert uow.conn.execute(select(func.count()).select_from(idempotency_keys)).scalar() == 1
