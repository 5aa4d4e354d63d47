"""A 秒批 approval of an item on the supervision list opens its inspection task in the same
transaction, for the holder of the e-licence it issued; a 秒批 sent to a person opens none."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from tests.factories import make_staff
from tests.integration.test_rules import SmartWorld
from tests.integration.test_smart_approval import ALLOWANCE, apply, elder, world
from tongban.adapters.db.tables_supervision import inspection_tasks
from tongban.domain.people.model import Role
from tongban.domain.rules.evaluation import Outcome
from tongban.services.supervision import items

__all__ = ["world"]


def test_a_smart_approval_of_a_supervised_item_opens_a_task(world: SmartWorld) -> None:
    admin = make_staff(world.container, Role.CATALOGUE_ADMIN).user_id
    with world.container.uow() as uow:
        items.place_on_list(uow, world.actor(admin), ALLOWANCE, 5)
    refused = apply(world, elder(world, date(1951, 3, 1)))  # 75: a person decides
    approved = apply(world, elder(world, date(1944, 3, 1)))
    assert refused.outcome is not Outcome.APPROVE and approved.outcome is Outcome.APPROVE
    with world.container.read() as uow:
        [task] = uow.conn.execute(select(inspection_tasks)).all()
    assert task.case_number == approved.number and task.licence_id == approved.licence_id
    assert task.status == "pending" and task.subject_kind == "person"
