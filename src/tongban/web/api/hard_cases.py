"""The hard-case window (办不成事) over HTTP: raise a problem, list and read escalations, give
one an owner, add notes, resolve it, the person's answer to 问题解决了吗？, and the statistics.

Every POST needs an ``Idempotency-Key``; a change by staff names the ``version`` read (409
``stale_version`` when someone else changed the escalation first).  An escalation the caller
may not see is 404 ``hard_case_not_found``; a step its status does not allow is 409
``hard_case_step_refused``.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from tongban.domain.people.model import Principal
from tongban.domain.service_desk.hard_cases import (
    EventKind,
    HardCaseStatus,
    HardCaseType,
    Outcome,
    RaisedVia,
)
from tongban.i18n import gettext as _
from tongban.services.platform import audit
from tongban.services.platform.access import APPLICANT
from tongban.services.platform.context import Actor
from tongban.services.platform.unit_of_work import UnitOfWork
from tongban.services.service_desk import hard_case_queries as queries
from tongban.services.service_desk import hard_cases as svc
from tongban.services.service_desk import stats
from tongban.services.service_desk.access import (
    HARD_CASE_RAISERS,
    HARD_CASE_READERS,
    HARD_CASE_STAFF,
    HARD_CASE_STATS,
)
from tongban.web import paging
from tongban.web.api.views import out
from tongban.web.deps import ContainerDep, actor_for, allow, today_of
from tongban.web.idempotency import IdempotencyKey, run_once

router = APIRouter(prefix="/hard-cases", tags=["hard-cases"])

Raiser = Annotated[Principal, Depends(allow(HARD_CASE_RAISERS))]
Reader = Annotated[Principal, Depends(allow(HARD_CASE_READERS))]
Staff = Annotated[Principal, Depends(allow(HARD_CASE_STAFF))]
Person = Annotated[Principal, Depends(allow(APPLICANT))]
Counter = Annotated[Principal, Depends(allow(HARD_CASE_STATS))]
Number = Annotated[str, Path(max_length=20, description="办不成事问题编号，如 BC000001")]
Text = Annotated[str, Field(min_length=1, max_length=2000)]


class HardCaseIn(BaseModel):
    type: HardCaseType = Field(description="问题类型")
    summary: Annotated[str, Field(min_length=1, max_length=100, description="一句话概括问题")]
    description: Annotated[Text, Field(description="遇到的问题")]
    case_number: Annotated[str, Field(max_length=32)] | None = Field(
        None, description="相关办件编号（可不填）"
    )
    centre_code: Annotated[str, Field(max_length=40)] | None = Field(
        None,
        description="网上反映：请求帮助的服务中心（不填则为相关办件的受理中心）；"
        "窗口登记：工作人员所在中心",
    )
    person_number: Annotated[str, Field(max_length=40)] | None = Field(
        None,
        description="窗口登记：反映人的身份证号码或统一社会信用代码（不填则为相关办件的申请人；"
        "都不填则无反映人，不做回访）",
    )


class VersionIn(BaseModel):
    version: int = Field(ge=1, description="读取问题时得到的 version（乐观锁）")


class OwnerIn(VersionIn):
    owner_id: int | None = Field(
        None, ge=1, description="承办人的用户 id；不填为自己承办（窗口工作人员只能自己承办）"
    )


class NoteIn(VersionIn):
    body: Text


class ResolveIn(VersionIn):
    outcome: Outcome = Field(description="办理结果")
    resolution: Annotated[Text, Field(description="办理情况")]


class FeedbackIn(BaseModel):
    solved: bool = Field(description="问题解决了吗？")
    comment: Annotated[str, Field(max_length=500)] = ""


class HardCaseRefOut(BaseModel):
    number: str
    status: HardCaseStatus
    version: int
    owner_id: int | None
    due_on: date = Field(description="办理期限（工作日，按法定节假日与调休计算）")


class HardCaseSummaryOut(BaseModel):
    number: str
    type: HardCaseType
    type_label: str
    status: HardCaseStatus
    status_label: str
    raised_via: RaisedVia
    summary: str
    centre_code: str
    centre_name: str
    case_number: str | None
    person_name: str | None = Field(description="反映人（列表中已脱敏）")
    owner_id: int | None
    owner_name: str | None
    due_on: date
    overdue: bool
    raised_at: datetime
    outcome: Outcome | None
    feedback_solved: bool | None = Field(description="反映人回访：是否解决（未答为空）")
    reopened: int = Field(description="反映人表示未解决而重新办理的次数")
    version: int
    feedback_reminded: bool = Field(description="已提醒反映人回复“问题解决了吗？”")
    feedback_no_answer: bool = Field(description="提醒后仍未回复（未回复）")

    @classmethod
    def of(cls, s: queries.HardCaseSummary) -> HardCaseSummaryOut:
        return out(cls, s, type_label=_(s.type.label), status_label=_(s.status.label))


class EventOut(BaseModel):
    kind: EventKind
    at: datetime
    actor_name: str | None
    body: str


class PersonOut(BaseModel):
    name: str
    number: str | None = Field(description="证件号码（脱敏）或统一社会信用代码")
    phone: str | None


class HardCaseOut(HardCaseSummaryOut):
    description: str
    resolution: str
    resolved_at: datetime | None
    person: PersonOut | None = Field(description="反映人（仅工作人员可见，读取记入其数据访问日志）")
    events: list[EventOut]


class TallyOut(BaseModel):
    key: str
    label: str
    total: int
    open: int
    overdue: int
    resolved: int
    on_time: int


class OutcomeCountOut(BaseModel):
    outcome: Outcome
    label: str
    count: int


class StatsOut(BaseModel):
    all: TallyOut
    by_type: list[TallyOut]
    by_centre: list[TallyOut]
    by_outcome: list[OutcomeCountOut]
    feedback: dict[str, int] = Field(
        description="solved 已解决 / unsolved 未解决 / awaiting 待回访 / no_answer 提醒后仍未回复"
    )
    reopened: int
    since: date | None
    until: date | None


def _ref(ref: svc.HardCaseRef) -> HardCaseRefOut:
    return out(HardCaseRefOut, ref)


# --- reads ------------------------------------------------------------------------------------


@router.get("", response_model=list[HardCaseSummaryOut], summary="办不成事问题列表")
def list_hard_cases(
    request: Request,
    response: Response,
    container: ContainerDep,
    principal: Reader,
    page: paging.PageParams,
    status: HardCaseStatus | None = None,
    overdue: bool = False,
) -> list[HardCaseSummaryOut]:
    """反映人：本人的问题；窗口工作人员：本中心的；中心负责人：本中心及下级中心的。
    一次一页，还有下一页时答复带 ``Link: rel="next"``。"""
    with container.read() as uow:
        found = queries.hard_case_page(
            uow.conn, principal, today_of(request), page, status=status, overdue_only=overdue
        )
    paging.link_page(request, response, found.next)
    return [HardCaseSummaryOut.of(r) for r in found.rows]


@router.get("/stats", response_model=StatsOut, summary="办不成事统计（按类型、中心、结果）")
def hard_case_stats(
    request: Request,
    container: ContainerDep,
    principal: Counter,
    since: Annotated[date | None, Query(description="登记日期起（含）")] = None,
    until: Annotated[date | None, Query(description="登记日期止（含）")] = None,
) -> StatsOut:
    with container.read() as uow:
        found = stats.hard_case_stats(
            uow.conn, principal, today_of(request), since=since, until=until
        )
    return StatsOut(
        all=out(TallyOut, found.all, label=_(found.all.label)),
        by_type=[out(TallyOut, t, label=_(t.label)) for t in found.by_type],
        by_centre=[out(TallyOut, t) for t in found.by_centre],
        by_outcome=[
            OutcomeCountOut(outcome=o, label=_(o.label), count=n) for o, n in found.by_outcome
        ],
        feedback=found.feedback,
        reopened=found.reopened,
        since=found.since,
        until=found.until,
    )


@router.get("/{number}", response_model=HardCaseOut, summary="办不成事问题详情与处理经过")
def get_hard_case(
    number: Number, request: Request, container: ContainerDep, principal: Reader
) -> HardCaseOut:
    with container.read() as uow:
        view = queries.hard_case_view(uow.conn, principal, number, today_of(request))
    person = None
    if view.seen_as == "staff" and view.person is not None:
        with container.uow() as uow:  # staff reading the person's name and phone: logged
            audit.log_data_access(
                uow, actor_for(request), view.person.id, f"hard_case:{view.number}", "办不成事"
            )
        shown = view.person.masked()
        person = PersonOut(name=view.person.name, number=shown.number, phone=view.person.phone)
    base = HardCaseSummaryOut.of(view.summary).model_dump()
    return HardCaseOut(
        **base,
        description=view.description,
        resolution=view.resolution,
        resolved_at=view.resolved_at,
        person=person,
        events=[out(EventOut, e) for e in view.events],
    )


# --- writes -----------------------------------------------------------------------------------


@router.post("", status_code=201, response_model=HardCaseRefOut, summary="反映或登记办不成事问题")
def raise_hard_case(
    body: HardCaseIn,
    _who: Raiser,
    request: Request,
    container: ContainerDep,
    key: IdempotencyKey,
) -> JSONResponse:
    """群众或企业网上反映；窗口工作人员代为登记。办理期限为登记日后若干个工作日。"""
    days = container.settings.hard_case_days

    def action(uow: UnitOfWork, actor: Actor) -> HardCaseRefOut:
        data = svc.RaiseInput(
            type=body.type.value,
            summary=body.summary,
            description=body.description,
            case_number=body.case_number,
            centre_code=body.centre_code,
            person_number=body.person_number,
        )
        return _ref(svc.raise_hard_case(uow, actor, data, days=days))

    return run_once(request, container, key, action, status=201)


@router.post("/{number}/owner", response_model=HardCaseRefOut, summary="确定或更换承办人")
def assign_owner(
    number: Number,
    body: OwnerIn,
    _who: Staff,
    request: Request,
    container: ContainerDep,
    key: IdempotencyKey,
) -> JSONResponse:
    def action(uow: UnitOfWork, actor: Actor) -> HardCaseRefOut:
        return _ref(svc.assign_owner(uow, actor, number, body.owner_id, body.version))

    return run_once(request, container, key, action)


@router.post("/{number}/notes", response_model=HardCaseRefOut, summary="添加处理记录")
def add_note(
    number: Number,
    body: NoteIn,
    _who: Staff,
    request: Request,
    container: ContainerDep,
    key: IdempotencyKey,
) -> JSONResponse:
    def action(uow: UnitOfWork, actor: Actor) -> HardCaseRefOut:
        return _ref(svc.add_note(uow, actor, number, body.body, body.version))

    return run_once(request, container, key, action)


@router.post("/{number}/resolve", response_model=HardCaseRefOut, summary="办结并记录办理结果")
def resolve(
    number: Number,
    body: ResolveIn,
    _who: Staff,
    request: Request,
    container: ContainerDep,
    key: IdempotencyKey,
) -> JSONResponse:
    def action(uow: UnitOfWork, actor: Actor) -> HardCaseRefOut:
        ref = svc.resolve(uow, actor, number, body.outcome.value, body.resolution, body.version)
        return _ref(ref)

    return run_once(request, container, key, action)


@router.post(
    "/{number}/feedback", response_model=HardCaseRefOut, summary="反映人回访：问题解决了吗？"
)
def feedback(
    number: Number,
    body: FeedbackIn,
    _who: Person,
    request: Request,
    container: ContainerDep,
    key: IdempotencyKey,
) -> JSONResponse:
    """每次办结后答复一次；答“未解决”则重新办理，并重新计算办理期限。"""
    days = container.settings.hard_case_days

    def action(uow: UnitOfWork, actor: Actor) -> HardCaseRefOut:
        ref = svc.answer_follow_up(uow, actor, number, body.solved, body.comment, days=days)
        return _ref(ref)

    return run_once(request, container, key, action)
