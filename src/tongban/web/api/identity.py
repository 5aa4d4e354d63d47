"""Certificate-free identity: citizen codes, ID-card reader and face check.

A citizen or enterprise gets a citizen code (2 minutes, single use); a window clerk redeems it,
or reads an ID card, or runs a face check.  Errors: 400 ``citizen_code_invalid``, 409
``citizen_code_used``, 410 ``citizen_code_expired``, 403 ``face_mismatch``, 422
``id_card_unreadable``, 404 ``person_not_registered``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from tongban.domain.identity_check.model import IdentifiedPerson
from tongban.domain.people.model import Principal
from tongban.services.identity import check as identity_check
from tongban.services.platform import access
from tongban.web.api.views import out
from tongban.web.deps import ContainerDep, actor_for, allow
from tongban.web.pages.identity import qr_svg

router = APIRouter(prefix="/identity", tags=["identity"])
Holder = Annotated[Principal, Depends(allow(access.APPLICANT))]
Clerk = Annotated[Principal, Depends(allow(access.CASE_CLERKS))]


class CitizenCodeOut(BaseModel):
    token: str = Field(description="市民码码文（签名令牌），2 分钟内有效，只能使用一次")
    expires_at: datetime
    qr_svg: str = Field(description="二维码（SVG）")


class RedeemIn(BaseModel):
    token: Annotated[str, Field(min_length=1, max_length=200)]


class IdCardIn(BaseModel):
    device_payload: dict[str, Annotated[str, Field(max_length=100)]] = Field(
        description="读卡器读出的芯片数据：id_number、name"
    )


class FaceIn(BaseModel):
    id_number: Annotated[str, Field(min_length=1, max_length=18)]
    probe: Annotated[str, Field(min_length=1, max_length=200)] = Field(
        description="摄像头采集的人脸特征"
    )


class PersonOut(BaseModel):
    user_id: int
    name: str
    id_number: str = Field(description="完整证件号码（仅供窗口核验，读取已记录）")
    masked: str
    kind: str
    method: str
    score: float | None = None

    @classmethod
    def of(cls, person: IdentifiedPerson) -> PersonOut:
        return out(cls, person)


@router.post("/citizen-code", response_model=CitizenCodeOut, summary="生成市民码")
def issue_code(request: Request, container: ContainerDep, _: Holder) -> CitizenCodeOut:
    with container.uow() as uow:
        code = identity_check.issue_citizen_code(uow, actor_for(request), key=container.secret_key)
    return CitizenCodeOut(
        token=code.token, expires_at=code.expires_at, qr_svg=str(qr_svg(code.token))
    )


@router.post("/citizen-code/redeem", response_model=PersonOut, summary="核验市民码")
def redeem_code(body: RedeemIn, request: Request, container: ContainerDep, _: Clerk) -> PersonOut:
    """Single use: a second scan, an expired or a forged code is refused and changes nothing."""
    with container.uow() as uow:
        person = identity_check.redeem_citizen_code(
            uow, actor_for(request), body.token, key=container.secret_key
        )
    return PersonOut.of(person)


@router.post("/id-card", response_model=PersonOut, summary="读取身份证")
def read_card(body: IdCardIn, request: Request, container: ContainerDep, _: Clerk) -> PersonOut:
    with container.uow() as uow:
        person = identity_check.read_id_card(
            uow, actor_for(request), body.device_payload, reader=container.id_card_reader
        )
    return PersonOut.of(person)


@router.post("/face", response_model=PersonOut, summary="人脸核验")
def face(body: FaceIn, request: Request, container: ContainerDep, _: Clerk) -> PersonOut:
    threshold: Any = container.settings.face_match_threshold
    with container.uow() as uow:
        person = identity_check.face_check(
            uow,
            actor_for(request),
            id_number=body.id_number,
            probe=body.probe,
            camera=container.face_camera,
            threshold=threshold,
        )
    return PersonOut.of(person)


class ConsentIn(BaseModel):
    user_id: int = Field(ge=1, description="刚核验身份的申请人")
    item_code: Annotated[str, Field(min_length=1, max_length=40)]


class ConsentOut(BaseModel):
    grant_id: int
    item_code: str
    type_codes: list[str]
    expires_at: datetime


@router.post("/consent", response_model=ConsentOut, summary="记录当面授权")
def consent(body: ConsentIn, request: Request, container: ContainerDep, _: Clerk) -> ConsentOut:
    """The applicant identified at this window in the last 15 minutes consents that the item's
    case take the e-licences it needs; 409 ``identify_first`` otherwise."""
    with container.uow() as uow:
        grant = identity_check.record_consent(
            uow, actor_for(request), subject_id=body.user_id, item_code=body.item_code
        )
    return ConsentOut(
        grant_id=grant.id,
        item_code=grant.grantee_item or "",
        type_codes=list(grant.type_codes),
        expires_at=grant.expires_at,
    )
