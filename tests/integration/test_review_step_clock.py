"""Review steps follow the case clock on both databases: a correction (补正) stops the clock, and
when the corrections arrive every step not yet done is due later by the working days stopped,
in the supply's own transaction; done steps keep their day and the audit trail only gains the
supply's own entry."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from tests.factories import make_staff
from tests.integration.test_cases import PREMISES, World, build_world, online, step
from tongban.adapters.db.tables import case_events, case_review_steps
from tongban.domain.cases.review import Outcome, PlanStep
from tongban.domain.cases.status import CaseStatus
from tongban.domain.errors import StaleVersion
from tongban.domain.people.model import Role
from tongban.services.cases import lifecycle as svc
from tongban.services.cases import review_steps as steps
from tongban.services.cases import step_queries
from tongban.services.cases.audit import verify
from tongban.services.people.sessions import load_principal
from tongban.services.platform.calendar import load_calendar
from tongban.web.api.review_steps import StepOut

S = CaseStatus
ITEM = "SCJGJ-0001"
PLAN = [
    [PlanStep("受理审查", "reviewer", "SCJGJ", 1), PlanStep("社保核查", "reviewer", "RSJ", 5)],
    [PlanStep("现场核查", "reviewer", "SCJGJ", 2)],
]
STARTED, STOPPED, RESUMED = "2026-11-02", "2026-11-04", "2026-11-10"


@pytest.fixture
def world(container: object) -> World:
    built = build_world(container)  # type: ignore[arg-type]
    admin = make_staff(built.container, Role.CATALOGUE_ADMIN).user_id
    with built.container.uow() as uow:
        steps.set_review_plan(uow, built.actor(admin), ITEM, PLAN)
    return built


def listed(world: World, number: str) -> dict[str, step_queries.StepSummary]:
    with world.container.read() as uow:
        principal = load_principal(uow.conn, world.chief)
        return {s.name: s for s in step_queries.review_steps(uow.conn, principal, number)}


def stored_due(world: World) -> dict[str, date | None]:
    with world.container.read() as uow:
        rows = uow.conn.execute(select(case_review_steps.c.name, case_review_steps.c.due_on))
        return {r.name: r.due_on for r in rows}


def event_count(world: World) -> int:
    with world.container.read() as uow:
        return int(uow.conn.execute(select(func.count()).select_from(case_events)).scalar_one())


def stopped_case(world: World) -> svc.CaseRef:
    """Under review from Monday 2 Nov; 受理审查 done that day; a correction on Wednesday 4 Nov."""
    ref = step(world, svc.accept, world.clerk, online(world, STARTED), STARTED)
    ref = step(world, svc.start_review, world.reviewer, ref, STARTED)
    first = listed(world, ref.number)["受理审查"]
    with world.container.uow() as uow:
        done = steps.complete_step(
            uow, world.actor(world.reviewer, STARTED), first.id, Outcome.APPROVE
        )
    ref = svc.CaseRef(ref.number, done.case_version, done.case_status)
    return step(world, svc.request_correction, world.reviewer, ref, STOPPED, "照片模糊", [PREMISES])


def test_supplying_corrections_moves_open_steps_by_the_working_days_stopped(
    world: World,
) -> None:
    ref = stopped_case(world)
    before = stored_due(world)
    # 5 working days from Monday 2 Nov: Monday 9 Nov; the 1-day step done was due Tuesday 3 Nov.
    assert before == {
        "受理审查": date(2026, 11, 3),
        "社保核查": date(2026, 11, 9),
        "现场核查": None,
    }
    events = event_count(world)

    ref = step(world, svc.supply_correction, world.clerk, ref, RESUMED, [PREMISES])

    assert ref.status is S.UNDER_REVIEW
    with world.container.read() as uow:
        calendar = load_calendar(uow.conn)
        assert verify(uow.conn).ok
    stopped = calendar.working_days_between(date(2026, 11, 4), date(2026, 11, 10))
    assert stopped == 4  # Thu 5, Fri 6, Mon 9, Tue 10 Nov
    after = stored_due(world)
    assert after["社保核查"] == calendar.deadline(date(2026, 11, 9), stopped) == date(2026, 11, 13)
    assert after["受理审查"] == date(2026, 11, 3)  # done: its day stays
    assert after["现场核查"] is None  # its stage has not opened: nothing to move
    assert event_count(world) == events + 1  # only CaseCorrectionSupplied: steps are no events
    shown = listed(world, ref.number)
    assert shown["社保核查"].due_on == date(2026, 11, 13)


def test_a_step_is_not_overdue_while_the_clock_is_stopped(world: World) -> None:
    ref = stopped_case(world)
    late_day = date(2026, 11, 20)  # well past the step's stored 9 Nov
    shown = listed(world, ref.number)
    assert shown["社保核查"].due_on is None
    assert shown["受理审查"].due_on == date(2026, 11, 3)  # a done step keeps its day
    assert not StepOut.of(shown["社保核查"], late_day).overdue
    with world.container.read() as uow:
        rsj = load_principal(uow.conn, world.other_reviewer)
        assert step_queries.overdue_steps(uow.conn, rsj, late_day) == []

    step(world, svc.supply_correction, world.clerk, ref, RESUMED, [PREMISES])

    shown = listed(world, ref.number)
    assert not StepOut.of(shown["社保核查"], date(2026, 11, 13)).overdue
    assert StepOut.of(shown["社保核查"], date(2026, 11, 16)).overdue
    with world.container.read() as uow:
        rsj = load_principal(uow.conn, world.other_reviewer)
        assert [s.name for s in step_queries.overdue_steps(uow.conn, rsj, late_day)] == ["社保核查"]


def test_two_correction_rounds_add_up_and_a_refused_supply_moves_nothing(world: World) -> None:
    ref = stopped_case(world)
    ref = step(world, svc.supply_correction, world.clerk, ref, RESUMED, [PREMISES])
    assert stored_due(world)["社保核查"] == date(2026, 11, 13)
    # A second round, Wednesday 11 Nov to Friday 13 Nov: 2 more working days (12, 13 Nov).
    ref = step(
        world, svc.request_correction, world.reviewer, ref, "2026-11-11", "盖章不清", [PREMISES]
    )
    with pytest.raises(StaleVersion), world.container.uow() as uow:  # refused, nothing written
        svc.supply_correction(
            uow, world.actor(world.citizen, "2026-11-13"), ref.number, ref.version - 1
        )
    assert stored_due(world)["社保核查"] == date(2026, 11, 13)
    step(world, svc.supply_correction, world.clerk, ref, "2026-11-13", [PREMISES])
    assert stored_due(world)["社保核查"] == date(2026, 11, 17)
    with world.container.read() as uow:
        assert verify(uow.conn).ok
