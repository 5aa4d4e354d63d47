"""Every route declares exactly one access policy, and answers every role as that policy says.

Adding a route means adding one line to ``EXPECTED`` or to its area's module under
``access_rows/`` (and a sample value for a new path parameter): a route missing from the
table, or whose policy changed, fails here.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from argon2 import PasswordHasher
from fastapi import FastAPI
from fastapi.routing import APIRoute
from sqlalchemy import func, select

from tests.factories import make_service_token, make_user
from tests.integration import access_rows
from tongban.adapters.db.tables import metadata
from tongban.bootstrap import Container
from tongban.domain.people.model import STAFF_ROLES, Principal, Role
from tongban.services.people import accounts as people
from tongban.services.people import sessions
from tongban.services.platform import access
from tongban.web.deps import ANON_CSRF_COOKIE, CSRF_HEADER, SESSION_COOKIE

ADMIN = access.CATALOGUE_ADMIN.name
READERS = access.CATALOGUE_READERS.name
PUBLIC = access.PUBLIC.name
SIGNED_IN = access.AUTHENTICATED.name
STAFF = access.STAFF.name

EXPECTED: dict[tuple[str, str], str] = {
    # home and system
    ("GET", "/"): PUBLIC,
    ("GET", "/healthz"): PUBLIC,
    ("GET", "/readyz"): PUBLIC,
    ("GET", "/metrics"): PUBLIC,  # a bearer token when TONGBAN_METRICS_TOKEN is set
    ("GET", "/api/docs"): PUBLIC,
    ("GET", "/api/v1/me"): SIGNED_IN,
    ("GET", "/api/v1/me/sessions"): SIGNED_IN,
    ("POST", "/api/v1/me/sessions/end-others"): SIGNED_IN,
    ("GET", "/account/sessions"): SIGNED_IN,
    ("POST", "/account/sessions/end-others"): SIGNED_IN,
    # log-in and the workbench
    ("GET", "/login"): PUBLIC,
    ("POST", "/login"): PUBLIC,
    ("POST", "/login/sms-code"): PUBLIC,
    ("POST", "/logout"): PUBLIC,
    ("POST", "/api/v1/auth/login"): PUBLIC,
    ("POST", "/api/v1/auth/sms-code"): PUBLIC,
    ("POST", "/api/v1/auth/sms-login"): PUBLIC,
    ("POST", "/api/v1/auth/logout"): PUBLIC,
    ("GET", "/workbench"): STAFF,
    ("GET", "/inbox"): SIGNED_IN,
    ("POST", "/inbox/{message_id}/read"): SIGNED_IN,
    # catalogue
    ("GET", "/items"): PUBLIC,
    ("GET", "/items/{code}"): PUBLIC,
    ("GET", "/stats"): PUBLIC,
    ("GET", "/frequent"): PUBLIC,
    ("GET", "/admin/items"): READERS,
    ("GET", "/admin/items/new"): ADMIN,
    ("POST", "/admin/items/new"): ADMIN,
    ("GET", "/admin/items/{code}/edit"): ADMIN,
    ("POST", "/admin/items/{code}/edit"): ADMIN,
    ("POST", "/admin/items/{code}/publish"): ADMIN,
    ("POST", "/admin/items/{code}/withdraw"): ADMIN,
    ("GET", "/admin/items/{code}/history"): READERS,
    ("GET", "/api/v1/items"): PUBLIC,
    ("GET", "/api/v1/items/{code}"): PUBLIC,
    ("GET", "/api/v1/items/{code}/versions"): PUBLIC,
    ("GET", "/api/v1/items/{code}/versions/{version}"): PUBLIC,
    ("GET", "/api/v1/items/{code}/draft"): READERS,
    ("POST", "/api/v1/items"): ADMIN,
    ("PUT", "/api/v1/items/{code}/draft"): ADMIN,
    ("POST", "/api/v1/items/{code}/publish"): ADMIN,
    ("POST", "/api/v1/items/{code}/withdraw"): ADMIN,
    ("GET", "/api/v1/catalogue/stats"): PUBLIC,
    ("GET", "/api/v1/catalogue/export"): PUBLIC,
    ("POST", "/api/v1/catalogue/import"): ADMIN,
    # working-day calendar
    ("GET", "/calendar/deadline"): PUBLIC,
    ("GET", "/admin/calendar"): ADMIN,
    ("POST", "/admin/calendar/day"): ADMIN,
    ("POST", "/admin/calendar/import"): ADMIN,
    ("GET", "/api/v1/calendar/status"): PUBLIC,
    ("GET", "/api/v1/calendar/deadline"): PUBLIC,
    ("GET", "/api/v1/calendar/{year}"): PUBLIC,
    ("PUT", "/api/v1/calendar/days/{day}"): ADMIN,
    ("POST", "/api/v1/calendar/import"): ADMIN,
    # service network and the three lists
    ("GET", "/centres"): PUBLIC,
    ("GET", "/centres/nearest"): PUBLIC,
    ("GET", "/centres/{code}"): PUBLIC,
    ("GET", "/lists"): PUBLIC,
    ("GET", "/lists/{kind}"): PUBLIC,
    ("GET", "/api/v1/departments"): PUBLIC,
    ("GET", "/api/v1/centres"): PUBLIC,
    ("GET", "/api/v1/centres/nearest"): PUBLIC,
    ("GET", "/api/v1/centres/{code}"): PUBLIC,
    ("GET", "/api/v1/lists/{kind}"): PUBLIC,
    # cases (办件)
    ("POST", "/api/v1/cases"): access.APPLICANT.name,
    ("POST", "/api/v1/cases/drafts"): access.APPLICANT.name,
    ("POST", "/api/v1/cases/window"): access.CASE_CLERKS.name,
    ("POST", "/api/v1/cases/mail"): access.CASE_CLERKS.name,
    ("GET", "/api/v1/cases"): access.CASE_QUEUE_READERS.name,
    ("GET", "/api/v1/cases/{number}"): access.CASE_READERS.name,
    ("GET", "/api/v1/cases/{number}/timeline"): access.CASE_READERS.name,
    ("POST", "/api/v1/cases/{number}/submit"): access.APPLICANT.name,
    ("POST", "/api/v1/cases/{number}/precheck"): access.CASE_INTAKE.name,
    ("POST", "/api/v1/cases/{number}/accept"): access.CASE_INTAKE.name,
    ("POST", "/api/v1/cases/{number}/accept-with-missing-materials"): access.CASE_INTAKE.name,
    ("POST", "/api/v1/cases/{number}/refuse"): access.CASE_INTAKE.name,
    ("POST", "/api/v1/cases/{number}/request-correction"): access.CASE_INTAKE.name,
    ("POST", "/api/v1/cases/{number}/supply-correction"): access.CASE_APPLICANT_OR_CLERK.name,
    ("POST", "/api/v1/cases/{number}/supply-missing-materials"): (
        access.CASE_APPLICANT_OR_CLERK.name
    ),
    ("POST", "/api/v1/cases/{number}/start-review"): access.CASE_REVIEWERS.name,
    ("POST", "/api/v1/cases/{number}/propose-decision"): access.CASE_REVIEWERS.name,
    ("POST", "/api/v1/cases/{number}/sign-off"): access.CASE_CHIEFS.name,
    ("POST", "/api/v1/cases/{number}/send-back"): access.CASE_CHIEFS.name,
    ("POST", "/api/v1/cases/{number}/issue-result"): access.CASE_REVIEWERS.name,
    ("POST", "/api/v1/cases/{number}/collect"): access.CASE_CLERKS.name,
    ("POST", "/api/v1/cases/{number}/pickup-code"): access.APPLICANT.name,
    ("POST", "/api/v1/cases/{number}/deliver"): access.CASE_INTAKE.name,
    ("POST", "/api/v1/cases/{number}/archive"): access.CASE_INTAKE.name,
    ("POST", "/api/v1/cases/{number}/withdraw"): access.CASE_APPLICANT_OR_CLERK.name,
    ("POST", "/api/v1/cases/{number}/terminate"): access.CASE_REVIEWERS.name,
    ("POST", "/api/v1/cases/{number}/materials"): access.CASE_APPLICANT_OR_CLERK.name,
    ("GET", "/api/v1/cases/{number}/materials/{sha256}"): access.CASE_READERS.name,
    ("GET", "/api/v1/cases/{number}/steps"): access.CASE_READERS.name,
    ("GET", "/api/v1/review/steps"): access.CASE_REVIEWERS.name,
    ("POST", "/api/v1/cases/{number}/steps/{step}/claim"): access.CASE_REVIEWERS.name,
    ("POST", "/api/v1/cases/{number}/steps/{step}/assign"): access.CASE_CHIEFS.name,
    ("POST", "/api/v1/cases/{number}/steps/{step}/complete"): access.CASE_REVIEWERS.name,
    ("PUT", "/api/v1/items/{code}/review-plan"): ADMIN,
    # case pages (办件): one per role's workbench
    ("GET", "/my/cases"): access.APPLICANT.name,
    ("GET", "/my/cases/{number}"): access.APPLICANT.name,
    ("POST", "/my/cases/{number}/pickup-code"): access.APPLICANT.name,
    ("POST", "/cases/{number}/reveal"): access.CASE_READERS.name,
    ("POST", "/my/cases/{number}/{action}"): access.APPLICANT.name,
    ("POST", "/my/cases/{number}/materials/upload"): access.APPLICANT.name,
    ("GET", "/items/{code}/apply"): access.APPLICANT.name,
    ("POST", "/items/{code}/apply"): access.APPLICANT.name,
    ("GET", "/window"): access.CASE_CLERKS.name,
    ("POST", "/window/identify"): access.CASE_CLERKS.name,
    ("GET", "/window/apply"): access.CASE_CLERKS.name,
    ("POST", "/window/apply"): access.CASE_CLERKS.name,
    ("GET", "/window/cases/{number}"): access.CASE_CLERKS.name,
    ("POST", "/window/cases/{number}"): access.CASE_CLERKS.name,
    ("GET", "/window/cases/{number}/receipt.pdf"): access.CASE_CLERKS.name,
    ("GET", "/review"): access.CASE_REVIEWERS.name,
    ("GET", "/review/cases/{number}"): access.CASE_REVIEWERS.name,
    ("POST", "/review/cases/{number}/{action}"): access.CASE_REVIEWERS.name,
    ("GET", "/sign-off"): access.CASE_CHIEFS.name,
    ("POST", "/sign-off/cases/{number}/{action}"): access.CASE_CHIEFS.name,
    ("GET", "/centre"): access.CENTRE_MANAGERS.name,
}
"""(method, path) → the name of the policy the route must declare."""

PATH_SAMPLES: dict[str, str] = {
    "code": "NOPE-0001",
    "message_id": "999999",
    "version": "1",
    "year": "2026",
    "day": "2026-10-01",
    "kind": "negative",
    "number": "NH20000101-000001",
    "action": "withdraw",
    "sha256": "0" * 64,
    "step": "1",
}
"""A value for each path parameter; the object need not exist (404 is an answer too)."""

_AREA_ROWS, _AREA_SAMPLES = access_rows.merged()
EXPECTED.update(_AREA_ROWS)
PATH_SAMPLES.update(_AREA_SAMPLES)

ROLES: tuple[str, ...] = (
    "anonymous",
    Role.CITIZEN.value,
    Role.ENTERPRISE.value,
    *sorted(r.value for r in STAFF_ROLES),
    Role.KIOSK.value,  # a paired kiosk's device account: a role, not a person
)

CHEAP = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


@pytest.fixture(autouse=True)
def cheap_hashing(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(people, "HASHER", CHEAP)
    yield


def api_routes(app: FastAPI) -> list[Any]:
    """Every API route with its full path, including those of included routers."""
    try:
        from fastapi.routing import iter_route_contexts
    except ImportError:  # FastAPI < 0.137 copied included routes into ``app.routes``
        return [r for r in app.routes if isinstance(r, APIRoute)]
    return [c for c in iter_route_contexts(app.routes) if isinstance(c.original_route, APIRoute)]


def policies(dependant: Any) -> list[access.Policy]:
    """The policies of every ``allow(...)`` dependency, however deeply nested."""
    found = []
    for dependency in dependant.dependencies:
        policy = getattr(dependency.call, "policy", None)
        if isinstance(policy, access.Policy):
            found.append(policy)
        found.extend(policies(dependency))
    return found


def endpoints(app: FastAPI) -> list[tuple[str, str, str, list[access.Policy]]]:
    """(method, path, concrete URL, policies) for every route and method."""
    rows = []
    for route in api_routes(app):
        names = [p.name for p in route.dependant.path_params]
        unknown = [n for n in names if n not in PATH_SAMPLES]
        assert not unknown, f"{route.path}: add a sample for {unknown} to PATH_SAMPLES"
        url = route.path_format.format(**{n: PATH_SAMPLES[n] for n in names})
        for method in sorted(route.methods):
            rows.append((method, route.path, url, policies(route.dependant)))
    return rows


class SignedIn:
    """A principal of each role, with a session cookie and CSRF token (none when anonymous)."""

    def __init__(self, container: Container) -> None:
        self.principals: dict[str, Principal | None] = {"anonymous": None}
        self.tokens: dict[str, tuple[str, str]] = {}
        for role in ROLES[1:]:
            person = make_user(container, Role(role))
            with container.uow() as uow:
                self.tokens[role] = sessions.create_session(
                    uow.conn, person.user_id, now=container.clock.now(), hours=1
                )
                self.principals[role] = sessions.load_principal(uow.conn, person.user_id)
                uow.commit()

    def use(self, client: Any, role: str) -> dict[str, str]:
        """Put ``role``'s cookies on ``client``; returns the CSRF header to send."""
        client.cookies.clear()
        if role == "anonymous":
            client.cookies.set(ANON_CSRF_COOKIE, "matrix-token")
            return {CSRF_HEADER: "matrix-token"}
        token, csrf = self.tokens[role]
        client.cookies.set(SESSION_COOKIE, token)
        return {CSRF_HEADER: csrf}


@pytest.fixture
def roles(container: Container) -> SignedIn:
    return SignedIn(container)


def row_counts(container: Container) -> dict[str, int]:
    with container.uow() as uow:
        return {
            t.name: int(uow.conn.execute(select(func.count()).select_from(t)).scalar_one())
            for t in metadata.sorted_tables
        }


def assert_refused(response: Any, role: str, what: str) -> None:
    if role == "anonymous":
        # An unpaired kiosk is sent to pair, not to log in.
        places = ("/login", "/kiosk/pair")
        to_login = response.status_code == 303 and response.headers["location"].startswith(places)
        assert response.status_code == 401 or to_login, f"{what}: {response.status_code}"
    else:
        assert response.status_code == 403, f"{what}: {response.status_code}"


def test_every_route_declares_exactly_one_policy(app) -> None:
    rows = endpoints(app)
    assert rows, "no routes found: has the way FastAPI lists routes changed?"
    for method, path, _url, found in rows:
        names = [p.name for p in found]
        assert len(found) == 1, f"{method} {path} declares {names or 'no'} policies"


def test_every_route_has_the_policy_the_table_expects(app) -> None:
    actual = {(method, path): [p.name for p in found] for method, path, _u, found in endpoints(app)}
    missing = sorted(set(actual) - set(EXPECTED))
    stale = sorted(set(EXPECTED) - set(actual))
    assert not missing, f"routes missing from EXPECTED: {missing}"
    assert not stale, f"EXPECTED names routes that no longer exist: {stale}"
    changed = {k: v for k, v in actual.items() if v != [EXPECTED[k]]}
    assert not changed, f"policies differ from EXPECTED: {changed}"


def test_every_page_and_api_read_answers_each_role_as_its_policy_says(app, client, roles) -> None:
    for method, path, url, found in endpoints(app):
        if method != "GET":
            continue
        policy = found[0]
        for role in ROLES:
            roles.use(client, role)
            response = client.get(url, follow_redirects=False)
            what = f"{role} GET {path}"
            if policy.allows(roles.principals[role]):
                assert response.status_code not in (401, 403), what
                # /readyz answers 503 by design here: no worker runs beside the test app.
                ready = path == "/readyz" and response.status_code == 503
                assert response.status_code < 500 or ready, f"{what}: {response.status_code}"
            else:
                assert_refused(response, role, what)


def test_unsafe_routes_refuse_other_roles_without_changing_anything(
    app, client, container, roles
) -> None:
    for method, path, url, found in endpoints(app):
        if method == "GET":
            continue
        policy = found[0]
        refused = [r for r in ROLES if not policy.allows(roles.principals[r])]
        if not refused:
            continue
        before = row_counts(container)
        for role in refused:
            headers = roles.use(client, role)
            response = client.request(method, url, json={}, headers=headers, follow_redirects=False)
            assert_refused(response, role, f"{role} {method} {path}")
        assert row_counts(container) == before, f"{method} {path} changed data when refused"


def test_a_service_accounts_token_answers_every_api_route_as_its_role_would(
    app, client, container
) -> None:
    """The matrix for other systems: a token of each staff role, on every API route, gets the
    answer the route's policy gives that role (writes refused change nothing); pages are not
    for tokens at all."""
    client.cookies.clear()
    staff = sorted(STAFF_ROLES, key=lambda r: r.value)
    made = {role: make_service_token(container, role) for role in staff}
    bearers = {role: token for role, (_id, token) in made.items()}
    with container.read() as uow:
        principals = {role: sessions.load_principal(uow.conn, made[role][0]) for role in staff}
    for method, path, url, found in endpoints(app):
        if not path.startswith("/api/v1/"):
            continue
        policy = found[0]
        before = row_counts(container) if method != "GET" else None
        for role in staff:
            headers = {"Authorization": f"Bearer {bearers[role]}"}
            what = f"token of {role.value} {method} {path}"
            allowed = policy.allows(principals[role])
            if method == "GET":
                response = client.get(url, headers=headers, follow_redirects=False)
                if allowed:
                    assert response.status_code not in (401, 403), what
                    assert response.status_code < 500, f"{what}: {response.status_code}"
                else:
                    assert response.status_code == 403, f"{what}: {response.status_code}"
            elif not allowed:
                response = client.request(method, url, json={}, headers=headers)
                assert response.status_code == 403, f"{what}: {response.status_code}"
        if before is not None:
            assert row_counts(container) == before, f"{method} {path} changed data when refused"
