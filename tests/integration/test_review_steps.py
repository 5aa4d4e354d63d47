"""Review steps on both databases: a two-stage plan with parallel steps in two departments,
rejection through the chief, one winner of two claims, due days from the calendar, audit."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from sqlalchemy import select

from tests.factories import make_staff
from tests.integration.test_cases import World, build_world, online, step
from tongban.adapters.db.tables import audit_log
from tongban.domain.cases.review import Outcome, PlanStep, StepAlreadyClaimed, StepNotFound
from tongban.domain.cases.status import CaseStatus
from tongban.domain.errors import PermissionDenied, StaleVersion, UnknownDepartment
from tongban.domain.people.model import Role
from tongban.services.cases import lifecycle as svc
from tongban.services.cases import queries, step_queries
from tongban.services.cases import review_steps as steps
from tongban.services.cases.audit import verify
from tongban.services.people.sessions import load_principal
from tongban.services.platform.context import Actor

S = CaseStatus
ITEM = "SCJGJ-0001"
PLAN = [
    [PlanStep("受理审查", "reviewer", "SCJGJ", 1)],
    [PlanStep("现场核查", "reviewer", "SCJGJ", 2), PlanStep("社保核查", "reviewer", "RSJ", 3)],
]


@pytest.fixture
def world(container: object) -> World:
    built = build_world(container)  # type: ignore[arg-type]
    admin = make_staff(built.container, Role.CATALOGUE_ADMIN).user_id
    with built.container.uow() as uow:
        steps.set_review_plan(uow, built.actor(admin), ITEM, PLAN)
    return built


def under_review(world: World, day: str = "2026-11-02") -> svc.CaseRef:
    ref = step(world, svc.accept, world.clerk, online(world, day), day)
    return step(world, svc.start_review, world.reviewer, ref, day)


def listed(world: World, number: str) -> dict[str, step_queries.StepSummary]:
    with world.container.read() as uow:
        principal = load_principal(uow.conn, world.chief)
        return {s.name: s for s in step_queries.review_steps(uow.conn, principal, number)}


def act(world: World, fn: object, who: int, day: str, *args: object) -> steps.StepRef:
    with world.container.uow() as uow:
        return fn(uow, world.actor(who, day), *args)  # type: ignore[operator, no-any-return]


def test_a_two_stage_plan_with_parallel_steps_in_two_departments_runs_to_approval(
    world: World,
) -> None:
    ref = under_review(world)
    first = listed(world, ref.number)
    assert first["受理审查"].status == "active" and first["现场核查"].status == "pending"
    # Monday 2 Nov: a 1-working-day budget is due Tuesday 3 Nov.
    assert first["受理审查"].due_on == date(2026, 11, 3)
    done = act(
        world,
        steps.complete_step,
        world.reviewer,
        "2026-11-03",
        first["受理审查"].id,
        Outcome.APPROVE,
    )
    assert done.case_status is S.UNDER_REVIEW
    second = listed(world, ref.number)
    # The second stage opened on 3 Nov: 2 and 3 working days later.
    assert second["现场核查"].due_on == date(2026, 11, 5)
    assert second["社保核查"].due_on == date(2026, 11, 6)
    with world.container.read() as uow:
        rsj = load_principal(uow.conn, world.other_reviewer)
        mine = step_queries.my_review_steps(uow.conn, rsj)
        late = step_queries.overdue_steps(uow.conn, rsj, date(2026, 11, 9))
    assert [s.name for s in mine] == [s.name for s in late] == ["社保核查"]
    act(world, steps.claim_step, world.other_reviewer, "2026-11-04", second["社保核查"].id)
    act(
        world,
        steps.complete_step,
        world.other_reviewer,
        "2026-11-04",
        second["社保核查"].id,
        Outcome.APPROVE,
    )
    last = act(
        world,
        steps.complete_step,
        world.reviewer,
        "2026-11-05",
        second["现场核查"].id,
        Outcome.APPROVE,
        "核查无误",
    )
    assert last.case_status is S.APPROVED
    with world.container.read() as uow:
        assert verify(uow.conn).ok
        timeline = queries.timeline(uow.conn, load_principal(uow.conn, world.chief), ref.number)
    assert [e.type for e in timeline].count("ReviewStepCompleted") == 3
    assert timeline[-1].type == "CaseApproved"


def test_a_rejecting_step_proposes_rejection_and_still_needs_the_section_chief(
    world: World,
) -> None:
    ref = under_review(world)
    first = listed(world, ref.number)["受理审查"]
    done = act(
        world,
        steps.complete_step,
        world.reviewer,
        "2026-11-02",
        first.id,
        Outcome.REJECT,
        "场所不符",
    )
    assert done.case_status is S.REJECTION_PROPOSED
    ref = svc.CaseRef(ref.number, done.case_version, done.case_status)
    with pytest.raises(PermissionDenied):
        step(world, svc.sign_off_rejection, world.reviewer, ref, "2026-11-03")
    back = step(world, svc.send_back, world.chief, ref, "2026-11-03", "请再核实")
    assert back.status is S.UNDER_REVIEW
    assert listed(world, ref.number)["受理审查"].status == "active"
    again = act(
        world,
        steps.complete_step,
        world.reviewer,
        "2026-11-03",
        first.id,
        Outcome.REJECT,
        "场所仍不符",
    )
    ref = svc.CaseRef(ref.number, again.case_version, again.case_status)
    assert step(world, svc.sign_off_rejection, world.chief, ref, "2026-11-04").status is S.REJECTED
    with world.container.read() as uow:
        assert verify(uow.conn).ok


def race_to_claim(world: World, step_id: int, users: list[int]) -> list[str]:
    """Everyone claims ``step_id`` at the same moment; each says whether they won."""
    actors = [world.actor(u) for u in users]
    barrier = threading.Barrier(len(actors))
    results: list[str] = []

    def claim(actor: Actor) -> None:
        barrier.wait()
        try:
            with world.container.uow() as uow:
                steps.claim_step(uow, actor, step_id)
            results.append("won")
        except (StepAlreadyClaimed, StaleVersion) as lost:
            results.append(type(lost).__name__)

    threads = [threading.Thread(target=claim, args=(a,)) for a in actors]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sorted(results)


def test_of_two_reviewers_claiming_one_step_at_once_exactly_one_wins(world: World) -> None:
    second = make_staff(world.container, Role.REVIEWER).user_id
    for _ in range(20):
        ref = under_review(world)
        target = listed(world, ref.number)["受理审查"].id
        assert race_to_claim(world, target, [world.reviewer, second]) == [
            "StepAlreadyClaimed",
            "won",
        ]
        assert listed(world, ref.number)["受理审查"].assignee_id in (world.reviewer, second)


def test_a_reviewer_of_another_department_cannot_claim_the_step(world: World) -> None:
    ref = under_review(world)
    first = listed(world, ref.number)["受理审查"]
    with pytest.raises(PermissionDenied):
        act(world, steps.claim_step, world.other_reviewer, "2026-11-02", first.id)
    assert listed(world, ref.number)["受理审查"].assignee_id is None


def test_a_step_reached_through_another_cases_number_is_not_found(world: World) -> None:
    ref, other = under_review(world), under_review(world)
    first = listed(world, ref.number)["受理审查"]
    with world.container.uow() as uow:
        actor = world.actor(world.reviewer, "2026-11-02")
        with pytest.raises(StepNotFound):
            steps.claim_step(uow, actor, first.id, case_number=other.number)
    with world.container.uow() as uow:
        steps.claim_step(uow, actor, first.id, case_number=ref.number)
    assert listed(world, ref.number)["受理审查"].assignee_id == world.reviewer


def test_the_chief_assigns_a_step_and_only_the_assignee_completes_it(world: World) -> None:
    second = make_staff(world.container, Role.REVIEWER).user_id
    ref = under_review(world)
    first = listed(world, ref.number)["受理审查"]
    act(world, steps.assign_step, world.chief, "2026-11-02", first.id, second)
    with pytest.raises(PermissionDenied):
        act(world, steps.complete_step, world.reviewer, "2026-11-02", first.id, Outcome.APPROVE)
    act(world, steps.complete_step, second, "2026-11-02", first.id, Outcome.APPROVE)
    assert listed(world, ref.number)["受理审查"].status == "done"


def test_setting_a_review_plan_is_audited(world: World) -> None:
    with world.container.read() as uow:
        query = select(audit_log.c.object_key).where(audit_log.c.action == "review_plan.set")
        assert uow.conn.execute(query).scalars().all() == [ITEM]


def test_a_plan_with_an_unknown_department_is_refused(world: World) -> None:
    admin = make_staff(world.container, Role.CATALOGUE_ADMIN).user_id
    bad = [[PlanStep("消防审查", "reviewer", "NOPE", 1)]]
    with world.container.uow() as uow, pytest.raises(UnknownDepartment):
        steps.set_review_plan(uow, world.actor(admin), ITEM, bad)
    with world.container.uow() as uow, pytest.raises(PermissionDenied):
        steps.set_review_plan(uow, world.actor(world.reviewer), ITEM, PLAN)
