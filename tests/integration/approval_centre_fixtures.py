"""A small online approval centre for the tests: the cases world, three market-supervision
reviewers and a second item, and helpers to submit online applications at chosen times."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import update

from tests.factories import make_staff
from tests.integration.test_cases import (
    World,
    application,
    build_world,
    file_online,
    publish_item,
)
from tongban.adapters.db.tables import cases
from tongban.domain.people.model import Role
from tongban.services.platform.context import Actor

SERVED = ("SCJGJ",)
SECOND_ITEM = "SCJGJ-0002"


@dataclass
class Centre:
    """The cases world plus reviewers ``a`` (the world's), ``b`` and ``c`` of 区市场监管局."""

    world: World
    a: int
    b: int
    c: int

    @property
    def chief(self) -> int:
        return self.world.chief

    def actor(self, who: int, day: str = "2026-11-02", hour: int = 10) -> Actor:
        return self.world.actor(who, day, hour)

    def submit(
        self, day: str = "2026-11-02", hour: int = 10, *, priority: int = 0, item: str = ""
    ) -> str:
        """An online application by the world's citizen at ``day`` ``hour`` (China time)."""
        changes: dict[str, Any] = {"item_code": item} if item else {}
        actor = self.world.actor(self.world.citizen, day, hour)
        ref = file_online(self.world.container, actor, application(**changes))
        if priority:
            with self.world.container.uow() as uow:
                uow.conn.execute(
                    update(cases).where(cases.c.number == ref.number).values(priority=priority)
                )
                uow.commit()
        return ref.number

    def run(
        self,
        fn: Callable[..., Any],
        who: int,
        *args: Any,
        day: str = "2026-11-02",
        hour: int = 10,
        **kwargs: Any,
    ) -> Any:
        """Run approval-centre use case ``fn`` as ``who`` at ``day`` ``hour``."""
        with self.world.container.uow() as uow:
            return fn(uow, self.actor(who, day, hour), SERVED, *args, **kwargs)


def build_centre(container: Any) -> Centre:
    world = build_world(container)
    publish_item(container, code=SECOND_ITEM, name="食品经营许可", category="食品经营")
    b = make_staff(container, Role.REVIEWER, name="审批员乙").user_id
    c = make_staff(container, Role.REVIEWER, name="审批员丙").user_id
    return Centre(world, world.reviewer, b, c)
