"""The full demo's 秒批 items, on both databases: each of the seed's 51 has a rule set in force
(the YAML file its ``rule_set`` names), its application page answers, and the shared rule set
of a generated item decides on the applicant's own data."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select

from tests.clock import SYSTEM
from tests.factories import Person, make_citizen, make_enterprise, resident_id, sign_in
from tests.integration.test_rules import build_smart_world, publish_demo
from tongban.adapters.db.tables import service_items, users
from tongban.bootstrap import Container
from tongban.demo import smart as demo_smart
from tongban.demo.generate import full_catalogue
from tongban.demo.loader import load_demo
from tongban.demo.rules import rule_files_by_slug
from tongban.domain.people.model import Role
from tongban.domain.rules.evaluation import Outcome
from tongban.services.catalogue import items as catalogue
from tongban.services.licences import library as licences
from tongban.services.people.sessions import load_principal
from tongban.services.platform.context import Actor
from tongban.services.smart import approval
from tongban.services.smart import rules as rule_sets

DOG_LICENCE = "GAJ-1153"
"""养犬登记: a generated 秒批 item with the shared ``generic-instant`` rule set."""


STATEMENTS = {r.id: r.statement for r in rule_files_by_slug()["generic-instant"].spec.rules}


def demo_citizen(container: Container, id_number: str) -> Person:
    with container.read() as uow:
        found = select(users.c.id).where(users.c.id_number == id_number)
        user_id = uow.conn.execute(found).scalar_one()
    return Person(user_id, id_number, None, Role.CITIZEN)


def citizen_with_e_id(container: Container, born: date) -> Person:
    number = resident_id(born=born)
    who = make_citizen(container, id_number=number, name="何志强")
    e_id = {"sex": "男", "ethnicity": "汉", "birth_date": born.isoformat(), "address": "南海区"}
    with container.uow() as uow:
        licences.issue(
            uow, SYSTEM, container.keys, type_code="id_card", holder_id=number,
            holder_name="何志强", fields=e_id,
        )  # fmt: skip
        uow.commit()
    return who


def apply(container: Container, who: Person, item_code: str) -> Any:
    with container.uow() as uow:
        actor = Actor(
            principal=load_principal(uow.conn, who.user_id),
            request_id=f"req-{who.user_id}",
            at=container.clock.now(),
        )
        return approval.apply(uow, actor, container.keys, item_code, {}, consent=True)


def test_every_smart_item_of_the_full_demo_has_its_rule_set_in_force_and_its_page(
    container: Container, client: Any
) -> None:
    load_demo(container, "full")
    today = container.clock.today()
    with container.read() as uow:
        codes = list(
            uow.conn.execute(
                select(service_items.c.code).where(
                    service_items.c.smart_approval, service_items.c.status == "published"
                )
            ).scalars()
        )
        in_force = {code: rule_sets.in_force_on(uow.conn, code, today) for code in codes}
    assert len(codes) == 51
    files = rule_files_by_slug()
    named = {item.code: item.rule_set for item in full_catalogue()}
    assert {c: s.spec for c, s in in_force.items()} == {c: files[named[c]].spec for c in codes}
    assert demo_smart.load(container, SYSTEM, "full") == 0  # loading again changes nothing

    sign_in(container, client, demo_citizen(container, demo_smart.CHEN))
    listed = client.get("/smart")
    assert all(f'href="/smart/{code}"' in listed.text for code in codes)
    answers = {code: client.get(f"/smart/{code}").status_code for code in codes}
    assert {code: status for code, status in answers.items() if status != 200} == {}


def test_a_generated_item_decides_by_its_shared_rule_set_on_the_applicants_own_data(
    container: Container,
) -> None:
    world = build_smart_world(container, ())
    dog_licence = next(item for item in full_catalogue() if item.code == DOG_LICENCE)
    assert dog_licence.rule_set == "generic-instant"
    with container.uow() as uow:
        catalogue.publish_spec(uow, SYSTEM, dog_licence)
        uow.commit()
    publish_demo(world, DOG_LICENCE, rule_files_by_slug()["generic-instant"].spec)

    adult = citizen_with_e_id(container, born=date(1980, 5, 1))
    approved = apply(container, adult, DOG_LICENCE)
    assert approved.outcome is Outcome.APPROVE, approved.reasons
    assert [r["rule_id"] for r in approved.results] == ["R1", "R2", "R3"]
    minor = citizen_with_e_id(container, born=date(2010, 5, 1))
    first = apply(container, minor, DOG_LICENCE)
    assert first.reasons == ["R2 不符合：" + STATEMENTS["R2"]]  # a guardian applies for them
    again = apply(container, minor, DOG_LICENCE)
    assert again.reasons == ["R2 不符合：" + STATEMENTS["R2"], "R3 不符合：" + STATEMENTS["R3"]]
    company = apply(container, make_enterprise(container), DOG_LICENCE)  # holds no e-ID
    assert company.reasons[0] == "R1 不符合：" + STATEMENTS["R1"]


STATEMENTS = {r.id: r.statement for r in rule_files_by_slug()["generic-instant"].spec.rules}
