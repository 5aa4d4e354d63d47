"""Review steps over HTTP (审查环节): a case's steps, a reviewer's own and claimable steps,
claim / assign / complete a step, and the catalogue admin's review plan of an item.

Every POST carries an ``Idempotency-Key``.  Two claims of one step: the second gets 409
``step_already_claimed``; a step not open (pending, done, or the case no longer under review):
409 ``step_not_open``; a step id not of this case: 404 ``step_not_found``; a reviewer of
another department: 403.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from tongban.domain.cases.review import Outcome, PlanStep, StepStatus
from tongban.domain.cases.status import CaseStatus
from tongban.domain.people.model import Principal
from tongban.services.cases import review_steps as steps
from tongban.services.cases import step_queries
from tongban.services.platform import access
from tongban.services.platform.context import Actor
from tongban.services.platform.unit_of_work import UnitOfWork
from tongban.web import paging
from tongban.web.api.cases import CaseNumber, CaseReader
from tongban.web.api.views import out
from tongban.web.deps import CatalogueAdmin, ContainerDep, Today, actor_for, allow
from tongban.web.idempotency import IdempotencyKey, run_once

router = APIRouter(tags=["review-steps"])

Reviewer = Annotated[Principal, Depends(allow(access.CASE_REVIEWERS))]
Chief = Annotated[Principal, Depends(allow(access.CASE_CHIEFS))]
StepId = Annotated[int, Path(ge=1, description="审查环节编号（环节列表中的 id）")]
Text = Annotated[str, Field(max_length=2000)]


class StepOut(BaseModel):
    """One review step of one case."""

    id: int
    number: str
    item_name: str
    stage: int = Field(description="阶段序号：同一阶段的环节并行办理")
    name: str
    department_code: str
    role: str
    assignee_id: int | None
    status: StepStatus
    outcome: Outcome | None
    due_on: date | None
    overdue: bool = Field(description="未办结且已过办理期限")

    @classmethod
    def of(cls, s: step_queries.StepSummary, today: date) -> StepOut:
        late = s.status is not StepStatus.DONE and s.due_on is not None and s.due_on < today
        return out(cls, s, outcome=Outcome(s.outcome) if s.outcome else None, overdue=late)


class StepRefOut(BaseModel):
    """What a step action leaves the step and its case in."""

    step_id: int
    number: str
    step_status: StepStatus
    assignee_id: int | None
    case_status: CaseStatus
    case_status_label: str
    case_version: int = Field(description="办件的乐观锁版本")

    @classmethod
    def of(cls, ref: steps.StepRef) -> StepRefOut:
        return out(cls, ref, case_status_label=ref.case_status.label)


class AssignIn(BaseModel):
    assignee_id: int = Field(ge=1, description="该环节所属部门办理人员的用户 id")


class CompleteIn(BaseModel):
    outcome: Outcome = Field(description="approve 通过；reject 不通过（报科室负责人签批）")
    reasons: Text = ""


class PlanStepIn(BaseModel):
    name: Annotated[str, Field(min_length=1, max_length=100)]
    role: Annotated[str, Field(max_length=40)] = "reviewer"
    department_code: Annotated[str, Field(min_length=1, max_length=40)]
    budget_days: int = Field(ge=0, le=60, description="办理时限（工作日）")


class PlanIn(BaseModel):
    stages: list[Annotated[list[PlanStepIn], Field(min_length=1, max_length=20)]] = Field(
        min_length=1, max_length=20, description="按顺序的阶段；同一阶段内的环节并行"
    )


class PlanOut(BaseModel):
    item_code: str
    stages: list[list[PlanStepIn]]


# --- reads ------------------------------------------------------------------------------------


@router.get("/cases/{number}/steps", response_model=list[StepOut], summary="办件的审查环节")
def case_steps(
    number: CaseNumber,
    request: Request,
    response: Response,
    container: ContainerDep,
    principal: CaseReader,
    today: Today,
    page: paging.PageParams,
) -> list[StepOut]:
    """In stage order, a page at a time."""
    with container.read() as uow:
        rows = step_queries.review_steps(uow.conn, principal, number)
    shown = paging.cut(request, response, rows, lambda s: (s.stage, s.id), page)
    return [StepOut.of(s, today) for s in shown]


@router.get("/review/steps", response_model=list[StepOut], summary="我的审查环节（已认领与可认领）")
def my_steps(
    request: Request,
    response: Response,
    container: ContainerDep,
    principal: Reviewer,
    today: Today,
    page: paging.PageParams,
) -> list[StepOut]:
    """The caller's own steps, then the claimable ones, the nearest due day first; a page at a
    time (``Link: rel="next"``)."""
    with container.read() as uow:
        found = step_queries.my_review_step_page(uow.conn, principal, page)
    paging.link_page(request, response, found.next)
    return [StepOut.of(s, today) for s in found.rows]


# --- step actions -----------------------------------------------------------------------------


def _post(path: str, summary: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    return router.post(
        f"/cases/{{number}}/steps/{{step}}/{path}", response_model=StepRefOut, summary=summary
    )


@_post("claim", "认领审查环节")
def claim(
    number: CaseNumber,
    step: StepId,
    request: Request,
    _who: Reviewer,
    key: IdempotencyKey,
    container: ContainerDep,
) -> JSONResponse:
    def action(uow: UnitOfWork, actor: Actor) -> StepRefOut:
        return StepRefOut.of(steps.claim_step(uow, actor, step, case_number=number))

    return run_once(request, container, key, action)


@_post("assign", "指派审查环节（科室负责人）")
def assign(
    number: CaseNumber,
    step: StepId,
    body: AssignIn,
    request: Request,
    _who: Chief,
    key: IdempotencyKey,
    container: ContainerDep,
) -> JSONResponse:
    def action(uow: UnitOfWork, actor: Actor) -> StepRefOut:
        return StepRefOut.of(
            steps.assign_step(uow, actor, step, body.assignee_id, case_number=number)
        )

    return run_once(request, container, key, action)


@_post("complete", "办结审查环节（通过或不通过）")
def complete(
    number: CaseNumber,
    step: StepId,
    body: CompleteIn,
    request: Request,
    _who: Reviewer,
    key: IdempotencyKey,
    container: ContainerDep,
) -> JSONResponse:
    def action(uow: UnitOfWork, actor: Actor) -> StepRefOut:
        return StepRefOut.of(
            steps.complete_step(uow, actor, step, body.outcome, body.reasons, case_number=number)
        )

    return run_once(request, container, key, action)


# --- plans ------------------------------------------------------------------------------------


@router.put("/items/{code}/review-plan", response_model=PlanOut, summary="设置事项审查方案")
def put_review_plan(
    code: Annotated[str, Path(max_length=40)],
    body: PlanIn,
    request: Request,
    container: ContainerDep,
    _admin: CatalogueAdmin,
) -> PlanOut:
    stages = [[PlanStep(**s.model_dump()) for s in stage] for stage in body.stages]
    with container.uow() as uow:
        plan = steps.set_review_plan(uow, actor_for(request), code, stages)
    return PlanOut(
        item_code=code,
        stages=[[out(PlanStepIn, s) for s in stage] for stage in plan.stages],
    )
