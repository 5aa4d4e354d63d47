"""Review plans and steps in plain Python: validation, stages in order, parallel steps."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from tongban.domain.cases.review import (
    Outcome,
    PlanStep,
    Progress,
    ReviewPlan,
    StepNotOpen,
    StepStatus,
    advance,
    instantiate,
    reopen_rejected,
)
from tongban.domain.errors import ValidationFailed


class EveryDayCounts:
    """A calendar where every day is a working day: due = start + budget days."""

    def deadline(self, start: date, n: int, stops: object = ()) -> date:
        return date.fromordinal(start.toordinal() + n)


CAL = EveryDayCounts()
NOW = datetime(2026, 11, 2, 2, tzinfo=UTC)
DAY = date(2026, 11, 2)
PLAN = ReviewPlan.of(
    [
        [PlanStep("受理审查", "reviewer", "SCJGJ", 1)],
        [PlanStep("现场核查", "reviewer", "SCJGJ", 2), PlanStep("消防审查", "reviewer", "XFJY", 3)],
    ]
)


def test_a_plan_refuses_bad_roles_budgets_duplicate_names_and_empty_stages() -> None:
    with pytest.raises(ValidationFailed) as refused:
        ReviewPlan.of(
            [
                [PlanStep("审查", "clerk", "SCJGJ", 61)],
                [PlanStep("审查", "reviewer", "SCJGJ", -1)],
                [],
            ]
        )
    assert set(refused.value.fields) == {
        "stages.1.审查.role",
        "stages.1.审查.budget_days",
        "stages.2.审查",
        "stages.2.审查.budget_days",
        "stages.3",
    }


def test_the_default_plan_is_one_step_by_the_items_own_department() -> None:
    plan = ReviewPlan.default("RSJ", 90)
    assert plan.stages == ((PlanStep("审查", "reviewer", "RSJ", 60),),)


def test_only_the_first_stage_opens_with_its_due_day() -> None:
    steps = instantiate(PLAN, DAY, CAL)  # type: ignore[arg-type]
    assert [(s.name, s.status, s.due_on) for s in steps] == [
        ("受理审查", StepStatus.ACTIVE, date(2026, 11, 3)),
        ("现场核查", StepStatus.PENDING, None),
        ("消防审查", StepStatus.PENDING, None),
    ]


def test_the_next_stage_opens_only_when_all_parallel_steps_approved() -> None:
    steps = instantiate(PLAN, DAY, CAL)  # type: ignore[arg-type]
    steps[0].finish(Outcome.APPROVE, "", 1, NOW)
    assert advance(steps, steps[0], date(2026, 11, 4), CAL) is Progress.NEXT_STAGE  # type: ignore[arg-type]
    assert [s.due_on for s in steps[1:]] == [date(2026, 11, 6), date(2026, 11, 7)]
    steps[1].finish(Outcome.APPROVE, "", 1, NOW)
    assert advance(steps, steps[1], DAY, CAL) is Progress.WAITING  # type: ignore[arg-type]
    steps[2].finish(Outcome.APPROVE, "", 2, NOW)
    assert advance(steps, steps[2], DAY, CAL) is Progress.ALL_APPROVED  # type: ignore[arg-type]


def test_one_rejecting_step_is_enough_and_a_send_back_reopens_it() -> None:
    steps = instantiate(PLAN, DAY, CAL)  # type: ignore[arg-type]
    with pytest.raises(ValidationFailed):
        steps[0].finish(Outcome.REJECT, " ", 1, NOW)
    steps[0].finish(Outcome.REJECT, "不符合", 1, NOW)
    assert advance(steps, steps[0], DAY, CAL) is Progress.REJECTED  # type: ignore[arg-type]
    with pytest.raises(StepNotOpen):
        steps[0].finish(Outcome.APPROVE, "", 1, NOW)
    assert reopen_rejected(steps) == [steps[0]]
    assert (steps[0].status, steps[0].outcome, steps[0].reasons) == (StepStatus.ACTIVE, None, "")
    with pytest.raises(StepNotOpen):
        steps[1].finish(Outcome.APPROVE, "", 1, NOW)
