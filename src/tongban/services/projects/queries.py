"""Read side of the proxy service (代办): project lists and one project with its roadmap; the
centre's dashboard is in ``projects.dashboard``.

Each read is filtered by ``projects.access.project_scope``: a company its own projects, an
agent those assigned to them, a centre its district or town.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    ColumnElement,
    Connection,
    Integer,
    and_,
    case,
    func,
    or_,
    select,
)

from tongban.adapters.db.tables import cases, departments, users
from tongban.adapters.db.tables_projects import (
    project_authorisations,
    project_notes,
    project_steps,
    projects,
)
from tongban.domain.cases.status import CaseStatus
from tongban.domain.catalogue.model import FormField
from tongban.domain.errors import DomainError
from tongban.domain.people.model import Principal
from tongban.domain.projects.errors import ProjectNotFound
from tongban.domain.projects.model import (
    DONE_CASE_STATUSES,
    NOTE_KINDS,
    OPEN_CASE_STATUSES,
    ProjectStatus,
    StepProgress,
    is_overdue,
    step_progress,
)
from tongban.domain.projects.roadmap import stage_names
from tongban.services.catalogue.items import published_item
from tongban.services.platform.paging import Key, Page, PageRequest, mapped, seek, split
from tongban.services.projects.access import Scope, project_scope
from tongban.services.projects.steps import prefill

DONE_STATUSES = [s.value for s in DONE_CASE_STATUSES]
OPEN_STATUSES = list(OPEN_CASE_STATUSES)
MAX_ROWS = 500


def wan_to_yi(wan: int | Decimal | None) -> Decimal:
    """万元 → 亿元, two decimals."""
    return (Decimal(wan or 0) / Decimal(10_000)).quantize(Decimal("0.01"))


# --- lists ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProjectSummary:
    """One line of a project list, with its roadmap progress."""

    code: str
    name: str
    company_name: str
    industry: str
    town: str
    investment_wan: int
    construction: bool
    status: ProjectStatus
    agent_name: str | None
    steps_done: int
    steps_total: int
    overdue: int
    version: int


def _step_done() -> ColumnElement[bool]:
    return and_(
        cases.c.status.in_(DONE_STATUSES),
        or_(cases.c.decision.is_(None), cases.c.decision != "reject"),
    )


def list_projects(
    conn: Connection, principal: Principal | None, today: date, *, limit: int = MAX_ROWS
) -> list[ProjectSummary]:
    """The projects the principal may see, newest first, each with done/total steps."""
    return project_page(conn, principal, today, PageRequest(limit=limit)).rows


def project_count(conn: Connection, principal: Principal | None) -> int:
    """How many projects the principal may see, however many pages they fill."""
    scope = project_scope(conn, principal)
    query = select(func.count()).select_from(projects).where(scope.where)
    return int(conn.execute(query).scalar_one())


def project_page(
    conn: Connection,
    principal: Principal | None,
    today: date,
    page: PageRequest,
    *,
    overdue_first: bool = False,
) -> Page[ProjectSummary]:
    """One page of the projects the principal may see, newest first (keyset on the id); for
    the agent's workbench (``overdue_first``) the most overdue steps first, then the projects
    still waiting for the agent to start (status ``agent_assigned``), then the newest."""
    scope = project_scope(conn, principal)
    agent = users.alias("agent")
    company = users.alias("company")
    progress = (
        select(
            project_steps.c.project_id,
            func.count().label("total"),
            func.sum(case((_step_done(), 1), else_=0)).label("done"),
            func.sum(
                case(
                    (and_(project_steps.c.due_on < today, cases.c.status.in_(OPEN_STATUSES)), 1),
                    else_=0,
                )
            ).label("overdue"),
        )
        .select_from(project_steps.outerjoin(cases, cases.c.id == project_steps.c.case_id))
        .group_by(project_steps.c.project_id)
        .subquery()
    )
    query = (
        select(
            projects,
            company.c.name.label("company_name"),
            agent.c.name.label("agent_name"),
            progress.c.total,
            progress.c.done,
            progress.c.overdue,
        )
        .select_from(
            projects.join(company, company.c.id == projects.c.company_id)
            .outerjoin(agent, agent.c.id == projects.c.agent_id)
            .outerjoin(progress, progress.c.project_id == projects.c.id)
        )
        .where(scope.where)
    )
    keys = [Key(projects.c.id, descending=True)]
    if overdue_first:
        overdue = func.coalesce(progress.c.overdue, 0, type_=Integer)
        waiting = case((projects.c.status == ProjectStatus.AGENT_ASSIGNED.value, 0), else_=1)
        keys = [Key(overdue, descending=True), Key(waiting), *keys]
    found = split(conn.execute(seek(query, keys, page)).all(), keys, page)
    return mapped(
        found,
        lambda r: ProjectSummary(
            code=r.code,
            name=r.name,
            company_name=r.company_name,
            industry=r.industry,
            town=r.town,
            investment_wan=int(r.investment_wan),
            construction=bool(r.construction),
            status=ProjectStatus(r.status),
            agent_name=r.agent_name,
            steps_done=int(r.done or 0),
            steps_total=int(r.total or 0),
            overdue=int(r.overdue or 0),
            version=int(r.lock_version),
        ),
    )


# --- one project ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class StepView:
    position: int
    stage: int
    item_code: str
    item_name: str
    department_code: str
    department_name: str
    progress: StepProgress
    case_number: str | None
    case_status: CaseStatus | None
    filed_at: datetime | None
    due_on: date | None
    overdue: bool


@dataclass
class StageView:
    number: int
    name: str
    steps: list[StepView] = field(default_factory=list)

    @property
    def done(self) -> int:
        return sum(1 for s in self.steps if s.progress is StepProgress.DONE)

    @property
    def complete(self) -> bool:
        return self.done == len(self.steps)


@dataclass(frozen=True)
class NoteView:
    kind: str
    kind_label: str
    body: str
    happened_on: date
    author_name: str


@dataclass(frozen=True)
class ProjectView:
    """One project as its company, its agent or the centre sees it."""

    id: int
    code: str
    name: str
    company_id: int
    company_name: str
    credit_code: str
    legal_representative: str
    company_phone: str
    investment_wan: int
    industry: str
    site_address: str
    town: str
    construction: bool
    status: ProjectStatus
    agent_id: int | None
    agent_name: str | None
    centre_code: str | None
    version: int
    authorised: bool
    authorised_at: datetime | None
    stages: list[StageView]
    notes: list[NoteView]
    seen_as: str

    @property
    def current_stage(self) -> StageView | None:
        return next((s for s in self.stages if not s.complete), None)

    @property
    def steps_done(self) -> int:
        return sum(s.done for s in self.stages)

    @property
    def steps_total(self) -> int:
        return sum(len(s.steps) for s in self.stages)

    @property
    def investment_yi(self) -> Decimal:
        return wan_to_yi(self.investment_wan)


def get_project(
    conn: Connection, principal: Principal | None, code: str, today: date
) -> ProjectView:
    """One project with its roadmap and notes; another's project is 'not found'."""
    scope: Scope = project_scope(conn, principal)
    agent = users.alias("agent")
    company = users.alias("company")
    row = conn.execute(
        select(
            projects,
            company.c.name.label("company_name"),
            company.c.phone.label("company_phone"),
            agent.c.name.label("agent_name"),
        )
        .select_from(
            projects.join(company, company.c.id == projects.c.company_id).outerjoin(
                agent, agent.c.id == projects.c.agent_id
            )
        )
        .where(projects.c.code == code.strip().upper(), scope.where)
    ).first()
    if row is None:
        raise ProjectNotFound(code=code)
    granted = None
    if row.agent_id is not None:
        granted = conn.execute(
            select(project_authorisations.c.granted_at).where(
                project_authorisations.c.project_id == row.id,
                project_authorisations.c.agent_id == row.agent_id,
                project_authorisations.c.revoked_at.is_(None),
            )
        ).scalar()
    names = stage_names(bool(row.construction))
    stages = [StageView(n, name) for n, name in enumerate(names, start=1)]
    step_rows = conn.execute(
        select(
            project_steps,
            cases.c.number,
            cases.c.status.label("case_status"),
            cases.c.decision,
            departments.c.name.label("department_name"),
        )
        .select_from(
            project_steps.outerjoin(cases, cases.c.id == project_steps.c.case_id).outerjoin(
                departments, departments.c.code == project_steps.c.department_code
            )
        )
        .where(project_steps.c.project_id == row.id)
        .order_by(project_steps.c.position)
    )
    for s in step_rows:
        progress = step_progress(s.case_status, s.decision)
        stages[s.stage - 1].steps.append(
            StepView(
                position=s.position,
                stage=s.stage,
                item_code=s.item_code,
                item_name=s.item_name,
                department_code=s.department_code,
                department_name=s.department_name or s.department_code,
                progress=progress,
                case_number=s.number,
                case_status=CaseStatus(s.case_status) if s.case_status else None,
                filed_at=s.filed_at,
                due_on=s.due_on,
                overdue=is_overdue(progress, s.due_on, today),
            )
        )
    notes: list[NoteView] = []
    if scope.as_ != "company":
        author = users.alias("author")
        notes = [
            NoteView(n.kind, NOTE_KINDS.get(n.kind, n.kind), n.body, n.happened_on, n.author_name)
            for n in conn.execute(
                select(project_notes, author.c.name.label("author_name"))
                .join(author, author.c.id == project_notes.c.author_id)
                .where(project_notes.c.project_id == row.id)
                .order_by(project_notes.c.happened_on.desc(), project_notes.c.id.desc())
            )
        ]
    return ProjectView(
        id=row.id,
        code=row.code,
        name=row.name,
        company_id=row.company_id,
        company_name=row.company_name,
        credit_code=row.credit_code,
        legal_representative=row.legal_representative,
        company_phone=row.company_phone or "",
        investment_wan=int(row.investment_wan),
        industry=row.industry,
        site_address=row.site_address,
        town=row.town,
        construction=bool(row.construction),
        status=ProjectStatus(row.status),
        agent_id=row.agent_id,
        agent_name=row.agent_name,
        centre_code=row.centre_code,
        version=int(row.lock_version),
        authorised=granted is not None,
        authorised_at=granted,
        stages=stages,
        notes=notes,
        seen_as=scope.as_,
    )


def fields_to_fill(conn: Connection, view: ProjectView) -> dict[int, list[FormField]]:
    """For each step the agent may file now (by position), the item's form fields that the
    project and the company's record do not already answer (表单秒填 fills the rest)."""
    current = view.current_stage
    if current is None or not view.authorised:
        return {}
    project = conn.execute(select(projects).where(projects.c.id == view.id)).one()
    company = conn.execute(select(users).where(users.c.id == view.company_id)).one()
    forms: dict[int, list[FormField]] = {}
    for step in current.steps:
        if step.case_number is not None and step.progress is not StepProgress.RETURNED:
            continue
        try:
            schema = published_item(conn, step.item_code).spec.form
        except DomainError:
            continue  # the item is not published (any more): nothing to file it with
        filled = prefill(schema, project, company)
        forms[step.position] = [f for f in schema if f.name not in filled]
    return forms
