"""The online approval centre (网上审批中心) over HTTP: the shared queue, my applications,
claim / claim-next / release, the chief's assign / assign-queue / reassign and settings, and
the figures.

Reviewers and section chiefs of the departments the centre serves may use it; anyone else gets
403.  Every POST (and the settings PUT) carries an ``Idempotency-Key``.  Two reviewers claiming
one application: the second gets 409 ``already_claimed``; an application no longer waiting:
409 ``not_queued``; not an online application of the centre: 404 ``not_in_approval_centre``.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from tongban.bootstrap import Container
from tongban.domain.approval.model import AssignmentAction, Strategy
from tongban.domain.cases.status import CaseStatus
from tongban.domain.people.model import Principal
from tongban.services.approval_centre import assignment as centre
from tongban.services.approval_centre import queries as q
from tongban.services.approval_centre.access import (
    APPROVAL_CENTRE_CHIEFS,
    APPROVAL_CENTRE_STAFF,
    scope_of,
)
from tongban.services.platform.context import Actor
from tongban.services.platform.unit_of_work import UnitOfWork
from tongban.web import paging
from tongban.web.api.views import out
from tongban.web.deps import ContainerDep, Now, allow
from tongban.web.idempotency import IdempotencyKey, run_once

router = APIRouter(prefix="/approval-centre", tags=["approval-centre"])

CentreStaff = Annotated[Principal, Depends(allow(APPROVAL_CENTRE_STAFF))]
CentreChief = Annotated[Principal, Depends(allow(APPROVAL_CENTRE_CHIEFS))]
Number = Annotated[str, Field(min_length=1, max_length=32, description="办件编号")]
UserId = Annotated[int, Field(ge=1, description="审批人员的用户 id")]
Skill = Annotated[str, Field(max_length=60)]


def served(container: Container) -> tuple[str, ...]:
    return tuple(container.settings.approval_centre_departments)


class ApplicationOut(BaseModel):
    """One online application of the centre, queued or held."""

    number: str
    item_code: str
    item_name: str
    department_code: str
    status: CaseStatus
    status_label: str
    priority: int = Field(description="0 普通；1 绿色通道（优先）")
    submitted_at: datetime | None
    deadline: date | None
    assignee_id: int | None
    assignee_name: str | None
    assigned_at: datetime | None
    action: AssignmentAction | None
    case_url: str = Field(description="办理该办件的页面")

    @classmethod
    def of(cls, c: q.CentreCase) -> ApplicationOut:
        return out(cls, c, status_label=c.status.label, case_url=f"/review/cases/{c.number}")


class AssignmentOut(BaseModel):
    number: str
    assignee_id: int | None
    action: AssignmentAction
    version: int = Field(description="分派记录的版本")
    strategy: Strategy | None = Field(None, description="自动分派时所用的策略")

    @classmethod
    def of(cls, ref: centre.AssignmentRef) -> AssignmentOut:
        return out(cls, ref)


class SettingsOut(BaseModel):
    department_code: str
    strategy: Strategy
    skills: dict[int, list[str]] = Field(
        description="用户 id → 可办理的事项编码、编码前缀*或事项类别"
    )
    version: int = Field(description="乐观锁版本；从未保存过为 0")

    @classmethod
    def of(cls, s: q.CentreSettings) -> SettingsOut:
        return out(cls, s, skills={u: list(v) for u, v in s.skills.items()})


class SettingsIn(BaseModel):
    strategy: Strategy
    skills: dict[int, Annotated[list[Skill], Field(max_length=50)]] = Field(
        default_factory=dict, max_length=200
    )
    version: int = Field(ge=0, description="读取设置时得到的 version")
    department_code: Annotated[str, Field(max_length=40)] | None = None


class NumberIn(BaseModel):
    number: Number


class AssignIn(BaseModel):
    number: Number | None = Field(None, description="不填则分派队列中的下一件")
    assignee_id: UserId | None = Field(None, description="不填则按本部门的分派策略选人")


class AssignQueueIn(BaseModel):
    limit: int = Field(20, ge=1, le=centre.MAX_BATCH)


class ReassignIn(BaseModel):
    to_user_id: UserId
    number: Number | None = Field(None, description="改派这一件；不填则改派原办理人员的全部在办")
    from_user_id: UserId | None = None


class ReviewerOut(BaseModel):
    user_id: int
    name: str
    load: int = Field(description="当前在办")
    decided_7d: int
    decided_30d: int
    per_day_7d: float = Field(description="近 7 日日均办结")
    per_day_30d: float
    median_hours_from_submission: float | None = Field(
        description="近 30 日自提交至决定的中位小时数"
    )
    median_hours_from_assignment: float | None = Field(description="近 30 日自领取/分派至决定")


class QueueOut(BaseModel):
    size: int
    priority: int
    oldest_hours: float | None
    median_hours: float | None


class FiguresOut(BaseModel):
    queue: QueueOut
    reviewers: list[ReviewerOut]


# --- reads ------------------------------------------------------------------------------------


@router.get("/queue", response_model=list[ApplicationOut], summary="待领取队列")
def queue(
    request: Request,
    response: Response,
    container: ContainerDep,
    principal: CentreStaff,
    page: paging.PageParams,
) -> list[ApplicationOut]:
    """绿色通道 first, then the oldest; a page at a time (``Link: rel="next"``)."""
    with container.read() as uow:
        scope = scope_of(uow.conn, principal, served(container))
        found = q.queue_page(uow.conn, scope.department_ids, page)
    paging.link_page(request, response, found.next)
    return [ApplicationOut.of(r) for r in found.rows]


@router.get("/mine", response_model=list[ApplicationOut], summary="我在办的申请")
def mine(
    request: Request,
    response: Response,
    container: ContainerDep,
    principal: CentreStaff,
    page: paging.PageParams,
) -> list[ApplicationOut]:
    """The applications the caller holds, a page at a time (``Link: rel="next"``)."""
    with container.read() as uow:
        scope = scope_of(uow.conn, principal, served(container))
        found = q.held_page(uow.conn, scope.department_ids, page, scope.user_id)
    paging.link_page(request, response, found.next)
    return [ApplicationOut.of(r) for r in found.rows]


@router.get("/figures", response_model=FiguresOut, summary="队列与审批人员统计")
def figures(container: ContainerDep, principal: CentreStaff, now: Now) -> FiguresOut:
    with container.read() as uow:
        scope = scope_of(uow.conn, principal, served(container))
        found = q.figures(uow.conn, scope.department_ids, now)
    return FiguresOut(
        queue=out(QueueOut, found.queue),
        reviewers=[out(ReviewerOut, f, name=r.name) for r, f in found.reviewers],
    )


@router.get("/settings", response_model=list[SettingsOut], summary="分派策略与技能设置")
def get_settings(
    request: Request,
    response: Response,
    container: ContainerDep,
    principal: CentreStaff,
    page: paging.PageParams,
) -> list[SettingsOut]:
    """One entry per department served, by department code, a page at a time."""
    with container.read() as uow:
        scope = scope_of(uow.conn, principal, served(container))
        rows = centre.settings_for(uow.conn, scope)
    listed = [SettingsOut.of(s) for s in rows]
    return paging.cut(request, response, listed, lambda s: (s.department_code,), page)


# --- writes -----------------------------------------------------------------------------------


@router.put("/settings", response_model=SettingsOut, summary="设置分派策略与技能（科长）")
def put_settings(
    body: SettingsIn,
    _chief: CentreChief,
    request: Request,
    container: ContainerDep,
    key: IdempotencyKey,
) -> JSONResponse:
    def action(uow: UnitOfWork, actor: Actor) -> SettingsOut:
        saved = centre.update_settings(
            uow,
            actor,
            served(container),
            body.strategy,
            body.skills,
            body.version,
            body.department_code,
        )
        return SettingsOut.of(saved)

    return run_once(request, container, key, action)


@router.post("/claim", response_model=AssignmentOut, summary="领取指定申请")
def claim(
    body: NumberIn,
    _who: CentreStaff,
    request: Request,
    container: ContainerDep,
    key: IdempotencyKey,
) -> JSONResponse:
    def action(uow: UnitOfWork, actor: Actor) -> AssignmentOut:
        return AssignmentOut.of(centre.claim(uow, actor, served(container), body.number))

    return run_once(request, container, key, action)


@router.post(
    "/claim-next", response_model=AssignmentOut, summary="领取下一件（绿色通道优先，其次最早提交）"
)
def claim_next(
    _who: CentreStaff, request: Request, container: ContainerDep, key: IdempotencyKey
) -> JSONResponse:
    def action(uow: UnitOfWork, actor: Actor) -> AssignmentOut:
        return AssignmentOut.of(centre.claim_next(uow, actor, served(container)))

    return run_once(request, container, key, action)


@router.post("/release", response_model=AssignmentOut, summary="退回队列")
def release(
    body: NumberIn,
    _who: CentreStaff,
    request: Request,
    container: ContainerDep,
    key: IdempotencyKey,
) -> JSONResponse:
    def action(uow: UnitOfWork, actor: Actor) -> AssignmentOut:
        return AssignmentOut.of(centre.release(uow, actor, served(container), body.number))

    return run_once(request, container, key, action)


@router.post("/assign", response_model=AssignmentOut, summary="分派（科长；可按策略自动选人）")
def assign(
    body: AssignIn,
    _chief: CentreChief,
    request: Request,
    container: ContainerDep,
    key: IdempotencyKey,
) -> JSONResponse:
    def action(uow: UnitOfWork, actor: Actor) -> AssignmentOut:
        ref = centre.assign(uow, actor, served(container), body.number, body.assignee_id)
        return AssignmentOut.of(ref)

    return run_once(request, container, key, action)


@router.post("/assign-queue", response_model=list[AssignmentOut], summary="按策略分派队列（科长）")
def assign_queue(
    body: AssignQueueIn,
    _chief: CentreChief,
    request: Request,
    container: ContainerDep,
    key: IdempotencyKey,
) -> JSONResponse:
    def action(uow: UnitOfWork, actor: Actor) -> list[AssignmentOut]:
        return [
            AssignmentOut.of(r)
            for r in centre.assign_queue(uow, actor, served(container), body.limit)
        ]

    return run_once(request, container, key, action)


@router.post("/reassign", response_model=list[AssignmentOut], summary="改派（科长）")
def reassign(
    body: ReassignIn,
    _chief: CentreChief,
    request: Request,
    container: ContainerDep,
    key: IdempotencyKey,
) -> JSONResponse:
    def action(uow: UnitOfWork, actor: Actor) -> list[AssignmentOut]:
        refs = centre.reassign(
            uow,
            actor,
            served(container),
            body.to_user_id,
            number=body.number,
            from_user_id=body.from_user_id,
        )
        return [AssignmentOut.of(r) for r in refs]

    return run_once(request, container, key, action)
