"""Property-based API testing: Schemathesis generates requests from the OpenAPI document.

Every operation is called as an anonymous visitor, a citizen and a window clerk with requests
the schema allows (and some it does not); none may answer 5xx, and every answer must match the
status codes, media types and bodies the document declares.  Runs on SQLite: the contract does
not depend on the database.  Fifteen examples per operation and role, derandomised, so the run
takes the same bounded time every time (about half a minute per role).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import checks

from tests.calendar_fixtures import seed_test_calendar
from tests.clock import TEST_START
from tests.factories import make_citizen, make_staff
from tongban.adapters.db.engine import build_engine
from tongban.bootstrap import Container
from tongban.config import Settings
from tongban.domain.people.model import Role
from tongban.domain.shared.clock import PinnedClock
from tongban.services.people import sessions
from tongban.web.app import build_app
from tongban.web.deps import CSRF_HEADER, SESSION_COOKIE

CHECKS = (
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
)
EXAMPLES = settings(
    max_examples=15,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)


@dataclass
class ApiWorld:
    container: Container
    app: Any
    users: dict[str, int]

    def credentials(self, role: str) -> tuple[dict[str, str], dict[str, str]]:
        """Headers and cookies of a fresh session (an earlier call may have logged out)."""
        if role == "anonymous":
            return {}, {}
        with self.container.uow() as uow:
            token, csrf = sessions.create_session(
                uow.conn, self.users[role], now=self.container.clock.now(), hours=1
            )
            uow.commit()
        return {CSRF_HEADER: csrf}, {SESSION_COOKIE: token}


@pytest.fixture(scope="module")
def api_world(
    tmp_path_factory: pytest.TempPathFactory, migrated_sqlite: Path
) -> Iterator[ApiWorld]:
    directory = tmp_path_factory.mktemp("api-properties")
    shutil.copy(migrated_sqlite, directory / "tongban.db")
    url = f"sqlite:///{directory / 'tongban.db'}"
    container = Container(
        settings=Settings(data_dir=directory, database_url=url),
        engine=build_engine(url),
        secret_key="api-properties-secret",
        clock=PinnedClock(TEST_START),
    )
    seed_test_calendar(container)
    users = {
        "citizen": make_citizen(container).user_id,
        "clerk": make_staff(container, Role.CLERK).user_id,
    }
    yield ApiWorld(container, build_app(container), users)
    container.engine.dispose()


def _operations(world: ApiWorld) -> list[Any]:
    schema = schemathesis.openapi.from_asgi("/openapi.json", world.app)
    # /readyz answers 503 (documented) here by design: no worker runs beside the test app;
    # its checks are tested in test_observability.
    found = [result.ok() for result in schema.get_all_operations()]
    return [operation for operation in found if operation.path != "/readyz"]


def _failures(world: ApiWorld, role: str) -> dict[str, str]:
    """Each operation's first failure (a 5xx or a mismatch with the document), by operation."""
    failures: dict[str, str] = {}
    for operation in _operations(world):

        @given(case=operation.as_strategy())
        @EXAMPLES
        def call(case: Any) -> None:
            headers, cookies = world.credentials(role)
            response = case.call(headers=headers, cookies=cookies)
            case.validate_response(response, checks=CHECKS)

        try:
            call()
        except (Exception, BaseExceptionGroup) as failure:  # every operation tried, all reported
            failures[f"{operation.method.upper()} {operation.path}"] = str(failure)[:2000]
    return failures


@pytest.mark.parametrize("role", ["anonymous", "citizen", "clerk"])
def test_the_api_keeps_its_contract(api_world: ApiWorld, role: str) -> None:
    failures = _failures(api_world, role)
    assert failures == {}, "\n\n".join(f"{op}: {text}" for op, text in failures.items())
