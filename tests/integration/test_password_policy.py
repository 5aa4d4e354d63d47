"""GB/T 22239 level 3 for staff passwords: a one-time password is replaced at the first
sign-in, a staff password expires, and recent passwords cannot be chosen again."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.clock import SYSTEM
from tests.factories import PASSWORD, ensure_reference_data, make_citizen
from tongban.adapters.db.tables import password_history, users
from tongban.bootstrap import Container
from tongban.domain.errors import PasswordReused
from tongban.domain.people.model import Role, RoleAssignment
from tongban.domain.shared.clock import PinnedClock
from tongban.services.people import accounts, staff_import


def new_staff(container: Container, username: str = "zhou.li") -> str:
    ensure_reference_data(container)
    with container.uow() as uow:
        made = staff_import.add_staff(
            uow, SYSTEM, username, "周丽", [RoleAssignment(Role.CLERK, centre_code="C-GC")]
        )
    return made.one_time_password


def login(client: Any, login: str, password: str, **extra: str) -> Any:
    client.cookies.clear()
    return client.post("/api/v1/auth/login", json={"login": login, "password": password, **extra})


def test_a_one_time_password_is_replaced_at_the_first_sign_in(
    container: Container, client: Any
) -> None:
    once = new_staff(container)
    refused = login(client, "zhou.li", once)
    assert (refused.status_code, refused.json()["code"]) == (403, "password_change_required")
    assert "一次性密码" in refused.json()["message"]
    weak = login(client, "zhou.li", once, new_password="12345678")
    assert weak.status_code == 422 and weak.json()["code"] == "weak_password"
    same = login(client, "zhou.li", once, new_password=once)
    assert same.status_code == 422 and same.json()["code"] == "password_reused"
    assert login(client, "zhou.li", once, new_password="Zhou@Li2026").status_code == 200
    assert login(client, "zhou.li", once).status_code == 401
    assert login(client, "zhou.li", "Zhou@Li2026").status_code == 200


def test_a_staff_password_expires_but_a_citizens_does_not(
    container: Container, client: Any
) -> None:
    once = new_staff(container)
    assert login(client, "zhou.li", once, new_password="Zhou@Li2026").status_code == 200
    citizen = make_citizen(container)
    clock = container.clock
    assert isinstance(clock, PinnedClock)
    clock.advance(timedelta(days=container.settings.password_max_age_days, seconds=1))
    expired = login(client, "zhou.li", "Zhou@Li2026")
    assert expired.status_code == 403 and "超过 90 天" in expired.json()["message"]
    assert login(client, citizen.login, PASSWORD).status_code == 200
    renewed = login(client, "zhou.li", "Zhou@Li2026", new_password="Zhou@Li2027")
    assert renewed.status_code == 200


def test_the_last_passwords_cannot_be_chosen_again_and_the_history_stays_short(
    container: Container,
) -> None:
    new_staff(container)
    with container.read() as uow:
        user_id = uow.conn.execute(select(users.c.id).where(users.c.username == "zhou.li")).scalar()
    chosen = [f"Secret#{n}abc" for n in range(7)]
    for password in chosen:
        with container.uow() as uow:
            accounts.set_password(uow, SYSTEM, user_id, password)
    for recent in chosen[-5:]:
        with pytest.raises(PasswordReused), container.uow() as uow:
            accounts.set_password(uow, SYSTEM, user_id, recent)
    with container.uow() as uow:
        accounts.set_password(uow, SYSTEM, user_id, chosen[0])  # older than the last five
    with container.read() as uow:
        kept = uow.conn.execute(
            select(func.count()).where(password_history.c.user_id == user_id)
        ).scalar_one()
    assert kept == accounts.PASSWORD_HISTORY


def test_the_log_in_page_asks_for_a_new_password_and_checks_it_twice(
    container: Container, client: Any
) -> None:
    once = new_staff(container)
    page = client.get("/login")
    token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    form = {"login": "zhou.li", "password": once, "csrf_token": token, "tab": "staff"}
    asked = client.post("/login", data=form)
    assert asked.status_code == 403 and 'name="new_password"' in asked.text
    mismatch = client.post(
        "/login", data={**form, "new_password": "Zhou@Li2026", "new_password_again": "Zhou@Li2025"}
    )
    assert mismatch.status_code == 422 and "两次输入的新密码不一致" in mismatch.text
    done = client.post(
        "/login",
        data={**form, "new_password": "Zhou@Li2026", "new_password_again": "Zhou@Li2026"},
        follow_redirects=False,
    )
    assert done.status_code == 303
