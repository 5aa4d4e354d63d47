"""A supervised world for the post-approval supervision tests: SCJGJ-0001 issues a 营业执照,
is on the supervision list, and its department has a head and two inspectors."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from tests.factories import credit_code, make_staff
from tests.integration.test_case_delivery import decided
from tests.integration.test_cases import World, publish_item
from tongban.adapters.courier import SimulatedCourier
from tongban.domain.cases.status import DeliveryMethod
from tongban.domain.people.model import Role
from tongban.services.cases import delivery, results
from tongban.services.platform.context import Actor
from tongban.services.supervision import draws, items, tasks

DAY = "2026-11-03"
CONDITIONS = "有固定的经营场所；经营场所符合消防安全要求"
BUSINESS = {
    "entity_type": "个体工商户",
    "legal_representative": "张小明",
    "registered_capital": "5万元",
    "address": "佛山市南海区桂城街道南海大道1号",
    "business_scope": "饮品店经营",
    "established_on": DAY,
}


@dataclass
class Supervised:
    world: World
    inspectors: tuple[int, int]
    other_head: int
    leader: int

    def actor(self, who: int | None, day: str = DAY, hour: int = 10) -> Actor:
        return self.world.actor(who, day, hour)

    def approve(self, name: str = "小明奶茶") -> tuple[str, str]:
        """A case of the item approved and its 营业执照 issued: (case number, licence id)."""
        world = self.world
        ref = decided(world, delivery_method=DeliveryMethod.ELECTRONIC)
        content = results.LicenceContent(BUSINESS, credit_code(), name)
        with world.container.uow() as uow:
            sent = delivery.issue_result_and_dispatch(
                uow,
                world.actor(world.reviewer, DAY),
                ref.number,
                ref.version,
                SimulatedCourier(),
                keys=world.container.keys,
                licence=content,
            )
        from tongban.services.cases import repository

        with world.container.read() as uow:
            reference = repository.get(uow.conn, sent.ref.number).result_reference
        return sent.ref.number, reference

    def place(self, days: int = 10) -> items.SupervisedItem:
        with self.world.container.uow() as uow:
            return items.place_on_list(uow, self.actor(self.world.chief), "SCJGJ-0001", days)

    def draw(self, size: int = 10, day: str = DAY) -> draws.DrawRef:
        with self.world.container.uow() as uow:
            return draws.run_draw(uow, self.actor(self.world.chief, day), "SCJGJ", size)

    def findings(self, who: int, number: str, given: dict[str, Any], version: int) -> Any:
        with self.world.container.uow() as uow:
            return tasks.record_findings(uow, self.actor(who), number, given, version)

    def conclude(self, who: int, number: str, outcome: Any, version: int, **kw: Any) -> Any:
        with self.world.container.uow() as uow:
            return tasks.conclude(uow, self.actor(who), number, outcome, version, **kw)


@pytest.fixture
def supervised(world: World) -> Supervised:
    publish_item(world.container, result_licence_type="business_licence", conditions=CONDITIONS)
    container = world.container
    return Supervised(
        world=world,
        inspectors=(
            make_staff(container, Role.INSPECTOR, department_code="SCJGJ", name="王检查").user_id,
            make_staff(container, Role.INSPECTOR, department_code="SCJGJ", name="陈检查").user_id,
        ),
        other_head=make_staff(container, Role.SECTION_CHIEF, department_code="RSJ").user_id,
        leader=make_staff(container, Role.LEADER).user_id,
    )
