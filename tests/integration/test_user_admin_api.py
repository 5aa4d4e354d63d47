"""用户管理 over the API: only the user administrator; staff added, imported (all or nothing,
bad ID numbers named by row), disabled, reset and given roles, each change audited; never on
the administrator's own account."""

from __future__ import annotations

import itertools
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from tests.factories import (
    DEPARTMENT_CODE,
    PASSWORD,
    TOWN_CENTRE_CODE,
    login,
    make_staff,
    resident_id,
)
from tongban.adapters.db.tables import audit_log, users
from tongban.bootstrap import Container
from tongban.domain.people.model import Role

_keys = itertools.count(1)


def admin_client(app: Any, container: Container) -> tuple[TestClient, dict[str, str], int]:
    admin = make_staff(container, Role.USER_ADMIN, username="admin.users")
    client = TestClient(app)
    csrf = login(client, admin.login, PASSWORD)
    return client, {"X-CSRF-Token": csrf}, admin.user_id


def key() -> dict[str, str]:
    return {"Idempotency-Key": f"users-{next(_keys)}"}


def staff_count(container: Container) -> int:
    with container.read() as uow:
        return int(
            uow.conn.execute(
                select(func.count()).select_from(users).where(users.c.kind == "staff")
            ).scalar_one()
        )


def actions(container: Container) -> list[str]:
    with container.read() as uow:
        return list(
            uow.conn.execute(
                select(audit_log.c.action)
                .where(audit_log.c.object_type == "user")
                .order_by(audit_log.c.id)
            ).scalars()
        )


def test_only_the_user_administrator_reads_and_changes_staff(
    app: Any, container: Container
) -> None:
    for role in (Role.CATALOGUE_ADMIN, Role.AUDITOR, Role.CLERK):
        person = make_staff(container, role)
        client = TestClient(app)
        csrf = login(client, person.login, PASSWORD)
        assert client.get("/api/v1/admin/users").status_code == 403
        made = client.post(
            "/api/v1/admin/users",
            json={"username": "x.y.z", "name": "某人", "roles": [{"role": "clerk"}]},
            headers={"X-CSRF-Token": csrf, **key()},
        )
        assert made.status_code == 403
    assert TestClient(app).get("/api/v1/admin/users").status_code == 401
    client, _headers, _me = admin_client(app, container)
    listed = client.get("/api/v1/admin/users")
    assert listed.status_code == 200 and listed.json()["total"] == staff_count(container)


def test_a_staff_member_is_added_listed_masked_and_found_by_department(
    app: Any, container: Container
) -> None:
    client, headers, _me = admin_client(app, container)
    number = resident_id()
    body = {
        "username": "Chen.Hui",
        "name": "陈慧",
        "roles": [{"role": "reviewer", "department_code": DEPARTMENT_CODE.lower()}],
        "phone": "13712345678",
        "id_number": number,
    }
    sent = {**headers, **key()}
    made = client.post("/api/v1/admin/users", json=body, headers=sent)
    assert made.status_code == 201, made.text
    password = made.json()["one_time_password"]
    assert made.json()["username"] == "chen.hui" and len(password) >= 12
    again = client.post("/api/v1/admin/users", json=body, headers=sent)
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert again.json()["one_time_password"] is None  # shown once; never stored
    assert staff_count(container) == 2

    found = client.get("/api/v1/admin/users", params={"q": "市场监"}).json()["items"]
    assert [m["username"] for m in found] == ["chen.hui"]
    member = found[0]
    assert member["id_number_masked"] == number[:6] + "********" + number[-4:]
    assert member["phone_masked"] == "137****5678" and number not in str(found)
    assert member["must_change_password"] is True
    assert [(r["role"], r["department_code"]) for r in member["roles"]] == [
        ("reviewer", DEPARTMENT_CODE)
    ]
    assert client.get("/api/v1/admin/users", params={"q": "陈"}).json()["total"] == 1
    assert client.get("/api/v1/admin/users", params={"q": "nobody"}).json()["total"] == 0

    first = TestClient(app).post(
        "/api/v1/auth/login", json={"login": "chen.hui", "password": password}
    )
    assert first.json()["code"] == "password_change_required"
    with container.read() as uow:
        detail = uow.conn.execute(
            select(audit_log.c.detail).where(audit_log.c.action == "user.id_number_set")
        ).scalar_one()
    assert detail == {"id_number": number[:6] + "********" + number[-4:]}


def test_an_import_with_one_bad_id_number_imports_nothing_and_names_the_row(
    app: Any, container: Container
) -> None:
    client, headers, _me = admin_client(app, container)
    good = resident_id()
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")  # wrong check digit
    csv = (
        "账号,姓名,角色,手机,身份证号\n"
        f"li.ming,李明,clerk@{TOWN_CENTRE_CODE},13800000001,{good}\n"
        f"he.fang,何芳,reviewer:{DEPARTMENT_CODE},,{bad}\n"
    ).encode()
    before = (staff_count(container), len(actions(container)))
    refused = client.post(
        "/api/v1/admin/users/import",
        files={"file": ("staff.csv", csv, "text/csv")},
        headers={**headers, **key()},
    )
    assert refused.status_code == 422
    assert refused.json()["code"] == "import_rejected"
    [error] = refused.json()["errors"]
    assert (error["row"], error["column"]) == (3, "id_number")
    assert "校验码" in error["message"]
    assert (staff_count(container), len(actions(container))) == before

    fixed = csv.replace(bad.encode(), resident_id().encode())
    done = client.post(
        "/api/v1/admin/users/import",
        files={"file": ("staff.csv", fixed, "text/csv")},
        headers={**headers, **key()},
    )
    assert done.status_code == 201, done.text
    assert [c["username"] for c in done.json()["created"]] == ["li.ming", "he.fang"]
    assert all(c["one_time_password"] for c in done.json()["created"])
    assert staff_count(container) == before[0] + 2


def test_disable_reset_grant_and_revoke_are_audited_and_shown_as_recent_changes(
    app: Any, container: Container
) -> None:
    client, headers, _me = admin_client(app, container)
    clerk = make_staff(container, Role.CLERK, name="吴敏")
    base = f"/api/v1/admin/users/{clerk.user_id}"

    assert client.post(f"{base}/disable").status_code == 403  # no CSRF token
    disabled = client.post(f"{base}/disable", headers=headers).json()
    assert disabled["is_active"] is False
    refused = TestClient(app).post(
        "/api/v1/auth/login", json={"login": clerk.login, "password": PASSWORD}
    )
    assert refused.status_code == 401
    assert client.post(f"{base}/enable", headers=headers).json()["is_active"] is True

    reset = client.post(f"{base}/reset-password", headers={**headers, **key()})
    assert reset.status_code == 200 and reset.json()["one_time_password"]
    assert client.post(f"{base}/reset-password", headers=headers).status_code == 428

    granted = client.post(
        f"{base}/roles",
        json={"role": "inspector", "department_code": DEPARTMENT_CODE},
        headers=headers,
    ).json()
    assert sorted(r["role"] for r in granted["roles"]) == ["clerk", "inspector"]
    inspector = next(r for r in granted["roles"] if r["role"] == "inspector")
    revoked = client.delete(f"{base}/roles/{inspector['id']}", headers=headers).json()
    assert [r["role"] for r in revoked["roles"]] == ["clerk"]
    last = client.delete(f"{base}/roles/{revoked['roles'][0]['id']}", headers=headers)
    assert (last.status_code, last.json()["code"]) == (409, "last_role")
    missing = client.delete(f"{base}/roles/999999", headers=headers)
    assert (missing.status_code, missing.json()["code"]) == (404, "role_not_held")

    changes = client.get("/api/v1/admin/users/changes").json()
    assert [c["action"] for c in changes][:6] == [
        "user.role_revoked",
        "user.role_assigned",
        "user.password_set",
        "user.reactivated",
        "user.deactivated",
        "user.created",
    ]
    assert changes[0]["actor"] == "测试工作人员（admin.users）"
    assert changes[0]["subject"] == f"吴敏（{clerk.login}）"


def test_the_user_administrator_cannot_act_on_their_own_account(
    app: Any, container: Container
) -> None:
    client, headers, me = admin_client(app, container)
    for path, body in (
        (f"/api/v1/admin/users/{me}/roles", {"role": "catalogue_admin"}),
        (f"/api/v1/admin/users/{me}/roles", {"role": "user_admin"}),
        (f"/api/v1/admin/users/{me}/disable", None),
        (f"/api/v1/admin/users/{me}/reset-totp", None),
    ):
        answer = client.post(path, json=body, headers=headers)
        assert (answer.status_code, answer.json()["code"]) == (403, "own_account"), path
    reset = client.post(f"/api/v1/admin/users/{me}/reset-password", headers={**headers, **key()})
    assert reset.json()["code"] == "own_account"
    assert actions(container).count("user.role_assigned") == 0
