"""Personal data space: licences held, grants, revocation, access log; form prefill and
disputes of prefilled values (表单秒填).

A holder sees only their own data space: every route works on the signed-in holder's ID number
or credit code, never on one given in the request.  Errors: 403 ``data_access_refused``,
404 ``grant_not_found``, 422 ``validation_failed`` / ``unknown_licence_type`` /
``field_not_disputable``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from tongban.domain.data_space.model import Grant
from tongban.domain.people.model import Principal
from tongban.services.data_space import prefill
from tongban.services.data_space import reads as data_space
from tongban.services.platform import access
from tongban.services.platform.context import Actor
from tongban.services.platform.unit_of_work import UnitOfWork
from tongban.web import paging
from tongban.web.api.cases import CaseNumber, CaseOut
from tongban.web.api.views import out
from tongban.web.deps import ContainerDep, Now, Today, actor_for, allow, now_of
from tongban.web.idempotency import IdempotencyKey, run_once
from tongban.web.pages.data_space import holder_licences

router = APIRouter(tags=["data space"])
Holder = Annotated[Principal, Depends(allow(access.APPLICANT))]
ApplicantOrClerk = Annotated[Principal, Depends(allow(access.CASE_APPLICANT_OR_CLERK))]
GrantId = Annotated[int, Path(ge=1, le=2**31 - 1, description="授权编号")]
Short = Annotated[str, Field(max_length=200)]


class LicenceOut(BaseModel):
    id: str
    type_code: str
    holder_name: str
    status: str
    valid_from: Any
    valid_until: Any | None
    issued_at: datetime
    case_number: str | None = None


class GrantIn(BaseModel):
    grantee_department: Annotated[str, Field(max_length=40)] | None = None
    grantee_item: Annotated[str, Field(max_length=40)] | None = None
    type_codes: Annotated[list[Annotated[str, Field(max_length=40)]], Field(max_length=20)]
    fields: Annotated[list[Short], Field(max_length=50)] | None = Field(
        default=None, description="仅限这些字段（如 id_card.birth_date）；不填为所选证照的全部字段"
    )
    purpose: Short
    expires_at: datetime = Field(description="授权截止时间（带时区），最长一年")
    single_use: bool = False


class GrantOut(BaseModel):
    id: int
    grantee_department: str | None
    grantee_item: str | None
    type_codes: list[str]
    fields: list[str] | None
    purpose: str
    expires_at: datetime
    single_use: bool
    status: str = Field(description="active / revoked / used / expired")
    created_at: datetime
    used_at: datetime | None
    revoked_at: datetime | None

    @classmethod
    def of(cls, grant: Grant, now: datetime) -> GrantOut:
        return out(cls, grant, status=grant.status(now))


class AccessOut(BaseModel):
    at: datetime
    actor_name: str | None
    role: str
    department_code: str | None
    item_code: str | None
    kind: str
    what: dict[str, Any]
    purpose: str
    case_number: str | None
    outcome: str
    legal_basis: str | None
    reason: str


class PrefillIn(BaseModel):
    item_code: Annotated[str, Field(min_length=1, max_length=40)]


class PrefillOut(BaseModel):
    values: dict[str, Any]
    locked: list[str]
    missing: dict[str, str] = Field(description="字段名 → 证照来源：证照中没有，请自行填写")


class DisputeIn(BaseModel):
    field: Annotated[str, Field(min_length=1, max_length=40)]
    claim: Annotated[str, Field(min_length=1, max_length=500)] = Field(
        description="申请人认为正确的值"
    )
    reason: Annotated[str, Field(min_length=1, max_length=2000)]
    version: int | None = Field(default=None, ge=1, description="读取办件时得到的 version")


@router.get("/me/data/licences", response_model=list[LicenceOut], summary="我的电子证照")
def my_licences(
    request: Request,
    response: Response,
    container: ContainerDep,
    principal: Holder,
    today: Today,
    page: paging.PageParams,
) -> list[LicenceOut]:
    """The latest issued first, a page at a time."""
    with container.read() as uow:
        found = holder_licences(uow.conn, data_space.holder_id_of(principal))
    listed = [
        LicenceOut(
            id=lic.id,
            type_code=lic.type_code,
            holder_name=lic.holder_name,
            status=lic.status_on(today).value,
            valid_from=lic.valid_from,
            valid_until=lic.valid_until,
            issued_at=lic.issued_at,
            case_number=lic.case_number,
        )
        for lic in found
    ]
    return paging.cut(
        request, response, listed, lambda lic: (lic.issued_at, lic.id), page, descending=True
    )


@router.get("/me/data/grants", response_model=list[GrantOut], summary="我的授权")
def my_grants(
    request: Request,
    response: Response,
    container: ContainerDep,
    principal: Holder,
    now: Now,
    page: paging.PageParams,
) -> list[GrantOut]:
    """The newest first, a page at a time."""
    with container.read() as uow:
        grants = data_space.holder_grants(uow.conn, data_space.holder_id_of(principal))
    listed = [GrantOut.of(g, now) for g in grants]
    return paging.cut(request, response, listed, lambda g: (g.id,), page, descending=True)


@router.post("/me/data/grants", status_code=201, response_model=GrantOut, summary="授权")
def create_grant(
    body: GrantIn,
    request: Request,
    principal: Holder,
    key: IdempotencyKey,
    container: ContainerDep,
) -> JSONResponse:
    """授权 a department or an item to read some licence types (or fields), for a purpose."""

    def action(uow: UnitOfWork, actor: Actor) -> GrantOut:
        holder_id = data_space.holder_id_of(principal)
        terms = data_space.GrantTerms(holder_id=holder_id, **body.model_dump())
        grant = data_space.grant(uow, actor, terms)
        return GrantOut.of(grant, actor.at)

    return run_once(request, container, key, action, status=201)


@router.post("/me/data/grants/{grant_id}/revoke", response_model=GrantOut, summary="撤销授权")
def revoke_grant(
    grant_id: GrantId, request: Request, container: ContainerDep, principal: Holder
) -> GrantOut:
    """撤销授权: effective for the very next request; revoking again changes nothing."""
    actor = actor_for(request)
    with container.uow() as uow:
        data_space.revoke_grant(uow, actor, grant_id)
    with container.read() as uow:
        grants = data_space.holder_grants(uow.conn, data_space.holder_id_of(principal))
    return GrantOut.of(next(g for g in grants if g.id == grant_id), actor.at)


@router.get("/me/data/access-log", response_model=list[AccessOut], summary="访问记录（分页）")
def my_access_log(
    request: Request,
    response: Response,
    container: ContainerDep,
    principal: Holder,
    cursor: paging.CursorParam = None,
    limit: paging.LimitParam = paging.DEFAULT_LIMIT,
) -> list[AccessOut]:
    """Every read of my data space and every refused attempt, and every staff read of my
    personal data, newest first, a page at a time; a ``Link: rel="next"`` header points to
    the older entries (none on the last page)."""
    paging.check_limit(limit)
    position = paging.decode(cursor)
    with container.read() as uow:
        page = data_space.access_log_page(
            uow.conn,
            data_space.holder_id_of(principal),
            limit=limit,
            cursor=position,
            subject_id=principal.user_id,
        )
    paging.link_next(request, response, page.next_cursor)
    return [out(AccessOut, e) for e in page.entries]


@router.post("/me/data/prefill", response_model=PrefillOut, summary="表单秒填")
def my_prefill(
    body: PrefillIn, request: Request, container: ContainerDep, principal: Holder
) -> PrefillOut:
    """The item's form fields that come from my licences, filled in and locked."""
    with container.uow() as uow:
        result = prefill.prefill_own_form(uow, principal, body.item_code, at=now_of(request))
    return PrefillOut(values=result.values, locked=sorted(result.locked), missing=result.missing)


@router.post("/cases/{number}/disputes", response_model=CaseOut, summary="对预填数据提出异议")
def dispute(
    number: CaseNumber,
    body: DisputeIn,
    request: Request,
    _: ApplicantOrClerk,
    key: IdempotencyKey,
    container: ContainerDep,
) -> JSONResponse:
    """The case goes to manual review with the dispute recorded (never decided automatically)."""

    def action(uow: UnitOfWork, actor: Actor) -> CaseOut:
        ref = prefill.dispute(
            uow,
            actor,
            number,
            field=body.field,
            claim=body.claim,
            reason=body.reason,
            expected_version=body.version,
        )
        return CaseOut.of(ref)

    return run_once(request, container, key, action)
