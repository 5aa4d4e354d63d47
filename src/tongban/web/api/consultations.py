"""Consultation (咨询) over HTTP: ask a question about a service item, list and read questions,
the department's answer, and the item's frequently asked questions (publish, take down, read).

Every POST needs an ``Idempotency-Key``; answering names the ``version`` read (409
``stale_version`` when someone answered first, 409 ``question_already_answered`` after).  A
question the caller may not see is 404 ``question_not_found``.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from tongban.domain.people.model import Principal
from tongban.domain.service_desk.consultation import AskedVia, QuestionStatus
from tongban.i18n import gettext as _
from tongban.services.platform import audit
from tongban.services.platform.access import PUBLIC
from tongban.services.platform.context import Actor
from tongban.services.platform.unit_of_work import UnitOfWork
from tongban.services.service_desk import consultation as svc
from tongban.services.service_desk import consultation_queries as queries
from tongban.services.service_desk import consultation_stats as stats
from tongban.services.service_desk.access import (
    CONSULTATION_STATS,
    FAQ_EDITORS,
    QUESTION_ANSWERERS,
    QUESTION_ASKERS,
    QUESTION_READERS,
)
from tongban.web import paging
from tongban.web.api.hard_cases import PersonOut
from tongban.web.api.views import out
from tongban.web.deps import ContainerDep, actor_for, allow, today_of
from tongban.web.idempotency import IdempotencyKey, run_once

router = APIRouter(tags=["consultation"])

Asker = Annotated[Principal, Depends(allow(QUESTION_ASKERS))]
Reader = Annotated[Principal, Depends(allow(QUESTION_READERS))]
Answerer = Annotated[Principal, Depends(allow(QUESTION_ANSWERERS))]
Editor = Annotated[Principal, Depends(allow(FAQ_EDITORS))]
Counter = Annotated[Principal, Depends(allow(CONSULTATION_STATS))]
Anyone = Annotated[Principal | None, Depends(allow(PUBLIC))]
Number = Annotated[str, Path(max_length=20, description="咨询编号，如 ZX000001")]
ItemCode = Annotated[str, Path(max_length=40, description="事项编码")]


class QuestionIn(BaseModel):
    item_code: Annotated[str, Field(min_length=1, max_length=40, description="所咨询的事项编码")]
    question: Annotated[str, Field(min_length=1, max_length=1000)]
    asked_via: AskedVia = Field(
        AskedVia.ONLINE,
        description="群众或企业：online 网上 / self_service 自助终端；窗口工作人员代为登记时"
        "总是 window",
    )
    asker_number: Annotated[str, Field(max_length=40)] | None = Field(
        None, description="窗口代为登记：咨询人的身份证号码或统一社会信用代码（必填）"
    )


class AnswerIn(BaseModel):
    answer: Annotated[str, Field(min_length=1, max_length=2000)]
    version: int = Field(ge=1, description="读取咨询时得到的 version（乐观锁）")


class FaqIn(BaseModel):
    question: Annotated[str, Field(max_length=1000)] | None = Field(
        None, description="公开的问题（不填则用咨询原文）；身份证号码和手机号码一律脱敏"
    )
    answer: Annotated[str, Field(max_length=2000)] | None = Field(
        None, description="公开的答复（不填则用答复原文）"
    )


class QuestionRefOut(BaseModel):
    number: str
    status: QuestionStatus
    version: int
    due_on: date = Field(description="答复期限（工作日，按法定节假日与调休计算）")


class QuestionSummaryOut(BaseModel):
    number: str
    item_code: str
    item_name: str
    department_name: str
    asked_via: AskedVia
    centre_name: str | None = Field(description="代为登记的服务中心")
    asker_name: str | None = Field(description="咨询人（工作人员列表中已脱敏）")
    question: str
    status: QuestionStatus
    status_label: str
    due_on: date
    overdue: bool
    asked_at: datetime
    answered_at: datetime | None
    faq_id: int | None = Field(description="已发布为常见问题时的条目 id")
    version: int

    @classmethod
    def of(cls, s: queries.QuestionSummary) -> QuestionSummaryOut:
        return out(cls, s, status_label=_(s.status.label))


class QuestionOut(QuestionSummaryOut):
    answer: str
    answerer_name: str | None
    asker: PersonOut | None = Field(description="咨询人（仅工作人员可见，读取记入其数据访问日志）")


class FaqOut(BaseModel):
    id: int
    item_code: str
    question: str
    answer: str
    published_at: datetime


class FaqRefOut(BaseModel):
    id: int
    item_code: str


# --- reads ------------------------------------------------------------------------------------


@router.get("/consultations", response_model=list[QuestionSummaryOut], summary="咨询列表")
def list_questions(
    request: Request,
    response: Response,
    container: ContainerDep,
    principal: Reader,
    page: paging.PageParams,
    status: QuestionStatus | None = None,
    overdue: bool = False,
) -> list[QuestionSummaryOut]:
    """咨询人：本人的；审批人员和科长：本部门事项的；窗口工作人员和中心负责人：本中心代为登记的。
    一次一页，还有下一页时答复带 ``Link: rel="next"``。"""
    with container.read() as uow:
        found = queries.question_page(
            uow.conn, principal, today_of(request), page, status=status, overdue_only=overdue
        )
    paging.link_page(request, response, found.next)
    return [QuestionSummaryOut.of(r) for r in found.rows]


class QuestionTallyOut(BaseModel):
    key: str = Field(description="事项编码、部门编码、渠道或状态；合计为 all")
    label: str
    total: int
    open: int = Field(description="待答复")
    answered: int = Field(description="已答复")
    on_time: int = Field(description="按期答复")
    on_time_rate: float | None = Field(
        description="按期答复率（按期答复 ÷ 已答复，0–1；无答复为空）"
    )
    mean_answer_days: float | None = Field(
        description="平均答复用时（工作日，提问当日不计；无答复为空）"
    )
    overdue: int = Field(description="超期未答复")
    faq: int = Field(description="已发布为常见问题（未撤下）")

    @classmethod
    def of(cls, t: stats.QuestionTally) -> QuestionTallyOut:
        return cls(
            key=t.key,
            label=_(t.label),
            total=t.total,
            open=t.open,
            answered=t.answered,
            on_time=t.on_time,
            on_time_rate=t.on_time_rate,
            mean_answer_days=t.mean_answer_days,
            overdue=t.overdue,
            faq=t.faq,
        )


class ConsultationStatsOut(BaseModel):
    all: QuestionTallyOut
    by_item: list[QuestionTallyOut]
    by_department: list[QuestionTallyOut]
    by_channel: list[QuestionTallyOut]
    by_status: list[QuestionTallyOut]
    since: date | None
    until: date | None


@router.get(
    "/consultations/stats",
    response_model=ConsultationStatsOut,
    summary="咨询统计（按事项、部门、渠道、状态）",
)
def consultation_stats(
    request: Request,
    container: ContainerDep,
    principal: Counter,
    since: Annotated[date | None, Query(description="提问日期起（含）")] = None,
    until: Annotated[date | None, Query(description="提问日期止（含）")] = None,
) -> ConsultationStatsOut:
    """中心负责人：本中心及下级中心代为登记的咨询；区领导：全部咨询。"""
    with container.read() as uow:
        found = stats.consultation_stats(
            uow.conn, principal, today_of(request), since=since, until=until
        )
    return ConsultationStatsOut(
        all=QuestionTallyOut.of(found.all),
        by_item=[QuestionTallyOut.of(t) for t in found.by_item],
        by_department=[QuestionTallyOut.of(t) for t in found.by_department],
        by_channel=[QuestionTallyOut.of(t) for t in found.by_channel],
        by_status=[QuestionTallyOut.of(t) for t in found.by_status],
        since=found.since,
        until=found.until,
    )


@router.get("/consultations/{number}", response_model=QuestionOut, summary="咨询详情与答复")
def get_question(
    number: Number, request: Request, container: ContainerDep, principal: Reader
) -> QuestionOut:
    with container.read() as uow:
        view = queries.question_view(uow.conn, principal, number, today_of(request))
    asker = None
    if view.asker is not None:
        with container.uow() as uow:  # staff reading the asker's name and phone: logged
            audit.log_data_access(
                uow, actor_for(request), view.asker.id, f"consultation:{view.number}", "咨询答复"
            )
        asker = PersonOut(
            name=view.asker.name, number=view.asker.masked().number, phone=view.asker.phone
        )
    return QuestionOut(
        **QuestionSummaryOut.of(view.summary).model_dump(),
        answer=view.answer,
        answerer_name=view.answerer_name,
        asker=asker,
    )


@router.get("/items/{code}/faqs", response_model=list[FaqOut], summary="事项的常见问题")
def item_faqs(
    code: ItemCode,
    request: Request,
    response: Response,
    container: ContainerDep,
    _anyone: Anyone,
    page: paging.PageParams,
) -> list[FaqOut]:
    """In the order they were published, a page at a time."""
    with container.read() as uow:
        found = [out(FaqOut, f) for f in queries.faqs_for_item(uow.conn, code)]
    return paging.cut(request, response, found, lambda f: (f.published_at, f.id), page)


# --- writes -----------------------------------------------------------------------------------


@router.post(
    "/consultations", status_code=201, response_model=QuestionRefOut, summary="咨询事项问题"
)
def ask(
    body: QuestionIn,
    _who: Asker,
    request: Request,
    container: ContainerDep,
    key: IdempotencyKey,
) -> JSONResponse:
    """事项所属部门在若干个工作日内答复，逾期提醒；答复后通知咨询人。"""
    days = container.settings.consultation_days

    def action(uow: UnitOfWork, actor: Actor) -> QuestionRefOut:
        data = svc.AskInput(body.item_code, body.question, body.asked_via.value, body.asker_number)
        return out(QuestionRefOut, svc.ask(uow, actor, data, days=days))

    return run_once(request, container, key, action, status=201)


@router.post(
    "/consultations/{number}/answer", response_model=QuestionRefOut, summary="答复咨询（事项部门）"
)
def answer(
    number: Number,
    body: AnswerIn,
    _who: Answerer,
    request: Request,
    container: ContainerDep,
    key: IdempotencyKey,
) -> JSONResponse:
    def action(uow: UnitOfWork, actor: Actor) -> QuestionRefOut:
        return out(QuestionRefOut, svc.answer(uow, actor, number, body.answer, body.version))

    return run_once(request, container, key, action)


@router.post(
    "/consultations/{number}/faq",
    status_code=201,
    response_model=FaqRefOut,
    summary="把答复发布为事项的常见问题（科长）",
)
def publish_faq(
    number: Number,
    body: FaqIn,
    _who: Editor,
    request: Request,
    container: ContainerDep,
    key: IdempotencyKey,
) -> JSONResponse:
    def action(uow: UnitOfWork, actor: Actor) -> FaqRefOut:
        return out(FaqRefOut, svc.publish_faq(uow, actor, number, body.question, body.answer))

    return run_once(request, container, key, action, status=201)


@router.post("/faqs/{faq_id}/withdraw", response_model=FaqRefOut, summary="撤下常见问题（科长）")
def withdraw_faq(
    faq_id: Annotated[int, Path(ge=1)],
    _who: Editor,
    request: Request,
    container: ContainerDep,
    key: IdempotencyKey,
) -> JSONResponse:
    def action(uow: UnitOfWork, actor: Actor) -> FaqRefOut:
        return out(FaqRefOut, svc.withdraw_faq(uow, actor, faq_id))

    return run_once(request, container, key, action)
