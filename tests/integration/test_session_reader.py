"""The session read on the event loop (PostgreSQL): the same answer as the engine's, a log-out
counting from the next request, and a broken connection replaced without a failed request."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from tests.clock import SYSTEM
from tests.factories import DEPARTMENT_CODE, make_citizen, make_staff, sign_in
from tongban.adapters.db.async_reader import APPLICATION_NAME
from tongban.bootstrap import Container
from tongban.domain.people.model import Role, RoleAssignment
from tongban.services.people import accounts as people
from tongban.services.people import sessions
from tongban.web.app import build_app

pytestmark = pytest.mark.parametrize("engine", ["postgresql"], indirect=True)
T = TypeVar("T")


def test_the_async_read_gives_what_the_engine_read_gives(container: Container) -> None:
    staff = make_staff(container, Role.CLERK)
    with container.uow() as uow:
        second = RoleAssignment(Role.REVIEWER, department_code=DEPARTMENT_CODE)
        assert people.assign_role(uow, SYSTEM, staff.user_id, second)
        token, csrf = sessions.create_session(
            uow.conn, staff.user_id, now=container.clock.now(), hours=1
        )
        uow.commit()
    reader = container.async_reader
    assert reader is not None
    now = container.clock.now()

    async def read() -> tuple[object, str] | None:
        try:
            return await sessions.read_session_async(reader, token, now=now)
        finally:
            await reader.close()

    found = in_own_loop(read)
    assert found is not None and found == sessions.read_session(container.engine, token, now=now)
    principal, read_csrf = found
    assert read_csrf == csrf and len(principal.roles) == 2  # type: ignore[attr-defined]
    assert in_own_loop(lambda: _read_unknown(container)) is None


def in_own_loop(make: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run a coroutine on a loop of its own thread: a browser test earlier in this process may
    have left an event loop running in this one."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(lambda: asyncio.run(make())).result()


async def _read_unknown(container: Container) -> object:
    reader = container.async_reader
    assert reader is not None
    try:
        return await sessions.read_session_async(reader, "no-such-token", now=container.clock.now())
    finally:
        await reader.close()


def test_a_dropped_reader_connection_is_replaced_and_a_logout_counts_next(
    container: Container,
) -> None:
    citizen = make_citizen(container)
    with TestClient(build_app(container)) as client:
        csrf = sign_in(container, client, citizen)
        assert client.get("/api/v1/cases").status_code == 200
        with container.engine.connect() as conn:
            ended = conn.execute(
                text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                    " WHERE application_name = :name AND datname = current_database()"
                ),
                {"name": APPLICATION_NAME},
            ).scalar_one()
        assert ended == 1
        assert client.get("/api/v1/cases").status_code == 200
        assert client.post("/api/v1/auth/logout", headers={"X-CSRF-Token": csrf}).status_code == 204
        assert client.get("/api/v1/cases").status_code == 401
