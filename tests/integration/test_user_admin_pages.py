"""用户管理 pages: the user administrator's staff list, adding one member, importing a file
(a bad ID number names its row and imports nothing), and one member's roles and resets."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.factories import DEPARTMENT_CODE, TOWN_CENTRE_CODE, make_staff, resident_id, sign_in
from tongban.adapters.db.tables import audit_log, role_assignments, users
from tongban.bootstrap import Container
from tongban.domain.people.model import Role


def admin_page(app: Any, container: Container) -> tuple[TestClient, str]:
    admin = make_staff(container, Role.USER_ADMIN, username="admin.pages", name="管理员甲")
    client = TestClient(app, follow_redirects=False)
    return client, sign_in(container, client, admin)


def test_only_the_user_administrator_sees_the_staff_page(app: Any, container: Container) -> None:
    for role in (Role.CATALOGUE_ADMIN, Role.CENTRE_MANAGER):
        client = TestClient(app)
        sign_in(container, client, make_staff(container, role))
        assert client.get("/admin/users").status_code == 403
    anonymous = TestClient(app).get("/admin/users", follow_redirects=False)
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/login")
    client, _csrf = admin_page(app, container)
    page = client.get("/admin/users")
    assert page.status_code == 200 and "admin.pages" in page.text
    assert "工作人员账号" in client.get("/workbench").text


def test_a_member_is_added_with_a_password_shown_once_and_masked_in_the_list(
    app: Any, container: Container
) -> None:
    client, csrf = admin_page(app, container)
    number = resident_id()
    form = {
        "csrf_token": csrf,
        "username": "lin.qing",
        "name": "林青",
        "role": "clerk",
        "centre_code": TOWN_CENTRE_CODE,
        "phone": "13912345678",
        "id_number": number,
    }
    assert client.post("/admin/users/new", data={**form, "csrf_token": ""}).status_code == 403
    made = client.post("/admin/users/new", data=form)
    assert made.status_code == 201
    password = re.search(r'id="one-time-passwords".*?<code>([^<]+)</code>', made.text, re.S)
    assert password is not None and len(password.group(1)) >= 12
    listed = client.get("/admin/users", params={"q": "林"}).text
    assert "lin.qing" in listed and number not in listed
    assert number[:6] + "********" + number[-4:] in listed and "139****5678" in listed
    assert password.group(1) not in listed  # shown once only

    again = client.post("/admin/users/new", data={**form, "id_number": "440605198001011234"})
    assert again.status_code in (409, 422)


def test_a_file_with_a_bad_id_number_names_the_row_and_imports_nothing(
    app: Any, container: Container
) -> None:
    client, csrf = admin_page(app, container)
    content = (
        "username,name,roles,id_number\n"
        f"a.one,甲一,reviewer:{DEPARTMENT_CODE},{resident_id()}\n"
        f"a.two,甲二,clerk@{TOWN_CENTRE_CODE},440605199913451234\n"
    ).encode()
    answer = client.post(
        "/admin/users/import",
        data={"csrf_token": csrf},
        files={"file": ("staff.csv", content, "text/csv")},
    )
    assert answer.status_code == 422
    errors = answer.text[answer.text.index('id="import-errors"') :]
    assert "第 3 行" in errors and "身份证号" in errors and "出生日期" in errors
    with container.read() as uow:
        made = uow.conn.execute(select(users.c.id).where(users.c.username.like("a.%"))).all()
    assert made == []


def test_roles_are_granted_and_revoked_and_the_page_shows_the_changes(
    app: Any, container: Container
) -> None:
    client, csrf = admin_page(app, container)
    clerk = make_staff(container, Role.CLERK, name="郑和")
    page = f"/admin/users/{clerk.user_id}"
    granted = client.post(
        f"{page}/roles",
        data={"csrf_token": csrf, "role": "section_chief", "department_code": DEPARTMENT_CODE},
    )
    assert granted.status_code == 303 and granted.headers["location"] == f"{page}?done=granted"
    with container.read() as uow:
        held = uow.conn.execute(
            select(role_assignments.c.id, role_assignments.c.role).where(
                role_assignments.c.user_id == clerk.user_id
            )
        ).all()
    assert sorted(r.role for r in held) == ["clerk", "section_chief"]
    chief = next(r.id for r in held if r.role == "section_chief")
    assert client.post(f"{page}/roles/{chief}/revoke", data={"csrf_token": csrf}).status_code == 303
    shown = client.get(page).text
    assert "收回角色" in shown and "授予角色" in shown and "管理员甲（admin.pages）" in shown
    reset = client.post(f"{page}/reset-password", data={"csrf_token": csrf})
    assert reset.status_code == 200 and 'id="one-time-password"' in reset.text
    with container.read() as uow:
        audited = list(
            uow.conn.execute(
                select(audit_log.c.action)
                .where(audit_log.c.object_key == str(clerk.user_id))
                .order_by(audit_log.c.id)
            ).scalars()
        )
    assert audited[-3:] == ["user.role_assigned", "user.role_revoked", "user.password_set"]


def test_the_page_refuses_the_administrators_own_account(app: Any, container: Container) -> None:
    client, csrf = admin_page(app, container)
    with container.read() as uow:
        me = uow.conn.execute(select(users.c.id).where(users.c.username == "admin.pages")).scalar()
    refused = client.post(
        f"/admin/users/{me}/roles", data={"csrf_token": csrf, "role": "catalogue_admin"}
    )
    assert refused.status_code == 403 and "另一位用户管理员" in refused.text


def test_the_staff_page_reads_in_english(app: Any, container: Container) -> None:
    client, _csrf = admin_page(app, container)
    page = client.get("/admin/users?lang=en").text
    assert "Staff accounts" in page and "Add a staff member" in page and "工作人员账号" not in page
