"""The agent files a roadmap step as a case for the company (代为申报).

The case is the company's (it is the applicant); the agent is the performer, and every event
the agent causes records ``on_behalf_of`` = the company's credit code.  The case records the
agent as the one handing it in (委托代理人), so the materials asked only when an agent acts
are needed too.  Filing needs the
company's authorisation in force: without it, 403 ``agent_not_authorised`` and nothing is
written.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection, Row, select, update

from tongban.adapters.db.tables import cases, users
from tongban.adapters.db.tables_projects import project_steps
from tongban.domain.cases.status import Channel
from tongban.domain.cases.values import Agent, Performer
from tongban.domain.catalogue.model import Channel as ItemChannel
from tongban.domain.catalogue.model import FormField
from tongban.domain.errors import CalendarUnknown
from tongban.domain.people.model import Principal, Role
from tongban.domain.projects.errors import StepAlreadyFiled, StepNotFound
from tongban.domain.projects.model import StepProgress, step_progress
from tongban.domain.shared.clock import china_date
from tongban.services.cases import repository as repo
from tongban.services.cases.intake import Application, new_case, submit_checked
from tongban.services.cases.notify import notify
from tongban.services.catalogue.items import published_item
from tongban.services.platform import audit
from tongban.services.platform.calendar import load_calendar
from tongban.services.platform.context import Actor
from tongban.services.platform.unit_of_work import UnitOfWork, atomic
from tongban.services.projects.lifecycle import authorised_project

INTAKE_DAYS = 5
"""Working days a centre has to accept or list what is missing (《行政许可法》第三十二条)."""


@dataclass(frozen=True)
class FiledStep:
    """What filing a step leaves behind: the case number and the step's due day."""

    project_code: str
    position: int
    case_number: str
    due_on: date | None


def agent_performer(agent: Principal, actor: Actor, credit_code: str) -> Performer:
    """The agent, at their centre, acting for the company with this credit code."""
    centre = next((a.centre_code for a in agent.assignments(Role.AGENT)), None)
    return Performer(
        agent.user_id,
        Role.AGENT.value,
        centre,
        request_id=actor.request_id,
        on_behalf_of=credit_code,
    )


def prefill(schema: Sequence[FormField], project: Any, company: Any) -> dict[str, str]:
    """表单秒填: the item's form fields the project and the company's record already answer."""
    known = {
        "enterprise_name": company.name,
        "credit_code": project.credit_code,
        "contact_name": project.legal_representative,
        "legal_rep": project.legal_representative,
        "legal_rep_id": company.legal_representative_id or "",
        "phone": company.phone or "",
        "project_name": project.name,
        "investment": str(project.investment_wan),
        "site": project.site_address,
        "project_address": project.site_address,
        "premises_address": project.site_address,
    }
    return {f.name: known[f.name] for f in schema if known.get(f.name)}


def _step(conn: Connection, project_id: int, position: int) -> Row[Any]:
    row = conn.execute(
        select(project_steps, cases.c.number, cases.c.status.label("case_status"), cases.c.decision)
        .outerjoin(cases, cases.c.id == project_steps.c.case_id)
        .where(project_steps.c.project_id == project_id, project_steps.c.position == position)
        .with_for_update(of=project_steps)
    ).first()
    if row is None:
        raise StepNotFound(position=position)
    return row


@atomic
def file_step(
    uow: UnitOfWork,
    actor: Actor,
    code: str,
    position: int,
    form: Mapping[str, Any] | None = None,
    materials: Sequence[str] | None = None,
) -> FiledStep:
    """代为申报: the authorised agent files step ``position`` as a case whose applicant is the
    company; a step already filed (and not returned) is refused with 409."""
    conn = uow.conn
    agent, project = authorised_project(conn, actor, code)
    step = _step(conn, project.id, position)
    if step.case_id is not None and step_progress(step.case_status, step.decision) is not (
        StepProgress.RETURNED
    ):
        raise StepAlreadyFiled(number=step.number)
    company = conn.execute(select(users).where(users.c.id == project.company_id)).one()
    item = published_item(conn, step.item_code)
    channel = Channel.ONLINE if ItemChannel.ONLINE in item.spec.channels else Channel.WINDOW
    by = agent_performer(agent, actor, project.credit_code)
    given = {k: v for k, v in (form or {}).items() if v not in (None, "")}
    application = Application(
        item_code=step.item_code,
        form={**prefill(item.spec.form, project, company), **given},
        # The agent collected the materials from the company before filing (代办 practice),
        # the company's authorisation (委托书) among them: it is on record, checked above.
        materials=list(materials)
        if materials is not None
        else [m.name for m in item.spec.materials],
        pickup_centre_code=project.centre_code,
        agent=Agent(agent.name, staff_id=agent.user_id),
    )
    case, item = new_case(uow, actor, by, project.company_id, channel, application)
    submit_checked(case, item, by, actor)
    filed_on = china_date(actor.at)
    try:
        due = load_calendar(conn).deadline(filed_on, item.spec.promised_limit_days + INTAKE_DAYS)
    except CalendarUnknown:
        due = None  # the calendar does not reach that far yet: no due day rather than a guess
    notify(conn, case, actor.at)
    repo.add(conn, case, item.id, actor.at)
    claimed = conn.execute(
        update(project_steps)
        .where(
            project_steps.c.id == step.id,
            project_steps.c.case_id.is_(None)
            if step.case_id is None
            else project_steps.c.case_id == step.case_id,
        )
        .values(
            status="filed", case_id=case.id, filed_at=actor.at, filed_by=agent.user_id, due_on=due
        )
    )
    if claimed.rowcount != 1:
        raise StepAlreadyFiled(number="—")
    audit.record(
        conn,
        actor,
        "project.step_filed",
        "project",
        project.code,
        {"position": position, "case": case.number, "on_behalf_of": project.credit_code},
    )
    return FiledStep(project.code, position, case.number, due)
