"""登录设备: a person sees where their account is signed in and ends every other session at
once, on the page and through the API; nobody sees another's sessions."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.factories import PASSWORD, make_citizen, make_staff
from tongban.adapters.db.tables import audit_log
from tongban.bootstrap import Container
from tongban.domain.people.model import Role


def signed_in(app: Any, login: str, agent: str) -> tuple[TestClient, str]:
    client = TestClient(app, headers={"User-Agent": agent})
    answer = client.post("/api/v1/auth/login", json={"login": login, "password": PASSWORD})
    assert answer.status_code == 200, answer.text
    return client, answer.json()["csrf_token"]


def test_a_person_ends_the_other_sessions_and_keeps_this_one(
    app: Any, container: Container
) -> None:
    citizen = make_citizen(container)
    phone, _csrf = signed_in(app, citizen.login, "Phone/1.0")
    laptop, csrf = signed_in(app, citizen.login, "Laptop/2.0")
    other = make_staff(container, Role.CLERK)
    stranger, _ = signed_in(app, other.login, "Desk/3.0")

    listed = laptop.get("/api/v1/me/sessions").json()
    assert sorted(s["user_agent"] for s in listed) == ["Laptop/2.0", "Phone/1.0"]
    assert [s["user_agent"] for s in listed if s["current"]] == ["Laptop/2.0"]
    assert "token" not in str(listed) and all(len(s["key"]) == 12 for s in listed)
    assert [s["user_agent"] for s in stranger.get("/api/v1/me/sessions").json()] == ["Desk/3.0"]

    refused = laptop.post("/api/v1/me/sessions/end-others")  # no CSRF token: refused
    assert refused.status_code == 403 and phone.get("/api/v1/me").status_code == 200
    ended = laptop.post("/api/v1/me/sessions/end-others", headers={"X-CSRF-Token": csrf})
    assert ended.json() == {"ended": 1}
    assert phone.get("/api/v1/me").status_code == 401  # at once
    assert laptop.get("/api/v1/me").status_code == 200
    assert stranger.get("/api/v1/me").status_code == 200  # another person's untouched
    with container.read() as uow:
        actions = list(
            uow.conn.execute(
                select(audit_log.c.action).where(audit_log.c.action == "session.ended_others")
            ).scalars()
        )
    assert actions == ["session.ended_others"]


def test_the_page_lists_the_devices_and_the_button_ends_the_others(
    app: Any, container: Container
) -> None:
    citizen = make_citizen(container)
    phone, _ = signed_in(app, citizen.login, "Phone/1.0")
    laptop, csrf = signed_in(app, citizen.login, "Laptop/2.0")
    page = laptop.get("/account/sessions")
    assert page.status_code == 200
    assert "Phone/1.0" in page.text and "Laptop/2.0" in page.text and "当前设备" in page.text
    done = laptop.post(
        "/account/sessions/end-others", data={"csrf_token": csrf}, follow_redirects=True
    )
    assert done.status_code == 200 and "已下线其他 1 个会话" in done.text
    assert "Phone/1.0" not in done.text
    assert phone.get("/api/v1/me").status_code == 401
