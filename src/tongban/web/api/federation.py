"""跨城通办 cases over HTTP: the cases handed over to partners and received from them, each with
this side's status, the other side's, the result and every message (docs/federation.md).

The window records an applicant's withdrawal of a case handed over (``POST …/withdraw``,
``case.withdrawn`` to the partner) with an ``Idempotency-Key``.

Errors: 404 ``federation_case_not_found``; 409 ``federation_handover_closed`` (the case here is
not open, the partner has decided it, or a refused message of it waits to be resolved); 422
``federation_handover_incomplete`` or ``validation_failed`` (no reason).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from tongban.adapters.node_keys import NodeKeysMissing
from tongban.domain.federation.errors import NodeNotInitialised
from tongban.domain.people.model import Principal
from tongban.services.federation import handover
from tongban.services.platform import access
from tongban.services.platform.context import Actor
from tongban.services.platform.unit_of_work import UnitOfWork
from tongban.web import paging
from tongban.web.deps import ContainerDep, allow
from tongban.web.idempotency import IdempotencyKey, run_once

router = APIRouter(prefix="/federation", tags=["federation"])
Reader = Annotated[Principal, Depends(allow(handover.READERS))]
Clerk = Annotated[Principal, Depends(allow(access.CASE_CLERKS))]
CaseRef = Annotated[str, Path(pattern=r"^[A-Za-z0-9._-]{1,64}$")]


class FederatedCaseOut(BaseModel):
    """A case of the exchange as this node knows it."""

    case_ref: str = Field(description="受理地的办件编号，双方通用")
    role: Literal["out", "in"] = Field(description="out：本节点代收移交；in：本节点收到并审批")
    partner: str = Field(description="对方节点的行政区划代码")
    item_code: str
    applicant_name: str
    status: str = Field(
        description="本方状态：handed_over、collected、cancelled；收到的为 received"
    )
    remote_status: str = Field(
        description="对方最近告知的状态（如 accepted、approved、result_issued）"
    )
    remote_detail: dict[str, Any]
    result: dict[str, Any] | None = Field(description="对方签名的办理结果（电子证照）")
    result_verified: bool | None = Field(description="结果签名是否已用对方公布的公钥验证")
    licence_id: str | None = Field(
        None, description="结果带回的电子证照编号（已用对方的证照公钥核验，存入申请人的数据空间）"
    )
    materials: list[dict[str, Any]]
    created_at: datetime
    updated_at: datetime


class FederatedCaseDetail(FederatedCaseOut):
    sent: list[dict[str, Any]] = Field(description="本方发出的消息：seq、type、status、at")
    received: list[dict[str, Any]] = Field(description="本方收到并处理的消息：seq、type、at")


def _out(row: Any) -> dict[str, Any]:
    data = dict(row._mapping) if hasattr(row, "_mapping") else dict(row)
    return {k: data[k] for k in FederatedCaseDetail.model_fields if k in data}


@router.get("/cases", response_model=list[FederatedCaseOut], summary="跨城通办办件列表")
def list_cases(
    request: Request,
    response: Response,
    container: ContainerDep,
    _reader: Reader,
    page: paging.PageParams,
    role: Annotated[Literal["in", "out"] | None, Query()] = None,
) -> list[dict[str, Any]]:
    """Newest first, a page at a time (``limit``, ``cursor``; the next page in ``Link``)."""
    with container.read() as uow:
        found = handover.federated_cases_page(uow.conn, role, page)
    paging.link_page(request, response, found.next)
    return [_out(row) for row in found.rows]


def _detail(case: dict[str, Any]) -> dict[str, Any]:
    for message in case["sent"]:
        message.pop("answer", None)
    return _out(case)


@router.get("/cases/{case_ref}", response_model=FederatedCaseDetail, summary="跨城通办办件")
def get_case(container: ContainerDep, _reader: Reader, case_ref: CaseRef) -> dict[str, Any]:
    with container.read() as uow:
        return _detail(handover.federated_case(uow.conn, case_ref))


class WithdrawIn(BaseModel):
    reason: str = Field(min_length=1, max_length=500, description="申请人撤回的原因")


@router.post(
    "/cases/{case_ref}/withdraw",
    response_model=FederatedCaseDetail,
    summary="申请人撤回已移交的跨城通办办件",
)
def withdraw_case(
    case_ref: CaseRef,
    body: WithdrawIn,
    request: Request,
    container: ContainerDep,
    _clerk: Clerk,
    key: IdempotencyKey,
) -> JSONResponse:
    """The applicant withdraws at this window a case handed over (撤回申请): ``case.withdrawn``
    goes to the partner, which withdraws its case; the case here becomes ``withdrawn`` (its
    ``sent`` lists the message).  The same call as the case page's form."""
    try:
        signer = container.node_keys
    except NodeKeysMissing:
        raise NodeNotInitialised() from None

    def run(uow: UnitOfWork, actor: Actor) -> dict[str, Any]:
        handover.withdraw(uow, actor, signer, case_ref, body.reason)
        return _detail(handover.federated_case(uow.conn, case_ref))

    return run_once(request, container, key, run)
