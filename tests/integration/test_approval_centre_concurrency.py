"""Two reviewers claiming the same queued application at the same moment: exactly one gets it,
every time, on both databases (two threads, two connections) — on a first claim (the unique
key decides) and on a claim after a release (the conditional UPDATE decides)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from tests.integration.approval_centre_fixtures import SERVED, Centre, build_centre
from tongban.adapters.db.tables import cases
from tongban.adapters.db.tables_approval import approval_assignment_log, approval_assignments
from tongban.domain.approval.errors import AlreadyClaimed, QueueEmpty
from tongban.domain.approval.model import AssignmentAction
from tongban.services.approval_centre import assignment as centre
from tongban.services.platform.context import Actor

TRIALS = 60


@pytest.fixture
def c(container: object) -> Centre:
    return build_centre(container)


def test_two_reviewers_claiming_one_application_at_once_never_both_get_it(c: Centre) -> None:
    reviewers = (c.actor(c.a), c.actor(c.b))
    barrier = threading.Barrier(2)

    def claim(reviewer: Actor, number: str) -> str:
        # Meet before beginning: on SQLite, BEGIN IMMEDIATE would hold the other thread back.
        barrier.wait(timeout=10)
        with c.world.container.uow() as uow:  # each thread its own connection
            try:
                centre.claim(uow, reviewer, SERVED, number)
            except AlreadyClaimed as lost:
                return lost.code
            return "won"

    numbers = []
    with ThreadPoolExecutor(max_workers=2) as pool:
        for trial in range(TRIALS):
            number = c.submit()
            if trial % 2:  # a released application: the race is on the UPDATE, not the INSERT
                c.run(centre.claim, c.c, number)
                c.run(centre.release, c.c, number)
            numbers.append(number)
            outcomes = sorted(pool.map(claim, reviewers, [number, number]))
            assert outcomes == ["already_claimed", "won"], f"trial {trial}: {outcomes}"

    with c.world.container.read() as uow:
        holders = uow.conn.execute(
            select(approval_assignments.c.assignee_id, func.count()).group_by(
                approval_assignments.c.assignee_id
            )
        ).all()
        claims = uow.conn.execute(
            select(func.count())
            .select_from(approval_assignment_log)
            .where(approval_assignment_log.c.action == AssignmentAction.CLAIMED.value)
        ).scalar()
    assert sum(n for who, n in holders) == TRIALS
    assert {who for who, _ in holders} <= {c.a, c.b}
    # one winning claim per trial, plus the claim before each release
    assert claims == TRIALS + TRIALS // 2


def test_two_reviewers_taking_the_next_application_at_once_take_different_ones(
    c: Centre,
) -> None:
    waiting = {c.submit("2026-11-02", 8 + i % 10) for i in range(20)}
    reviewers = (c.actor(c.a), c.actor(c.b))
    barrier = threading.Barrier(2)

    def take_all(reviewer: Actor) -> list[str]:
        taken: list[str] = []
        barrier.wait(timeout=10)
        while True:
            with c.world.container.uow() as uow:
                try:
                    taken.append(centre.claim_next(uow, reviewer, SERVED).number)
                except QueueEmpty:
                    return taken

    with ThreadPoolExecutor(max_workers=2) as pool:
        first, second = pool.map(take_all, reviewers)
    assert not set(first) & set(second)
    assert set(first) | set(second) == waiting


@pytest.mark.postgres
@pytest.mark.parametrize("engine", ["postgresql"], indirect=True)
def test_taking_the_next_application_passes_over_one_being_taken(c: Centre) -> None:
    """PostgreSQL: while another transaction holds the first queued application's row, 领取下一件
    takes the second at once (SKIP LOCKED) instead of waiting for that transaction."""
    first = c.submit("2026-11-02", 8)
    second = c.submit("2026-11-02", 9)
    with c.world.container.engine.connect() as other:
        other.begin()
        other.execute(select(cases.c.id).where(cases.c.number == first).with_for_update())
        with c.world.container.uow() as uow:
            assert centre.claim_next(uow, c.actor(c.a), SERVED).number == second
        other.rollback()
    with c.world.container.uow() as uow:
        assert centre.claim_next(uow, c.actor(c.b), SERVED).number == first
