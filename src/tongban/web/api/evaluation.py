"""好差评 over HTTP: the applicant rates a finished case (and changes it once within the edit
window), the SMS link rates without logging in, the window pad rates the ticket just served,
the item's department works on rectification tasks, and leaders and department heads read the
statistics and the call-back rate of their scope.

Creating POSTs need an ``Idempotency-Key``; a change of a task names the ``version`` read (409
``stale_version`` when someone else changed it first).  Errors: 403 ``not_case_applicant``,
409 ``rating_exists``, ``case_not_finished``, ``rating_edit_closed``,
``rating_already_edited``, ``re_rating_not_open``, ``rating_link_expired``,
``rating_link_used``, ``ticket_not_rateable``, ``rectification_step_refused``; 404
``rating_link_invalid``, ``rectification_not_found``; 422 ``unknown_level``.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from tongban.domain.evaluation.model import COMMENT_LIMIT, Dimension, Level, Subject
from tongban.domain.evaluation.rectification import CallbackOutcome, RectificationStatus
from tongban.domain.people.model import Principal
from tongban.i18n import gettext as _
from tongban.services.evaluation import links, pad, queries, rectifications, stats
from tongban.services.evaluation import ratings as svc
from tongban.services.evaluation.access import (
    PAD,
    RATERS,
    RATING_STATS,
    RECTIFICATION_WORKERS,
    RECTIFIERS,
)
from tongban.services.platform import audit
from tongban.services.platform.access import PUBLIC
from tongban.services.platform.context import Actor
from tongban.services.platform.unit_of_work import UnitOfWork
from tongban.web import paging
from tongban.web.api.views import out
from tongban.web.deps import ContainerDep, actor_for, allow, now_of, today_of
from tongban.web.idempotency import IdempotencyKey, run_once

router = APIRouter(tags=["evaluation"])

Rater = Annotated[Principal, Depends(allow(RATERS))]
Anyone = Annotated[Principal | None, Depends(allow(PUBLIC))]
Counter = Annotated[Principal, Depends(allow(RATING_STATS))]
Reader = Annotated[Principal, Depends(allow(RECTIFIERS))]
Worker = Annotated[Principal, Depends(allow(RECTIFICATION_WORKERS))]
Pad = Annotated[Principal, Depends(allow(PAD))]
CaseNumber = Annotated[str, Path(max_length=40, description="办件编号")]
TaskNumber = Annotated[str, Path(max_length=20, description="整改任务编号，如 ZG000001")]
Token = Annotated[str, Path(max_length=100, description="短信评价链接中的令牌")]
Comment = Annotated[str, Field(max_length=COMMENT_LIMIT, description="评价内容（可不填）")]


class MarksIn(BaseModel):
    level: Level = Field(description="总体评价：五级")
    dimensions: dict[Dimension, Level] = Field(
        default_factory=dict, description="分项评价：办事效率、指南准确、便捷程度、系统易用"
    )
    comment: Comment = ""


class LevelIn(BaseModel):
    level: Level


class PadIn(LevelIn):
    ticket_id: int = Field(ge=1)
    token: Annotated[str, Field(max_length=40, description="评价器显示该号时给出的令牌")]


class VersionIn(BaseModel):
    version: int = Field(ge=1, description="读取任务时得到的 version（乐观锁）")


class OwnerIn(VersionIn):
    owner_id: int = Field(ge=1, description="整改责任人（本部门工作人员）的用户 id")


class CallbackIn(VersionIn):
    called_on: date = Field(description="回访日期")
    outcome: CallbackOutcome
    note: Annotated[str, Field(max_length=2000)] = ""


class ResponseIn(VersionIn):
    response: Annotated[str, Field(min_length=1, max_length=2000, description="整改情况及答复")]


class RatingRefOut(BaseModel):
    id: int
    subject: Subject
    level: Level
    rectification: str | None = Field(description="差评生成的整改任务编号")


class TaskRefOut(BaseModel):
    number: str
    status: RectificationStatus
    version: int
    owner_id: int | None
    due_on: date


class TaskOut(BaseModel):
    number: str
    status: RectificationStatus
    status_label: str
    level: Level
    comment: str = Field(description="评价内容（已脱敏）")
    subject_label: str
    department_name: str | None
    owner_id: int | None
    owner_name: str | None
    due_on: date = Field(description="整改期限（工作日，按法定节假日与调休计算）")
    overdue: bool
    called_back: bool
    response: str
    re_level: Level | None = Field(description="复评等级")
    version: int


class CallbackOut(BaseModel):
    called_on: date
    by_name: str
    outcome: CallbackOutcome
    note: str


class RaterOut(BaseModel):
    name: str = Field(description="评价人（脱敏）")
    phone: str | None = Field(description="回访电话（读取记入其数据访问日志）")


class TaskDetailOut(TaskOut):
    rater: RaterOut | None
    callbacks: list[CallbackOut]
    case_number: str | None


class CaseRatingOut(BaseModel):
    number: str
    item_name: str
    finished: bool = Field(description="已办结（办结后才能评价）")
    level: Level | None
    dimensions: dict[str, str]
    comment: str
    rated_at: datetime | None
    editable: bool = Field(description="还可以修改一次")
    editable_until: datetime | None
    rectification: TaskOut | None


class LinkedCaseOut(BaseModel):
    number: str
    item_name: str
    expires_at: datetime
    rated: bool


class TallyOut(BaseModel):
    key: str
    label: str
    total: int
    levels: dict[str, int]
    average: float | None = Field(description="平均分（非常满意 5 分 … 非常不满意 1 分）")
    satisfaction: float | None = Field(description="满意率：非常满意、满意、基本满意之和占比")
    poor: int


class CallbackRateOut(BaseModel):
    poor_real_name: int = Field(description="实名差评数")
    called_back: int = Field(description="已回访数")
    rate: float | None = Field(description="回访率")


class StatsOut(BaseModel):
    all: TallyOut
    by_item: list[TallyOut]
    by_department: list[TallyOut]
    by_centre: list[TallyOut]
    by_staff: list[TallyOut]
    callbacks: CallbackRateOut
    since: date | None
    until: date | None


class PadOut(BaseModel):
    ticket_id: int
    number: str
    window_number: int
    token: str


def _tally(t: stats.Tally) -> TallyOut:
    return TallyOut(
        key=t.key,
        label=t.label,
        total=t.total,
        levels=t.levels,
        average=t.average,
        satisfaction=t.satisfaction,
        poor=t.poor,
    )


def _rate(c: stats.CallbackRate) -> CallbackRateOut:
    return CallbackRateOut(poor_real_name=c.poor_real_name, called_back=c.called_back, rate=c.rate)


def _task(t: queries.TaskSummary) -> TaskOut:
    return out(TaskOut, t, status_label=_(t.status.label))


def _ref(ref: svc.RatingRef) -> RatingRefOut:
    return RatingRefOut(
        id=ref.id, subject=ref.subject, level=Level(ref.level), rectification=ref.rectification
    )


def _task_ref(task: object) -> TaskRefOut:
    return out(TaskRefOut, task)


# --- the applicant's rating of a case -----------------------------------------------------------


@router.get(
    "/cases/{number}/rating", response_model=CaseRatingOut, summary="本人办件的评价（一事一评）"
)
def get_case_rating(
    number: CaseNumber, request: Request, container: ContainerDep, principal: Rater
) -> CaseRatingOut:
    days = container.settings.rating_edit_days
    with container.read() as uow:
        view = queries.case_rating(uow.conn, principal, number, now_of(request), days)
    task = _task(view.task) if view.task is not None else None
    return out(CaseRatingOut, view, rectification=task)


@router.post(
    "/cases/{number}/rating",
    status_code=201,
    response_model=RatingRefOut,
    summary="评价本人已办结的办件",
)
def rate_case(
    number: CaseNumber,
    body: MarksIn,
    _who: Rater,
    request: Request,
    container: ContainerDep,
    key: IdempotencyKey,
) -> JSONResponse:
    """每件只能评价一次；不满意、非常不满意生成整改任务。"""
    days = container.settings.rectification_days

    def action(uow: UnitOfWork, actor: Actor) -> RatingRefOut:
        dims = {d.value: v.value for d, v in body.dimensions.items()}
        ref = svc.rate_case(
            uow, actor, number, body.level.value, dims, body.comment, rectification_days=days
        )
        return _ref(ref)

    return run_once(request, container, key, action, status=201)


@router.put("/cases/{number}/rating", response_model=RatingRefOut, summary="修改评价（限一次）")
def edit_case_rating(
    number: CaseNumber, body: MarksIn, _who: Rater, request: Request, container: ContainerDep
) -> RatingRefOut:
    """评价后若干天内（设置项，默认 7 天）可修改一次。"""
    settings = container.settings
    dims = {d.value: v.value for d, v in body.dimensions.items()}
    with container.uow() as uow:
        ref = svc.edit_case_rating(
            uow,
            actor_for(request),
            number,
            body.level.value,
            dims,
            body.comment,
            edit_days=settings.rating_edit_days,
            rectification_days=settings.rectification_days,
        )
    return _ref(ref)


# --- the SMS link -------------------------------------------------------------------------------


@router.get("/rating-links/{token}", response_model=LinkedCaseOut, summary="短信评价链接对应的办件")
def open_rating_link(
    token: Token, request: Request, container: ContainerDep, _who: Anyone
) -> LinkedCaseOut:
    with container.read() as uow:
        found = links.open_link(uow.conn, container.secret_key, token, now_of(request))
    return out(LinkedCaseOut, found)


@router.post(
    "/rating-links/{token}",
    status_code=201,
    response_model=RatingRefOut,
    summary="通过短信链接评价（无需登录，链接限用一次）",
)
def rate_by_link(
    token: Token,
    body: MarksIn,
    _who: Anyone,
    request: Request,
    container: ContainerDep,
    key: IdempotencyKey,
) -> JSONResponse:
    days = container.settings.rectification_days

    def action(uow: UnitOfWork, actor: Actor) -> RatingRefOut:
        dims = {d.value: v.value for d, v in body.dimensions.items()}
        ref = links.rate_by_link(
            uow,
            actor,
            container.secret_key,
            token,
            body.level.value,
            dims,
            body.comment,
            rectification_days=days,
        )
        return _ref(ref)

    return run_once(request, container, key, action, status=201)


# --- the window pad -----------------------------------------------------------------------------


@router.get(
    "/queue/window/pad", response_model=PadOut | None, summary="评价器：本窗口刚办完、待评价的号"
)
def pad_ticket(request: Request, container: ContainerDep, _who: Pad) -> PadOut | None:
    with container.read() as uow:
        found = pad.pad_ticket(uow.conn, actor_for(request), container.secret_key)
    return out(PadOut, found) if found is not None else None


@router.post(
    "/queue/window/pad",
    status_code=201,
    response_model=RatingRefOut,
    summary="评价器：办事人对刚办完的服务评价（一次一评）",
)
def rate_on_pad(
    body: PadIn, _who: Pad, request: Request, container: ContainerDep, key: IdempotencyKey
) -> JSONResponse:
    days = container.settings.rectification_days

    def action(uow: UnitOfWork, actor: Actor) -> RatingRefOut:
        ref = pad.rate_ticket(
            uow,
            actor,
            container.secret_key,
            body.ticket_id,
            body.token,
            body.level.value,
            rectification_days=days,
        )
        return _ref(ref)

    return run_once(request, container, key, action, status=201)


# --- statistics ---------------------------------------------------------------------------------


@router.get(
    "/evaluation/stats",
    response_model=StatsOut,
    summary="好差评统计（按事项、部门、中心、工作人员）",
)
def rating_stats(
    container: ContainerDep,
    principal: Counter,
    since: Annotated[date | None, Query(description="评价日期起（含）")] = None,
    until: Annotated[date | None, Query(description="评价日期止（含）")] = None,
) -> StatsOut:
    """区领导看全区；中心负责人看本中心及下级中心；部门负责人（科长）看本部门。"""
    with container.read() as uow:
        found = stats.rating_stats(uow.conn, principal, since, until)
    return StatsOut(
        all=_tally(found.all),
        by_item=[_tally(t) for t in found.by_item],
        by_department=[_tally(t) for t in found.by_department],
        by_centre=[_tally(t) for t in found.by_centre],
        by_staff=[_tally(t) for t in found.by_staff],
        callbacks=_rate(found.callbacks),
        since=since,
        until=until,
    )


@router.get(
    "/evaluation/callback-rate", response_model=CallbackRateOut, summary="差评回访率（指标）"
)
def callback_rate(
    container: ContainerDep,
    principal: Counter,
    since: Annotated[date | None, Query(description="评价日期起（含）")] = None,
    until: Annotated[date | None, Query(description="评价日期止（含）")] = None,
) -> CallbackRateOut:
    with container.read() as uow:
        return _rate(stats.callback_rate(uow.conn, principal, since, until))


# --- rectification ------------------------------------------------------------------------------


@router.get("/rectifications", response_model=list[TaskOut], summary="差评整改任务列表")
def list_tasks(
    request: Request,
    response: Response,
    container: ContainerDep,
    principal: Reader,
    page: paging.PageParams,
    status: RectificationStatus | None = None,
) -> list[TaskOut]:
    """Soonest deadline first, a page at a time (``Link: rel="next"`` while more follow)."""
    with container.read() as uow:
        found = queries.task_page(uow.conn, principal, today_of(request), page, status=status)
    paging.link_page(request, response, found.next)
    return [_task(t) for t in found.rows]


@router.get("/rectifications/{number}", response_model=TaskDetailOut, summary="整改任务详情")
def get_task(
    number: TaskNumber, request: Request, container: ContainerDep, principal: Reader
) -> TaskDetailOut:
    with container.read() as uow:
        view = queries.task_view(uow.conn, principal, number, today_of(request))
    rater = None
    if view.rater is not None:
        with container.uow() as uow:  # staff reading the rater's phone to call back: logged
            audit.log_data_access(
                uow, actor_for(request), view.rater.id, f"rectification:{number}", "差评回访"
            )
        rater = RaterOut(name=view.rater.name, phone=view.rater.phone)
    return TaskDetailOut(
        **_task(view.summary).model_dump(),
        rater=rater,
        callbacks=[out(CallbackOut, c) for c in view.callbacks],
        case_number=view.case_number,
    )


@router.post("/rectifications/{number}/owner", response_model=TaskRefOut, summary="指定整改责任人")
def assign_owner(
    number: TaskNumber,
    body: OwnerIn,
    _who: Worker,
    request: Request,
    container: ContainerDep,
    key: IdempotencyKey,
) -> JSONResponse:
    def action(uow: UnitOfWork, actor: Actor) -> TaskRefOut:
        return _task_ref(
            rectifications.assign_owner(uow, actor, number, body.owner_id, body.version)
        )

    return run_once(request, container, key, action)


@router.post(
    "/rectifications/{number}/callbacks",
    status_code=201,
    response_model=TaskRefOut,
    summary="登记回访（日期、回访人、结果、记录）",
)
def record_callback(
    number: TaskNumber,
    body: CallbackIn,
    _who: Worker,
    request: Request,
    container: ContainerDep,
    key: IdempotencyKey,
) -> JSONResponse:
    def action(uow: UnitOfWork, actor: Actor) -> TaskRefOut:
        task = rectifications.record_callback(
            uow, actor, number, body.called_on, body.outcome.value, body.note, body.version
        )
        return _task_ref(task)

    return run_once(request, container, key, action, status=201)


@router.post("/rectifications/{number}/response", response_model=TaskRefOut, summary="整改答复")
def respond(
    number: TaskNumber,
    body: ResponseIn,
    _who: Worker,
    request: Request,
    container: ContainerDep,
    key: IdempotencyKey,
) -> JSONResponse:
    def action(uow: UnitOfWork, actor: Actor) -> TaskRefOut:
        return _task_ref(rectifications.respond(uow, actor, number, body.response, body.version))

    return run_once(request, container, key, action)


@router.post(
    "/rectifications/{number}/re-rating",
    status_code=201,
    response_model=TaskRefOut,
    summary="整改答复后再次评价（限一次）",
)
def re_rate(
    number: TaskNumber,
    body: LevelIn,
    _who: Rater,
    request: Request,
    container: ContainerDep,
    key: IdempotencyKey,
) -> JSONResponse:
    def action(uow: UnitOfWork, actor: Actor) -> TaskRefOut:
        return _task_ref(rectifications.re_rate(uow, actor, number, body.level.value))

    return run_once(request, container, key, action, status=201)
