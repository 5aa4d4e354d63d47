"""网办辅导 (assisted online filing): a clerk files an applicant's online application with
them, after scanning the applicant's citizen code at the desk (``POST
/identity/citizen-code/redeem``) no more than 15 minutes before — or, with the applicant
identified at the desk in that time by any means, on their handwritten signature
(``signature_png``).  409 ``assist_consent_required`` otherwise, and nothing is filed.  The
signature is shown to those who may see the case at ``GET /cases/{number}/consent-signature``
(a staff view logged in the applicant's access log)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse
from pydantic import Field

from tongban.domain.people.model import Principal
from tongban.services.platform import access
from tongban.services.platform.context import Actor
from tongban.services.platform.unit_of_work import UnitOfWork
from tongban.services.self_service import assisted, signature
from tongban.services.self_service.access import ASSISTING_CLERKS
from tongban.web.api.attachments import CaseNumber, store_of
from tongban.web.api.cases import ApplicationIn, CaseOut
from tongban.web.deps import ContainerDep, actor_for, allow
from tongban.web.idempotency import IdempotencyKey, run_once

router = APIRouter(tags=["cases"])
Clerk = Annotated[Principal, Depends(allow(ASSISTING_CLERKS))]
CaseReader = Annotated[Principal, Depends(allow(access.CASE_READERS))]


class AssistedIn(ApplicationIn):
    """The applicant's online application; the clerk scanned their citizen code just now."""

    applicant_id: int = Field(ge=1, description="刚扫码（或读取身份证）核验的申请人")
    signature_png: str | None = Field(
        default=None,
        max_length=280_000,
        description=(
            "申请人在签名板上的手写签名：PNG 图片的 base64（可带 data:image/png;base64, 前缀），"
            "不超过 200 KB、宽高不超过 2000 像素、不得为空白。给出时以签名确认代替市民码。"
        ),
    )


@router.post(
    "/cases/assisted", status_code=201, response_model=CaseOut, summary="网办辅导：协助网上申请"
)
def file_assisted(
    request: Request, body: AssistedIn, _clerk: Clerk, key: IdempotencyKey, container: ContainerDep
) -> JSONResponse:
    def action(uow: UnitOfWork, actor: Actor) -> CaseOut:
        drawn = None if body.signature_png is None else signature.decode_data(body.signature_png)
        ref = assisted.file_assisted(
            uow,
            actor,
            body.applicant_id,
            body.application(),
            signature=drawn,
            files=store_of(container),
        )
        return CaseOut.of(ref)

    return run_once(request, container, key, action, status=201)


@router.get(
    "/cases/{number}/consent-signature",
    response_class=Response,
    responses={200: {"content": {"image/png": {}}}},
    summary="网办辅导：申请人签名确认（PNG）",
)
def consent_signature(
    number: CaseNumber, request: Request, container: ContainerDep, _who: CaseReader
) -> Response:
    """申请人在签名板上的签名；工作人员查看记入申请人的个人数据访问记录。"""
    with container.uow() as uow:
        sha256, content = signature.open_consent_signature(
            uow, actor_for(request), store_of(container), number
        )
    with content:
        data = content.read(signature.MAX_BYTES + 1)
    headers = {
        "Cache-Control": "private, no-store",
        "X-Content-Type-Options": "nosniff",
        "ETag": f'"{sha256}"',
        "Content-Disposition": f'inline; filename="consent-{number}.png"',
    }
    return Response(data, media_type="image/png", headers=headers)
