"""Case transitions over HTTP: one POST per step, each carrying the lock ``version`` read and
an ``Idempotency-Key``.  Stale or concurrent: 409 ``stale_version``; a step the status does not
allow: 409 ``illegal_transition``; an applicant acting on another's case: 404."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from tongban.domain.cases.status import DeliveryMethod
from tongban.services.cases import delivery
from tongban.services.cases import lifecycle as svc
from tongban.services.cases.results import LicenceContent
from tongban.services.platform import access
from tongban.services.platform.context import Actor
from tongban.services.platform.unit_of_work import UnitOfWork
from tongban.web.api.cases import CaseNumber, CaseOut
from tongban.web.idempotency import Write, allow_once, run_once

router = APIRouter(tags=["cases"])

# Each step's access policy, container and idempotency key: one dependency (``allow_once``).
Applicant = Annotated[Write, Depends(allow_once(access.APPLICANT))]
Intake = Annotated[Write, Depends(allow_once(access.CASE_INTAKE))]
Clerk = Annotated[Write, Depends(allow_once(access.CASE_CLERKS))]
ApplicantOrClerk = Annotated[Write, Depends(allow_once(access.CASE_APPLICANT_OR_CLERK))]
Reviewer = Annotated[Write, Depends(allow_once(access.CASE_REVIEWERS))]
Chief = Annotated[Write, Depends(allow_once(access.CASE_CHIEFS))]
Text = Annotated[str, Field(max_length=2000)]
RequiredText = Annotated[str, Field(min_length=1, max_length=2000)]
"""A required text: the schema says it may not be empty, as the service does."""
Names = Annotated[list[Annotated[str, Field(max_length=200)]], Field(max_length=50)]


class VersionIn(BaseModel):
    version: int = Field(ge=1, description="读取办件时得到的 version（乐观锁）")


class AcceptIn(VersionIn):
    credit_codes_checked: bool = Field(
        default=False,
        description="表单中的统一社会信用代码校验位不符时，已对照营业执照原件核实",
    )


class NoteIn(VersionIn):
    note: Text = ""


class ReasonsIn(VersionIn):
    reasons: RequiredText


class MissingIn(AcceptIn):
    missing: Names
    commitment: RequiredText
    supply_by: date


class CorrectionIn(VersionIn):
    reasons: RequiredText
    needed: Names


class SupplyCorrectionIn(VersionIn):
    materials: Names = Field(default_factory=list)
    note: Text = ""


class SupplyMissingIn(VersionIn):
    names: Names


class DecisionIn(VersionIn):
    approve: bool
    reasons: Text = ""


class ResultLicenceIn(BaseModel):
    """The content of the e-licence an approval issues (结果电子证照)."""

    fields: dict[Annotated[str, Field(max_length=40)], str | int | float] = Field(
        default_factory=dict, max_length=30, description="证照字段（见证照类型的字段）"
    )
    holder_id: str | None = Field(
        default=None, max_length=40, description="持证主体证件号：仅当持证主体不是申请人时填写"
    )
    holder_name: str | None = Field(default=None, max_length=100)

    def content(self) -> LicenceContent:
        return LicenceContent(self.fields, self.holder_id, self.holder_name)


class ResultIn(VersionIn):
    reference: Annotated[str, Field(max_length=200)] = Field(
        default="", description="结果文号；结果为电子证照时由证照编号代替"
    )
    licence: ResultLicenceIn | None = Field(
        default=None, description="事项的结果是电子证照且准予许可时必填（否则 422）"
    )


class DeliverIn(VersionIn):
    method: DeliveryMethod | None = None
    detail: dict[str, Annotated[str, Field(max_length=200)]] = Field(default_factory=dict)


class WithdrawIn(VersionIn):
    reason: Text = ""


Step = Callable[[UnitOfWork, Actor], svc.CaseRef]


def _run(request: Request, write: Write, step: Step) -> JSONResponse:
    """Run one transition once per key (the service finds an applicant only their own case)."""

    def transition(uow: UnitOfWork, actor: Actor) -> CaseOut:
        return CaseOut.of(step(uow, actor))

    return run_once(request, write.container, write.key, transition)


def _post(path: str, summary: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    return router.post(f"/cases/{{number}}/{path}", response_model=CaseOut, summary=summary)


@_post("submit", "提交草稿")
def submit(
    number: CaseNumber,
    body: VersionIn,
    request: Request,
    write: Applicant,
) -> JSONResponse:
    def step(uow: UnitOfWork, actor: Actor) -> svc.CaseRef:
        return svc.submit_draft(uow, actor, number, body.version)

    return _run(request, write, step)


@_post("precheck", "预审")
def precheck(
    number: CaseNumber,
    body: NoteIn,
    request: Request,
    write: Intake,
) -> JSONResponse:
    def step(uow: UnitOfWork, actor: Actor) -> svc.CaseRef:
        return svc.precheck(uow, actor, number, body.version, body.note)

    return _run(request, write, step)


@_post("accept", "受理")
def accept(
    number: CaseNumber,
    body: AcceptIn,
    request: Request,
    write: Intake,
) -> JSONResponse:
    def step(uow: UnitOfWork, actor: Actor) -> svc.CaseRef:
        return svc.accept(
            uow, actor, number, body.version, credit_codes_checked=body.credit_codes_checked
        )

    return _run(request, write, step)


@_post("accept-with-missing-materials", "容缺受理")
def accept_with_missing_materials(
    number: CaseNumber,
    body: MissingIn,
    request: Request,
    write: Intake,
) -> JSONResponse:
    def step(uow: UnitOfWork, actor: Actor) -> svc.CaseRef:
        return svc.accept_with_missing_materials(
            uow,
            actor,
            number,
            body.version,
            body.missing,
            body.commitment,
            body.supply_by,
            credit_codes_checked=body.credit_codes_checked,
        )

    return _run(request, write, step)


@_post("refuse", "不予受理")
def refuse(
    number: CaseNumber,
    body: ReasonsIn,
    request: Request,
    write: Intake,
) -> JSONResponse:
    def step(uow: UnitOfWork, actor: Actor) -> svc.CaseRef:
        return svc.refuse_acceptance(uow, actor, number, body.version, body.reasons)

    return _run(request, write, step)


@_post("request-correction", "一次性告知补正")
def request_correction(
    number: CaseNumber,
    body: CorrectionIn,
    request: Request,
    write: Intake,
) -> JSONResponse:
    def step(uow: UnitOfWork, actor: Actor) -> svc.CaseRef:
        return svc.request_correction(uow, actor, number, body.version, body.reasons, body.needed)

    return _run(request, write, step)


@_post("supply-correction", "提交补正材料")
def supply_correction(
    number: CaseNumber,
    body: SupplyCorrectionIn,
    request: Request,
    write: ApplicantOrClerk,
) -> JSONResponse:
    def step(uow: UnitOfWork, actor: Actor) -> svc.CaseRef:
        return svc.supply_correction(uow, actor, number, body.version, body.materials, body.note)

    return _run(request, write, step)


@_post("supply-missing-materials", "补交容缺材料")
def supply_missing_materials(
    number: CaseNumber,
    body: SupplyMissingIn,
    request: Request,
    write: ApplicantOrClerk,
) -> JSONResponse:
    def step(uow: UnitOfWork, actor: Actor) -> svc.CaseRef:
        return svc.supply_missing_materials(uow, actor, number, body.version, body.names)

    return _run(request, write, step)


@_post("start-review", "开始审查")
def start_review(
    number: CaseNumber,
    body: VersionIn,
    request: Request,
    write: Reviewer,
) -> JSONResponse:
    def step(uow: UnitOfWork, actor: Actor) -> svc.CaseRef:
        return svc.start_review(uow, actor, number, body.version)

    return _run(request, write, step)


@_post("propose-decision", "审查意见：准予，或拟不予许可（待科长签发）")
def propose_decision(
    number: CaseNumber,
    body: DecisionIn,
    request: Request,
    write: Reviewer,
) -> JSONResponse:
    def step(uow: UnitOfWork, actor: Actor) -> svc.CaseRef:
        return svc.propose_decision(uow, actor, number, body.version, body.approve, body.reasons)

    return _run(request, write, step)


@_post("sign-off", "科长签发不予许可决定")
def sign_off(
    number: CaseNumber,
    body: NoteIn,
    request: Request,
    write: Chief,
) -> JSONResponse:
    def step(uow: UnitOfWork, actor: Actor) -> svc.CaseRef:
        return svc.sign_off_rejection(uow, actor, number, body.version, body.note)

    return _run(request, write, step)


@_post("send-back", "科长退回不予许可意见")
def send_back(
    number: CaseNumber,
    body: NoteIn,
    request: Request,
    write: Chief,
) -> JSONResponse:
    def step(uow: UnitOfWork, actor: Actor) -> svc.CaseRef:
        return svc.send_back(uow, actor, number, body.version, body.note)

    return _run(request, write, step)


@_post("issue-result", "出具办理结果")
def issue_result(
    number: CaseNumber,
    body: ResultIn,
    request: Request,
    write: Reviewer,
) -> JSONResponse:
    def step(uow: UnitOfWork, actor: Actor) -> svc.CaseRef:
        # Delivery starts in the same transaction: a pickup code goes to the applicant by
        # SMS and message (never into this answer), a parcel is booked, or it is delivered.
        dispatch = delivery.issue_result_and_dispatch(
            uow,
            actor,
            number,
            body.version,
            write.container.courier,
            body.reference,
            keys=write.container.keys,
            licence=body.licence.content() if body.licence else None,
        )
        return dispatch.ref

    return _run(request, write, step)


class CollectIn(BaseModel):
    code: str = Field(pattern=r"^[0-9]{6}$", description="申请人收到的 6 位取件码")


@_post("collect", "凭取件码领取结果（取件中心窗口）")
def collect(
    number: CaseNumber,
    body: CollectIn,
    request: Request,
    write: Clerk,
) -> JSONResponse:
    def step(uow: UnitOfWork, actor: Actor) -> svc.CaseRef:
        return delivery.collect_result(uow, actor, number, body.code)

    return _run(request, write, step)


class PickupCodeOut(BaseModel):
    number: str
    code: str = Field(description="新的 6 位取件码；旧码即时作废")


@router.post(
    "/cases/{number}/pickup-code",
    response_model=PickupCodeOut,
    summary="申请人重新获取取件码（遗失或已锁定）",
)
def reissue_pickup_code(
    number: CaseNumber,
    request: Request,
    write: Applicant,
) -> JSONResponse:
    """The signed-in applicant's own result awaiting pickup gets a new code; the old one stops
    working.  The answer carries the code: it goes only to the applicant themselves."""

    def action(uow: UnitOfWork, actor: Actor) -> PickupCodeOut:
        return PickupCodeOut(number=number, code=delivery.reissue_pickup_code(uow, actor, number))

    return run_once(request, write.container, write.key, action)


@_post("deliver", "送达结果")
def deliver(
    number: CaseNumber,
    body: DeliverIn,
    request: Request,
    write: Intake,
) -> JSONResponse:
    def step(uow: UnitOfWork, actor: Actor) -> svc.CaseRef:
        return svc.deliver(uow, actor, number, body.version, body.method, body.detail)

    return _run(request, write, step)


@_post("archive", "归档")
def archive(
    number: CaseNumber,
    body: VersionIn,
    request: Request,
    write: Intake,
) -> JSONResponse:
    def step(uow: UnitOfWork, actor: Actor) -> svc.CaseRef:
        return svc.archive(uow, actor, number, body.version)

    return _run(request, write, step)


@_post("withdraw", "撤回申请")
def withdraw(
    number: CaseNumber,
    body: WithdrawIn,
    request: Request,
    write: ApplicantOrClerk,
) -> JSONResponse:
    def step(uow: UnitOfWork, actor: Actor) -> svc.CaseRef:
        return svc.withdraw(uow, actor, number, body.version, body.reason)

    return _run(request, write, step)


@_post("terminate", "终止办理")
def terminate(
    number: CaseNumber,
    body: ReasonsIn,
    request: Request,
    write: Reviewer,
) -> JSONResponse:
    def step(uow: UnitOfWork, actor: Actor) -> svc.CaseRef:
        return svc.terminate(uow, actor, number, body.version, body.reasons)

    return _run(request, write, step)
