"""Forms that know who the user is, on both databases: a field sourced from the applicant's
real-name account (``account.*``) is filled in by the server on every channel — the online
form, the window after identification, a bundle — locked for identity, a default for the phone;
pages show it masked and never hold the value."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from tests.clock import SYSTEM
from tests.factories import make_enterprise
from tests.integration import test_bundles as bundle_tests
from tests.integration.catalogue_fixtures import spec
from tests.integration.test_case_pages import as_user, post
from tests.integration.test_cases import ITEM, World, build_world
from tongban.adapters.db.tables import users
from tongban.bootstrap import Container
from tongban.demo.bundles import NEWBORN
from tongban.domain.cases.forms import account_fields, fill_from_account
from tongban.domain.catalogue.model import FormField
from tongban.services.cases import repository
from tongban.services.catalogue import items as catalogue

IDENTIFIED_FORM = [
    {"name": "shop_name", "label": "字号名称"},
    {"name": "applicant_name", "label": "申请人姓名", "source": "account.person_name"},
    {
        "name": "id_number",
        "label": "公民身份号码",
        "type": "id_number",
        "source": "account.id_number",
    },
    {"name": "phone", "label": "联系电话", "type": "phone", "source": "account.phone"},
]


@pytest.fixture
def world(container: Container) -> World:
    built = build_world(container)
    with container.uow() as uow:  # SCJGJ-0001 v2: the form names the applicant
        catalogue.publish_spec(uow, SYSTEM, spec(audience="both", form=IDENTIFIED_FORM))
        uow.commit()
    return built


def account_of(world: World, user_id: int) -> Any:
    with world.container.read() as uow:
        query = select(users.c.name, users.c.id_number, users.c.phone).where(users.c.id == user_id)
        return uow.conn.execute(query).one()


def form_of(world: World, number: str) -> dict[str, Any]:
    with world.container.read() as uow:
        return dict(repository.get(uow.conn, number).form)


def test_identity_wins_over_what_is_sent_and_the_phone_only_fills_a_blank() -> None:
    schema = [FormField.model_validate(f) for f in IDENTIFIED_FORM]
    facts = {"person_name": "张小明", "id_number": "11010519491231002X", "phone": "13800138000"}
    sent = {"shop_name": "小明奶茶", "applicant_name": "冒名", "phone": "13900139000"}
    assert fill_from_account(schema, sent, facts) == {
        "shop_name": "小明奶茶",
        "applicant_name": "张小明",
        "id_number": "11010519491231002X",
        "phone": "13900139000",  # a contact phone of their choosing stays
    }
    shown = account_fields(schema, facts)
    assert shown["id_number"].shown != facts["id_number"] and shown["id_number"].locked
    assert not shown["phone"].locked and "13800138000" not in shown["phone"].shown
    with pytest.raises(ValueError, match="账户数据来源"):
        FormField(name="x", label="X", source="account.salary")


def test_the_online_form_is_filled_from_the_signed_in_account(world: World, client: Any) -> None:
    me = account_of(world, world.citizen)
    csrf = as_user(world.container, client, world.citizen)
    page = client.get(f"/items/{ITEM}/apply")
    assert page.status_code == 200
    assert page.text.count("来源：实名认证账户") == 2 and me.id_number not in page.text
    assert me.phone not in page.text  # shown masked, as the default
    data = {"form.shop_name": "小明奶茶", "form.applicant_name": "冒名", "action": "submit"}
    response = post(client, f"/items/{ITEM}/apply", csrf, **data, materials=[])
    assert response.status_code == 303, response.text
    number = str(response.headers["location"]).split("/")[3].split("?")[0]
    form = form_of(world, number)
    assert (form["applicant_name"], form["id_number"], form["phone"]) == tuple(me)


def test_the_window_form_is_filled_from_the_identified_applicant(world: World, client: Any) -> None:
    them = account_of(world, world.citizen)
    csrf = as_user(world.container, client, world.clerk)
    page = client.get(f"/window/apply?applicant={world.citizen}&item={ITEM}")
    assert page.status_code == 200, page.text
    assert "来源：实名认证账户" in page.text and them.id_number not in page.text
    data = {"form.shop_name": "小明奶茶", "applicant": str(world.citizen), "item": ITEM}
    materials = ["经营者身份证明", "经营场所使用证明"]
    response = post(client, "/window/apply", csrf, **data, action="accept", materials=materials)
    assert response.status_code == 303, response.text
    number = str(response.headers["location"]).split("/")[3].split("?")[0]
    assert form_of(world, number)["id_number"] == them.id_number


def test_an_enterprise_is_never_given_a_persons_identity(world: World, client: Any) -> None:
    company = make_enterprise(world.container)
    as_user(world.container, client, company.user_id)
    page = client.get(f"/items/{ITEM}/apply")
    assert page.text.count("来源：实名认证账户") == 0  # its name is no 申请人姓名
    assert 'name="form.applicant_name"' in page.text


def test_a_bundle_fills_the_parents_identity_into_every_sub_case(container: Container) -> None:
    world = bundle_tests.build_world(container)
    me = account_of(world, world.citizen.user_id)  # type: ignore[arg-type]
    form = {**bundle_tests.newborn_form(), "parent_name": "", "parent_id_number": ""}
    ref = bundle_tests.apply(world, NEWBORN.code, form)  # blank: required, yet accepted
    with container.read() as uow:
        forms = [repository.get(uow.conn, n).form for n in ref.case_numbers]
    carried = [f for f in forms if me.id_number in set(map(str, f.values()))]
    assert carried and all(me.name in set(map(str, f.values())) for f in carried)
