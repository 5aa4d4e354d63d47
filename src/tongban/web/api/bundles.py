"""Bundles (一件事一次办): definitions and applications with their sub-cases.

``POST /bundles/{code}/applications`` creates every sub-case at once (or none) and needs an
``Idempotency-Key``: a retry returns the first answer and creates nothing new.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from tongban.domain.bundles.model import RejectionPolicy
from tongban.domain.bundles.progress import BundleState
from tongban.domain.cases.status import CaseStatus
from tongban.domain.catalogue.model import Audience, FormField
from tongban.domain.people.model import Principal
from tongban.services.bundles import applications as svc
from tongban.services.bundles import queries
from tongban.services.platform import access, audit
from tongban.services.platform.context import Actor
from tongban.services.platform.unit_of_work import UnitOfWork
from tongban.web import paging
from tongban.web.api.cases import DeliveryIn
from tongban.web.deps import ContainerDep, actor_for, allow
from tongban.web.idempotency import IdempotencyKey, run_once

router = APIRouter(tags=["bundles"])

Anyone = Annotated[Principal | None, Depends(allow(access.PUBLIC))]
Applicant = Annotated[Principal, Depends(allow(access.APPLICANT))]
Reader = Annotated[Principal, Depends(allow(queries.BUNDLE_APPLICATION_READERS))]
BundleCode = Annotated[str, Path(max_length=40, description="一件事编码，如 KCG")]
ApplicationNumber = Annotated[
    str, Path(max_length=32, description="一件事申请编号，如 YJS-440605-20261127-0000001")
]


class BundleItemOut(BaseModel):
    item_code: str
    item_name: str
    department_code: str
    department: str
    key: bool = Field(description="“终止”策略下，该事项不予许可时终止其余事项")


class BundleMaterialOut(BaseModel):
    name: str
    note: str
    shared_from: str | None = Field(description="由本一件事中该事项的结果共享，无需提交")


class BundleOut(BaseModel):
    code: str
    name: str
    description: str
    audience: Audience
    policy: RejectionPolicy
    green_channel: bool
    departments: list[str]
    items: list[BundleItemOut]


class BundleDetailOut(BundleOut):
    form: list[FormField]
    materials: list[BundleMaterialOut]


def _out(view: queries.DefinitionView) -> dict[str, Any]:
    d = view.definition
    return {
        "code": d.code,
        "name": d.name,
        "description": d.description,
        "audience": d.audience,
        "policy": d.policy,
        "green_channel": d.green_channel,
        "departments": view.departments,
        "items": [
            BundleItemOut(
                item_code=i.code,
                item_name=i.name,
                department_code=i.department_code,
                department=i.department_name,
                key=i.key,
            )
            for i in view.items
        ],
    }


class BundleApplicationIn(BaseModel):
    """The one shared form and the materials handed in once."""

    form: dict[str, Any] = Field(default_factory=dict)
    materials: list[Annotated[str, Field(max_length=200)]] = Field(
        default_factory=list, max_length=50
    )
    delivery: DeliveryIn = Field(default_factory=DeliveryIn)

    def application(self) -> svc.BundleApplicationIn:
        return svc.BundleApplicationIn(
            form=self.form,
            materials=self.materials,
            delivery_method=self.delivery.method,
            pickup_centre_code=self.delivery.pickup_centre_code,
            recipient=self.delivery.recipient,
            phone=self.delivery.phone,
            address=self.delivery.address,
        )


class CreatedOut(BaseModel):
    number: str
    status: BundleState
    status_label: str
    cases: list[str]


class SubCaseOut(BaseModel):
    number: str
    version: int
    item_code: str
    item_name: str
    department_code: str
    department: str
    status: CaseStatus
    status_label: str
    done: bool
    refused: bool
    accepted_on: date | None
    deadline: date | None


class ApplicationOut(BaseModel):
    number: str
    bundle_code: str
    bundle_name: str
    status: BundleState
    status_label: str
    done: int
    total: int
    refused: int
    green_channel: bool
    created_at: datetime
    notified: bool = Field(description="合并办理结果通知已发出")
    cases: list[SubCaseOut]


@router.get("/bundles", response_model=list[BundleOut], summary="一件事清单")
def list_bundles(
    request: Request,
    response: Response,
    container: ContainerDep,
    _who: Anyone,
    page: paging.PageParams,
) -> list[BundleOut]:
    """In the order they were defined, a page at a time."""
    with container.read() as uow:
        views = queries.definitions(uow.conn)
    shown = paging.cut(request, response, views, lambda v: (v.id,), page)
    return [BundleOut(**_out(v)) for v in shown]


@router.get("/bundles/{code}", response_model=BundleDetailOut, summary="一件事详情（共享表单）")
def get_bundle(code: BundleCode, container: ContainerDep, _who: Anyone) -> BundleDetailOut:
    with container.read() as uow:
        view = queries.definition(uow.conn, code)
    d = view.definition
    materials = [
        BundleMaterialOut(name=m.name, note=m.note, shared_from=m.shared_from) for m in d.materials
    ]
    return BundleDetailOut(**_out(view), form=list(d.form), materials=materials)


@router.post(
    "/bundles/{code}/applications",
    status_code=201,
    response_model=CreatedOut,
    summary="一件事一次申请：同时创建全部子办件",
)
def apply(
    code: BundleCode,
    request: Request,
    body: BundleApplicationIn,
    _who: Applicant,
    key: IdempotencyKey,
    container: ContainerDep,
) -> JSONResponse:
    def action(uow: UnitOfWork, actor: Actor) -> CreatedOut:
        ref = svc.apply(uow, actor, code, body.application())
        return CreatedOut(
            number=ref.number,
            status=ref.status,
            status_label=ref.status.label,
            cases=list(ref.case_numbers),
        )

    return run_once(request, container, key, action, status=201)


@router.get(
    "/bundles/applications/{number}",
    response_model=ApplicationOut,
    summary="一件事申请的合并状态和各子办件",
)
def get_application(
    number: ApplicationNumber, request: Request, container: ContainerDep, principal: Reader
) -> ApplicationOut:
    with container.read() as uow:
        view = queries.access_application(uow.conn, principal, number)
    if principal.user_id != view.applicant_id:
        with container.uow() as uow:
            what = f"bundle:{view.number}"
            audit.log_data_access(uow, actor_for(request), view.applicant_id, what, "一件事联办")
    return application_out(view)


def application_out(view: queries.ApplicationView) -> ApplicationOut:
    p = view.progress
    return ApplicationOut(
        number=view.number,
        bundle_code=view.definition.code,
        bundle_name=view.definition.name,
        status=p.state,
        status_label=p.state.label,
        done=p.done,
        total=p.total,
        refused=p.refused,
        green_channel=view.definition.green_channel,
        created_at=view.created_at,
        notified=view.notified_at is not None,
        cases=[
            SubCaseOut(
                number=line.number,
                version=line.version,
                item_code=line.item_code,
                item_name=line.item_name,
                department_code=line.department_code,
                department=line.department_name,
                status=line.status,
                status_label=line.status.label,
                done=line.sub.done,
                refused=line.sub.refused,
                accepted_on=line.accepted_on,
                deadline=line.deadline,
            )
            for line in view.lines
        ],
    )
