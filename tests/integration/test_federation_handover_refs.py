"""跨城通办 case references: each hand-over takes the day's next number from a counter row, so
two hand-overs at once never take the same reference (they used to count the day's cases and
could both insert the same one)."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import select, text

from tests.integration.federation_fixtures import PANYU
from tests.integration.federation_pair import Pair
from tests.integration.test_federation_handover import (
    APPLICANT,
    FORM,
    ID_CARD,
    LEASE,
    World,
    actor,
    pump,
)
from tongban.adapters.db.tables_federation import federation_cases, federation_ref_counters
from tongban.domain.federation.handover import MaterialFile
from tongban.services.federation import handover

pytestmark = pytest.mark.usefixtures("keep_logging")


@pytest.fixture
def world(pair: Pair) -> World:
    return World(pair)


def _waiting_on_a_lock(world: World) -> bool:
    with world.pair.nanhai.engine.connect() as conn:
        waiting = conn.execute(
            text(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
        ).scalar_one()
    return bool(waiting)


def test_references_follow_each_other_through_the_day(world: World) -> None:
    refs = [world.hand_over() for _ in range(3)]
    assert refs == [f"440605-20261116-{n:05d}" for n in (1, 2, 3)]
    with world.pair.nanhai.read() as uow:
        assert uow.conn.execute(select(federation_ref_counters.c.last)).scalar_one() == 3


def test_a_day_s_counter_starts_after_the_references_made_before_it(world: World) -> None:
    first = world.hand_over()
    with world.pair.nanhai.uow() as uow:  # as on a database migrated mid-day
        uow.conn.execute(federation_ref_counters.delete())
        uow.commit()
    assert world.hand_over() == first[:-5] + "00002"


# SQLite runs one writer at a time: only PostgreSQL has hand-overs at once.
@pytest.mark.parametrize("engine", ["postgresql"], indirect=True)
def test_two_hand_overs_at_once_take_two_references(world: World) -> None:
    side = world.pair.nanhai
    started = threading.Event()

    def second() -> str:
        started.set()
        return world.hand_over()

    with ThreadPoolExecutor(max_workers=1) as pool, side.uow() as first, first.atomic():
        request = _request(world)
        ref_a = handover.hand_over(first, actor(side, world.clerk), side.node_keys, request)
        ref_b = pool.submit(second)
        started.wait(timeout=10)
        # The second waits for the first's counter row until the first commits.
        for _ in range(200):
            if _waiting_on_a_lock(world) or ref_b.done():
                break
            time.sleep(0.05)
        assert not ref_b.done()
    assert ref_b.result(timeout=30) != ref_a
    with side.read() as uow:
        refs = sorted(uow.conn.execute(select(federation_cases.c.case_ref)).scalars())
    assert refs == sorted([ref_a, ref_b.result()])
    pump(world.pair)
    for ref in refs:
        assert world.there(ref).status is not None


def _request(world: World) -> handover.HandOver:
    return handover.HandOver(
        partner=PANYU, item_code="PY-001", applicant_name="王五", id_number=APPLICANT,
        form=FORM, consent=True,
        materials=[MaterialFile(ID_CARD, b"id-card-scan"), MaterialFile(LEASE, b"lease")],
    )  # fmt: skip
