"""Rule sets through the services and the API on both databases: drafts, validation,
publishing refused while an expression does not compile, the version in force, dry-runs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.calendar_fixtures import seed_test_calendar
from tests.clock import SYSTEM
from tests.factories import make_citizen, make_staff, resident_id, sign_in
from tests.integration.test_cases import at, file_online
from tongban.adapters.db.tables_rules import rule_sets
from tongban.bootstrap import Container
from tongban.demo.departments import DEPARTMENTS
from tongban.demo.items import HAND_WRITTEN_ITEMS
from tongban.demo.rules import rule_files
from tongban.domain.errors import StaleVersion
from tongban.domain.people.model import Role
from tongban.domain.rules.errors import (
    NoRuleSetInForce,
    RuleSetNotDraft,
    RuleUnknownVariable,
)
from tongban.domain.rules.evaluation import Outcome
from tongban.domain.rules.model import RuleSetSpec
from tongban.services.cases import lifecycle as cases
from tongban.services.catalogue import items as catalogue
from tongban.services.network import structure as network
from tongban.services.people.sessions import load_principal
from tongban.services.platform.context import Actor
from tongban.services.smart import rules as svc

ALLOWANCE = "MZJ-0004"
SMART_ITEMS = ("MZJ-0004", "WJJ-0008", "SCJGJ-0001", "RSJ-0001")


@dataclass
class SmartWorld:
    container: Container
    admin: int
    reviewer: int

    def actor(self, user_id: int | None, day: str = "2026-11-27") -> Actor:
        if user_id is None:
            return Actor(request_id="demo", at=at(day))
        with self.container.read() as uow:
            principal = load_principal(uow.conn, user_id)
        return Actor(principal=principal, request_id=f"req-{user_id}", at=at(day))


def allowance_item() -> Any:
    return next(spec for spec in HAND_WRITTEN_ITEMS if spec.code == ALLOWANCE)


def demo_spec(item_code: str) -> RuleSetSpec:
    return next(f.spec for f in rule_files() if f.item_code == item_code)


def build_smart_world(container: Container, items: tuple[str, ...] = SMART_ITEMS) -> SmartWorld:
    """The demo departments, the test calendar and some demo smart items, published."""
    with container.uow() as uow:
        network.upsert_departments(uow, SYSTEM, DEPARTMENTS)
    seed_test_calendar(container)
    with container.uow() as uow:
        for spec in HAND_WRITTEN_ITEMS:
            if spec.code in items:
                catalogue.publish_spec(uow, SYSTEM, spec)
        uow.commit()
    return SmartWorld(
        container,
        admin=make_staff(container, Role.CATALOGUE_ADMIN).user_id,
        reviewer=make_staff(container, Role.REVIEWER, department_code="MZJ").user_id,
    )


def publish_demo(world: SmartWorld, item_code: str, spec: RuleSetSpec | None = None) -> int:
    actor = world.actor(world.admin)
    with world.container.uow() as uow:
        stored = svc.save_draft(uow, actor, item_code, spec or demo_spec(item_code))
    with world.container.uow() as uow:
        svc.publish(uow, actor, item_code, stored.version, expected_lock=stored.lock_version)
    return stored.version


@pytest.fixture
def world(container: Container) -> SmartWorld:
    return build_smart_world(container, (ALLOWANCE,))


def with_rule(spec: RuleSetSpec, rule_id: str, expression: str) -> RuleSetSpec:
    data = spec.model_dump(mode="json")
    for rule in data["rules"]:
        if rule["id"] == rule_id:
            rule["expression"] = expression
    return RuleSetSpec.model_validate(data)


def count_versions(world: SmartWorld) -> int:
    with world.container.read() as uow:
        return int(uow.conn.execute(select(func.count()).select_from(rule_sets)).scalar_one())


def test_a_draft_with_an_unknown_variable_is_saved_but_cannot_be_published(
    world: SmartWorld,
) -> None:
    actor = world.actor(world.admin)
    bad = with_rule(demo_spec(ALLOWANCE), "R2", "pred.household_in_guangzhou")
    with world.container.uow() as uow:
        draft = svc.save_draft(uow, actor, ALLOWANCE, bad)
    with world.container.read() as uow:
        assert svc.validate(uow.conn, ALLOWANCE, draft.version) == {
            "rules.R2": "未声明的变量：pred.household_in_guangzhou"
        }
    with pytest.raises(RuleUnknownVariable) as caught, world.container.uow() as uow:
        svc.publish(uow, actor, ALLOWANCE, draft.version, expected_lock=draft.lock_version)
    assert caught.value.fields == {"rules.R2": "未声明的变量：pred.household_in_guangzhou"}
    with world.container.read() as uow:
        assert svc.get_version(uow.conn, ALLOWANCE, draft.version).status.value == "draft"
        with pytest.raises(NoRuleSetInForce):
            svc.in_force_on(uow.conn, ALLOWANCE, date(2026, 11, 27))


def test_a_fixed_draft_publishes_and_is_in_force_from_its_effective_date(
    world: SmartWorld,
) -> None:
    actor = world.actor(world.admin)
    with world.container.uow() as uow:
        draft = svc.save_draft(uow, actor, ALLOWANCE, with_rule(demo_spec(ALLOWANCE), "R1", "1 +"))
    with world.container.uow() as uow:
        draft = svc.save_draft(
            uow, actor, ALLOWANCE, demo_spec(ALLOWANCE), expected_lock=draft.lock_version
        )
    assert draft.version == 1 and draft.lock_version == 2
    with world.container.uow() as uow:
        published = svc.publish(uow, actor, ALLOWANCE, 1, expected_lock=2)
    assert published.status.value == "published"
    later = demo_spec(ALLOWANCE).model_copy(update={"effective_from": date(2027, 1, 1)})
    publish_demo(world, ALLOWANCE, later)
    with world.container.read() as uow:
        assert svc.in_force_on(uow.conn, ALLOWANCE, date(2026, 12, 31)).version == 1
        assert svc.in_force_on(uow.conn, ALLOWANCE, date(2027, 1, 1)).version == 2
        with pytest.raises(NoRuleSetInForce):
            svc.in_force_on(uow.conn, ALLOWANCE, date(2025, 12, 31))
    with pytest.raises(RuleSetNotDraft), world.container.uow() as uow:
        svc.publish(uow, actor, ALLOWANCE, 1, expected_lock=3)


def test_two_editors_of_one_draft_cannot_both_win(world: SmartWorld) -> None:
    actor = world.actor(world.admin)
    with world.container.uow() as uow:
        draft = svc.save_draft(uow, actor, ALLOWANCE, demo_spec(ALLOWANCE))
    with world.container.uow() as uow:
        svc.save_draft(uow, actor, ALLOWANCE, demo_spec(ALLOWANCE), expected_lock=1)
    with pytest.raises(StaleVersion), world.container.uow() as uow:
        svc.save_draft(
            uow, actor, ALLOWANCE, demo_spec(ALLOWANCE), expected_lock=draft.lock_version
        )
    assert count_versions(world) == 1


def test_a_dry_run_counts_approvals_and_lists_differences_from_the_human_decision(
    world: SmartWorld,
) -> None:
    number = resident_id(born=date(1944, 1, 1))
    form = {
        "applicant_name": "陈伯",
        "id_number": number,
        "phone": "13800138000",
        "birth_date": "1944-01-01",
        "bank_account": "6217001234567890",
    }
    citizen = make_citizen(world.container, id_number=number).user_id
    approved = []
    for account in ("6217001234567890", "123"):
        application = cases.Application(
            item_code=ALLOWANCE,
            form={**form, "bank_account": account},
            materials=[m.name for m in allowance_item().materials if not m.only_by_agent],
        )
        approved.append(file_online(world.container, world.actor(citizen), application))
    actor = world.actor(world.reviewer)
    ref = approved[1]  # the reviewer approved the one with the short account
    for step in (cases.accept, cases.start_review):
        with world.container.uow() as uow:
            ref = step(uow, actor, ref.number, ref.version)
    with world.container.uow() as uow:
        cases.propose_decision(uow, actor, ref.number, ref.version, True, "核实无误")
    rules = demo_spec(ALLOWANCE)
    rules = rules.model_copy(update={"rules": rules.rules[2:]})  # the account rule only
    with world.container.uow() as uow:
        draft = svc.save_draft(uow, world.actor(world.admin), ALLOWANCE, rules)
    with world.container.read() as uow:
        result = svc.dry_run(uow.conn, ALLOWANCE, draft.version)
    assert (result.total, result.would_approve) == (2, 1)
    [difference] = result.differences
    assert difference.number == approved[1].number
    assert difference.rules_outcome is Outcome.MANUAL_REVIEW
    assert difference.human_decision == "approved"
    assert result.history == 2
    with world.container.read() as uow:  # only the newest tried: the page says how many exist
        sample = svc.dry_run(uow.conn, ALLOWANCE, draft.version, limit=1)
    assert (sample.total, sample.history) == (1, 2)


# --- over HTTP --------------------------------------------------------------------------------


def spec_json(spec: RuleSetSpec) -> dict[str, Any]:
    return spec.model_dump(mode="json")


def test_the_api_refuses_to_publish_a_rule_that_does_not_compile(
    world: SmartWorld, client: Any
) -> None:
    from tests.factories import Person

    admin = Person(world.admin, "", "", Role.CATALOGUE_ADMIN)
    csrf = sign_in(world.container, client, admin)
    headers = {"X-CSRF-Token": csrf}
    bad = with_rule(demo_spec(ALLOWANCE), "R1", "pred.age_at_least_80 &&")
    saved = client.put(
        f"/api/v1/rules/{ALLOWANCE}/draft", json={"spec": spec_json(bad)}, headers=headers
    )
    assert saved.status_code == 200, saved.text
    version, lock = saved.json()["version"], saved.json()["lock_version"]
    checked = client.post(f"/api/v1/rules/{ALLOWANCE}/versions/{version}/validate", headers=headers)
    assert checked.json()["ok"] is False and "rules.R1" in checked.json()["errors"]
    refused = client.post(
        f"/api/v1/rules/{ALLOWANCE}/versions/{version}/publish",
        json={"lock_version": lock},
        headers=headers,
    )
    assert refused.status_code == 422
    assert refused.json()["code"] == "rule_syntax_error"
    assert "rules.R1" in refused.json()["fields"]
    assert client.get(f"/api/v1/rules/{ALLOWANCE}/in-force").status_code == 404
    fixed = client.put(
        f"/api/v1/rules/{ALLOWANCE}/draft",
        json={"spec": spec_json(demo_spec(ALLOWANCE)), "lock_version": lock},
        headers=headers,
    )
    published = client.post(
        f"/api/v1/rules/{ALLOWANCE}/versions/{version}/publish",
        json={"lock_version": fixed.json()["lock_version"]},
        headers=headers,
    )
    assert published.status_code == 200, published.text
    client.cookies.clear()
    public = client.get(f"/api/v1/rules/{ALLOWANCE}/in-force")
    assert public.status_code == 200 and public.json()["version"] == version
