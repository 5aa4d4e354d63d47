"""The optional TOTP second factor of staff: enrolled on the account page with a first code,
asked for after the password, never accepted twice, replaced once by each recovery code,
counted like a wrong password, turned off with password and code, reset by the user
administrator, and required of the roles the settings name."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pyotp
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.factories import PASSWORD, Person, make_staff, sign_in
from tests.factories import login as login_api
from tongban.adapters.db.tables import audit_log, users
from tongban.bootstrap import Container
from tongban.domain.people.model import Role
from tongban.domain.shared.clock import PinnedClock
from tongban.services.people.auth import find_user


def clock(container: Container) -> PinnedClock:
    found = container.clock
    assert isinstance(found, PinnedClock)
    return found


def code_now(container: Container, secret: str) -> str:
    return pyotp.TOTP(secret).at(clock(container).now())


def enrol(app: Any, container: Container, username: str = "totp.user") -> tuple[str, list[str]]:
    """A clerk who enrols on their account page; returns (secret, recovery codes)."""
    person = make_staff(container, Role.CLERK, username=username)
    client = TestClient(app, follow_redirects=False)
    csrf = sign_in(container, client, person)
    assert "启用动态口令" in client.get("/account/security").text
    assert client.post("/account/security/totp/start", data={"csrf_token": csrf}).status_code == 303
    page = client.get("/account/security").text
    found = re.search(r'id="totp-secret">([A-Z2-7]+)<', page)
    assert found is not None and "otpauth://totp/" in page and "<svg" in page
    secret = found.group(1)
    wrong = client.post(
        "/account/security/totp/confirm", data={"csrf_token": csrf, "code": "000000"}
    )
    assert wrong.status_code == 422 and "动态口令错误" in wrong.text
    done = client.post(
        "/account/security/totp/confirm",
        data={"csrf_token": csrf, "code": code_now(container, secret)},
    )
    assert done.status_code == 200
    codes = re.findall(r"<li><code>([a-z0-9]{5}-[a-z0-9]{5})</code></li>", done.text)
    assert len(codes) == 10
    return secret, codes


def log_in(app: Any, login: str, **extra: str) -> Any:
    return TestClient(app).post(
        "/api/v1/auth/login", json={"login": login, "password": PASSWORD, **extra}
    )


def test_a_code_is_asked_after_the_password_and_never_accepted_twice(
    app: Any, container: Container
) -> None:
    secret, _codes = enrol(app, container)
    clock(container).advance(timedelta(seconds=30))  # the confirming code's step is spent
    asked = log_in(app, "totp.user")
    assert (asked.status_code, asked.json()["code"]) == (401, "totp_required")
    code = code_now(container, secret)
    assert log_in(app, "totp.user", totp_code=code).status_code == 200
    replay = log_in(app, "totp.user", totp_code=code)
    assert (replay.status_code, replay.json()["code"]) == (401, "totp_invalid")
    clock(container).advance(timedelta(seconds=30))
    assert log_in(app, "totp.user", totp_code=code_now(container, secret)).status_code == 200
    wrong_password = log_in(app, "totp.user", password="nope-nope-1", totp_code="123456")
    assert wrong_password.json()["code"] == "login_failed"


def test_each_recovery_code_works_once(app: Any, container: Container) -> None:
    _secret, codes = enrol(app, container)
    assert log_in(app, "totp.user", totp_code=codes[0].upper()).status_code == 200
    again = log_in(app, "totp.user", totp_code=codes[0])
    assert again.json()["code"] == "totp_invalid"
    with container.read() as uow:
        used = uow.conn.execute(
            select(audit_log.c.action).where(audit_log.c.action == "totp.recovery_code_used")
        ).all()
    assert len(used) == 1


def test_wrong_codes_lock_the_account_like_wrong_passwords(app: Any, container: Container) -> None:
    secret, _codes = enrol(app, container)
    clock(container).advance(timedelta(minutes=5))
    for _n in range(container.settings.login_max_failures):
        log_in(app, "totp.user", totp_code="000000")
    locked = log_in(app, "totp.user", totp_code=code_now(container, secret))
    assert (locked.status_code, locked.json()["code"]) == (429, "too_many_attempts")


def test_the_login_page_asks_for_the_code(app: Any, container: Container) -> None:
    secret, _codes = enrol(app, container)
    clock(container).advance(timedelta(seconds=30))
    client = TestClient(app, follow_redirects=False)
    page = client.get("/login").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token is not None
    form = {"login": "totp.user", "password": PASSWORD, "tab": "staff", "csrf_token": token[1]}
    first = client.post("/login", data=form)
    assert first.status_code == 401 and 'name="totp_code"' in first.text
    done = client.post("/login", data={**form, "totp_code": code_now(container, secret)})
    assert done.status_code == 303 and done.headers["location"] == "/workbench"


def test_the_owner_turns_it_off_with_password_and_code_and_the_admin_can_reset_it(
    app: Any, container: Container
) -> None:
    secret, _codes = enrol(app, container)
    clock(container).advance(timedelta(seconds=30))
    person = make_staff(container, Role.CLERK)  # someone else: refused in the admin API
    with container.read() as uow:
        owner = find_user(uow.conn, "totp.user")
    client = TestClient(app, follow_redirects=False)
    csrf = sign_in(container, client, Person(owner.id, "totp.user", PASSWORD, Role.CLERK))
    refused = client.post(
        "/account/security/totp/disable",
        data={"csrf_token": csrf, "password": "wrong-password-1", "code": "000000"},
    )
    assert refused.status_code == 401
    done = client.post(
        "/account/security/totp/disable",
        data={"csrf_token": csrf, "password": PASSWORD, "code": code_now(container, secret)},
    )
    assert done.status_code == 303
    assert log_in(app, "totp.user").status_code == 200

    enrol(app, container, "totp.second")
    admin = make_staff(container, Role.USER_ADMIN)
    admin_client = TestClient(app)
    admin_csrf = sign_in(container, admin_client, admin)
    with container.read() as uow:
        second = find_user(uow.conn, "totp.second")
    assert log_in(app, "totp.second").json()["code"] == "totp_required"
    reset = admin_client.post(
        f"/api/v1/admin/users/{second.id}/reset-totp", headers={"X-CSRF-Token": admin_csrf}
    )
    assert reset.status_code == 200 and reset.json()["totp_enabled"] is False
    assert log_in(app, "totp.second").status_code == 200
    assert person.user_id != second.id
    with container.read() as uow:
        audited = uow.conn.execute(
            select(audit_log.c.actor_id).where(audit_log.c.action == "user.totp_reset")
        ).scalar_one()
    assert audited == admin.user_id


def test_roles_that_require_it_reach_only_their_account_page_until_they_enrol(
    app: Any, container: Container
) -> None:
    container.settings.totp_required_roles = ["user_admin"]
    admin = make_staff(container, Role.USER_ADMIN)
    client = TestClient(app, follow_redirects=False)
    csrf = sign_in(container, client, admin)
    held = client.get("/admin/users")
    assert held.status_code == 303 and held.headers["location"] == "/account/security"
    api = client.get("/api/v1/admin/users")
    assert (api.status_code, api.json()["code"]) == (403, "totp_enrolment_required")
    assert "您的角色要求使用动态口令" in client.get("/account/security").text
    clerk = make_staff(container, Role.CLERK)
    other = TestClient(app, follow_redirects=False)
    sign_in(container, other, clerk)
    assert other.get("/workbench").status_code == 200  # not a required role

    client.post("/account/security/totp/start", data={"csrf_token": csrf})
    page = client.get("/account/security").text
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', page)
    assert secret is not None
    client.post(
        "/account/security/totp/confirm",
        data={"csrf_token": csrf, "code": code_now(container, secret.group(1))},
    )
    assert client.get("/admin/users").status_code == 200


def test_a_reset_password_is_replaced_with_the_code_asked_only_once(
    app: Any, container: Container
) -> None:
    secret, _codes = enrol(app, container)
    clock(container).advance(timedelta(seconds=30))
    with container.read() as uow:
        owner = find_user(uow.conn, "totp.user")
    admin = make_staff(container, Role.USER_ADMIN)
    admin_client = TestClient(app)
    csrf = sign_in(container, admin_client, admin)
    reset = admin_client.post(
        f"/api/v1/admin/users/{owner.id}/reset-password",
        headers={"X-CSRF-Token": csrf, "Idempotency-Key": "totp-reset-1"},
    )
    once = reset.json()["one_time_password"]
    code = code_now(container, secret)
    client = TestClient(app)
    body = {"login": "totp.user", "password": once, "totp_code": code}
    change = client.post("/api/v1/auth/login", json=body)
    assert change.json()["code"] == "password_change_required"  # the code is not used up
    done = client.post("/api/v1/auth/login", json={**body, "new_password": "Totp@User2027"})
    assert done.status_code == 200, done.text
    replay = log_in(app, "totp.user", password="Totp@User2027", totp_code=code)
    assert replay.json()["code"] == "totp_invalid"


def test_staff_enrol_and_turn_it_off_through_the_api(app: Any, container: Container) -> None:
    person = make_staff(container, Role.REVIEWER, username="api.totp")
    client = TestClient(app)
    csrf = login_api(client, person.login, PASSWORD)
    headers = {"X-CSRF-Token": csrf}
    assert client.get("/api/v1/me/totp").json()["enabled"] is False
    made = client.post("/api/v1/me/totp/enrolment", headers=headers)
    assert made.status_code == 201 and made.json()["uri"].startswith("otpauth://totp/")
    secret = made.json()["secret"]
    assert client.get("/api/v1/me/totp").json()["pending"] is True
    codes = client.post(
        "/api/v1/me/totp/confirm", json={"code": code_now(container, secret)}, headers=headers
    ).json()["recovery_codes"]
    assert len(codes) == 10 and client.get("/api/v1/me/totp").json()["enabled"] is True
    again = client.post("/api/v1/me/totp/enrolment", headers=headers)
    assert (again.status_code, again.json()["code"]) == (409, "totp_already_enabled")
    off = client.post(
        "/api/v1/me/totp/disable", json={"password": PASSWORD, "code": codes[0]}, headers=headers
    )
    assert off.status_code == 204
    assert client.get("/api/v1/me/totp").json() == {
        "enabled": False,
        "pending": False,
        "recovery_codes_left": 0,
        "required": False,
    }


def test_guessing_the_password_or_code_to_turn_it_off_locks_the_account(
    app: Any, container: Container
) -> None:
    """A stolen session cannot guess its way to switching the second factor off: wrong
    passwords and wrong codes count like failed log-ins, and the lock stops log-ins too."""
    secret, codes = enrol(app, container)
    clock(container).advance(timedelta(seconds=30))
    with container.read() as uow:
        owner = find_user(uow.conn, "totp.user")
    client = TestClient(app, follow_redirects=False)
    csrf = sign_in(container, client, Person(owner.id, "totp.user", PASSWORD, Role.CLERK))
    headers = {"X-CSRF-Token": csrf}
    limit = container.settings.login_max_failures
    answers = []
    for attempt in range(limit):
        body = (
            {"password": "wrong-password-1", "code": codes[0]}
            if attempt % 2 == 0
            else {"password": PASSWORD, "code": "000000"}
        )
        answer = client.post("/api/v1/me/totp/disable", json=body, headers=headers)
        answers.append((answer.status_code, answer.json()["code"]))
    assert answers[:-1] == [
        (401, "login_failed") if n % 2 == 0 else (401, "totp_invalid") for n in range(limit - 1)
    ]
    assert answers[-1] == (429, "too_many_attempts")
    # Locked: even the right password and code are refused, and so is signing in.
    right = {"password": PASSWORD, "code": code_now(container, secret)}
    still = client.post("/api/v1/me/totp/disable", json=right, headers=headers)
    assert (still.status_code, still.json()["code"]) == (429, "too_many_attempts")
    refused = log_in(app, "totp.user", totp_code=code_now(container, secret))
    assert (refused.status_code, refused.json()["code"]) == (429, "too_many_attempts")
    with container.read() as uow:
        refusals = uow.conn.execute(
            select(audit_log.c.detail).where(audit_log.c.action == "totp.disable_refused")
        ).all()
        enabled = uow.conn.execute(
            select(users.c.totp_enabled_at).where(users.c.id == owner.id)
        ).scalar_one()
    assert [row.detail["failures"] for row in refusals] == list(range(1, limit + 1))
    assert enabled is not None and codes[0] not in str(refusals)
    # After the lock, the owner turns it off with the password and a recovery code.
    clock(container).advance(timedelta(minutes=container.settings.lockout_minutes, seconds=1))
    off = client.post(
        "/api/v1/me/totp/disable", json={"password": PASSWORD, "code": codes[0]}, headers=headers
    )
    assert off.status_code == 204
