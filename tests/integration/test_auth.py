"""Signing in and out: passwords, lock-out, throttling, SMS codes, sessions and CSRF."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from argon2 import PasswordHasher
from sqlalchemy import func, select

from tests.clock import SYSTEM
from tests.factories import (
    PASSWORD,
    credit_code,
    login,
    make_citizen,
    make_enterprise,
    make_staff,
    resident_id,
)
from tongban.adapters.db.tables import audit_log, outbox, sessions, users
from tongban.bootstrap import Container
from tongban.domain.errors import (
    IpThrottled,
    LoginFailed,
    SmsCodeInvalid,
    SmsDailyLimit,
    SmsTooFrequent,
    TooManyAttempts,
    UnknownCentre,
    WeakPassword,
)
from tongban.domain.people.model import Role, RoleAssignment
from tongban.services.people import accounts as people
from tongban.services.people import auth
from tongban.services.platform import outbox as outbox_service
from tongban.web.deps import SESSION_COOKIE

CHEAP = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


@pytest.fixture(autouse=True)
def cheap_hashing(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(people, "HASHER", CHEAP)
    yield


class FakeSms:
    """Keeps every message instead of sending it."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    def send(self, phone: str, text: str, *, message_id: str | None = None) -> None:
        self.sent.append((phone, text))

    def last_code(self) -> str:
        match = re.search(r"[0-9]{6}", self.sent[-1][1])
        assert match is not None
        return match.group(0)


@pytest.fixture
def sms(container: Container) -> FakeSms:
    fake = FakeSms()
    container.sms = fake
    return fake


def form_token(client: Any, url: str = "/login") -> str:
    page = client.get(url)
    match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert match is not None
    return match.group(1)


def password_login(container: Container, login_: str, password: str, **kw: Any) -> int:
    args: dict[str, Any] = {
        "ip": "10.0.0.1",
        "now": container.clock.now(),
        "settings": container.settings,
    }
    args.update(kw)
    with container.uow() as uow:
        return auth.login_with_password(uow, login=login_, password=password, **args)


def count(container: Container, table: Any, *where: Any) -> int:
    with container.uow() as uow:
        return int(uow.conn.execute(select(func.count()).select_from(table).where(*where)).scalar())


def test_staff_signs_in_on_the_form_and_lands_on_the_workbench(container, client) -> None:
    clerk = make_staff(container, Role.CLERK)
    response = client.post(
        "/login",
        data={"login": clerk.login, "password": PASSWORD, "csrf_token": form_token(client)},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/workbench"
    assert client.get("/workbench").status_code == 200


def test_session_cookie_is_http_only_lax_site_wide_and_secure_behind_tls(container, client) -> None:
    citizen = make_citizen(container)
    cookie = client.post(
        "/api/v1/auth/login", json={"login": citizen.login, "password": PASSWORD}
    ).headers["set-cookie"]
    assert cookie.startswith(f"{SESSION_COOKIE}=")
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie
    assert "Secure" not in cookie
    container.settings = container.settings.model_copy(update={"cookie_secure": True})
    client.cookies.clear()
    cookie = client.post(
        "/api/v1/auth/login", json={"login": citizen.login, "password": PASSWORD}
    ).headers["set-cookie"]
    assert "Secure" in cookie


def test_citizens_and_enterprises_sign_in_by_their_numbers(container, client) -> None:
    citizen = make_citizen(container)
    body = client.post(
        "/api/v1/auth/login", json={"login": citizen.login.lower(), "password": PASSWORD}
    ).json()
    assert body["user"]["kind"] == "citizen" and body["csrf_token"]
    assert body["user"]["id_number"] != citizen.login  # masked
    client.cookies.clear()
    company = make_enterprise(container)
    assert password_login(container, company.login, PASSWORD) == company.user_id


def test_who_am_i_answers_the_user_the_login_answered(container, client) -> None:
    clerk = make_staff(container, Role.CLERK)
    user = client.post(
        "/api/v1/auth/login", json={"login": clerk.login, "password": PASSWORD}
    ).json()["user"]
    assert client.get("/api/v1/me").json() == user
    assert (user["user_id"], user["kind"], user["id_number"]) == (clerk.user_id, "staff", None)
    assert user["roles"] == [
        {"role": "clerk", "level": "town", "centre": "C-GC", "department": None}
    ]


def test_next_is_followed_only_to_a_local_path(container, client) -> None:
    citizen = make_citizen(container)
    for next_url, expected in (("/items?q=1", "/items?q=1"), ("//evil.example", "/")):
        client.cookies.clear()
        data = {"login": citizen.login, "password": PASSWORD, "next": next_url}
        data["csrf_token"] = form_token(client)
        response = client.post("/login", data=data, follow_redirects=False)
        assert response.headers["location"] == expected


def test_wrong_password_shows_the_form_again_with_the_login_kept(container, client) -> None:
    clerk = make_staff(container, Role.CLERK)
    response = client.post(
        "/login",
        data={"login": clerk.login, "password": "Wrong@2026", "csrf_token": form_token(client)},
    )
    assert response.status_code == 401
    assert "账号或密码错误" in response.text
    assert f'value="{clerk.login}"' in response.text
    assert "Wrong@2026" not in response.text
    assert SESSION_COOKIE not in response.cookies


def test_unknown_account_gets_the_same_error_as_a_wrong_password(container, client) -> None:
    clerk = make_staff(container, Role.CLERK)
    wrong = client.post("/api/v1/auth/login", json={"login": clerk.login, "password": "x" * 9})
    unknown = client.post("/api/v1/auth/login", json={"login": "nobody", "password": "x" * 9})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()


def test_account_locks_after_the_configured_failures_until_the_lock_expires(container) -> None:
    container.settings = container.settings.model_copy(
        update={"login_max_failures": 3, "lockout_minutes": 15}
    )
    clerk = make_staff(container, Role.CLERK)
    now = container.clock.now()
    for _ in range(2):
        with pytest.raises(LoginFailed):
            password_login(container, clerk.login, "Wrong@2026", now=now)
    with pytest.raises(TooManyAttempts) as locked:
        password_login(container, clerk.login, "Wrong@2026", now=now)
    assert locked.value.params["minutes"] == 15
    with pytest.raises(TooManyAttempts) as still:
        password_login(container, clerk.login, PASSWORD, now=now + timedelta(minutes=10))
    assert still.value.params["minutes"] == 5
    later = now + timedelta(minutes=15, seconds=1)
    assert password_login(container, clerk.login, PASSWORD, now=later) == clerk.user_id
    # The success reset the count: two more failures do not lock.
    for _ in range(2):
        with pytest.raises(LoginFailed):
            password_login(container, clerk.login, "Wrong@2026", now=later)
    assert password_login(container, clerk.login, PASSWORD, now=later) == clerk.user_id
    assert count(container, audit_log, audit_log.c.action == "login.locked") == 1


def test_unknown_accounts_lock_like_real_ones(container) -> None:
    container.settings = container.settings.model_copy(update={"login_max_failures": 2})
    with pytest.raises(LoginFailed):
        password_login(container, "nobody", "Wrong@2026")
    with pytest.raises(TooManyAttempts):
        password_login(container, "nobody", "Wrong@2026")


def test_one_address_is_throttled_across_accounts(container, monkeypatch) -> None:
    monkeypatch.setattr(auth, "IP_MAX_FAILURES", 3)
    clerk = make_staff(container, Role.CLERK)
    for name in ("a.one", "a.two", "a.three"):
        with pytest.raises(LoginFailed):
            password_login(container, name, "Wrong@2026", ip="10.9.9.9")
    with pytest.raises(IpThrottled):
        password_login(container, clerk.login, PASSWORD, ip="10.9.9.9")
    assert password_login(container, clerk.login, PASSWORD, ip="10.9.9.10") == clerk.user_id


def test_citizen_signs_in_with_an_sms_code_once(container, client, sms) -> None:
    citizen = make_citizen(container, password=None, phone="13712345678")
    token = form_token(client, "/login?tab=sms")
    page = client.post("/login/sms-code", data={"id_number": citizen.login, "csrf_token": token})
    assert page.status_code == 200 and 'name="code"' in page.text
    assert sms.sent[-1][0] == "13712345678"
    code = sms.last_code()
    data = {"method": "sms", "login": citizen.login, "code": code, "csrf_token": token}
    response = client.post("/login", data=data, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/"
    client.cookies.clear()
    replay = client.post("/api/v1/auth/sms-login", json={"id_number": citizen.login, "code": code})
    assert replay.status_code == 401
    assert replay.json()["code"] == "sms_code_invalid"


def test_expired_or_guessed_sms_codes_are_refused(container, sms) -> None:
    citizen = make_citizen(container)
    now = container.clock.now()
    settings = container.settings

    def request(at: Any) -> str:
        with container.uow() as uow:
            auth.request_sms_code(uow, sms, id_number=citizen.login, ip="1.2.3.4", now=at)
        return sms.last_code()

    def use(code: str, at: Any) -> int:
        with container.uow() as uow:
            return auth.login_with_sms_code(
                uow, id_number=citizen.login, code=code, ip="1.2.3.4", now=at, settings=settings
            )

    code = request(now)
    with pytest.raises(SmsCodeInvalid):
        use(code, now + timedelta(minutes=5, seconds=1))
    code = request(now + timedelta(minutes=6))
    wrong = "000000" if code != "000000" else "111111"
    with pytest.raises(SmsCodeInvalid):
        use(wrong, now + timedelta(minutes=6))
    assert use(code, now + timedelta(minutes=7)) == citizen.user_id


class DownGateway(FakeSms):
    """A gateway that fails its first send."""

    def __init__(self) -> None:
        super().__init__()
        self.down = True

    def send(self, phone: str, text: str, *, message_id: str | None = None) -> None:
        if self.down:
            self.down = False
            raise ConnectionError("gateway down")
        super().send(phone, text, message_id=message_id)


def test_the_log_in_code_goes_through_the_outbox_and_leaves_right_after_the_commit(
    container, sms
) -> None:
    citizen = make_citizen(container, phone="13712345678")
    now = container.clock.now()
    with container.uow() as uow:
        auth.request_sms_code(uow, sms, id_number=citizen.login, ip="1.2.3.4", now=now)
    assert [phone for phone, _text in sms.sent] == ["13712345678"]
    with container.read() as uow:
        rows = uow.conn.execute(select(outbox.c.kind, outbox.c.status)).all()
    assert [tuple(row) for row in rows] == [("sms", "sent")]


def test_a_log_in_code_the_gateway_failed_to_take_is_left_to_the_worker(container) -> None:
    citizen = make_citizen(container, phone="13712345678")
    gateway = DownGateway()
    now = container.clock.now()
    with container.uow() as uow:  # the request itself succeeds: the code has committed
        auth.request_sms_code(uow, gateway, id_number=citizen.login, ip="1.2.3.4", now=now)
    assert gateway.sent == []
    container.sms = gateway
    later = now + outbox_service.backoff(1)
    assert outbox_service.deliver(container, "w1", later).sent == 1
    assert [phone for phone, _text in gateway.sent] == ["13712345678"]


def test_sms_codes_are_rate_limited_per_person(container, sms) -> None:
    citizen = make_citizen(container)
    now = container.clock.now()

    def request(at: Any, number: str = citizen.login) -> None:
        with container.uow() as uow:
            auth.request_sms_code(uow, sms, id_number=number, ip="1.2.3.4", now=at)

    request(now)
    with pytest.raises(SmsTooFrequent) as early:
        request(now + timedelta(seconds=20))
    assert early.value.params["seconds"] == 40
    for minute in range(1, 10):
        request(now + timedelta(minutes=minute))
    with pytest.raises(SmsDailyLimit):
        request(now + timedelta(minutes=30))
    assert len(sms.sent) == 10
    request(now + timedelta(minutes=31), number=resident_id())  # unknown: nothing is sent
    assert len(sms.sent) == 10


def test_logout_ends_the_session_so_the_old_cookie_no_longer_works(container, client) -> None:
    citizen = make_citizen(container)
    csrf = login(client, citizen.login, PASSWORD)
    old = client.cookies[SESSION_COOKIE]
    response = client.post("/logout", data={"csrf_token": csrf}, follow_redirects=False)
    assert response.status_code == 303
    client.cookies.clear()
    client.cookies.set(SESSION_COOKIE, old)
    assert client.get("/api/v1/me").status_code == 401


def test_a_form_post_without_the_csrf_token_is_refused_and_changes_nothing(
    container, client
) -> None:
    citizen = make_citizen(container)
    login(client, citizen.login, PASSWORD)
    before = count(container, audit_log), count(container, sessions)
    assert client.post("/logout", data={}).status_code == 403
    assert client.get("/api/v1/me").status_code == 200
    client.cookies.clear()
    client.get("/login")  # an anonymous CSRF cookie, but no token in the form
    refused = client.post("/login", data={"login": citizen.login, "password": PASSWORD})
    assert refused.status_code == 403
    assert (count(container, audit_log), count(container, sessions)) == before


def test_log_ins_are_audited_with_the_id_number_masked(container) -> None:
    citizen = make_citizen(container)
    with pytest.raises(LoginFailed):
        password_login(container, citizen.login, "Wrong@2026")
    password_login(container, citizen.login, PASSWORD)
    with container.uow() as uow:
        rows = uow.conn.execute(select(audit_log.c.action, audit_log.c.detail)).all()
    assert {"login.failed", "login.succeeded"} <= {r.action for r in rows}
    assert citizen.login not in repr(rows)


def test_deactivated_people_cannot_sign_in_and_lose_their_sessions(container, client) -> None:
    citizen = make_citizen(container)
    login(client, citizen.login, PASSWORD)
    with container.uow() as uow:
        people.deactivate_user(uow, SYSTEM, citizen.user_id)
    assert client.get("/api/v1/me").status_code == 401
    with pytest.raises(LoginFailed):
        password_login(container, citizen.login, PASSWORD)


def test_passwords_need_eight_characters_and_not_only_digits(container) -> None:
    for weak in ("Ab@1234", "12345678901"):
        with pytest.raises(WeakPassword) as refused:
            make_citizen(container, password=weak)
        assert "password" in refused.value.fields


def test_a_hash_with_old_parameters_is_upgraded_at_log_in(container, monkeypatch) -> None:
    clerk = make_staff(container, Role.CLERK)
    monkeypatch.setattr(
        people, "HASHER", PasswordHasher(time_cost=2, memory_cost=16, parallelism=1)
    )
    password_login(container, clerk.login, PASSWORD)
    with container.uow() as uow:
        stored = uow.conn.execute(select(users.c.password_hash).where(users.c.id == clerk.user_id))
        assert "t=2" in stored.scalar_one()


def test_roles_name_their_centre_by_code_and_unknown_codes_are_refused(container) -> None:
    assignment = RoleAssignment(Role.CLERK, centre_code="C-NOWHERE")
    with container.uow() as uow, pytest.raises(UnknownCentre):
        people.create_staff(uow, SYSTEM, "clerk.lost", "王五", PASSWORD, [assignment])


def test_a_credit_code_failing_only_its_check_character_is_accepted_but_flagged(
    container,
) -> None:
    good = credit_code()
    pilot = good[:17] + ("1" if good[17] != "1" else "2")
    company = make_enterprise(container, code=pilot)
    with container.uow() as uow:
        detail = uow.conn.execute(
            select(audit_log.c.detail).where(audit_log.c.object_key == str(company.user_id))
        ).scalar_one()
    assert detail["needs_manual_verification"] is True


def test_a_new_password_unlocks_the_account_and_ends_its_sessions(container, client) -> None:
    container.settings = container.settings.model_copy(update={"login_max_failures": 1})
    reviewer = make_staff(container, Role.REVIEWER)
    login(client, reviewer.login, PASSWORD)
    with pytest.raises(TooManyAttempts):
        password_login(container, reviewer.login, "Wrong@2026")
    with container.uow() as uow:
        people.set_password(uow, SYSTEM, reviewer.user_id, "Renewed@2027")
    assert client.get("/api/v1/me").status_code == 401
    assert password_login(container, reviewer.login, "Renewed@2027") == reviewer.user_id


def test_assigning_a_role_twice_changes_nothing(container) -> None:
    reviewer = make_staff(container, Role.REVIEWER)
    chief = RoleAssignment(Role.SECTION_CHIEF, department_code="SCJGJ")
    with container.uow() as uow:
        assert people.assign_role(uow, SYSTEM, reviewer.user_id, chief) is True
        assert people.assign_role(uow, SYSTEM, reviewer.user_id, chief) is False
    assert count(container, audit_log, audit_log.c.action == "user.role_assigned") == 1
