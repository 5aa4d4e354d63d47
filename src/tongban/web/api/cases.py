"""Cases API (办件): submit on every channel, the caller's case list, one case with its clock.

Every POST that creates a case needs an ``Idempotency-Key``; transitions are in ``cases_actions``.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy import Connection

from tongban.domain.cases.forms import credit_codes_to_verify
from tongban.domain.cases.model import Case
from tongban.domain.cases.status import CaseStatus, Channel, ClockState, DeliveryMethod
from tongban.domain.cases.values import Agent
from tongban.domain.errors import ValidationFailed
from tongban.domain.people.model import Principal, Role, UserKind
from tongban.domain.shared.clock import china_date
from tongban.domain.shared.identity import IdType
from tongban.services.cases import lifecycle as svc
from tongban.services.cases import queries
from tongban.services.catalogue.items import published_item
from tongban.services.people import queries as people
from tongban.services.platform import access
from tongban.services.platform.calendar import load_calendar
from tongban.services.platform.context import Actor
from tongban.services.platform.unit_of_work import UnitOfWork
from tongban.web import paging
from tongban.web.api.views import out
from tongban.web.deps import ContainerDep, actor_for, allow, today_of
from tongban.web.idempotency import Write, allow_once, run_once

router = APIRouter(tags=["cases"])

QueueReader = Annotated[Principal, Depends(allow(access.CASE_QUEUE_READERS))]
CaseReader = Annotated[Principal, Depends(allow(access.CASE_READERS))]
# A submission's access policy, container and idempotency key: one dependency (``allow_once``).
Applicant = Annotated[Write, Depends(allow_once(access.APPLICANT))]
Clerk = Annotated[Write, Depends(allow_once(access.CASE_CLERKS))]
CaseNumber = Annotated[str, Path(max_length=40, description="办件编号，如 440605-20261102-0000001")]


class CaseOut(BaseModel):
    """What a write leaves the case in: number, new lock version, status."""

    number: str
    version: int = Field(description="乐观锁版本：下一次操作须带上它")
    status: CaseStatus
    status_label: str

    @classmethod
    def of(cls, ref: svc.CaseRef) -> CaseOut:
        return out(cls, ref, status_label=ref.status.label)


class DeliveryIn(BaseModel):
    """How the result reaches the applicant; a mailed result needs all three address parts."""

    method: DeliveryMethod = DeliveryMethod.PICKUP
    pickup_centre_code: str | None = Field(
        default=None, max_length=40, description="领取结果的服务中心（默认受理中心）"
    )
    recipient: str = Field(default="", max_length=50, description="邮寄：收件人")
    phone: str = Field(default="", max_length=20, description="邮寄：收件人大陆手机号码")
    address: str = Field(default="", max_length=200, description="邮寄：收件地址（一行）")


class ApplicationIn(BaseModel):
    """An application on any channel: the item, its form, the materials handed in."""

    item_code: str = Field(min_length=1, max_length=40)
    form: dict[str, Any] = Field(default_factory=dict)
    materials: list[Annotated[str, Field(max_length=200)]] = Field(
        default_factory=list, max_length=50
    )
    delivery: DeliveryIn = Field(default_factory=DeliveryIn)

    def application(self) -> svc.Application:
        return svc.Application(
            item_code=self.item_code,
            form=self.form,
            materials=self.materials,
            delivery_method=self.delivery.method,
            pickup_centre_code=self.delivery.pickup_centre_code,
            recipient=self.delivery.recipient,
            phone=self.delivery.phone,
            address=self.delivery.address,
        )


class AgentIn(BaseModel):
    """委托代理人: the person handing the application in for the applicant."""

    name: str = Field(max_length=100, description="代理人姓名")
    id_type: IdType = Field(default=IdType.RESIDENT_ID, description="代理人证件类型")
    id_number: str = Field(max_length=40, description="代理人证件号码，按证件类型校验")


class IdentifiedApplicationIn(ApplicationIn):
    """A clerk's application: the applicant by user id, identity document or credit code, and
    the agent when someone else hands it in (then the agent-only materials are needed)."""

    applicant_id: int | None = Field(default=None, ge=1)
    id_type: IdType | None = None
    id_number: str | None = Field(default=None, max_length=40)
    nationality: str | None = Field(
        default=None,
        max_length=3,
        description="护照的国籍代码（ISO 3166-1 三位字母）；两国签发同一号码时必填",
    )
    credit_code: str | None = Field(default=None, max_length=18)
    agent: AgentIn | None = Field(
        default=None, description="委托他人办理时的代理人；申请人本人办理时省略"
    )

    def identified_application(self, today: date) -> svc.Application:
        """The application with its agent, whose name and document are checked."""
        if self.agent is None:
            return self.application()
        agent = Agent.identified(
            self.agent.name, self.agent.id_type.value, self.agent.id_number, today=today
        )
        return replace(self.application(), agent=agent)


class WindowIn(IdentifiedApplicationIn):
    accept: bool = Field(default=False, description="材料齐全时当场受理")


class ClockOut(BaseModel):
    deadline: date | None
    days_used: int
    promised_days: int
    state: ClockState
    stopped: bool


class ApplicantOut(BaseModel):
    id: int
    kind: str
    name: str
    id_number: str | None
    phone: str | None
    masked: bool


class CaseSummaryOut(BaseModel):
    number: str
    version: int
    status: CaseStatus
    status_label: str
    channel: Channel
    item_code: str
    item_name: str
    department: str
    submitted_at: datetime | None
    accepted_on: date | None
    deadline: date | None
    applicant: ApplicantOut | None


class AgentOut(BaseModel):
    """Who handed the application in for the applicant: a person identified by a document, or
    the centre's proxy agent (代办员, ``staff_id``)."""

    name: str
    id_type: str
    id_number: str
    staff_id: int | None


class AssistedByOut(BaseModel):
    """网办辅导: who filed the online application with the applicant, and on what consent."""

    user_id: int
    name: str
    centre_code: str | None
    consent: str = Field(
        description="申请人当面同意的方式：citizen_code（市民码）或 signature（签名板手写签名）"
    )
    signature_sha256: str | None = Field(
        default=None, description="签名确认：签名图片（PNG）的 SHA-256，可经 consent-signature 查看"
    )


class CaseDetailOut(BaseModel):
    number: str
    version: int
    credit_codes_to_verify: list[str] = Field(
        default_factory=list,
        description="校验位与 GB 32100 不符、受理前须对照营业执照核实的代码（字段名称）",
    )
    status: CaseStatus
    status_label: str
    channel: Channel
    item_code: str
    item_version: int
    department_code: str
    accepting_centre_code: str | None
    applicant: ApplicantOut
    form: dict[str, Any]
    agent: AgentOut | None = Field(description="委托代理人；申请人本人办理时为 null")
    required_materials: list[str] = Field(
        description="本件须提交的材料：仅委托代理人办理时提交的材料只在有代理人时列出"
    )
    materials: list[str]
    missing_materials: list[str]
    missing_supply_by: date | None
    correction_needed: list[str]
    decision: str | None
    decision_reasons: str
    result_reference: str
    delivery_method: DeliveryMethod
    pickup_centre_code: str | None
    submitted_at: datetime | None
    accepted_on: date | None
    clock: ClockOut
    kiosk: str | None = Field(default=None, description="自助办：提交所用的自助终端编号")
    assisted_by: AssistedByOut | None = Field(default=None, description="网办辅导：协助提交的人")


class TimelineOut(BaseModel):
    seq: int
    type: str
    from_status: CaseStatus | None
    to_status: CaseStatus
    at: datetime
    role: str
    centre_code: str | None
    reason: str
    detail: dict[str, Any]


# --- helpers --------------------------------------------------------------------------------


def _applicant_id(conn: Connection, body: IdentifiedApplicationIn, today: date) -> int:
    """The applicant a clerk identified: by user id, identity document or credit code."""
    if body.applicant_id is not None:
        return body.applicant_id
    if body.id_type is not None and body.id_number:
        return people.find_applicant(
            conn, body.id_number, today=today, id_type=body.id_type, nationality=body.nationality
        )
    if body.credit_code:
        return people.find_applicant(conn, body.credit_code, today=today, field="credit_code")
    raise ValidationFailed(fields={"applicant_id": "请提供申请人编号、证件类型和号码或信用代码"})


def _applicant_out(applicant: people.Applicant, *, masked: bool) -> ApplicantOut:
    shown = applicant.masked() if masked else applicant
    return ApplicantOut(
        id=shown.id,
        kind=shown.kind.value,
        name=shown.name,
        id_number=shown.number,
        phone=shown.phone,
        masked=masked,
    )


def _is_applicant(principal: Principal) -> bool:
    return principal.kind in (UserKind.CITIZEN, UserKind.ENTERPRISE)


def _detail(
    conn: Connection, today: date, case: Case, applicant: ApplicantOut, yellow_days: int
) -> CaseDetailOut:
    calendar = load_calendar(conn)
    return CaseDetailOut(
        number=case.number,
        version=case.version,
        status=case.status,
        status_label=case.status.label,
        channel=case.channel,
        item_code=case.item_code,
        item_version=case.item_version,
        department_code=case.department_code,
        accepting_centre_code=case.accepting_centre_code,
        applicant=applicant,
        form=case.form,
        credit_codes_to_verify=credit_codes_to_verify(
            published_item(conn, case.item_code, case.item_version).spec.form, case.form
        ),
        agent=None if case.agent is None else out(AgentOut, case.agent),
        required_materials=list(case.required_materials),
        materials=list(case.materials),
        missing_materials=list(case.missing.names) if case.missing else [],
        missing_supply_by=case.missing.supply_by if case.missing else None,
        correction_needed=list(case.correction.needed) if case.correction else [],
        decision=case.decision.value if case.decision else None,
        decision_reasons=case.decision_reasons,
        result_reference=case.result_reference,
        delivery_method=case.delivery.method,
        pickup_centre_code=case.delivery.pickup_centre_code,
        submitted_at=case.submitted_at,
        accepted_on=case.accepted_on,
        kiosk=case.kiosk,
        assisted_by=out(AssistedByOut, case.assisted_by) if case.assisted_by else None,
        clock=ClockOut(
            deadline=case.deadline,
            days_used=case.days_used(today, calendar),
            promised_days=case.terms.promised_days,
            state=case.status_of_clock(today, calendar, yellow_days),
            stopped=case.clock_stopped,
        ),
    )


# --- submission -----------------------------------------------------------------------------


@router.post("/cases", status_code=201, response_model=CaseOut, summary="网上申请：提交办件")
def submit_online(
    request: Request,
    body: ApplicationIn,
    write: Applicant,
) -> JSONResponse:
    def action(uow: UnitOfWork, actor: Actor) -> CaseOut:
        return CaseOut.of(svc.submit_online(uow, actor, body.application()))

    return run_once(request, write.container, write.key, action, status=201)


@router.post("/cases/drafts", status_code=201, response_model=CaseOut, summary="保存申请草稿")
def save_draft(
    request: Request,
    body: ApplicationIn,
    write: Applicant,
) -> JSONResponse:
    def action(uow: UnitOfWork, actor: Actor) -> CaseOut:
        return CaseOut.of(svc.save_draft(uow, actor, body.application()))

    return run_once(request, write.container, write.key, action, status=201)


@router.post("/cases/window", status_code=201, response_model=CaseOut, summary="窗口收件")
def submit_at_window(request: Request, body: WindowIn, write: Clerk) -> JSONResponse:
    def action(uow: UnitOfWork, actor: Actor) -> CaseOut:
        today = china_date(actor.at)
        applicant = _applicant_id(uow.conn, body, today)
        application = body.identified_application(today)
        ref = svc.submit_at_window(uow, actor, applicant, application, accept=body.accept)
        return CaseOut.of(ref)

    return run_once(request, write.container, write.key, action, status=201)


@router.post("/cases/mail", status_code=201, response_model=CaseOut, summary="信函申请登记")
def submit_by_mail(
    request: Request,
    body: IdentifiedApplicationIn,
    write: Clerk,
) -> JSONResponse:
    def action(uow: UnitOfWork, actor: Actor) -> CaseOut:
        today = china_date(actor.at)
        applicant = _applicant_id(uow.conn, body, today)
        application = body.identified_application(today)
        return CaseOut.of(svc.submit_by_mail(uow, actor, applicant, application))

    return run_once(request, write.container, write.key, action, status=201)


# --- reads ----------------------------------------------------------------------------------

Queue = queries.CaseQueue


def _default_queue(principal: Principal) -> Queue:
    if _is_applicant(principal):
        return "mine"
    if principal.has_role(Role.CLERK, Role.CENTRE_MANAGER):
        return "centre"
    return "department"


@router.get("/cases", response_model=list[CaseSummaryOut], summary="我的办件或工作队列")
def list_cases(
    request: Request,
    response: Response,
    container: ContainerDep,
    principal: QueueReader,
    page: paging.PageParams,
    queue: Annotated[Queue | None, Query(description="默认按角色选择")] = None,
) -> list[CaseSummaryOut]:
    """The applicant's cases newest first, or a staff queue most urgent first; a page at a
    time (``Link: rel="next"`` while more follow)."""
    chosen = queue or _default_queue(principal)
    with container.read() as uow:
        found = queries.case_list(uow.conn, principal, chosen, page, today=today_of(request))
        owners = people.applicants(uow.conn, (r.applicant_id for r in found.rows))
    paging.link_page(request, response, found.next)
    return [
        CaseSummaryOut(
            number=r.number,
            version=r.version,
            status=r.status,
            status_label=r.status.label,
            channel=r.channel,
            item_code=r.item_code,
            item_name=r.item_name,
            department=r.department_name,
            submitted_at=r.submitted_at,
            accepted_on=r.accepted_on,
            deadline=r.deadline,
            applicant=_applicant_out(owners[r.applicant_id], masked=True)
            if r.applicant_id in owners
            else None,
        )
        for r in found.rows
    ]


@router.get("/cases/{number}", response_model=CaseDetailOut, summary="办件详情（含时限）")
def get_case(
    number: CaseNumber, request: Request, container: ContainerDep, principal: CaseReader
) -> CaseDetailOut:
    actor = actor_for(request)
    with container.uow() as uow:
        case = queries.read_case(uow, actor, number, "查阅办件")
        found = people.applicants(uow.conn, [case.applicant_id])[case.applicant_id]
        applicant = _applicant_out(found, masked=False)
        detail = _detail(
            uow.conn, today_of(request), case, applicant, container.settings.case_yellow_days
        )
    return detail


@router.get("/cases/{number}/timeline", response_model=list[TimelineOut], summary="办件办理过程")
def get_timeline(
    number: CaseNumber,
    request: Request,
    response: Response,
    container: ContainerDep,
    principal: CaseReader,
    page: paging.PageParams,
) -> list[TimelineOut]:
    """In the order things happened (by ``seq``), a page at a time."""
    with container.read() as uow:
        entries = queries.timeline(uow.conn, principal, number)
    shown = paging.cut(request, response, entries, lambda e: (e.seq,), page)
    return [out(TimelineOut, e) for e in shown]
