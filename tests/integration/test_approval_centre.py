"""The online approval centre through its services on both databases: the shared queue (green
channel first, then the oldest), claim and release, the three assignment strategies, the
chief's reassignment, the figures on a small fixed set, and who may use the centre."""

from __future__ import annotations

import pytest
from sqlalchemy import Connection, func, select

from tests.integration.approval_centre_fixtures import SECOND_ITEM, SERVED, Centre, build_centre
from tests.integration.test_cases import at, at_window
from tongban.adapters.db.tables import audit_log, cases
from tongban.adapters.db.tables_approval import approval_assignment_log
from tongban.domain.approval.errors import (
    AlreadyClaimed,
    NoReviewerAvailable,
    NotCentreReviewer,
    NotHolder,
    QueueEmpty,
)
from tongban.domain.approval.model import AssignmentAction, Strategy
from tongban.domain.errors import PermissionDenied, StaleVersion
from tongban.services.approval_centre import assignment as centre
from tongban.services.approval_centre import queries as q
from tongban.services.approval_centre.access import scope_of
from tongban.services.cases import lifecycle as cases_svc
from tongban.services.people.sessions import load_principal


@pytest.fixture
def c(container: object) -> Centre:
    return build_centre(container)


def queued(c: Centre) -> list[str]:
    with c.world.container.read() as uow:
        return [x.number for x in q.queue(uow.conn, departments(c, uow.conn))]


def held_by(c: Centre, who: int) -> list[str]:
    with c.world.container.read() as uow:
        return [x.number for x in q.held(uow.conn, departments(c, uow.conn), who)]


def departments(c: Centre, conn: Connection) -> list[int]:
    return scope_of(conn, load_principal(conn, c.chief), SERVED).department_ids


def set_strategy(c: Centre, strategy: Strategy, skills: dict[int, list[str]] | None = None) -> None:
    with c.world.container.read() as uow:
        version = q.settings(uow.conn, departments(c, uow.conn)[0]).version
    c.run(centre.update_settings, c.chief, strategy, skills or {}, version)


def test_claim_next_takes_the_green_channel_first_then_the_oldest(c: Centre) -> None:
    newer = c.submit("2026-11-03", 9)
    oldest = c.submit("2026-11-02", 9)
    green = c.submit("2026-11-04", 9, priority=1)
    at_window(c.world, "2026-11-01")  # the older window application is not the centre's
    assert queued(c) == [green, oldest, newer]
    taken = [c.run(centre.claim_next, who).number for who in (c.a, c.b, c.c)]
    assert taken == [green, oldest, newer]
    assert queued(c) == []
    with pytest.raises(QueueEmpty):
        c.run(centre.claim_next, c.a)


def test_a_claimed_application_leaves_the_queue_and_nobody_else_can_claim_it(c: Centre) -> None:
    number = c.submit()
    ref = c.run(centre.claim, c.a, number)
    assert (ref.assignee_id, ref.action, ref.version) == (c.a, AssignmentAction.CLAIMED, 1)
    with pytest.raises(AlreadyClaimed) as lost:
        c.run(centre.claim, c.b, number)
    assert lost.value.code == "already_claimed" and lost.value.status == 409
    again = c.run(centre.claim, c.a, number)  # a retried claim by the holder changes nothing
    assert again.version == 1
    assert held_by(c, c.a) == [number] and held_by(c, c.b) == [] and queued(c) == []
    with c.world.container.read() as uow:
        log = uow.conn.execute(select(func.count()).select_from(approval_assignment_log))
        assert log.scalar() == 1
        audited = uow.conn.execute(
            select(audit_log.c.action).where(audit_log.c.object_key == number)
        ).scalars()
        assert list(audited) == ["approval_centre.claimed"]


def test_release_puts_an_application_back_and_another_reviewer_may_claim_it(c: Centre) -> None:
    number = c.submit()
    c.run(centre.claim, c.a, number)
    with pytest.raises(NotHolder):
        c.run(centre.release, c.b, number)
    released = c.run(centre.release, c.a, number)
    assert (released.assignee_id, released.action, released.version) == (
        None,
        AssignmentAction.RELEASED,
        2,
    )
    assert queued(c) == [number]
    ref = c.run(centre.claim, c.b, number)
    assert (ref.assignee_id, ref.version) == (c.b, 3)
    with pytest.raises(NotHolder):
        c.run(centre.release, c.a, number)


def test_the_reviewer_decides_through_the_case_services_and_it_leaves_their_load(
    c: Centre,
) -> None:
    number = c.submit()
    c.run(centre.claim, c.a, number)
    with c.world.container.read() as uow:
        assert q.loads(uow.conn, departments(c, uow.conn)) == {c.a: 1}
    decide(c, number, c.a, "2026-11-02", 11)
    assert held_by(c, c.a) == []
    with c.world.container.read() as uow:
        assert q.loads(uow.conn, departments(c, uow.conn)) == {}


def test_round_robin_gives_each_reviewer_one_in_turn(c: Centre) -> None:
    set_strategy(c, Strategy.ROUND_ROBIN)
    numbers = [c.submit("2026-11-02", h) for h in (9, 10, 11, 12, 13)]
    refs = [c.run(centre.assign, c.chief) for _ in numbers]
    assert [r.number for r in refs] == numbers
    assert [r.assignee_id for r in refs] == [c.a, c.b, c.c, c.a, c.b]
    assert {r.strategy for r in refs} == {Strategy.ROUND_ROBIN}


def test_least_loaded_picks_the_reviewer_with_the_fewest_open_applications(c: Centre) -> None:
    set_strategy(c, Strategy.LEAST_LOADED)
    for hour in (9, 10, 11):
        c.run(centre.claim, c.a, c.submit("2026-11-02", hour))
    c.run(centre.claim, c.c, c.submit("2026-11-02", 12))
    c.submit("2026-11-02", 13)
    ref = c.run(centre.assign, c.chief)
    assert ref.assignee_id == c.b  # a holds 3, c holds 1, b none
    c.submit("2026-11-02", 14)
    c.submit("2026-11-02", 15)
    refs = c.run(centre.assign_queue, c.chief, 10)
    assert [r.assignee_id for r in refs] == [c.b, c.c]  # b 1 vs c 1: lowest id, then c 1 vs b 2


def test_by_skill_the_item_goes_to_a_reviewer_skilled_for_it(c: Centre) -> None:
    set_strategy(c, Strategy.SKILL, {c.a: ["食品经营"], c.b: ["SCJGJ-0001"], c.c: ["XX-*"]})
    food = c.submit("2026-11-02", 9, item=SECOND_ITEM)
    shop = c.submit("2026-11-02", 10)
    c.run(centre.claim, c.b, c.submit("2026-11-02", 8))  # b is busier, but the only one for it
    assert c.run(centre.assign, c.chief, food).assignee_id == c.a
    assert c.run(centre.assign, c.chief, shop).assignee_id == c.b
    set_strategy(c, Strategy.SKILL, {c.a: ["食品经营"], c.b: ["食品经营"], c.c: ["SCJGJ-00*"]})
    assert c.run(centre.assign, c.chief, c.submit("2026-11-02", 11)).assignee_id == c.c
    set_strategy(c, Strategy.SKILL, {c.a: ["食品经营"], c.b: ["食品经营"], c.c: ["食品经营"]})
    nobody = c.submit("2026-11-02", 12)
    with pytest.raises(NoReviewerAvailable):
        c.run(centre.assign, c.chief, nobody)
    assert nobody in queued(c)


def test_skilled_claim_next_prefers_the_reviewers_own_items(c: Centre) -> None:
    set_strategy(c, Strategy.SKILL, {c.a: ["食品经营"]})
    shop = c.submit("2026-11-02", 9)
    food = c.submit("2026-11-02", 10, item=SECOND_ITEM)
    assert c.run(centre.claim_next, c.a).number == food
    assert c.run(centre.claim_next, c.b).number == shop


def test_only_the_chief_assigns_and_reassigns(c: Centre) -> None:
    first, second, third = (c.submit("2026-11-02", h) for h in (9, 10, 11))
    for number in (first, second):
        c.run(centre.claim, c.a, number)
    with pytest.raises(PermissionDenied):
        c.run(centre.reassign, c.b, c.b, number=first)
    with pytest.raises(PermissionDenied):
        c.run(centre.assign, c.b, third, c.b)
    moved = c.run(centre.reassign, c.chief, c.b, number=first)
    assert [(r.number, r.assignee_id, r.action) for r in moved] == [
        (first, c.b, AssignmentAction.REASSIGNED)
    ]
    moved = c.run(centre.reassign, c.chief, c.c, from_user_id=c.a)
    assert [r.number for r in moved] == [second]
    assert held_by(c, c.a) == [] and held_by(c, c.b) == [first] and held_by(c, c.c) == [second]
    with pytest.raises(NotCentreReviewer):
        c.run(centre.reassign, c.chief, c.world.other_reviewer, number=first)
    with pytest.raises(NotCentreReviewer):
        c.run(centre.assign, c.chief, third, c.world.clerk)
    assert c.run(centre.assign, c.chief, third, c.a).assignee_id == c.a


def test_reassigning_all_of_a_reviewers_applications_moves_more_than_one_read(
    c: Centre, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(q, "MAX_ROWS", 2)  # read two at a time: five need three reads
    numbers = [c.submit("2026-11-02", 8 + h) for h in range(5)]
    for number in numbers:
        c.run(centre.claim, c.a, number)
    moved = c.run(centre.reassign, c.chief, c.b, from_user_id=c.a)
    assert sorted(r.number for r in moved) == sorted(numbers)
    with c.world.container.read() as uow:
        ids = departments(c, uow.conn)
        assert (q.held_count(uow.conn, ids, c.a), q.held_count(uow.conn, ids, c.b)) == (0, 5)


def test_the_chief_settings_are_compare_and_set_and_name_only_their_reviewers(c: Centre) -> None:
    set_strategy(c, Strategy.ROUND_ROBIN, {c.a: [" 食品经营 ", "食品经营", ""]})
    with c.world.container.read() as uow:
        saved = q.settings(uow.conn, departments(c, uow.conn)[0])
    assert (saved.strategy, saved.skills, saved.version) == (
        Strategy.ROUND_ROBIN,
        {c.a: ("食品经营",)},
        1,
    )
    with pytest.raises(StaleVersion):
        c.run(centre.update_settings, c.chief, Strategy.SKILL, {}, 0)
    with pytest.raises(NotCentreReviewer) as wrong:
        c.run(centre.update_settings, c.chief, Strategy.SKILL, {c.world.other_reviewer: ["x"]}, 1)
    assert list(wrong.value.fields) == [f"skills.{c.world.other_reviewer}"]
    with pytest.raises(PermissionDenied):
        c.run(centre.update_settings, c.a, Strategy.SKILL, {}, 1)


def test_a_reviewer_of_another_department_is_refused(c: Centre) -> None:
    number = c.submit()
    for use_case, args in (
        (centre.claim, (number,)),
        (centre.claim_next, ()),
        (centre.release, (number,)),
    ):
        with pytest.raises(PermissionDenied):
            c.run(use_case, c.world.other_reviewer, *args)
    with pytest.raises(PermissionDenied):
        c.run(centre.claim_next, c.world.clerk)
    assert queued(c) == [number]


def decide(c: Centre, number: str, who: int, day: str, hour: int) -> None:
    """Accept, start review and approve, all at ``day`` ``hour`` as ``who``."""
    for fn, extra in (
        (cases_svc.accept, ()),
        (cases_svc.start_review, ()),
        (cases_svc.propose_decision, (True, "符合条件")),
    ):
        with c.world.container.uow() as uow:
            version = _version(c, number)
            fn(uow, c.actor(who, day, hour), number, version, *extra)


def _version(c: Centre, number: str) -> int:
    with c.world.container.read() as uow:
        return int(
            uow.conn.execute(select(cases.c.lock_version).where(cases.c.number == number)).scalar()
        )


def test_figures_of_a_small_fixed_set(c: Centre) -> None:
    fast, slow, open_ = (c.submit("2026-11-02", 10) for _ in range(3))
    waiting = c.submit("2026-11-03", 10)
    c.run(centre.claim, c.a, fast, day="2026-11-02", hour=11)
    c.run(centre.claim, c.a, slow, day="2026-11-02", hour=12)
    c.run(centre.claim, c.b, open_, day="2026-11-02", hour=12)
    decide(c, fast, c.a, "2026-11-02", 14)  # 4 h from submission, 3 h from claiming
    decide(c, slow, c.a, "2026-11-03", 10)  # 24 h and 22 h
    with c.world.container.read() as uow:
        figures = q.figures(uow.conn, departments(c, uow.conn), at("2026-11-04", 10))
    assert (figures.queue.size, figures.queue.priority, figures.queue.oldest_hours) == (1, 0, 24.0)
    assert waiting
    rows = {r.user_id: f for r, f in figures.reviewers}
    assert set(rows) == {c.a, c.b, c.c}
    a, b = rows[c.a], rows[c.b]
    assert (a.load, a.decided_7d, a.decided_30d, a.per_day_7d) == (0, 2, 2, 0.29)
    assert (a.median_hours_from_submission, a.median_hours_from_assignment) == (14.0, 12.5)
    assert (b.load, b.decided_7d, b.median_hours_from_submission) == (1, 0, None)
    with c.world.container.read() as uow:
        later = q.figures(uow.conn, departments(c, uow.conn), at("2026-11-12", 10))
    assert {r.user_id: f.decided_7d for r, f in later.reviewers}[c.a] == 0
    assert {r.user_id: f.decided_30d for r, f in later.reviewers}[c.a] == 2
