"""Two clerks accept the same case at the same moment: exactly one wins, every time, on both
databases; the other is told the case changed (409), and the trail has one acceptance."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from tests.factories import DISTRICT_CENTRE_CODE, make_staff
from tests.integration.test_cases import World, application, build_world
from tongban.adapters.db.tables import case_events, cases
from tongban.bootstrap import Container
from tongban.domain.cases.status import CaseStatus
from tongban.domain.errors import IllegalTransition, StaleVersion
from tongban.domain.people.model import Role
from tongban.services.cases import lifecycle as svc
from tongban.services.cases.audit import verify
from tongban.services.platform.context import Actor

TRIALS = 200


@pytest.fixture
def world(container: Container) -> World:
    return build_world(container)


def test_two_clerks_accepting_the_same_case_at_once_never_both_win(world: World) -> None:
    second_clerk = make_staff(world.container, Role.CLERK, centre_code=DISTRICT_CENTRE_CODE)
    clerks = (world.actor(world.clerk), world.actor(second_clerk.user_id))
    barrier = threading.Barrier(2)

    def accept(clerk: Actor, number: str) -> str:
        # Meet before beginning: on SQLite, BEGIN IMMEDIATE would hold the other thread back.
        barrier.wait(timeout=10)
        with world.container.uow() as uow:  # each thread its own connection
            try:
                svc.accept(uow, clerk, number, 1)
            except (StaleVersion, IllegalTransition) as lost:
                return lost.code
            return "won"

    numbers: list[str] = []
    with ThreadPoolExecutor(max_workers=2) as pool:
        for _ in range(TRIALS):
            with world.container.uow() as uow:
                ref = svc.submit_at_window(uow, clerks[0], world.citizen, application())
            numbers.append(ref.number)
            outcomes = sorted(pool.map(accept, clerks, [ref.number, ref.number]))
            assert outcomes[1] == "won" and outcomes[0] in ("stale_version", "illegal_transition")

    with world.container.read() as uow:
        accepted = uow.conn.execute(
            select(func.count())
            .select_from(case_events)
            .where(case_events.c.type == "CaseAccepted")
        ).scalar()
        assert accepted == TRIALS
        statuses = uow.conn.execute(select(cases.c.status).distinct()).scalars().all()
        assert verify(uow.conn).ok
    assert statuses == [CaseStatus.ACCEPTED.value]
    assert len(set(numbers)) == TRIALS
