"""Read side of the proxy service (代办): project lists, one project with its roadmap, and the
centre's dashboard (by stage, town and industry; total investment; bottlenecks; alerts).

Each read is filtered by ``projects_access.project_scope``: a company its own projects, an
agent those assigned to them, a centre its district or town.  The dashboard aggregates in SQL
so that it stays a handful of small queries however many projects there are.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    and_,
    case,
    func,
    literal,
    or_,
    select,
)

from tongban.adapters.db.tables import audit_log, case_events, cases, departments, users
from tongban.adapters.db.tables_projects import (
    project_authorisations,
    project_notes,
    project_steps,
    projects,
)
from tongban.domain.cases.status import CaseStatus
from tongban.domain.people.model import Principal
from tongban.domain.projects.errors import ProjectNotFound
from tongban.domain.projects.model import (
    DONE_CASE_STATUSES,
    NOTE_KINDS,
    OPEN_CASE_STATUSES,
    TOWNS,
    ProjectStatus,
    StepProgress,
    is_overdue,
    step_progress,
)
from tongban.domain.projects.roadmap import stage_names
from tongban.services.projects_access import Scope, project_scope

_DONE = [s.value for s in DONE_CASE_STATUSES]
_OPEN = list(OPEN_CASE_STATUSES)
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
        cases.c.status.in_(_DONE), or_(cases.c.decision.is_(None), cases.c.decision != "reject")
    )


def list_projects(
    conn: Connection, principal: Principal | None, today: date, *, limit: int = MAX_ROWS
) -> list[ProjectSummary]:
    """The projects the principal may see, newest first, each with done/total steps."""
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
                    (and_(project_steps.c.due_on < today, cases.c.status.in_(_OPEN)), 1),
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
        .order_by(projects.c.id.desc())
        .limit(limit)
    )
    return [
        ProjectSummary(
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
        )
        for r in conn.execute(query)
    ]


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


# --- the centre's dashboard ----------------------------------------------------------------------


@dataclass(frozen=True)
class Bucket:
    label: str
    projects: int
    investment_yi: Decimal


@dataclass(frozen=True)
class Bottleneck:
    """Where projects wait: a step (item) or a department, by average days waited."""

    label: str
    department: str
    steps: int
    open: int
    overdue: int
    average_days: float
    longest_days: float


@dataclass(frozen=True)
class OverdueAlert:
    project_code: str
    project_name: str
    item_name: str
    department_name: str
    due_on: date
    agent_name: str | None
    case_number: str | None


@dataclass(frozen=True)
class Dashboard:
    projects: int
    investment_yi: Decimal
    construction: int
    by_status: list[Bucket]
    by_stage: list[Bucket]
    by_town: list[Bucket]
    by_industry: list[Bucket]
    step_bottlenecks: list[Bottleneck]
    department_bottlenecks: list[Bottleneck]
    alerts: list[OverdueAlert]
    town: str | None


def _days_waited(conn: Connection, now: datetime) -> ColumnElement[Any]:
    """Days from filing to the case's last change when done, or to ``now`` while open."""
    end = case(
        (cases.c.status.in_(_DONE), cases.c.updated_at), else_=literal(now, cases.c.updated_at.type)
    )
    if conn.dialect.name == "postgresql":
        return func.extract("epoch", end - project_steps.c.filed_at) / 86400.0
    return func.julianday(end) - func.julianday(project_steps.c.filed_at)


DASHBOARD_SECONDS = 60.0
"""How long a computed dashboard may be shown while nothing has been written since."""
_dashboards: dict[tuple[object, ...], tuple[tuple[object, ...], float, Dashboard]] = {}


def _fingerprint(conn: Connection) -> tuple[object, ...]:
    """The newest audit entry and case event — every write the dashboard reflects adds one
    (project changes are audited, case transitions append case events) — and the projects'
    count and summed lock versions, so a database emptied and refilled is never mistaken for
    the one before.  Two index lookups and one scan of the (few hundred) projects."""
    latest_audit = select(func.max(audit_log.c.id)).scalar_subquery()
    latest_event = select(func.max(case_events.c.id)).scalar_subquery()
    versions = select(func.count(), func.sum(projects.c.lock_version)).select_from(projects)
    head = conn.execute(select(latest_audit, latest_event)).one()
    return (*head, *conn.execute(versions).one())


def forget_dashboards() -> None:
    """Drop every cached dashboard (tests that reuse a database)."""
    _dashboards.clear()


def dashboard(
    conn: Connection, principal: Principal | None, today: date, now: datetime
) -> Dashboard:
    """The dashboard for the principal's scope, recomputed when something was written since it
    was computed (see ``_fingerprint``) or after ``DASHBOARD_SECONDS``."""
    scope = project_scope(conn, principal)
    key = (conn.engine.url.render_as_string(hide_password=True), scope.key, today)
    fingerprint = _fingerprint(conn)
    cached = _dashboards.get(key)
    clock = time.monotonic()
    if cached is not None and cached[0] == fingerprint and clock - cached[1] < DASHBOARD_SECONDS:
        return cached[2]
    board = compute_dashboard(conn, scope, today, now)
    _dashboards[key] = (fingerprint, clock, board)
    return board


def compute_dashboard(conn: Connection, scope: Scope, today: date, now: datetime) -> Dashboard:
    """代办中心: projects by status, stage, town and industry with their investment; the steps
    and departments with the longest waits; the overdue steps.

    Three reads do the work — the projects in scope, the first stage each has not yet filed,
    and the filed steps joined to their cases with the days waited computed by the database —
    and Python folds them: a few thousand narrow rows cost less than a query per figure."""
    project_rows = conn.execute(
        select(
            projects.c.id,
            projects.c.code,
            projects.c.name,
            projects.c.town,
            projects.c.industry,
            projects.c.status,
            projects.c.construction,
            projects.c.investment_wan,
            projects.c.agent_id,
        ).where(scope.where)
    ).all()
    in_scope = project_steps.join(projects, projects.c.id == project_steps.c.project_id)
    # The lowest stage with a step not yet filed, per project (filed steps are folded below).
    first_open: dict[int, int] = dict(
        conn.execute(
            select(project_steps.c.project_id, func.min(project_steps.c.stage))
            .select_from(in_scope)
            .where(scope.where, project_steps.c.case_id.is_(None))
            .group_by(project_steps.c.project_id)
        ).all()
    )
    step_rows = conn.execute(
        select(
            project_steps.c.project_id,
            project_steps.c.stage,
            project_steps.c.item_name,
            project_steps.c.department_code,
            project_steps.c.due_on,
            cases.c.status,
            cases.c.decision,
            cases.c.number,
            _days_waited(conn, now).label("waited"),
        )
        .select_from(in_scope.join(cases, cases.c.id == project_steps.c.case_id))
        .where(scope.where)
    ).all()
    done_statuses, open_statuses = frozenset(_DONE), frozenset(_OPEN)
    per_step: dict[tuple[str, str], list[float]] = {}
    overdue: list[tuple[date, int, str, str, str | None]] = []
    # Plain tuple unpacking: this loop runs once per step of every project in scope.
    for project_id, stage, item, department, due_on, status, decision, number, waited in step_rows:
        if status not in done_statuses or decision == "reject":
            known = first_open.get(project_id)
            if known is None or stage < known:
                first_open[project_id] = stage
        figures = per_step.get((item, department))
        if figures is None:
            figures = per_step[(item, department)] = [0, 0, 0, 0.0, 0.0]
        days = float(waited or 0)
        figures[0] += 1
        figures[3] += days
        if days > figures[4]:
            figures[4] = days
        if status in open_statuses:
            figures[1] += 1
            if due_on is not None and due_on < today:
                figures[2] += 1
                overdue.append((due_on, project_id, item, department, number))

    department_names = dict(conn.execute(select(departments.c.code, departments.c.name)).all())
    by: dict[str, dict[str, list[int]]] = {k: {} for k in ("town", "industry", "status", "stage")}
    total = construction = 0
    registered = ProjectStatus.REGISTERED.value
    for project_id, _c, _n, town, industry, status, is_construction, invested, _a in project_rows:
        total += invested
        construction += 1 if is_construction else 0
        stage = None
        if status != registered:
            number = first_open.get(project_id)
            stage = "全部办结" if number is None else stage_names(bool(is_construction))[number - 1]
        for key, value in (
            ("town", town),
            ("industry", industry),
            ("status", status),
            ("stage", stage),
        ):
            if value is None:
                continue
            bucket = by[key].setdefault(value, [0, 0])
            bucket[0] += 1
            bucket[1] += invested
    steps = sorted(
        (
            Bottleneck(
                label=item,
                department=str(department_names.get(department) or department),
                steps=int(f[0]),
                open=int(f[1]),
                overdue=int(f[2]),
                average_days=round(f[3] / f[0], 1),
                longest_days=round(f[4], 1),
            )
            for (item, department), f in per_step.items()
        ),
        key=lambda b: b.average_days,
        reverse=True,
    )
    stage_order = [*stage_names(True), *stage_names(False), "全部办结"]
    return Dashboard(
        projects=len(project_rows),
        investment_yi=wan_to_yi(total),
        construction=construction,
        by_status=[
            Bucket(ProjectStatus(s).label, *_pair(by["status"][s.value]))
            for s in ProjectStatus
            if s.value in by["status"]
        ],
        by_stage=[Bucket(s, *_pair(by["stage"][s])) for s in stage_order if s in by["stage"]],
        by_town=[Bucket(t, *_pair(by["town"][t])) for t in TOWNS if t in by["town"]],
        by_industry=sorted(
            (Bucket(i, *_pair(v)) for i, v in by["industry"].items()),
            key=lambda b: b.investment_yi,
            reverse=True,
        ),
        step_bottlenecks=steps[:10],
        department_bottlenecks=_by_department(steps)[:10],
        alerts=_alerts(conn, overdue, project_rows, department_names),
        town=scope.town,
    )


def _alerts(
    conn: Connection,
    overdue: list[tuple[date, int, str, str, str | None]],
    project_rows: Sequence[Any],
    department_names: dict[str, str],
    limit: int = 50,
) -> list[OverdueAlert]:
    """The overdue steps, the longest overdue first, with their project and agent."""
    found = {p.id: p for p in project_rows}
    overdue.sort(key=lambda o: (o[0], o[1]))
    chosen = overdue[:limit]
    agent_ids = {found[o[1]].agent_id for o in chosen} - {None}
    agents = (
        dict(conn.execute(select(users.c.id, users.c.name).where(users.c.id.in_(agent_ids))).all())
        if agent_ids
        else {}
    )
    return [
        OverdueAlert(
            project_code=found[project_id].code,
            project_name=found[project_id].name,
            item_name=item,
            department_name=department_names.get(department, department),
            due_on=due,
            agent_name=agents.get(found[project_id].agent_id),
            case_number=number,
        )
        for due, project_id, item, department, number in chosen
    ]


def _pair(value: tuple[int, int] | list[int]) -> tuple[int, Decimal]:
    return int(value[0]), wan_to_yi(value[1])


def _by_department(steps: list[Bottleneck]) -> list[Bottleneck]:
    """The step figures rolled up per department, weighted by the number of steps."""
    totals: dict[str, list[float]] = defaultdict(lambda: [0, 0, 0, 0.0, 0.0])
    for b in steps:
        t = totals[b.department]
        t[0] += b.steps
        t[1] += b.open
        t[2] += b.overdue
        t[3] += b.average_days * b.steps
        t[4] = max(t[4], b.longest_days)
    rolled = [
        Bottleneck(
            label=name,
            department=name,
            steps=int(t[0]),
            open=int(t[1]),
            overdue=int(t[2]),
            average_days=round(t[3] / t[0], 1) if t[0] else 0.0,
            longest_days=t[4],
        )
        for name, t in totals.items()
    ]
    rolled.sort(key=lambda b: b.average_days, reverse=True)
    return rolled


def overdue_alerts(
    conn: Connection, where: ColumnElement[bool], today: date, *, limit: int = 50
) -> list[OverdueAlert]:
    """Filed steps past their due day whose case is still open, the longest overdue first."""
    agent = users.alias("agent")
    rows = conn.execute(
        select(
            projects.c.code,
            projects.c.name,
            project_steps.c.item_name,
            departments.c.name.label("department_name"),
            project_steps.c.due_on,
            agent.c.name.label("agent_name"),
            cases.c.number,
        )
        .select_from(
            project_steps.join(projects, projects.c.id == project_steps.c.project_id)
            .join(cases, cases.c.id == project_steps.c.case_id)
            .outerjoin(departments, departments.c.code == project_steps.c.department_code)
            .outerjoin(agent, agent.c.id == projects.c.agent_id)
        )
        .where(where, project_steps.c.due_on < today, cases.c.status.in_(_OPEN))
        .order_by(project_steps.c.due_on, projects.c.code)
        .limit(limit)
    )
    return [OverdueAlert(*r) for r in rows]
