"""Applications handed in by an agent (委托他人办理) on both databases: the window page and the
API record the agent, whose authorisation (委托书及受托人身份证件) is then needed; an applicant
who comes themself is accepted without it, and the agent's ID number is shown masked."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import select

from tests.factories import resident_id
from tests.integration.test_case_pages import FORM, KEY, NON_KEY, as_user, case_rows, post
from tests.integration.test_cases import (
    ID_PROOF,
    ITEM,
    PREMISES,
    World,
    application,
    at_window,
    build_world,
    publish_item,
    step,
)
from tests.integration.test_cases_api import Api, build_api
from tongban.adapters.db.tables import data_access_log
from tongban.bootstrap import Container
from tongban.domain.cases.status import CaseStatus
from tongban.domain.cases.values import Agent
from tongban.domain.errors import ValidationFailed
from tongban.services.cases import lifecycle as svc
from tongban.services.cases import repository as repo

POWER = "委托书及受托人身份证件"
AGENT_ID = resident_id(born=date(1990, 5, 17))
MATERIALS = [
    {"name": ID_PROOF, "key": True, "licence_type": "居民身份证"},
    {"name": PREMISES, "key": False},
    {"name": POWER, "key": False, "only_by_agent": True},
]


@pytest.fixture
def world(container: Container) -> World:
    """The test item, republished with a material only an agent brings."""
    world = build_world(container)
    publish_item(container, materials=MATERIALS)
    return world


@pytest.fixture
def api(app: FastAPI, container: Container) -> Api:
    api = build_api(app, container)
    publish_item(container, materials=MATERIALS)
    return api


def window_form(world: World, action: str = "accept", **data: Any) -> dict[str, Any]:
    return {**FORM, "applicant": str(world.citizen), "item": ITEM, "action": action, **data}


AGENT_FIELDS = {"by_agent": "yes", "agent.name": "王五", "agent.id_type": "resident_id"}


def test_an_applicant_who_comes_themself_is_accepted_at_the_window_without_an_authorisation(
    world: World, client: Any
) -> None:
    csrf = as_user(world.container, client, world.clerk)
    page = client.get(f"/window/apply?applicant={world.citizen}&item={ITEM}").text
    checklist = page.split('id="materials-checklist"')[1].split("</fieldset>")[0]
    assert POWER in checklist and "委托代理人办理时提交" in checklist
    done = post(client, "/window/apply", csrf, **window_form(world), materials=[KEY, NON_KEY])
    assert done.status_code == 303, done.text
    [(number, status, _version)] = case_rows(world.container)
    assert status == CaseStatus.ACCEPTED.value
    shown = client.get(f"/window/cases/{number}").text
    assert 'id="case-agent"' not in shown
    materials = shown.split('id="case-materials"')[1].split("</section>")[0]
    assert "未收" not in materials and "无需" in materials


def test_a_clerk_records_the_agent_and_then_needs_their_authorisation(
    world: World, client: Any
) -> None:
    container = world.container
    csrf = as_user(container, client, world.clerk)
    data = window_form(world, **AGENT_FIELDS, **{"agent.id_number": AGENT_ID})
    refused = post(client, "/window/apply", csrf, **data, materials=[KEY, NON_KEY])
    assert refused.status_code == 422 and POWER in refused.text
    assert case_rows(container) == []
    done = post(client, "/window/apply", csrf, **data, materials=[KEY, NON_KEY, POWER])
    assert done.status_code == 303, done.text
    [(number, status, _version)] = case_rows(container)
    assert status == CaseStatus.ACCEPTED.value
    with container.read() as uow:
        case = repo.get(uow.conn, number)
    assert case.agent == Agent("王五", "resident_id", AGENT_ID)
    shown = client.get(f"/window/cases/{number}").text
    agent = shown.split('id="case-agent"')[1].split("</dd>")[0]
    assert "王五" in agent and "居民身份证" in agent
    assert AGENT_ID not in shown and AGENT_ID[:6] + "********" + AGENT_ID[-4:] in agent
    logged = len(access_log(container))
    revealed = post(client, f"/cases/{number}/reveal", csrf, field="agent.id_number")
    assert revealed.status_code == 200 and AGENT_ID in revealed.text
    assert "代理人证件号码" in access_log(container)[logged:][0]


def test_a_waivable_authorisation_may_follow_under_the_commitment_when_an_agent_acts(
    world: World, client: Any
) -> None:
    csrf = as_user(world.container, client, world.clerk)
    data = window_form(
        world,
        "accept_missing",
        **AGENT_FIELDS,
        **{"agent.id_number": AGENT_ID},
        commitment="本人承诺五个工作日内补交授权委托书",
        supply_by="2026-12-20",
    )
    done = post(client, "/window/apply", csrf, **data, materials=[KEY, NON_KEY])
    assert done.status_code == 303, done.text
    shown = client.get(done.headers["location"]).text
    assert POWER in shown.split('id="missing-outstanding"')[1].split("</div>")[0]
    # Without an agent the checklist is complete: nothing is left to waive.
    alone = window_form(world, "accept_missing", commitment="承诺", supply_by="2026-12-20")
    refused = post(client, "/window/apply", csrf, **alone, materials=[KEY, NON_KEY])
    assert refused.status_code == 422 and "材料齐全，请直接受理" in refused.text


def test_a_wrong_agent_document_shows_beside_its_field_and_files_nothing(
    world: World, client: Any
) -> None:
    csrf = as_user(world.container, client, world.clerk)
    wrong = AGENT_ID[:-1] + ("0" if AGENT_ID[-1] != "0" else "1")
    typed = {**AGENT_FIELDS, "agent.id_number": wrong, "agent.name": " "}
    data = window_form(world, **typed)
    refused = post(client, "/window/apply", csrf, **data, materials=[KEY, NON_KEY, POWER])
    assert refused.status_code == 422
    assert 'id="err-agent-id_number"' in refused.text and 'id="err-agent-name"' in refused.text
    assert case_rows(world.container) == []


def test_an_agents_authorisation_ticked_without_an_agent_is_refused(
    world: World, client: Any
) -> None:
    csrf = as_user(world.container, client, world.clerk)
    data = window_form(world)
    refused = post(client, "/window/apply", csrf, **data, materials=[KEY, NON_KEY, POWER])
    assert refused.status_code == 422 and "未登记委托代理人" in refused.text
    assert case_rows(world.container) == []


def test_the_api_files_a_window_case_with_its_agent_and_lists_what_it_needs(api: Api) -> None:
    base = {
        "item_code": ITEM,
        "form": FORM_VALUES,
        "applicant_id": api.world.citizen,
        "materials": [ID_PROOF, PREMISES],
    }
    alone = api.clerk.post("/window", {**base, "accept": True})
    assert alone.status_code == 201 and alone.json()["status"] == "accepted", alone.text
    detail = api.clerk.get(f"/{alone.json()['number']}").json()
    assert detail["agent"] is None and detail["required_materials"] == [ID_PROOF, PREMISES]
    agent = {"name": "王五", "id_type": "resident_id", "id_number": AGENT_ID}
    refused = api.clerk.post("/window", {**base, "agent": agent, "accept": True})
    assert refused.status_code == 422 and POWER in refused.json()["fields"]["materials"]
    filed = api.clerk.post("/window", {**base, "agent": agent})
    assert filed.status_code == 201 and filed.json()["status"] == "submitted"
    detail = api.clerk.get(f"/{filed.json()['number']}").json()
    assert detail["agent"] == {**agent, "staff_id": None}
    assert detail["required_materials"] == [ID_PROOF, PREMISES, POWER]
    bad = api.clerk.post("/mail", {**base, "agent": {**agent, "id_number": "123"}})
    assert bad.status_code == 422 and "agent.id_number" in bad.json()["fields"]


def test_the_online_application_asks_no_file_for_an_agents_authorisation(
    world: World, client: Any
) -> None:
    as_user(world.container, client, world.citizen)
    page = client.get(f"/items/{ITEM}/apply").text
    checklist = page.split('id="materials-checklist"')[1].split("</fieldset>")[0]
    assert checklist.count('type="file"') == 2
    power = checklist[checklist.index(POWER) :].split("</p>")[0]
    assert "网上申请由您本人办理，无需提交" in power and "file" not in power


def test_online_the_signed_in_applicant_applies_themself(world: World) -> None:
    agent = Agent("王五", "resident_id", AGENT_ID)
    with pytest.raises(ValidationFailed) as refused, world.container.uow() as uow:
        svc.submit_online(uow, world.actor(world.citizen), application(agent=agent))
    assert "agent" in refused.value.fields
    assert case_rows(world.container) == []


def test_a_case_received_for_an_applicant_is_accepted_later_without_an_authorisation(
    world: World,
) -> None:
    ref = at_window(world, materials=[ID_PROOF, PREMISES])
    ref = step(world, svc.accept, world.clerk, ref, "2026-11-02")
    assert ref.status is CaseStatus.ACCEPTED


FORM_VALUES = {key.removeprefix("form."): value for key, value in FORM.items()}


def access_log(container: Container) -> list[str]:
    with container.read() as uow:
        rows = uow.conn.execute(select(data_access_log.c.purpose).order_by(data_access_log.c.id))
        return [row.purpose for row in rows]
