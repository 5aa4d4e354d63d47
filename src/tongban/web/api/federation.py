"""跨城通办 cases over HTTP: the cases handed over to partners and received from them, each with
this side's status, the other side's, the result and every message (docs/federation.md).

Errors: 404 ``federation_case_not_found``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from pydantic import BaseModel, Field

from tongban.domain.people.model import Principal
from tongban.services.federation import handover
from tongban.web import paging
from tongban.web.deps import ContainerDep, allow

router = APIRouter(prefix="/federation", tags=["federation"])
Reader = Annotated[Principal, Depends(allow(handover.READERS))]


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


@router.get("/cases/{case_ref}", response_model=FederatedCaseDetail, summary="跨城通办办件")
def get_case(
    container: ContainerDep,
    _reader: Reader,
    case_ref: Annotated[str, Path(pattern=r"^[A-Za-z0-9._-]{1,64}$")],
) -> dict[str, Any]:
    with container.read() as uow:
        case = handover.federated_case(uow.conn, case_ref)
    for message in case["sent"]:
        message.pop("answer", None)
    return _out(case)
