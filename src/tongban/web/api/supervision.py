"""Post-approval supervision (批后监管) over HTTP: the supervision list, inspection tasks and
their findings and decisions, the random draws (双随机) with their public record and replay
(一公开), and the figures.

Every POST needs an ``Idempotency-Key``; a change to a task names the ``version`` read (409
``stale_version`` when someone else changed it first).  A task the caller may not see is 404
``inspection_task_not_found``.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from tongban.domain.people.model import Principal
from tongban.domain.supervision.model import FindingResult, Outcome, TaskStatus
from tongban.services.platform.access import PUBLIC
from tongban.services.platform.context import Actor
from tongban.services.platform.unit_of_work import UnitOfWork
from tongban.services.supervision import draws, items, queries, tasks
from tongban.services.supervision.access import (
    DRAW_RUNNERS,
    FIGURE_READERS,
    INSPECTORS,
    LIST_EDITORS,
    TASK_READERS,
)
from tongban.web import paging
from tongban.web.deps import ContainerDep, actor_for, allow, today_of
from tongban.web.idempotency import IdempotencyKey, run_once

router = APIRouter(prefix="/supervision", tags=["supervision"])

Anyone = Annotated[Principal | None, Depends(allow(PUBLIC))]
Editor = Annotated[Principal, Depends(allow(LIST_EDITORS))]
Reader = Annotated[Principal, Depends(allow(TASK_READERS))]
Inspector = Annotated[Principal, Depends(allow(INSPECTORS))]
Head = Annotated[Principal, Depends(allow(DRAW_RUNNERS))]
Counter = Annotated[Principal, Depends(allow(FIGURE_READERS))]
TaskNumber = Annotated[str, Path(max_length=20, description="检查任务编号，如 JC000001")]
DrawNumber = Annotated[str, Path(max_length=20, description="抽查编号，如 CQ000001")]
Code = Annotated[str, Field(min_length=1, max_length=40)]


class ChecklistEntryOut(BaseModel):
    code: str
    text: str


class SupervisedItemIn(BaseModel):
    item_code: Code = Field(description="事项编码（须已发布）")
    inspect_within_days: int = Field(20, ge=1, le=250, description="批准后多少个工作日内检查")


class SupervisedItemOut(BaseModel):
    item_code: str
    department_code: str
    inspect_within_days: int
    checklist: list[ChecklistEntryOut] = Field(description="由事项的许可条件、关键材料与证照生成")


class TaskSummaryOut(BaseModel):
    number: str
    item_code: str
    item_name: str
    department_code: str
    subject: str = Field(description="检查对象（个人姓名已脱敏）")
    licence_id: str | None
    status: TaskStatus
    status_label: str
    outcome: Outcome | None
    due_on: date = Field(description="检查期限（工作日，按法定节假日与调休计算）")
    inspector_id: int | None
    version: int


class FindingOut(BaseModel):
    result: FindingResult
    note: str = ""


class HistoryOut(BaseModel):
    kind: str
    detail: dict[str, Any]
    at: datetime


class TaskOut(TaskSummaryOut):
    subject_name: str = Field(description="检查对象全称（读取记入其数据访问日志）")
    subject_phone: str
    case_number: str | None
    checklist: list[ChecklistEntryOut]
    findings: dict[str, FindingOut]
    history: list[HistoryOut]


class FindingIn(BaseModel):
    result: FindingResult = Field(description="pass 符合 / fail 不符合 / na 不适用")
    note: Annotated[str, Field(max_length=500)] = ""


class FindingsIn(BaseModel):
    version: int = Field(ge=1, description="读取任务时得到的 version（乐观锁）")
    findings: dict[Annotated[str, Field(max_length=10)], FindingIn] = Field(
        description="检查清单编码 → 检查结果", min_length=1, max_length=30
    )


class ConclusionIn(BaseModel):
    version: int = Field(ge=1)
    outcome: Outcome = Field(description="closure 合格 / rectification 责令整改 / revocation 注销")
    reason: Annotated[str, Field(max_length=500)] = Field("", description="注销理由（注销时必填）")
    rectify_days: int | None = Field(None, ge=1, le=60, description="整改期限（工作日）")


class TaskRefOut(BaseModel):
    number: str
    status: TaskStatus
    outcome: Outcome | None
    due_on: date
    version: int


class DrawIn(BaseModel):
    department_code: Code
    sample_size: int = Field(ge=1, le=200, description="抽取检查对象数量")


class PickOut(BaseModel):
    subject: str = Field(description="抽中的检查任务编号")
    inspector_id: int


class DrawRefOut(BaseModel):
    number: str
    picked: list[PickOut]


class DrawResultOut(BaseModel):
    task: str
    item_name: str
    subject: str
    inspector: str
    status: TaskStatus
    status_label: str
    outcome: Outcome | None


class DrawOut(BaseModel):
    number: str
    department_code: str
    department_name: str
    run_at: datetime
    seed: str = Field(description="抽取时由安全随机数生成、抽取后公开的种子（十六进制）")
    subject_pool_size: int
    subject_pool_hash: str
    inspector_pool_size: int
    inspector_pool_hash: str
    sample_size: int
    results: list[DrawResultOut]


class ReplayOut(BaseModel):
    ok: bool
    subject_pool_ok: bool
    inspector_pool_ok: bool
    outcome_ok: bool
    recomputed: list[PickOut]


class FigureOut(BaseModel):
    department_code: str
    item_code: str
    item_name: str
    created: int
    inspected: int
    on_time: int
    closure: int
    rectification: int
    revocation: int


def _item(found: items.SupervisedItem) -> SupervisedItemOut:
    return SupervisedItemOut(
        item_code=found.item_code,
        department_code=found.department_code,
        inspect_within_days=found.inspect_within_days,
        checklist=[ChecklistEntryOut(**e.as_dict()) for e in found.checklist],
    )


def _ref(row: Any) -> TaskRefOut:
    return TaskRefOut(
        number=row.number,
        status=TaskStatus(row.status),
        outcome=Outcome(row.outcome) if row.outcome else None,
        due_on=row.due_on,
        version=row.lock_version,
    )


# --- the supervision list ----------------------------------------------------------------------


@router.get("/items", response_model=list[SupervisedItemOut], summary="批后监管事项清单")
def list_items(
    request: Request,
    response: Response,
    container: ContainerDep,
    _anyone: Anyone,
    page: paging.PageParams,
) -> list[SupervisedItemOut]:
    """By item code, a page at a time."""
    with container.read() as uow:
        found = [_item(found) for found in items.supervised_list(uow.conn)]
    return paging.cut(request, response, found, lambda i: (i.item_code,), page)


@router.post(
    "/items", response_model=SupervisedItemOut, status_code=201, summary="将事项纳入批后监管"
)
def place_item(
    body: SupervisedItemIn,
    _who: Editor,
    request: Request,
    container: ContainerDep,
    key: IdempotencyKey,
) -> JSONResponse:
    """事项目录管理员或事项所属部门负责人；检查清单由事项当前发布版本生成。"""

    def action(uow: UnitOfWork, actor: Actor) -> SupervisedItemOut:
        return _item(items.place_on_list(uow, actor, body.item_code, body.inspect_within_days))

    return run_once(request, container, key, action, status=201)


# --- tasks -------------------------------------------------------------------------------------


@router.get("/tasks", response_model=list[TaskSummaryOut], summary="检查任务列表")
def list_tasks(
    request: Request,
    response: Response,
    container: ContainerDep,
    principal: Reader,
    page: paging.PageParams,
    status: TaskStatus | None = None,
) -> list[TaskSummaryOut]:
    """检查人员：抽取给本人的任务；部门负责人：本部门的任务。一次一页（``Link: rel="next"``）。"""
    with container.read() as uow:
        found = queries.task_page(uow.conn, principal, page, status.value if status else None)
    paging.link_page(request, response, found.next)
    return [TaskSummaryOut(**row) for row in found.rows]


@router.get("/tasks/{number}", response_model=TaskOut, summary="检查任务详情")
def get_task(
    number: TaskNumber, request: Request, container: ContainerDep, _who: Reader
) -> TaskOut:
    with container.uow() as uow, uow.atomic():  # the read of personal data is logged
        found = queries.task_detail(uow.conn, actor_for(request), number)
    return TaskOut(
        **found.summary,
        subject_name=found.subject_name,
        subject_phone=found.subject_phone,
        case_number=found.case_number,
        checklist=[ChecklistEntryOut(**e) for e in found.checklist],
        findings={k: FindingOut(**v) for k, v in found.findings.items()},
        history=[HistoryOut(**h) for h in found.history],
    )


@router.post("/tasks/{number}/findings", response_model=TaskRefOut, summary="记录检查结果")
def record_findings(
    number: TaskNumber,
    body: FindingsIn,
    _who: Inspector,
    request: Request,
    container: ContainerDep,
    key: IdempotencyKey,
) -> JSONResponse:
    given = {code: f.model_dump(mode="json") for code, f in body.findings.items()}

    def action(uow: UnitOfWork, actor: Actor) -> TaskRefOut:
        return _ref(tasks.record_findings(uow, actor, number, given, body.version))

    return run_once(request, container, key, action)


@router.post("/tasks/{number}/conclusion", response_model=TaskRefOut, summary="作出检查处理决定")
def conclude(
    number: TaskNumber,
    body: ConclusionIn,
    _who: Inspector,
    request: Request,
    container: ContainerDep,
    key: IdempotencyKey,
) -> JSONResponse:
    """合格办结；责令整改（整改期限为工作日，届时复查）；注销电子证照（须写明理由）。"""

    def action(uow: UnitOfWork, actor: Actor) -> TaskRefOut:
        row = tasks.conclude(
            uow,
            actor,
            number,
            body.outcome,
            body.version,
            reason=body.reason,
            rectify_days=body.rectify_days,
        )
        return _ref(row)

    return run_once(request, container, key, action)


# --- draws (双随机一公开) -------------------------------------------------------------------------


@router.post("/draws", response_model=DrawRefOut, status_code=201, summary="双随机抽取")
def run_draw(
    body: DrawIn,
    _who: Head,
    request: Request,
    container: ContainerDep,
    key: IdempotencyKey,
) -> JSONResponse:
    """部门负责人从本部门待抽取的检查任务中随机抽取检查对象，并随机匹配检查人员。"""

    def action(uow: UnitOfWork, actor: Actor) -> DrawRefOut:
        made = draws.run_draw(uow, actor, body.department_code, body.sample_size)
        return DrawRefOut(number=made.number, picked=[PickOut(**p) for p in made.picked])

    return run_once(request, container, key, action, status=201)


@router.get("/draws", response_model=list[DrawOut], summary="双随机抽查结果公开")
def list_draws(
    request: Request,
    response: Response,
    container: ContainerDep,
    _anyone: Anyone,
    page: paging.PageParams,
) -> list[DrawOut]:
    """The latest draw first, a page at a time (``Link: rel="next"``)."""
    with container.read() as uow:
        found = queries.draw_page(uow.conn, page)
    paging.link_page(request, response, found.next)
    return [DrawOut(**d) for d in found.rows]


@router.get("/draws/{number}/replay", response_model=ReplayOut, summary="复算并核对抽查记录")
def replay_draw(number: DrawNumber, container: ContainerDep, _anyone: Anyone) -> ReplayOut:
    with container.read() as uow:
        found = draws.replay_draw(uow.conn, number)
    return ReplayOut(
        ok=found.ok,
        subject_pool_ok=found.subject_pool_ok,
        inspector_pool_ok=found.inspector_pool_ok,
        outcome_ok=found.outcome_ok,
        recomputed=[PickOut(**p.as_dict()) for p in found.recomputed],
    )


# --- figures -----------------------------------------------------------------------------------


@router.get("/figures", response_model=list[FigureOut], summary="批后监管统计")
def figures(
    request: Request,
    container: ContainerDep,
    _who: Counter,
    since: Annotated[date | None, Query(description="任务生成日期起（含）；默认本月1日")] = None,
    until: Annotated[date | None, Query(description="任务生成日期止（含）；默认今天")] = None,
    department_code: Annotated[str | None, Query(max_length=40)] = None,
    *,
    response: Response,
    page: paging.PageParams,
) -> list[FigureOut]:
    """按事项与部门：生成任务数、已检查数、按期检查数、合格 / 责令整改 / 注销数。"""
    today = today_of(request)
    start, end = since or today.replace(day=1), until or today
    with container.read() as uow:
        rows = queries.figures(uow.conn, start=start, end=end, department_code=department_code)
    listed = [FigureOut(**row) for row in rows]
    return paging.cut(request, response, listed, lambda f: (f.department_code, f.item_code), page)


__all__ = ["router"]
