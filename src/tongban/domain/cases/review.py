"""Review steps (审查环节) as data: an item's plan of stages, and one case's step instances.

A plan is an ordered list of stages; the steps of one stage run in parallel, each done by a
reviewer (or section chief) of its own department within a budget of working days.  When
review starts, the case gets a copy of the plan as steps, so a later change to the plan never
touches a case already under review.  The next stage opens only when every step of the
current one approved; one rejecting step is enough to propose rejection, which still needs the
section chief's signature (否决权上移).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from tongban.domain.errors import Conflict, NotFound, ValidationFailed
from tongban.domain.shared.calendar import ClockStop, WorkingCalendar

MAX_BUDGET_DAYS = 60
STEP_ROLES = ("reviewer", "section_chief")
DEFAULT_STEP_NAME = "审查"


class StepStatus(StrEnum):
    PENDING = "pending"
    """Its stage has not opened yet."""
    ACTIVE = "active"
    DONE = "done"


class Outcome(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"


class StepAlreadyClaimed(Conflict):
    code = "step_already_claimed"
    template = "该审查环节已由他人认领。"


class StepNotOpen(Conflict):
    code = "step_not_open"
    template = "该审查环节当前不能办理。"


class StepNotFound(NotFound):
    code = "step_not_found"
    template = "审查环节不存在。"


@dataclass(frozen=True)
class PlanStep:
    """One step of a plan: what is checked, by which role of which department, how fast."""

    name: str
    role: str
    department_code: str
    budget_days: int


@dataclass(frozen=True)
class ReviewPlan:
    """An item's review: stages in order, the steps of a stage in parallel."""

    stages: tuple[tuple[PlanStep, ...], ...]

    @classmethod
    def of(cls, stages: Iterable[Iterable[PlanStep]]) -> ReviewPlan:
        plan = cls(tuple(tuple(stage) for stage in stages))
        plan.validate()
        return plan

    @classmethod
    def default(cls, department_code: str, budget_days: int) -> ReviewPlan:
        """No plan set: one step by a reviewer of the item's own department."""
        budget = max(0, min(budget_days, MAX_BUDGET_DAYS))
        return cls(((PlanStep(DEFAULT_STEP_NAME, "reviewer", department_code, budget),),))

    def validate(self) -> None:
        """Every stage has a step, names are unique, roles review, budgets are 0–60 days."""
        fields: dict[str, str] = {}
        if not self.stages:
            fields["stages"] = "审查方案至少要有一个阶段"
        seen: set[str] = set()
        for i, stage in enumerate(self.stages, start=1):
            if not stage:
                fields[f"stages.{i}"] = "每个阶段至少要有一个环节"
            for step in stage:
                where = f"stages.{i}.{step.name or '?'}"
                if not step.name.strip():
                    fields[where] = "环节须有名称"
                elif step.name in seen:
                    fields[where] = "环节名称不能重复"
                seen.add(step.name)
                if step.role not in STEP_ROLES:
                    fields[where + ".role"] = "办理角色应为审批人员或科室负责人"
                if not 0 <= step.budget_days <= MAX_BUDGET_DAYS:
                    fields[where + ".budget_days"] = "时限应为0至60个工作日"
        if fields:
            raise ValidationFailed(fields=fields)

    @property
    def department_codes(self) -> set[str]:
        return {step.department_code for stage in self.stages for step in stage}


@dataclass
class ReviewStep:
    """One step of one case's review, as it stands."""

    stage: int
    name: str
    role: str
    department_code: str
    budget_days: int
    status: StepStatus = StepStatus.PENDING
    due_on: date | None = None
    assignee_id: int | None = None
    outcome: Outcome | None = None
    reasons: str = ""
    done_at: datetime | None = None
    done_by: int | None = None
    id: int | None = None

    def open(self, today: date, calendar: WorkingCalendar) -> None:
        """Its stage opens: the budget runs in working days from today."""
        self.status = StepStatus.ACTIVE
        self.due_on = calendar.deadline(today, self.budget_days)

    def finish(self, outcome: Outcome, reasons: str, by: int | None, at: datetime) -> None:
        if self.status is not StepStatus.ACTIVE:
            raise StepNotOpen()
        text = (reasons or "").strip()
        if outcome is Outcome.REJECT and not text:
            raise ValidationFailed(fields={"reasons": "不予通过须说明理由"})
        self.status, self.outcome, self.reasons = StepStatus.DONE, outcome, text
        self.done_at, self.done_by = at, by


def instantiate(plan: ReviewPlan, today: date, calendar: WorkingCalendar) -> list[ReviewStep]:
    """The case's steps when review starts: the first stage open, the others waiting."""
    steps = [
        ReviewStep(i, s.name, s.role, s.department_code, s.budget_days)
        for i, stage in enumerate(plan.stages, start=1)
        for s in stage
    ]
    for step in steps:
        if step.stage == 1:
            step.open(today, calendar)
    return steps


class Progress(StrEnum):
    """What completing a step means for the case."""

    WAITING = "waiting"
    """Parallel steps of the stage are still open."""
    NEXT_STAGE = "next_stage"
    ALL_APPROVED = "all_approved"
    REJECTED = "rejected"


def advance(
    steps: Sequence[ReviewStep], done: ReviewStep, today: date, calendar: WorkingCalendar
) -> Progress:
    """After ``done`` finished: a rejection stops here; a fully approved stage opens the next."""
    if done.outcome is Outcome.REJECT:
        return Progress.REJECTED
    stage = [s for s in steps if s.stage == done.stage]
    if any(s.status is not StepStatus.DONE for s in stage):
        return Progress.WAITING
    later = [s for s in steps if s.stage == done.stage + 1]
    if not later:
        return Progress.ALL_APPROVED
    for step in later:
        step.open(today, calendar)
    return Progress.NEXT_STAGE


def due_after_stop(due_on: date | None, stop: ClockStop, calendar: WorkingCalendar) -> date | None:
    """The due day of an open step once the case's clock resumes after ``stop`` (补正).

    The step's budget counts working days from the day it opened and never stopped ones, so the
    working days it still had left when the clock stopped run on from the stop, skipping the
    stopped days: a step due on D is then due D plus the working days stopped.  A step whose
    due day had come by the stop day gains nothing (its time had run out before the stop)."""
    if due_on is None or stop.resumed_on is None or due_on <= stop.stopped_on:
        return due_on
    left = calendar.working_days_between(stop.stopped_on, due_on)
    moved = calendar.deadline(stop.stopped_on, left, [stop])
    assert moved is not None  # the stop is closed, so the count always reaches its end
    return max(moved, due_on)


def shift_for_stops(
    steps: Sequence[ReviewStep], stops: Sequence[ClockStop], calendar: WorkingCalendar
) -> list[ReviewStep]:
    """The case's clock resumed after ``stops``: every step not yet done with a due day is due
    later by the working days stopped; done steps keep theirs.  Returns the steps moved."""
    moved: list[ReviewStep] = []
    for step in steps:
        if step.status is StepStatus.DONE or step.due_on is None:
            continue
        due: date | None = step.due_on
        for stop in sorted(stops, key=lambda s: s.stopped_on):
            due = due_after_stop(due, stop, calendar)
        if due != step.due_on:
            step.due_on = due
            moved.append(step)
    return moved


def reopen_rejected(steps: Sequence[ReviewStep]) -> list[ReviewStep]:
    """The chief sent a rejection back: the rejecting steps are open again, same assignee."""
    reopened = [s for s in steps if s.outcome is Outcome.REJECT]
    for step in reopened:
        step.status, step.outcome, step.reasons = StepStatus.ACTIVE, None, ""
        step.done_at = step.done_by = None
    return reopened
