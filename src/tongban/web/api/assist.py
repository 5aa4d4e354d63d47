"""网办辅导 (assisted online filing): a clerk files an applicant's online application with
them, after scanning the applicant's citizen code at the desk (``POST
/identity/citizen-code/redeem``) no more than 15 minutes before.  409
``assist_consent_required`` otherwise, and nothing is filed."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import Field

from tongban.domain.people.model import Principal
from tongban.services.platform.context import Actor
from tongban.services.platform.unit_of_work import UnitOfWork
from tongban.services.self_service import assisted
from tongban.services.self_service.access import ASSISTING_CLERKS
from tongban.web.api.cases import ApplicationIn, CaseOut
from tongban.web.deps import ContainerDep, allow
from tongban.web.idempotency import IdempotencyKey, run_once

router = APIRouter(tags=["cases"])
Clerk = Annotated[Principal, Depends(allow(ASSISTING_CLERKS))]


class AssistedIn(ApplicationIn):
    """The applicant's online application; the clerk scanned their citizen code just now."""

    applicant_id: int = Field(ge=1, description="刚扫码核验的申请人")


@router.post(
    "/cases/assisted", status_code=201, response_model=CaseOut, summary="网办辅导：协助网上申请"
)
def file_assisted(
    request: Request, body: AssistedIn, _clerk: Clerk, key: IdempotencyKey, container: ContainerDep
) -> JSONResponse:
    def action(uow: UnitOfWork, actor: Actor) -> CaseOut:
        ref = assisted.file_assisted(uow, actor, body.applicant_id, body.application())
        return CaseOut.of(ref)

    return run_once(request, container, key, action, status=201)
