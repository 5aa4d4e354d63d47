"""A small world for 好差评: the cases world (item SCJGJ-0001 of 区市场监管局, a citizen, clerks,
a reviewer and the department's section chief), a finished case of the citizen, the town
centre laid out with windows, and helpers to run the area's use cases as anyone on any day."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from tests.clock import SYSTEM
from tests.factories import TOWN_CENTRE_CODE, make_staff
from tests.integration.test_cases import World, build_world, online, step
from tests.integration.test_queue import GROUPS, WINDOWS
from tongban.adapters.db.tables import outbox
from tongban.bootstrap import Container
from tongban.domain.people.model import Role
from tongban.services.cases import lifecycle as svc
from tongban.services.network import queries as network
from tongban.services.network import structure
from tongban.services.platform.context import Actor

DAY = "2026-11-16"
"""A Monday: 15 working days later is Monday 2026-12-07 (no holiday between)."""
RECTIFICATION_DAYS = 15
EDIT_DAYS = 7


@dataclass
class Ratings:
    world: World
    chief: int
    """Section chief (department head) of SCJGJ, the item's department."""
    other_chief: int
    """Section chief of RSJ: another department."""
    leader: int

    @property
    def container(self) -> Container:
        return self.world.container

    def actor(self, who: int | None, day: str = DAY, hour: int = 10) -> Actor:
        return self.world.actor(who, day, hour)

    def run(self, fn: Callable[..., Any], who: int | None, *args: Any, **kwargs: Any) -> Any:
        """Run use case ``fn`` as ``who`` (on ``day`` at ``hour``; DAY 10:00 by default)."""
        day, hour = kwargs.pop("day", DAY), kwargs.pop("hour", 10)
        with self.container.uow() as uow:
            return fn(uow, self.actor(who, day, hour), *args, **kwargs)

    def finished_case(self) -> str:
        """A case of the world's citizen, approved (办结) on 2026-11-03."""
        ref = online(self.world, "2026-11-02")
        ref = step(self.world, svc.accept, self.world.reviewer, ref, "2026-11-02")
        ref = step(self.world, svc.start_review, self.world.reviewer, ref, "2026-11-02")
        ref = step(
            self.world,
            svc.propose_decision,
            self.world.reviewer,
            ref,
            "2026-11-03",
            True,
            "符合条件",
        )
        return ref.number

    def open_case(self) -> str:
        """A case of the world's citizen, accepted and under review."""
        ref = online(self.world, "2026-11-02")
        ref = step(self.world, svc.accept, self.world.reviewer, ref, "2026-11-02")
        return ref.number

    def messages(self, kind: str) -> list[dict[str, Any]]:
        with self.container.read() as uow:
            rows = uow.conn.execute(
                select(outbox.c.payload).where(outbox.c.kind == kind).order_by(outbox.c.id)
            ).scalars()
            return list(rows)


def lay_out_town_centre(container: Container) -> None:
    """Windows 1–4 at the town centre, as the queue tests have them."""
    with container.read() as uow:
        town = network.centre(uow.conn, TOWN_CENTRE_CODE)
    laid_out = town.model_copy(
        update={
            "opening_hours": "周一至周五 09:00-12:00, 13:30-17:30",
            "windows": len(WINDOWS),
            "window_groups": GROUPS,
            "service_windows": WINDOWS,
        }
    )
    with container.uow() as uow:
        structure.upsert_centres(uow, SYSTEM, [laid_out])


def build_ratings(container: Container) -> Ratings:
    world = build_world(container)
    other_chief = make_staff(container, Role.SECTION_CHIEF, department_code="RSJ").user_id
    leader = make_staff(container, Role.LEADER, name="区领导").user_id
    return Ratings(world, world.chief, other_chief, leader)
