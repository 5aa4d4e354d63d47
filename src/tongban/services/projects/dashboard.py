"""The proxy-service centre's dashboard (代办中心): projects by status, stage, town and industry
with their investment, the steps and departments with the longest waits, the overdue steps.

It aggregates in a handful of reads however many projects there are, and is cached per
process until something is written (``_fingerprint``) or ``DASHBOARD_SECONDS`` pass.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Connection, Row, Select, and_, case, func, literal, select

from tongban.adapters.db.tables import audit_log, case_events, cases, departments, users
from tongban.adapters.db.tables_projects import project_steps, projects
from tongban.domain.people.model import Principal
from tongban.domain.projects.model import ProjectStatus
from tongban.domain.projects.roadmap import stage_names
from tongban.services.platform import jurisdiction
from tongban.services.platform.paging import Key, Page, PageRequest, read_page
from tongban.services.projects.access import Scope, project_scope
from tongban.services.projects.queries import DONE_STATUSES, OPEN_STATUSES, wan_to_yi


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
    """The 50 longest overdue steps (the pages read them all a page at a time)."""
    town: str | None
    overdue_steps: int = 0
    """How many steps are overdue in all, however many ``alerts`` shows."""


def _days_waited(conn: Connection, now: datetime) -> ColumnElement[Any]:
    """Days from filing to the case's last change when done, or to ``now`` while open."""
    end = case(
        (cases.c.status.in_(DONE_STATUSES), cases.c.updated_at),
        else_=literal(now, cases.c.updated_at.type),
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
            _days_waited(conn, now).label("waited"),
        )
        .select_from(in_scope.join(cases, cases.c.id == project_steps.c.case_id))
        .where(scope.where)
    ).all()
    done_statuses, open_statuses = frozenset(DONE_STATUSES), frozenset(OPEN_STATUSES)
    per_step: dict[tuple[str, str], list[float]] = {}
    # Plain tuple unpacking: this loop runs once per step of every project in scope.
    for project_id, stage, item, department, due_on, status, decision, waited in step_rows:
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

    department_names = dict(conn.execute(select(departments.c.code, departments.c.name)).all())
    towns = jurisdiction.current(conn).town_names
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
        by_town=[Bucket(t, *_pair(by["town"][t])) for t in towns if t in by["town"]],
        by_industry=sorted(
            (Bucket(i, *_pair(v)) for i, v in by["industry"].items()),
            key=lambda b: b.investment_yi,
            reverse=True,
        ),
        step_bottlenecks=steps[:10],
        department_bottlenecks=_by_department(steps)[:10],
        alerts=overdue_alerts(conn, scope.where, today),
        town=scope.town,
        overdue_steps=overdue_count(conn, scope.where, today),
    )


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


def overdue_alerts_for(conn: Connection, principal: Principal, today: date) -> list[OverdueAlert]:
    """The overdue steps of the projects ``principal`` sees (an agent's: their own)."""
    return overdue_alerts(conn, project_scope(conn, principal).where, today)


def _overdue(where: ColumnElement[bool], today: date) -> ColumnElement[bool]:
    """Filed steps past their due day whose case is still open."""
    return and_(where, project_steps.c.due_on < today, cases.c.status.in_(OPEN_STATUSES))


def _alerts() -> Select[Any]:
    agent = users.alias("agent")
    return select(
        projects.c.code,
        projects.c.name,
        project_steps.c.item_name,
        departments.c.name.label("department_name"),
        project_steps.c.due_on,
        agent.c.name.label("agent_name"),
        cases.c.number,
    ).select_from(
        project_steps.join(projects, projects.c.id == project_steps.c.project_id)
        .join(cases, cases.c.id == project_steps.c.case_id)
        .outerjoin(departments, departments.c.code == project_steps.c.department_code)
        .outerjoin(agent, agent.c.id == projects.c.agent_id)
    )


def _alert(r: Row[Any]) -> OverdueAlert:
    return OverdueAlert(
        r.code, r.name, r.item_name, r.department_name, r.due_on, r.agent_name, r.number
    )


def overdue_alerts(
    conn: Connection, where: ColumnElement[bool], today: date, *, limit: int = 50
) -> list[OverdueAlert]:
    """The first ``limit`` overdue steps, the longest overdue first (the dashboard's sample;
    the pages read them a page at a time with ``overdue_alert_page``)."""
    return overdue_alert_page(conn, where, today, PageRequest(limit=limit)).rows


def overdue_alert_page(
    conn: Connection, where: ColumnElement[bool], today: date, page: PageRequest
) -> Page[OverdueAlert]:
    """One page of the overdue steps, the longest overdue first (the step id settles ties)."""
    keys = [Key(project_steps.c.due_on), Key(project_steps.c.id)]
    return read_page(conn, _alerts().where(_overdue(where, today)), keys, page, _alert)


def overdue_count(conn: Connection, where: ColumnElement[bool], today: date) -> int:
    """How many steps are overdue, however many pages they fill."""
    found = _alerts().where(_overdue(where, today)).subquery()
    return int(conn.execute(select(func.count()).select_from(found)).scalar_one())
