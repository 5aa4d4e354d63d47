"""Who may read a case: the staff-read policy of ``cases.queries.read_reason``, per object.

一窗通办 means any window may accept any item, not read any case.  Staff read a case only when
their work gives them a reason, every such read is in the applicant's access log with that
reason, and a draft is the applicant's alone.  These rows use real cases and real centres.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from tests.factories import DISTRICT_CENTRE_CODE, TOWN_CENTRE_CODE, Person, make_staff, sign_in
from tests.integration.test_cases import World, application, at_window, build_world, online
from tongban.adapters.db.tables import users
from tongban.bootstrap import Container
from tongban.domain.people.model import Role
from tongban.services.cases import lifecycle as svc
from tongban.services.identity import check as identity
from tongban.services.people.sessions import load_principal
from tongban.services.platform.context import Actor


@pytest.fixture
def world(container: Container) -> World:
    return build_world(container)


def staff(world: World, role: Role, centre: str | None = None) -> int:
    return make_staff(world.container, role, centre_code=centre).user_id


def status_of(world: World, client: Any, user_id: int, url: str) -> int:
    client.cookies.clear()
    sign_in(world.container, client, Person(user_id, "", None, Role.CITIZEN))
    return int(client.get(url, follow_redirects=False).status_code)


def access_log(world: World, client: Any) -> list[dict[str, Any]]:
    client.cookies.clear()
    sign_in(world.container, client, Person(world.citizen, "", None, Role.CITIZEN))
    answer = client.get("/api/v1/me/data/access-log")
    assert answer.status_code == 200
    return [e for e in answer.json() if e["kind"] == "staff_read"]


def test_staff_read_a_case_only_when_their_work_on_it_gives_a_reason(
    world: World, client: Any
) -> None:
    ref = at_window(world, pickup_centre_code=TOWN_CENTRE_CODE)  # the town clerk's centre
    api = f"/api/v1/cases/{ref.number}"
    rows = {
        "the accepting clerk": (world.clerk, 200),
        "a clerk of another centre": (world.district_clerk, 403),
        "the accepting centre's manager": (staff(world, Role.CENTRE_MANAGER), 200),
        "another centre's manager": (
            staff(world, Role.CENTRE_MANAGER, DISTRICT_CENTRE_CODE),
            403,
        ),
        "a reviewer of the item's department": (world.reviewer, 200),
        "a reviewer of another department": (world.other_reviewer, 403),
        "an auditor": (staff(world, Role.AUDITOR), 200),
        "a leader (figures, not cases)": (staff(world, Role.LEADER), 403),
        "the applicant": (world.citizen, 200),
        "another citizen": (world.other_citizen, 404),
    }
    got = {who: status_of(world, client, user, api) for who, (user, _) in rows.items()}
    assert got == {who: expected for who, (_, expected) in rows.items()}
    window = f"/window/cases/{ref.number}"
    assert status_of(world, client, world.clerk, window) == 200
    assert status_of(world, client, world.district_clerk, window) == 403

    logged = access_log(world, client)
    reasons = sorted(e["purpose"] for e in logged)
    assert all(e["case_number"] == ref.number for e in logged)
    assert len(logged) == 5  # four staff reads over the API, one page; refusals read nothing
    assert any("本中心受理" in r for r in reasons) and any("本部门审批" in r for r in reasons)
    assert any("审计检查" in r for r in reasons)


def test_a_clerk_reads_an_online_case_once_the_applicant_is_identified_in_person(
    world: World, client: Any
) -> None:
    ref = online(world, pickup_centre_code=TOWN_CENTRE_CODE)  # no window of the district
    url = f"/api/v1/cases/{ref.number}"
    assert status_of(world, client, world.district_clerk, url) == 403
    container = world.container
    with container.read() as uow:
        person = uow.conn.execute(
            select(users.c.id_number, users.c.name).where(users.c.id == world.citizen)
        ).one()
        clerk = load_principal(uow.conn, world.district_clerk)
    actor = Actor(principal=clerk, request_id="window", at=container.clock.now())
    card = {"id_number": person.id_number, "name": person.name}
    with container.uow() as uow:
        identity.read_id_card(uow, actor, card, reader=container.id_card_reader)
    assert status_of(world, client, world.district_clerk, url) == 200
    assert any("窗口当面核验身份" in e["purpose"] for e in access_log(world, client))


def test_an_unsubmitted_draft_is_the_applicant_s_alone(world: World, client: Any) -> None:
    with world.container.uow() as uow:
        draft = svc.save_draft(uow, world.actor(world.citizen), application(materials=[]))
    url = f"/api/v1/cases/{draft.number}"
    assert status_of(world, client, staff(world, Role.AUDITOR), url) == 404
    assert status_of(world, client, world.citizen, url) == 200


def test_staff_reveal_a_masked_value_only_with_a_reason_and_the_reveal_is_logged(
    world: World, client: Any
) -> None:
    ref = at_window(world, pickup_centre_code=TOWN_CENTRE_CODE)
    url = f"/cases/{ref.number}/reveal"

    def reveal(user_id: int, field: str) -> Any:
        client.cookies.clear()
        csrf = sign_in(world.container, client, Person(user_id, "", None, Role.CITIZEN))
        return client.post(url, data={"csrf_token": csrf, "field": field})

    page = status_of(world, client, world.clerk, f"/window/cases/{ref.number}")
    assert page == 200
    shown = reveal(world.clerk, "owner_id")
    assert shown.status_code == 200 and "11010519491231002X" in shown.text
    case_page = client.get(f"/window/cases/{ref.number}").text  # still signed in as the clerk
    assert 'class="reveal"' in case_page and "11010519491231002X" not in case_page
    assert reveal(world.district_clerk, "owner_id").status_code == 403
    assert reveal(world.clerk, "shop_name").status_code == 422  # not personal data
    assert any("查看完整信息：经营者身份证号" in e["purpose"] for e in access_log(world, client))
