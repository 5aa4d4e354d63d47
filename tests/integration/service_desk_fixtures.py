"""A small service desk for the tests: the cases world (an item of 区市场监管局, a citizen, clerks
at the town and district centres, a reviewer and a chief) plus the two centres' managers, and
helpers to run the service desk's use cases as anyone on any day."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from tests.factories import DISTRICT_CENTRE_CODE, make_staff
from tests.integration.test_cases import World, build_world, online
from tongban.adapters.db.tables import outbox, users
from tongban.bootstrap import Container
from tongban.domain.people.model import Role
from tongban.services.platform.context import Actor
from tongban.services.service_desk import hard_cases

DAY = "2026-11-16"
"""A Monday: five working days later is Monday 2026-11-23, three is Thursday 2026-11-19."""
HARD_CASE_DAYS = 5
CONSULTATION_DAYS = 3


@dataclass
class Desk:
    world: World
    manager: int
    """Manager of the town centre C-GC, where ``world.clerk`` works."""
    district_manager: int
    """Manager of the district centre C-NH, above C-GC."""

    @property
    def container(self) -> Container:
        return self.world.container

    def actor(self, who: int | None, day: str = DAY, hour: int = 10) -> Actor:
        return self.world.actor(who, day, hour)

    def run(self, fn: Callable[..., Any], who: int | None, *args: Any, **kwargs: Any) -> Any:
        """Run use case ``fn`` as ``who`` (on ``day`` at ``hour``, DAY 10:00 by default)."""
        day, hour = kwargs.pop("day", DAY), kwargs.pop("hour", 10)
        with self.container.uow() as uow:
            return fn(uow, self.actor(who, day, hour), *args, **kwargs)

    def raise_(self, who: int, day: str = DAY, **changes: Any) -> hard_cases.HardCaseRef:
        values: dict[str, Any] = {
            "type": "missing_proof",
            "summary": "无犯罪记录证明开不出来",
            "description": "派出所说要原单位出具证明，原单位已注销，不知道怎么办。",
            "centre_code": "C-GC",
        }
        values.update(changes)
        data = hard_cases.RaiseInput(**values)
        ref: hard_cases.HardCaseRef = self.run(
            hard_cases.raise_hard_case, who, data, days=HARD_CASE_DAYS, day=day
        )
        return ref

    def case_number(self) -> str:
        """A fresh online case of the world's citizen, accepted nowhere yet."""
        return online(self.world, DAY).number

    def id_number(self, user_id: int) -> str:
        with self.container.read() as uow:
            found = uow.conn.execute(
                select(users.c.id_number).where(users.c.id == user_id)
            ).scalar_one()
        return str(found)

    def inbox(self, user_id: int) -> list[dict[str, Any]]:
        """The in-app messages queued for ``user_id``, oldest first."""
        with self.container.read() as uow:
            rows = uow.conn.execute(
                select(outbox.c.payload).where(outbox.c.kind == "inbox").order_by(outbox.c.id)
            ).scalars()
            return [p for p in rows if p["user_id"] == user_id]

    def sms_count(self) -> int:
        with self.container.read() as uow:
            rows = uow.conn.execute(select(outbox.c.id).where(outbox.c.kind == "sms")).all()
        return len(rows)


def build_desk(container: Container) -> Desk:
    world = build_world(container)
    manager = make_staff(container, Role.CENTRE_MANAGER, name="中心负责人").user_id
    district_manager = make_staff(
        container, Role.CENTRE_MANAGER, centre_code=DISTRICT_CENTRE_CODE, name="区中心负责人"
    ).user_id
    return Desk(world, manager, district_manager)
