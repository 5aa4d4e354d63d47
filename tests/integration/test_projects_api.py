"""The proxy service over HTTP: the JSON API with idempotency keys and clear errors, and the
company, agent and centre pages."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import func, select, update

from tests.factories import Person, make_staff, sign_in
from tests.integration.project_fixtures import (
    ProjectWorld,
    authorised_project,
    build_project_world,
    register,
)
from tongban.adapters.db.tables import cases
from tongban.adapters.db.tables_projects import projects
from tongban.bootstrap import Container
from tongban.domain.people.model import Role
from tongban.services.projects import dashboard as project_dashboard
from tongban.services.projects import lifecycle, steps
from tongban.web import paging
from tongban.web.deps import CSRF_HEADER


@pytest.fixture
def world(container: Container) -> ProjectWorld:
    # PostgreSQL tests reuse one database, emptied between tests
    project_dashboard.forget_dashboards()
    return build_project_world(container)


def person(user_id: int, role: Role) -> Person:
    return Person(user_id, "", None, role)


def as_user(world: ProjectWorld, client: Any, user_id: int, role: Role) -> dict[str, str]:
    client.cookies.clear()
    return {CSRF_HEADER: sign_in(world.container, client, person(user_id, role))}


def body(world: ProjectWorld, **changes: object) -> dict[str, object]:
    values: dict[str, object] = {
        "name": "南海新材料产业园二期",
        "investment_wan": 120000,
        "industry": "新材料",
        "site_address": "丹灶镇国家生态工业示范园 8 号",
        "town": "丹灶镇",
        "construction": True,
        "credit_code": world.company_code,
        "legal_representative": "李大同",
    }
    values.update(changes)
    return values


def post(client: Any, url: str, headers: dict[str, str], json: object, key: str) -> Any:
    return client.post(url, json=json, headers={**headers, "Idempotency-Key": key})


def rows(world: ProjectWorld, table: Any) -> int:
    with world.container.read() as uow:
        return int(uow.conn.execute(select(func.count()).select_from(table)).scalar_one())


def test_registering_twice_with_one_key_creates_one_project(world: ProjectWorld, client) -> None:
    headers = as_user(world, client, world.company, Role.ENTERPRISE)
    first = post(client, "/api/v1/projects", headers, body(world), "reg-1")
    again = post(client, "/api/v1/projects", headers, body(world), "reg-1")
    assert first.status_code == 201, first.text
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert rows(world, projects) == 1


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"credit_code": "91440605MA4WQ7K1X9"}, "credit_code"),
        ({"investment_wan": -3000}, "investment_wan"),
    ],
)
def test_bad_input_over_the_api_is_a_clear_422(
    world: ProjectWorld, client, changes: dict[str, object], field: str
) -> None:
    headers = as_user(world, client, world.company, Role.ENTERPRISE)
    response = post(client, "/api/v1/projects", headers, body(world, **changes), "bad-1")
    assert response.status_code == 422
    assert response.json()["code"] == "validation_failed"
    assert field in response.json()["fields"]
    assert rows(world, projects) == 0


def test_the_whole_flow_over_the_api(world: ProjectWorld, client) -> None:
    company = as_user(world, client, world.company, Role.ENTERPRISE)
    ref = post(client, "/api/v1/projects", company, body(world), "flow-1").json()
    code = ref["code"]
    assigned = post(
        client, f"/api/v1/projects/{code}/request-agent", company, {"version": 1}, "flow-2"
    )
    assert assigned.status_code == 200 and assigned.json()["status"] == "agent_assigned"

    agent = as_user(world, client, world.agent, Role.AGENT)
    refused = post(client, f"/api/v1/projects/{code}/steps/1/file", agent, {}, "flow-3")
    assert refused.status_code == 403
    assert refused.json()["code"] == "agent_not_authorised"
    assert rows(world, cases) == 0

    company = as_user(world, client, world.company, Role.ENTERPRISE)
    granted = post(
        client, f"/api/v1/projects/{code}/authorisation", company, {"version": 2}, "flow-4"
    )
    assert granted.status_code == 200 and granted.json()["status"] == "in_progress"

    agent = as_user(world, client, world.agent, Role.AGENT)
    filed = post(client, f"/api/v1/projects/{code}/steps/1/file", agent, {}, "flow-5")
    assert filed.status_code == 201, filed.text
    replay = post(client, f"/api/v1/projects/{code}/steps/1/file", agent, {}, "flow-5")
    assert replay.json() == filed.json() and rows(world, cases) == 1
    noted = post(
        client, f"/api/v1/projects/{code}/notes", agent, {"kind": "call", "body": "约见"}, "n-1"
    )
    assert noted.status_code == 201

    detail = client.get(f"/api/v1/projects/{code}").json()
    assert detail["steps"][0]["case_number"] == filed.json()["case_number"]
    assert detail["steps"][0]["progress"] == "filed"

    as_user(world, client, world.other_company, Role.ENTERPRISE)
    assert client.get(f"/api/v1/projects/{code}").status_code == 404
    assert client.get("/api/v1/projects").json() == []
    as_user(world, client, world.other_agent, Role.AGENT)
    assert client.get(f"/api/v1/projects/{code}").status_code == 404

    leader = make_staff(world.container, Role.LEADER).user_id
    as_user(world, client, leader, Role.LEADER)
    board = client.get("/api/v1/projects/dashboard").json()
    assert board["projects"] == 1 and float(board["investment_yi"]) == 12.0


def test_the_company_page_registers_requests_and_authorises(world: ProjectWorld, client) -> None:
    headers = as_user(world, client, world.company, Role.ENTERPRISE)
    page = client.get("/enterprise/projects")
    assert page.status_code == 200 and "登记新项目" in page.text
    form = {**body(world), "construction": "yes", "csrf_token": headers[CSRF_HEADER]}
    bad = client.post("/enterprise/projects", data={**form, "investment_wan": "-1"})
    assert bad.status_code == 422 and "投资额须大于零" in bad.text
    done = client.post("/enterprise/projects", data=form, follow_redirects=False)
    assert done.status_code == 303
    url = done.headers["location"].split("?")[0]
    code = url.rsplit("/", 1)[1]
    shown = client.get(url)
    assert "立项用地规划许可" in shown.text and "申请代办服务" in shown.text
    token = {"csrf_token": headers[CSRF_HEADER], "version": "1"}
    client.post(f"{url}/request-agent", data=token)
    assert "授权代办员代为办理" in client.get(url).text
    client.post(f"{url}/authorise", data={**token, "version": "2"})
    assert "已授权" in client.get(url).text

    agent_headers = as_user(world, client, world.agent, Role.AGENT)
    workbench = client.get("/agent/projects")
    assert code in workbench.text
    project_page = client.get(f"/agent/projects/{code}")
    assert "代企业申报" in project_page.text
    filed = client.post(
        f"/agent/projects/{code}/steps/1/file",
        data={"csrf_token": agent_headers[CSRF_HEADER]},
        follow_redirects=False,
    )
    assert filed.status_code == 303, filed.text
    assert "已申报待受理" in client.get(f"/agent/projects/{code}").text

    leader = make_staff(world.container, Role.LEADER).user_id
    as_user(world, client, leader, Role.LEADER)
    board = client.get("/proxy-centre")
    assert board.status_code == 200 and "丹灶镇" in board.text and "12.00" in board.text


def test_the_agent_workbench_pages_every_project_overdue_first_instead_of_stopping(
    world: ProjectWorld, client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(paging, "PAGE_ROWS", 2)
    made = [authorised_project(world, name=f"分页测试项目{n}号") for n in range(3)]
    for n in range(3, 5):
        ref = register(world, name=f"分页测试项目{n}号")
        with world.container.uow() as uow:
            lifecycle.request_proxy_service(uow, world.actor(world.company), ref.code, ref.version)
    with world.container.read() as uow:
        late = projects.c.code == made[1].code
        agent = uow.conn.execute(select(projects.c.agent_id).where(late)).scalar_one()
    with world.container.uow() as uow:  # filed long ago: overdue on the clock's day
        steps.file_step(uow, world.actor(agent, "2026-11-02"), made[1].code, 1)
    with world.container.uow() as uow:
        uow.conn.execute(update(projects).values(agent_id=world.agent))
        uow.commit()
    as_user(world, client, world.agent, Role.AGENT)
    names = [f"分页测试项目{n}号" for n in range(5)]
    seen: list[str] = []
    url: str | None = "/agent/projects"
    while url is not None:
        answer = client.get(url)
        assert answer.status_code == 200, answer.text[-2000:]
        assert 'id="project-count">5<' in answer.text
        listed = answer.text.split('id="my-projects"')[1]  # not the overdue alerts above
        seen += sorted((n for n in names if n in listed), key=listed.index)
        found = re.search(r'href="(/agent/projects\?after=[^"]+)" rel="next"', answer.text)
        url = found.group(1).replace("&amp;", "&") if found else None
    # the overdue one, then the two waiting for authorisation, then the rest: newest first
    assert seen == [names[1], names[4], names[3], names[2], names[0]]
    assert client.get("/agent/projects", params={"after": "forged"}).status_code == 422


def _alerts(client: Any, url: str, names: list[str]) -> list[str]:
    """Follow the overdue alerts' "next page" links; the project names they showed, in order."""
    seen: list[str] = []
    next_url: str | None = url
    while next_url is not None:
        answer = client.get(next_url)
        assert answer.status_code == 200, answer.text[-2000:]
        assert 'id="overdue-count">3<' in answer.text or url.startswith("/agent")
        section = answer.text.split('id="overdue-alerts"')[1].split("</section>")[0]
        seen += sorted((n for n in names if n in section), key=section.index)
        found = re.search(r'href="([^"]*alerts_after=[^"]+)" rel="next"', section)
        next_url = found.group(1).replace("&amp;", "&") if found else None
    return seen


def test_the_overdue_alerts_page_on_the_workbench_and_the_centre_board_and_are_all_counted(
    world: ProjectWorld, client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(paging, "PAGE_ROWS", 2)
    names = [f"超期测试项目{n}号" for n in range(3)]
    made = [authorised_project(world, name=name) for name in names]
    for n, ref in enumerate(made):  # filed on successive days: the first is the most overdue
        with world.container.read() as uow:
            mine = projects.c.code == ref.code
            agent = uow.conn.execute(select(projects.c.agent_id).where(mine)).scalar_one()
        with world.container.uow() as uow:
            steps.file_step(uow, world.actor(agent, f"2026-11-0{n + 2}"), ref.code, 1)
    with world.container.uow() as uow:
        uow.conn.execute(update(projects).values(agent_id=world.agent))
        uow.commit()
    as_user(world, client, world.agent, Role.AGENT)
    assert _alerts(client, "/agent/projects", names) == names
    leader = make_staff(world.container, Role.LEADER).user_id
    as_user(world, client, leader, Role.LEADER)
    assert _alerts(client, "/proxy-centre", names) == names
    board = client.get("/api/v1/projects/dashboard").json()
    assert board["overdue_steps"] == 3 and len(board["alerts"]) == 3
