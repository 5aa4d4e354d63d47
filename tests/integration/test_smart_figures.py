"""The 秒批 figure on /stats and in the API counts the flagged items and, beside it, those whose
rule set is in force today, read from the database: a retired rule set shows at once."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.integration.test_rules import SmartWorld, build_smart_world, demo_spec, publish_demo
from tongban.domain.rules.model import RuleSetSpec
from tongban.services.smart import rules as svc

ALLOWANCE = "MZJ-0004"
CARD = "WJJ-0008"
BIRTH = "WJJ-0001"


@pytest.fixture
def world(container: Any) -> SmartWorld:
    return build_smart_world(container, (ALLOWANCE, CARD, BIRTH))


def shown(client: Any) -> tuple[str, str, int]:
    """The page's 秒批 count, the words beside it, and the API's count in force."""
    page = client.get("/stats")
    assert page.status_code == 200
    count = re.search(r'id="fig-smart">(\d+)<', page.text)
    beside = re.search(r'id="fig-smart-in-force">([^<]*)<', page.text)
    assert count is not None and beside is not None
    body = client.get("/api/v1/catalogue/stats").json()
    assert body["figures"]["smart_approval"] == int(count.group(1))
    return count.group(1), beside.group(1), body["smart_approval_in_force"]


def test_the_smart_figure_says_how_many_items_have_rules_in_force(
    world: SmartWorld, client: Any
) -> None:
    assert shown(client) == ("3", "其中 0 项规则已生效", 0)
    allowance = publish_demo(world, ALLOWANCE)
    publish_demo(world, CARD)
    later = demo_spec(BIRTH).model_dump(mode="json") | {"effective_from": "2027-01-01"}
    publish_demo(world, BIRTH, RuleSetSpec.model_validate(later))  # not in force yet
    assert shown(client) == ("3", "其中 2 项规则已生效", 2)

    with world.container.uow() as uow:
        stored = svc.get_version(uow.conn, ALLOWANCE, allowance)
        svc.retire(
            uow, world.actor(world.admin), ALLOWANCE, allowance, expected_lock=stored.lock_version
        )
    assert shown(client) == ("3", "其中 1 项规则已生效", 1)
