"""Smart approval (秒批): submit a smart item and get the decision in the same request.

``POST /smart/{item_code}/apply`` needs an ``Idempotency-Key``: a retried request gets the
first answer, never a second case.  Errors: 422 ``validation_failed`` (a form value of the
wrong type, no consent), 422 ``not_smart_item``, 404 ``no_rule_set_in_force``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi import Path as PathParam
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from tongban.domain.people.model import Principal
from tongban.services.platform import access
from tongban.services.platform.context import Actor
from tongban.services.platform.unit_of_work import UnitOfWork
from tongban.services.smart import approval as svc
from tongban.web.api.views import out
from tongban.web.deps import ContainerDep, actor_for, allow
from tongban.web.idempotency import Write, allow_once, run_once

router = APIRouter(tags=["smart approval"])

Code = Annotated[str, PathParam(max_length=40, pattern=r"^[A-Za-z0-9-]+$")]
Number = Annotated[str, PathParam(max_length=32, pattern=r"^[A-Za-z0-9-]+$")]
Applicant = Annotated[Principal, Depends(allow(access.APPLICANT))]
Readers = Annotated[Principal, Depends(allow(access.CASE_READERS))]
ApplicantWrite = Annotated[Write, Depends(allow_once(access.APPLICANT))]
"""The applicant's policy, the container and the idempotency key: one dependency."""


class ApplyIn(BaseModel):
    form: dict[str, Any] = Field(
        default_factory=dict, description="申请表；预填并锁定的字段以证照为准"
    )
    consent: bool = Field(
        description="同意为本次办理授权事项主管部门读取所需的电子证照数据（一次性）"
    )


class DecisionOut(BaseModel):
    number: str
    version: int
    status: str
    outcome: str
    rule_set_version: int
    results: list[dict[str, Any]]
    reasons: list[str]
    licence_id: str | None
    licence_pdf: str | None

    @classmethod
    def of(cls, decision: svc.SmartDecision) -> DecisionOut:
        return out(cls, decision, licence_pdf=pdf_link(decision.licence_id))


def pdf_link(licence_id: str | None) -> str | None:
    return f"/licences/{licence_id}.pdf" if licence_id else None


class PrefillOut(BaseModel):
    values: dict[str, Any]
    locked: list[str]
    missing: dict[str, str]


class DecisionViewOut(BaseModel):
    number: str
    item_code: str
    outcome: str
    rule_set_version: int
    results: list[dict[str, Any]]
    licence_id: str | None
    licence_pdf: str | None
    decided_at: datetime
    case_status: str
    human_review: dict[str, Any] | None

    @classmethod
    def of(cls, view: svc.DecisionView) -> DecisionViewOut:
        return out(cls, view, licence_pdf=pdf_link(view.licence_id))


class HumanReviewIn(BaseModel):
    reason: Annotated[str, Field(min_length=1, max_length=1000)]


@router.get("/smart/{item_code}/prefill", response_model=PrefillOut, summary="表单秒填")
def prefill(item_code: Code, request: Request, container: ContainerDep, _: Applicant) -> Any:
    """The applicant's form filled from their own licences (the read is logged)."""
    actor = actor_for(request)
    with container.uow() as uow:
        item = svc.smart_item(uow.conn, item_code)
        filled = svc.prefill_for(uow, actor, item)
    return PrefillOut(values=filled.values, locked=sorted(filled.locked), missing=filled.missing)


@router.post(
    "/smart/{item_code}/apply",
    response_model=DecisionOut,
    status_code=201,
    summary="秒批申请：提交即决定",
)
def apply(
    item_code: Code,
    body: ApplyIn,
    request: Request,
    write: ApplicantWrite,
) -> JSONResponse:
    def action(uow: UnitOfWork, actor: Actor) -> DecisionOut:
        keys = write.container.keys
        decision = svc.apply(uow, actor, keys, item_code, body.form, consent=body.consent)
        return DecisionOut.of(decision)

    return run_once(request, write.container, write.key, action, status=201)


@router.get(
    "/smart/cases/{number}/decision", response_model=DecisionViewOut, summary="自动审批决定及说明"
)
def decision(number: Number, request: Request, container: ContainerDep, _: Readers) -> Any:
    with container.read() as uow:
        return DecisionViewOut.of(svc.decision_for(uow.conn, actor_for(request), number))


@router.post(
    "/smart/cases/{number}/human-review",
    response_model=DecisionViewOut,
    summary="申请人工复核（《个人信息保护法》第二十四条）",
)
def human_review(
    number: Number,
    body: HumanReviewIn,
    request: Request,
    write: ApplicantWrite,
) -> JSONResponse:
    def action(uow: UnitOfWork, actor: Actor) -> DecisionViewOut:
        view = svc.request_human_review(uow, actor, number, body.reason)
        return DecisionViewOut.of(view)

    return run_once(request, write.container, write.key, action)
