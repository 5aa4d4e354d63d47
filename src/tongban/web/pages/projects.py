"""Proxy service (代办): the company, the agent and the centre views of investment projects.

The company registers a project, requests the proxy service and authorises its agent
(/enterprise/projects); the agent follows their projects, files roadmap steps for the company
and keeps a log (/agent/projects); the centre sees the dashboard (/proxy-centre).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi import Path as PathParam
from fastapi.responses import RedirectResponse
from sqlalchemy import Connection

from tongban.domain.errors import DomainError
from tongban.domain.people.model import Principal
from tongban.domain.projects.model import (
    INDUSTRIES,
    NOTE_KINDS,
    ProjectInput,
)
from tongban.domain.projects.roadmap import stage_names
from tongban.services.platform import audit, jurisdiction
from tongban.services.platform.unit_of_work import UnitOfWork
from tongban.services.projects import dashboard as project_dashboard
from tongban.services.projects import lifecycle as svc
from tongban.services.projects import queries
from tongban.services.projects import steps as steps_svc
from tongban.services.projects.access import (
    PROJECT_AGENTS,
    PROJECT_CENTRE,
    PROJECT_COMPANIES,
    project_scope,
)
from tongban.web import paging
from tongban.web.deps import ContainerDep, actor_for, allow, now_of, today_of
from tongban.web.templating import render

router = APIRouter(tags=["pages"], include_in_schema=False)
Company = Annotated[Principal, Depends(allow(PROJECT_COMPANIES))]
Agent = Annotated[Principal, Depends(allow(PROJECT_AGENTS))]
Centre = Annotated[Principal, Depends(allow(PROJECT_CENTRE))]
Code = Annotated[str, PathParam(max_length=20, pattern=r"^[A-Za-z0-9-]+$")]
Position = Annotated[int, PathParam(ge=1, le=100)]


def _choices(container: ContainerDep) -> dict[str, Any]:
    with container.read() as uow:
        towns = jurisdiction.current(uow.conn).town_names
    return {"towns": towns, "industries": INDUSTRIES, "note_kinds": NOTE_KINDS}


ALERTS_AFTER = "alerts_after"
"""The overdue alerts' own cursor: the agent's workbench pages them and the projects apart."""


def _alert_page(request: Request, conn: Connection, principal: Principal) -> dict[str, Any]:
    """One page of the overdue steps the principal sees, and how many there are in all."""
    where, today = project_scope(conn, principal).where, today_of(request)
    page = paging.page_from(request.query_params.get(ALERTS_AFTER))
    found = project_dashboard.overdue_alert_page(conn, where, today, page)
    return {
        "alerts": found.rows,
        "overdue_count": project_dashboard.overdue_count(conn, where, today),
        "alert_pages": paging.more_links(request, found.next, ALERTS_AFTER),
    }


# --- the company ---------------------------------------------------------------------------------


@router.get("/enterprise/projects")
def company_projects(request: Request, container: ContainerDep, principal: Company) -> Response:
    """The company's projects and the form to register a new one."""
    with container.read() as uow:
        found = queries.project_page(
            uow.conn,
            principal,
            today_of(request),
            paging.page_from(request.query_params.get("after")),
        )
    v = {"credit_code": principal.credit_code or ""}
    more = paging.more_links(request, found.next)
    context = {"rows": found.rows, "errors": {}, "v": v, **_choices(container), **more}
    return render(request, "projects/company_list.html", context)


@router.post("/enterprise/projects")
async def register_project(
    request: Request, container: ContainerDep, principal: Company
) -> Response:
    """Register a project; a bad field shows beside itself and nothing is saved."""
    form = await request.form()
    v = {k: str(form.get(k) or "") for k in form}
    data = ProjectInput(
        name=v.get("name", ""),
        investment_wan=v.get("investment_wan", ""),
        industry=v.get("industry", ""),
        site_address=v.get("site_address", ""),
        town=v.get("town", ""),
        construction=v.get("construction") == "yes",
        credit_code=v.get("credit_code", ""),
        legal_representative=v.get("legal_representative", ""),
    )
    try:
        with container.uow() as uow:
            ref = svc.register_project(uow, actor_for(request), data)
    except DomainError as error:
        with container.read() as uow:
            found = queries.project_page(
                uow.conn, principal, today_of(request), paging.page_from(None)
            )
        context = {
            "rows": found.rows,
            "next_page": paging.more_links(request, found.next)["next_page"],
            "errors": error.fields,
            "error": error,
            "v": v,
            **_choices(container),
        }
        return render(request, "projects/company_list.html", context, status_code=error.status)
    return RedirectResponse(f"/enterprise/projects/{ref.code}?done=registered", status_code=303)


def _project_page(
    request: Request,
    container: ContainerDep,
    principal: Principal,
    code: str,
    template: str,
    extra: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    with container.read() as uow:
        view = queries.get_project(uow.conn, principal, code, today_of(request))
        forms = queries.fields_to_fill(uow.conn, view) if view.seen_as == "agent" else {}
    if view.company_id != principal.user_id:
        # Staff reading the company's legal representative and phone: logged.
        with container.uow() as uow:
            audit.log_data_access(
                uow, actor_for(request), view.company_id, f"project:{view.code}", "代办服务"
            )
    context = {
        "p": view,
        "stage_names": stage_names(view.construction),
        "step_forms": forms,
        "done": request.query_params.get("done"),
        "errors": {},
        "v": {},
        **_choices(container),
        **(extra or {}),
    }
    return render(request, template, context, status_code=status_code)


@router.get("/enterprise/projects/{code}")
def company_project(
    code: Code, request: Request, container: ContainerDep, principal: Company
) -> Response:
    """The project, its agent and authorisation, and the roadmap with each step's progress."""
    return _project_page(request, container, principal, code, "projects/company_project.html")


def _company_change(
    request: Request,
    container: ContainerDep,
    principal: Principal,
    code: str,
    change: Callable[[UnitOfWork], object],
    done: str,
) -> Response:
    try:
        with container.uow() as uow:
            change(uow)
    except DomainError as error:
        extra = {"error": error}
        return _project_page(
            request,
            container,
            principal,
            code,
            "projects/company_project.html",
            extra,
            status_code=error.status,
        )
    return RedirectResponse(f"/enterprise/projects/{code}?done={done}", status_code=303)


async def _version(request: Request) -> int | None:
    form = await request.form()
    raw = str(form.get("version") or "")
    return int(raw) if raw.isdigit() else None


@router.post("/enterprise/projects/{code}/request-agent")
async def request_agent(
    code: Code, request: Request, container: ContainerDep, principal: Company
) -> Response:
    """申请代办: an agent is assigned by centre and workload."""
    version = await _version(request)
    actor = actor_for(request)
    return _company_change(
        request,
        container,
        principal,
        code,
        lambda uow: svc.request_proxy_service(uow, actor, code, version),
        "requested",
    )


@router.post("/enterprise/projects/{code}/authorise")
async def authorise_agent(
    code: Code, request: Request, container: ContainerDep, principal: Company
) -> Response:
    """授权代办: the agent may now file the roadmap's steps for the company."""
    version = await _version(request)
    actor = actor_for(request)
    return _company_change(
        request,
        container,
        principal,
        code,
        lambda uow: svc.authorise_agent(uow, actor, code, version),
        "authorised",
    )


@router.post("/enterprise/projects/{code}/revoke")
async def revoke_authorisation(
    code: Code, request: Request, container: ContainerDep, principal: Company
) -> Response:
    """撤回授权: the agent can no longer act for the company."""
    version = await _version(request)
    actor = actor_for(request)
    return _company_change(
        request,
        container,
        principal,
        code,
        lambda uow: svc.revoke_authorisation(uow, actor, code, version),
        "revoked",
    )


# --- the agent -----------------------------------------------------------------------------------


@router.get("/agent/projects")
def agent_projects(request: Request, container: ContainerDep, principal: Agent) -> Response:
    """The agent's workbench: their projects, overdue steps first."""
    with container.read() as uow:
        found = queries.project_page(
            uow.conn,
            principal,
            today_of(request),
            paging.page_from(request.query_params.get("after")),
            overdue_first=True,
        )
        count = queries.project_count(uow.conn, principal)
        alerts = _alert_page(request, uow.conn, principal)
    context = {"rows": found.rows, "count": count, **alerts}
    context.update(paging.more_links(request, found.next))
    return render(request, "projects/agent_list.html", context)


@router.get("/agent/projects/{code}")
def agent_project(
    code: Code, request: Request, container: ContainerDep, principal: Agent
) -> Response:
    """One project: the roadmap with the steps to file now, and the log."""
    return _project_page(request, container, principal, code, "projects/agent_project.html")


def _agent_change(
    request: Request,
    container: ContainerDep,
    principal: Principal,
    code: str,
    change: Callable[[UnitOfWork], object],
    done: str,
    v: dict[str, str],
) -> Response:
    try:
        with container.uow() as uow:
            change(uow)
    except DomainError as error:
        extra = {"error": error, "v": v}
        return _project_page(
            request,
            container,
            principal,
            code,
            "projects/agent_project.html",
            extra,
            status_code=error.status,
        )
    return RedirectResponse(f"/agent/projects/{code}?done={done}", status_code=303)


@router.post("/agent/projects/{code}/steps/{position}/file")
async def file_step(
    code: Code, position: Position, request: Request, container: ContainerDep, principal: Agent
) -> Response:
    """代为申报: the step becomes a case of the company, filed by the agent on its behalf."""
    form = await request.form()
    fields = {
        k.removeprefix("form."): str(form.get(k) or "")
        for k in form
        if k.startswith("form.") and form.get(k)
    }
    actor = actor_for(request)
    return _agent_change(
        request,
        container,
        principal,
        code,
        lambda uow: steps_svc.file_step(uow, actor, code, position, fields),
        "filed",
        {f"form.{k}": v for k, v in fields.items()},
    )


@router.post("/agent/projects/{code}/notes")
async def add_note(
    code: Code, request: Request, container: ContainerDep, principal: Agent
) -> Response:
    """The agent logs a meeting, call, visit or note."""
    form = await request.form()
    kind, body = str(form.get("kind") or ""), str(form.get("body") or "")
    actor = actor_for(request)
    return _agent_change(
        request,
        container,
        principal,
        code,
        lambda uow: svc.add_note(uow, actor, code, kind, body),
        "noted",
        {"kind": kind, "body": body},
    )


# --- the centre ----------------------------------------------------------------------------------


@router.get("/proxy-centre")
def centre_dashboard(request: Request, container: ContainerDep, principal: Centre) -> Response:
    """代办中心看板: projects by stage, town and industry, investment, bottlenecks, alerts."""
    with container.read() as uow:
        board = project_dashboard.dashboard(uow.conn, principal, today_of(request), now_of(request))
        alerts = _alert_page(request, uow.conn, principal)
    return render(request, "projects/centre.html", {"board": board, **alerts})


@router.get("/proxy-centre/projects/{code}")
def centre_project(
    code: Code, request: Request, container: ContainerDep, principal: Centre
) -> Response:
    """One project as the centre sees it (read only)."""
    return _project_page(request, container, principal, code, "projects/centre_project.html")
