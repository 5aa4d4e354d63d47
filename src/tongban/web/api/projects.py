"""Proxy service projects (代办): projects, authorisations, roadmaps, steps, notes.

Every POST needs an ``Idempotency-Key``; a change to a project names the ``version`` read
(409 ``stale_version`` when someone else changed it first).  Another company's or another
agent's project is 404 ``project_not_found``; an agent acting without the company's
authorisation in force gets 403 ``agent_not_authorised``.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from tongban.domain.people.model import Principal
from tongban.domain.projects.model import ProjectInput
from tongban.services.platform import audit
from tongban.services.platform.context import Actor
from tongban.services.platform.unit_of_work import UnitOfWork
from tongban.services.projects import dashboard as project_dashboard
from tongban.services.projects import lifecycle as svc
from tongban.services.projects import queries
from tongban.services.projects import steps as steps_svc
from tongban.services.projects.access import (
    PROJECT_AGENTS,
    PROJECT_CENTRE,
    PROJECT_COMPANIES,
    PROJECT_READERS,
)
from tongban.web import paging
from tongban.web.api.views import out
from tongban.web.deps import ContainerDep, actor_for, allow, now_of, today_of
from tongban.web.idempotency import IdempotencyKey, run_once

router = APIRouter(tags=["projects"])

Company = Annotated[Principal, Depends(allow(PROJECT_COMPANIES))]
Agent = Annotated[Principal, Depends(allow(PROJECT_AGENTS))]
Centre = Annotated[Principal, Depends(allow(PROJECT_CENTRE))]
Reader = Annotated[Principal, Depends(allow(PROJECT_READERS))]
ProjectCode = Annotated[str, Path(max_length=20, description="项目编号，如 XM000001")]
Position = Annotated[int, Path(ge=1, le=100, description="审批环节序号（从 1 起）")]


class ProjectIn(BaseModel):
    name: Annotated[str, Field(min_length=1, max_length=120, description="项目名称")]
    investment_wan: Annotated[Decimal, Field(description="总投资（万元），大于零")]
    industry: Annotated[str, Field(min_length=1, max_length=20, description="所属行业")]
    site_address: Annotated[str, Field(min_length=1, max_length=200, description="项目地址")]
    town: Annotated[str, Field(min_length=1, max_length=20, description="所在镇街")]
    construction: bool = Field(description="是否工程建设项目（走四阶段审批）")
    credit_code: Annotated[str, Field(min_length=1, max_length=30, description="统一社会信用代码")]
    legal_representative: Annotated[
        str, Field(min_length=1, max_length=100, description="法定代表人")
    ]


class VersionIn(BaseModel):
    version: int = Field(ge=1, description="读取项目时得到的 version（乐观锁）")


class FileStepIn(BaseModel):
    form: dict[str, Annotated[str, Field(max_length=500)]] = Field(
        default_factory=dict, description="申请表中未能自动填入的字段"
    )
    materials: list[Annotated[str, Field(max_length=200)]] | None = Field(
        default=None, max_length=50, description="已收齐的材料；缺省为事项要求的全部材料"
    )


class NoteIn(BaseModel):
    kind: Annotated[
        str, Field(min_length=1, max_length=12, description="meeting / call / visit / note")
    ]
    body: Annotated[str, Field(min_length=1, max_length=2000)]


class ProjectRefOut(BaseModel):
    code: str
    version: int
    status: str


class FiledStepOut(BaseModel):
    project_code: str
    position: int
    case_number: str
    due_on: date | None


class ProjectSummaryOut(BaseModel):
    code: str
    name: str
    company_name: str
    industry: str
    town: str
    investment_wan: int
    construction: bool
    status: str
    agent_name: str | None
    steps_done: int
    steps_total: int
    overdue: int
    version: int


class StepOut(BaseModel):
    position: int
    stage: int
    stage_name: str
    item_code: str
    item_name: str
    department: str
    progress: str
    case_number: str | None
    case_status: str | None
    filed_at: datetime | None
    due_on: date | None
    overdue: bool


class ProjectOut(BaseModel):
    code: str
    name: str
    company_name: str
    credit_code: str
    legal_representative: str
    investment_wan: int
    industry: str
    site_address: str
    town: str
    construction: bool
    status: str
    agent_name: str | None
    authorised: bool
    version: int
    current_stage: str | None
    steps: list[StepOut]


def _ref(ref: svc.ProjectRef) -> ProjectRefOut:
    return ProjectRefOut(code=ref.code, version=ref.version, status=ref.status.value)


@router.get("/projects", response_model=list[ProjectSummaryOut], summary="我可见的投资项目")
def list_projects(
    request: Request,
    response: Response,
    container: ContainerDep,
    principal: Reader,
    page: paging.PageParams,
) -> list[ProjectSummaryOut]:
    """Newest first, a page at a time (``Link: rel="next"`` while more follow)."""
    with container.read() as uow:
        found = queries.project_page(uow.conn, principal, today_of(request), page)
    paging.link_page(request, response, found.next)
    return [out(ProjectSummaryOut, r, status=r.status.value) for r in found.rows]


@router.post("/projects", status_code=201, response_model=ProjectRefOut, summary="登记投资项目")
def register(
    body: ProjectIn,
    request: Request,
    principal: Company,
    key: IdempotencyKey,
    container: ContainerDep,
) -> JSONResponse:
    data = ProjectInput(**body.model_dump())

    def action(uow: UnitOfWork, actor: Actor) -> ProjectRefOut:
        return _ref(svc.register_project(uow, actor, data))

    return run_once(request, container, key, action, status=201)


@router.get("/projects/dashboard", summary="代办中心看板：阶段、镇街、行业、投资额、瓶颈")
def get_dashboard(request: Request, container: ContainerDep, principal: Centre) -> Any:
    with container.read() as uow:
        board = project_dashboard.dashboard(uow.conn, principal, today_of(request), now_of(request))
    return board


@router.get("/projects/{code}", response_model=ProjectOut, summary="项目详情与审批路线图")
def get_project(
    code: ProjectCode, request: Request, container: ContainerDep, principal: Reader
) -> ProjectOut:
    with container.read() as uow:
        view = queries.get_project(uow.conn, principal, code, today_of(request))
    if view.company_id != principal.user_id:
        # Staff reading the company's legal representative and phone: logged.
        with container.uow() as uow:
            audit.log_data_access(
                uow, actor_for(request), view.company_id, f"project:{view.code}", "代办服务"
            )
    current = view.current_stage
    return ProjectOut(
        code=view.code,
        name=view.name,
        company_name=view.company_name,
        credit_code=view.credit_code,
        legal_representative=view.legal_representative,
        investment_wan=view.investment_wan,
        industry=view.industry,
        site_address=view.site_address,
        town=view.town,
        construction=view.construction,
        status=view.status.value,
        agent_name=view.agent_name,
        authorised=view.authorised,
        version=view.version,
        current_stage=current.name if current else None,
        steps=[
            StepOut(
                position=s.position,
                stage=s.stage,
                stage_name=stage.name,
                item_code=s.item_code,
                item_name=s.item_name,
                department=s.department_name,
                progress=s.progress.value,
                case_number=s.case_number,
                case_status=s.case_status.value if s.case_status else None,
                filed_at=s.filed_at,
                due_on=s.due_on,
                overdue=s.overdue,
            )
            for stage in view.stages
            for s in stage.steps
        ],
    )


@router.post("/projects/{code}/request-agent", response_model=ProjectRefOut, summary="申请代办服务")
def request_agent(
    code: ProjectCode,
    body: VersionIn,
    request: Request,
    principal: Company,
    key: IdempotencyKey,
    container: ContainerDep,
) -> JSONResponse:
    def action(uow: UnitOfWork, actor: Actor) -> ProjectRefOut:
        return _ref(svc.request_proxy_service(uow, actor, code, body.version))

    return run_once(request, container, key, action)


@router.post(
    "/projects/{code}/authorisation", response_model=ProjectRefOut, summary="授权代办员代为办理"
)
def authorise(
    code: ProjectCode,
    body: VersionIn,
    request: Request,
    principal: Company,
    key: IdempotencyKey,
    container: ContainerDep,
) -> JSONResponse:
    def action(uow: UnitOfWork, actor: Actor) -> ProjectRefOut:
        return _ref(svc.authorise_agent(uow, actor, code, body.version))

    return run_once(request, container, key, action)


@router.post(
    "/projects/{code}/authorisation/revoke",
    response_model=ProjectRefOut,
    summary="撤回代办授权",
)
def revoke(
    code: ProjectCode,
    body: VersionIn,
    request: Request,
    principal: Company,
    key: IdempotencyKey,
    container: ContainerDep,
) -> JSONResponse:
    def action(uow: UnitOfWork, actor: Actor) -> ProjectRefOut:
        return _ref(svc.revoke_authorisation(uow, actor, code, body.version))

    return run_once(request, container, key, action)


@router.post(
    "/projects/{code}/steps/{position}/file",
    status_code=201,
    response_model=FiledStepOut,
    summary="代办员为企业申报审批环节（生成办件）",
)
def file_step(
    code: ProjectCode,
    position: Position,
    body: FileStepIn,
    request: Request,
    principal: Agent,
    key: IdempotencyKey,
    container: ContainerDep,
) -> JSONResponse:
    def action(uow: UnitOfWork, actor: Actor) -> FiledStepOut:
        filed = steps_svc.file_step(uow, actor, code, position, body.form, body.materials)
        return out(FiledStepOut, filed)

    return run_once(request, container, key, action, status=201)


@router.post("/projects/{code}/notes", status_code=201, summary="代办员记录会商、走访和备注")
def add_note(
    code: ProjectCode,
    body: NoteIn,
    request: Request,
    principal: Agent,
    key: IdempotencyKey,
    container: ContainerDep,
) -> JSONResponse:
    def action(uow: UnitOfWork, actor: Actor) -> dict[str, int]:
        return {"id": svc.add_note(uow, actor, code, body.kind, body.body)}

    return run_once(request, container, key, action, status=201)
