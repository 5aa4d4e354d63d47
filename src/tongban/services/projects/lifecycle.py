"""Proxy service use cases (代办): a company registers an investment project, requests the
proxy service and authorises the agent assigned to it; the agent files the roadmap's steps as
cases for the company and keeps a log of meetings and notes.

Each use case is one transaction with its audit entry; a change to the project is a
compare-and-set on ``lock_version`` (two racing writers: exactly one wins).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import uuid4

from sqlalchemy import Connection, Row, Select, and_, func, insert, select, update

from tongban.adapters.db.tables import cases, centres, role_assignments, users
from tongban.adapters.db.tables_projects import (
    project_authorisations,
    project_notes,
    project_steps,
    projects,
)
from tongban.domain.errors import PermissionDenied, StaleVersion
from tongban.domain.people.model import Principal, Role, UserKind
from tongban.domain.projects.errors import (
    AgentAlreadyAssigned,
    AgentNotAssigned,
    AgentNotAuthorised,
    NoAgentAvailable,
    ProjectNotFound,
)
from tongban.domain.projects.model import (
    AUTHORISATION_SCOPE,
    OPEN_CASE_STATUSES,
    ProjectInput,
    ProjectStatus,
    check_note,
    check_project,
    project_code,
)
from tongban.domain.projects.roadmap import RoadmapStep, roadmap_for
from tongban.domain.shared.clock import china_date
from tongban.services.cases.notify import centre_managers
from tongban.services.platform import audit, jurisdiction, outbox
from tongban.services.platform.batches import OverdueAlerts
from tongban.services.platform.context import Actor
from tongban.services.platform.unit_of_work import UnitOfWork, atomic


@dataclass(frozen=True)
class ProjectRef:
    """The code, new lock version and status a write leaves the project in."""

    code: str
    version: int
    status: ProjectStatus


def project_link(code: str, *, agent: bool = False) -> str:
    return f"/agent/projects/{code}" if agent else f"/enterprise/projects/{code}"


# --- who acts ------------------------------------------------------------------------------------


def company_of(actor: Actor) -> Principal:
    """The signed-in company (企业); anyone else is refused."""
    principal = actor.principal
    if principal is None or principal.kind is not UserKind.ENTERPRISE:
        raise PermissionDenied()
    return principal


def agent_of(actor: Actor) -> Principal:
    """The signed-in agent (代办员) of an enterprise service centre."""
    principal = actor.principal
    if principal is None or not principal.has_role(Role.AGENT):
        raise PermissionDenied()
    return principal


def load_project(conn: Connection, code: str) -> Row[Any]:
    row = conn.execute(
        select(projects).where(projects.c.code == code.strip().upper()).with_for_update()
    ).first()
    if row is None:
        raise ProjectNotFound(code=code)
    return row


def own_project(conn: Connection, company: Principal, code: str) -> Row[Any]:
    """The company's own project; another company's is 'not found' (its existence is private)."""
    row = load_project(conn, code)
    if row.company_id != company.user_id:
        raise ProjectNotFound(code=code)
    return row


def assigned_project(conn: Connection, agent: Principal, code: str) -> Row[Any]:
    """A project assigned to this agent; any other is 'not found'."""
    row = load_project(conn, code)
    if row.agent_id != agent.user_id:
        raise ProjectNotFound(code=code)
    return row


def active_authorisation(conn: Connection, project_id: int, agent_id: int) -> int | None:
    """The id of the company's authorisation in force for this agent on this project."""
    found = conn.execute(
        select(project_authorisations.c.id).where(
            project_authorisations.c.project_id == project_id,
            project_authorisations.c.agent_id == agent_id,
            project_authorisations.c.revoked_at.is_(None),
        )
    ).scalar()
    return int(found) if found is not None else None


def authorised_project(conn: Connection, actor: Actor, code: str) -> tuple[Principal, Row[Any]]:
    """The agent may act for the company only under an authorisation in force (403 otherwise)."""
    agent = agent_of(actor)
    row = assigned_project(conn, agent, code)
    if active_authorisation(conn, row.id, agent.user_id) is None:
        raise AgentNotAuthorised()
    return agent, row


def _compare_and_set(conn: Connection, row: Row[Any], actor: Actor, **values: Any) -> int:
    """UPDATE ... WHERE lock_version = <read>; when none matches, someone else won."""
    result = conn.execute(
        update(projects)
        .where(projects.c.id == row.id, projects.c.lock_version == row.lock_version)
        .values(lock_version=row.lock_version + 1, updated_at=actor.at, **values)
    )
    if result.rowcount != 1:
        current = conn.execute(
            select(projects.c.lock_version).where(projects.c.id == row.id)
        ).scalar()
        raise StaleVersion(current=current)
    return int(row.lock_version) + 1


def _check_version(row: Row[Any], version: int | None) -> None:
    if version is not None and version != row.lock_version:
        raise StaleVersion(current=row.lock_version)


# --- the company ---------------------------------------------------------------------------------


@atomic
def register_project(uow: UnitOfWork, actor: Actor, data: ProjectInput) -> ProjectRef:
    """A company registers an investment project; its roadmap is generated from the template.

    Every field is checked first (credit code GB 32100 and the company's own, investment in
    万元 above zero, one of the jurisdiction's towns): a bad one stores nothing."""
    company = company_of(actor)
    conn = uow.conn
    facts = check_project(data, company.credit_code, jurisdiction.current(conn).town_names)
    placeholder = f"T{uuid4().hex[:19]}"  # replaced by the code made of the new id below
    project_id = conn.execute(
        insert(projects)
        .values(
            code=placeholder,
            company_id=company.user_id,
            credit_code=facts.credit_code,
            legal_representative=facts.legal_representative,
            name=facts.name,
            investment_wan=facts.investment_wan,
            industry=facts.industry,
            site_address=facts.site_address,
            town=facts.town,
            construction=facts.construction,
            status=ProjectStatus.REGISTERED.value,
            lock_version=1,
            created_at=actor.at,
            updated_at=actor.at,
        )
        .returning(projects.c.id)
    ).scalar_one()
    code = project_code(project_id)
    conn.execute(update(projects).where(projects.c.id == project_id).values(code=code))
    write_roadmap(conn, project_id, facts.construction)
    audit.record(
        conn,
        actor,
        "project.registered",
        "project",
        code,
        {"investment_wan": facts.investment_wan, "town": facts.town, "industry": facts.industry},
    )
    return ProjectRef(code, 1, ProjectStatus.REGISTERED)


def roadmap_rows(project_id: int, construction: bool) -> list[dict[str, Any]]:
    """The roadmap's steps as rows, all pending."""
    return [
        {
            "project_id": project_id,
            "stage": step.stage,
            "position": step.position,
            "item_code": step.item_code,
            "item_name": step.item_name,
            "department_code": step.department_code,
            "status": "pending",
        }
        for step in roadmap_for(construction)
    ]


def roadmap_step(construction: bool, position: int) -> RoadmapStep:
    return roadmap_for(construction)[position - 1]


def write_roadmap(conn: Connection, project_id: int, construction: bool) -> int:
    """The roadmap's steps, all pending; returns how many."""
    rows = roadmap_rows(project_id, construction)
    conn.execute(insert(project_steps), rows)
    return len(rows)


def pick_agent(conn: Connection, town: str) -> tuple[int, str]:
    """One-to-one assignment by centre and workload: among the active agents of the project's
    town centre (or, when it has none, of the district centre), the one with the fewest open
    projects; ties go to the longest-serving (lowest id)."""
    open_projects = (
        select(func.count(projects.c.id))
        .where(
            projects.c.agent_id == role_assignments.c.user_id,
            projects.c.status != ProjectStatus.COMPLETED.value,
        )
        .scalar_subquery()
    )
    base = (
        select(role_assignments.c.user_id, centres.c.code, open_projects.label("load"))
        .join(centres, centres.c.id == role_assignments.c.centre_id)
        .join(users, users.c.id == role_assignments.c.user_id)
        .where(role_assignments.c.role == Role.AGENT.value, users.c.is_active.is_(True))
        .order_by(open_projects, role_assignments.c.user_id)
        .limit(1)
    )
    for where in (centres.c.town == town, and_(centres.c.level == "district")):
        found = conn.execute(base.where(where)).first()
        if found is not None:
            return int(found.user_id), str(found.code)
    raise NoAgentAvailable()


@atomic
def request_proxy_service(
    uow: UnitOfWork, actor: Actor, code: str, version: int | None = None
) -> ProjectRef:
    """申请代办: the company asks for an agent; one is assigned by centre and workload and told
    by an in-app message."""
    company = company_of(actor)
    conn = uow.conn
    row = own_project(conn, company, code)
    _check_version(row, version)
    if row.status != ProjectStatus.REGISTERED.value:
        raise AgentAlreadyAssigned()
    agent_id, centre_code = pick_agent(conn, row.town)
    new_version = _compare_and_set(
        conn,
        row,
        actor,
        agent_id=agent_id,
        centre_code=centre_code,
        status=ProjectStatus.AGENT_ASSIGNED.value,
    )
    outbox.enqueue_inbox(
        conn,
        agent_id,
        "新的代办项目",
        f"您已被分配为项目“{row.name}”（{row.code}）的代办员，请联系企业并等待其授权。",
        link=project_link(row.code, agent=True),
        dedup_key=f"project:{row.code}:assigned:{agent_id}",
        now=actor.at,
    )
    audit.record(conn, actor, "project.agent_assigned", "project", row.code, {"agent_id": agent_id})
    return ProjectRef(row.code, new_version, ProjectStatus.AGENT_ASSIGNED)


@atomic
def authorise_agent(
    uow: UnitOfWork, actor: Actor, code: str, version: int | None = None
) -> ProjectRef:
    """授权代办: the company authorises its assigned agent to file and follow its approvals;
    from now on every case the agent files says it acts for the company."""
    company = company_of(actor)
    conn = uow.conn
    row = own_project(conn, company, code)
    _check_version(row, version)
    if row.agent_id is None:
        raise AgentNotAssigned()
    if active_authorisation(conn, row.id, row.agent_id) is not None:
        return ProjectRef(row.code, int(row.lock_version), ProjectStatus(row.status))
    new_version = _compare_and_set(conn, row, actor, status=ProjectStatus.IN_PROGRESS.value)
    conn.execute(
        insert(project_authorisations).values(
            project_id=row.id,
            company_id=company.user_id,
            agent_id=row.agent_id,
            scope=AUTHORISATION_SCOPE,
            granted_at=actor.at,
        )
    )
    audit.record(
        conn,
        actor,
        "project.agent_authorised",
        "project",
        row.code,
        {"agent_id": row.agent_id, "scope": AUTHORISATION_SCOPE},
    )
    return ProjectRef(row.code, new_version, ProjectStatus.IN_PROGRESS)


@atomic
def revoke_authorisation(
    uow: UnitOfWork, actor: Actor, code: str, version: int | None = None
) -> ProjectRef:
    """The company withdraws its authorisation; the agent can no longer act for it."""
    company = company_of(actor)
    conn = uow.conn
    row = own_project(conn, company, code)
    _check_version(row, version)
    if row.agent_id is None or active_authorisation(conn, row.id, row.agent_id) is None:
        raise AgentNotAuthorised("该项目没有生效中的代办授权。")
    new_version = _compare_and_set(conn, row, actor, status=ProjectStatus.AGENT_ASSIGNED.value)
    conn.execute(
        update(project_authorisations)
        .where(
            project_authorisations.c.project_id == row.id,
            project_authorisations.c.revoked_at.is_(None),
        )
        .values(revoked_at=actor.at)
    )
    audit.record(conn, actor, "project.authorisation_revoked", "project", row.code)
    return ProjectRef(row.code, new_version, ProjectStatus.AGENT_ASSIGNED)


# --- the agent's log -----------------------------------------------------------------------------


@atomic
def add_note(uow: UnitOfWork, actor: Actor, code: str, kind: str, body: str) -> int:
    """The agent logs a meeting, call, visit or note on a project assigned to them."""
    agent = agent_of(actor)
    conn = uow.conn
    row = assigned_project(conn, agent, code)
    text = check_note(kind, body)
    note_id = conn.execute(
        insert(project_notes)
        .values(
            project_id=row.id,
            author_id=agent.user_id,
            kind=kind,
            body=text,
            happened_on=china_date(actor.at),
            created_at=actor.at,
        )
        .returning(project_notes.c.id)
    ).scalar_one()
    audit.record(conn, actor, "project.note_added", "project", row.code, {"kind": kind})
    return int(note_id)


def overdue_query(today: date) -> Select[Any]:
    """Filed steps past their due day whose case is still open, with their project; the
    step's id is the worker sweep's key."""
    return (
        select(
            project_steps.c.id,
            projects.c.code,
            projects.c.name,
            projects.c.agent_id,
            projects.c.centre_code,
            project_steps.c.position,
            project_steps.c.item_name,
            project_steps.c.due_on,
        )
        .select_from(
            project_steps.join(projects, projects.c.id == project_steps.c.project_id).join(
                cases, cases.c.id == project_steps.c.case_id
            )
        )
        .where(project_steps.c.due_on < today, cases.c.status.in_(OPEN_CASE_STATUSES))
    )


def overdue_steps(conn: Connection, today: date) -> list[Row[Any]]:
    """The overdue steps, by due day and project."""
    query = overdue_query(today).order_by(project_steps.c.due_on, projects.c.code)
    return list(conn.execute(query))


def _tell_overdue(conn: Connection, step: Row[Any], now: datetime) -> int:
    """An in-app message about one overdue step to its agent and to the managers of the
    agent's centre, once per step and due day (dedup keys); returns messages queued."""
    agent = [step.agent_id] if step.agent_id else []
    recipients = list(dict.fromkeys(agent + centre_managers(conn, step.centre_code)))
    for user_id in recipients:
        outbox.enqueue_inbox(
            conn,
            user_id,
            "代办环节超期",
            f"项目“{step.name}”（{step.code}）的“{step.item_name}”已超过预计办结日 "
            f"{step.due_on.isoformat()}，请跟进。",
            link=project_link(step.code, agent=True),
            dedup_key=f"project:{step.code}:overdue:{step.position}:{step.due_on}:{user_id}",
            now=now,
        )
    return len(recipients)


@atomic
def alert_overdue(uow: UnitOfWork, actor: Actor, today: date) -> int:
    """超期预警: an in-app message about each overdue step to its agent and to the managers of
    the agent's centre, once per step and due day (dedup keys); returns messages queued.  The
    worker's sweep pages through the same steps (``overdue_query``, ``alert_one``)."""
    return sum(_tell_overdue(uow.conn, step, actor.at) for step in overdue_steps(uow.conn, today))


def alert_one(conn: Connection, step: Row[Any], now: datetime) -> bool:
    """The worker's sweep: alert one overdue step (once: dedup keys)."""
    _tell_overdue(conn, step, now)
    return True


overdue_sweep = OverdueAlerts(
    "project_overdue_alerts", overdue_query, project_steps.c.id, alert_one
)
"""The worker's sweep (``project_overdue_alerts``): overdue steps in keyset pages of
``sweep_batch_size``, shared by the workers; a run returns how many steps are overdue."""
