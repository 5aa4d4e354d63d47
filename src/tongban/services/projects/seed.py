"""Recording a project's history at once (demo data and imports of projects already under way).

Each filed step becomes a real case built through the case aggregate — the agent files it for
the company (``on_behalf_of``), the department accepts, reviews and decides it on the days
given — and is stored with its hash-chained events.  No messages are queued for history.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from uuid import uuid4

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from tongban.adapters.db.tables import (
    case_events,
    case_number_counters,
    cases,
    centres,
    departments,
    users,
)
from tongban.adapters.db.tables_projects import (
    project_authorisations,
    project_notes,
    project_steps,
    projects,
)
from tongban.domain.cases.forms import validate_form
from tongban.domain.cases.model import Case
from tongban.domain.cases.numbers import format_number
from tongban.domain.cases.status import Channel, DeliveryMethod
from tongban.domain.cases.values import Agent, Delivery, ItemTerms, Performer
from tongban.domain.catalogue.model import Channel as ItemChannel
from tongban.domain.catalogue.model import FieldType, FormField
from tongban.domain.projects.model import (
    AUTHORISATION_SCOPE,
    ProjectFacts,
    ProjectStatus,
    project_code,
)
from tongban.domain.shared.calendar import WorkingCalendar
from tongban.domain.shared.clock import china_date
from tongban.services.cases import facts as case_facts
from tongban.services.cases import repository as repo
from tongban.services.catalogue.items import ItemView, published_item
from tongban.services.platform import audit, jurisdiction
from tongban.services.platform.context import Actor
from tongban.services.platform.unit_of_work import UnitOfWork
from tongban.services.projects.lifecycle import roadmap_rows, roadmap_step
from tongban.services.projects.steps import INTAKE_DAYS, prefill

FILLER: dict[str, str] = {
    "site_area": "26000",
    "registered_capital": "5000",
    "business_scope": "智能装备研发、制造与销售",
}
"""Answers to the form fields a project does not already answer (history only)."""


@dataclass(frozen=True)
class StepHistory:
    """What happened to one step: filed, then accepted, then decided (None: not yet)."""

    position: int
    filed_at: datetime
    accepted_at: datetime | None = None
    decided_at: datetime | None = None


@dataclass(frozen=True)
class ProjectHistory:
    company_id: int
    facts: ProjectFacts
    registered_at: datetime
    agent: tuple[int, str] | None = None
    """(agent user id, agent's centre code) once the proxy service was requested."""
    authorised_at: datetime | None = None
    steps: Sequence[StepHistory] = ()
    notes: Sequence[tuple[str, str, date]] = ()
    reviewers: dict[str, int] = field(default_factory=dict)
    """Department code → the reviewer who accepted and decided its cases."""
    completed: bool = False


def _answer(f: FormField) -> str:
    if f.options:
        return f.options[0]
    if f.name in FILLER:
        return FILLER[f.name]
    return "1000" if f.type is FieldType.NUMBER else "见附件"


@dataclass
class _Pending:
    """A case built in memory, waiting for the batch's bulk insert."""

    case: Case
    item_id: int
    last: datetime
    step_id: int
    agent_id: int
    filed_at: datetime
    due: date | None
    entries: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Recorder:
    """Records many projects on one unit of work; cases and their events go in bulk.

    The case rows and audit rows are serialised by the case repository's own functions, so a
    bulk-recorded case hashes, loads and verifies exactly like one stored by ``repo.add``.
    """

    uow: UnitOfWork
    actor: Actor
    calendar: WorkingCalendar
    items: dict[str, ItemView] = field(default_factory=dict)
    companies: dict[int, Any] = field(default_factory=dict)
    agents: dict[int, Agent] = field(default_factory=dict)
    pending: list[_Pending] = field(default_factory=list)
    written: int = 0

    def item(self, code: str) -> ItemView:
        if code not in self.items:
            self.items[code] = published_item(self.uow.conn, code)
        return self.items[code]

    def record(self, history: ProjectHistory) -> str:
        """Store one project with its roadmap, authorisation and notes; its filed steps are
        built as cases and stored by ``flush``."""
        conn = self.uow.conn
        facts = history.facts
        last = max(
            [history.registered_at, history.authorised_at or history.registered_at]
            + [s.decided_at or s.accepted_at or s.filed_at for s in history.steps]
        )
        project_id = conn.execute(
            insert(projects)
            .values(
                code=f"T{uuid4().hex[:19]}",  # replaced by the code made of the new id below
                company_id=history.company_id,
                credit_code=facts.credit_code,
                legal_representative=facts.legal_representative,
                name=facts.name,
                investment_wan=facts.investment_wan,
                industry=facts.industry,
                site_address=facts.site_address,
                town=facts.town,
                construction=facts.construction,
                status=_status(history).value,
                agent_id=history.agent[0] if history.agent else None,
                centre_code=history.agent[1] if history.agent else None,
                lock_version=1,
                created_at=history.registered_at,
                updated_at=last,
            )
            .returning(projects.c.id)
        ).scalar_one()
        code = project_code(project_id)
        conn.execute(update(projects).where(projects.c.id == project_id).values(code=code))
        if history.agent and history.authorised_at:
            conn.execute(
                insert(project_authorisations).values(
                    project_id=project_id,
                    company_id=history.company_id,
                    agent_id=history.agent[0],
                    scope=AUTHORISATION_SCOPE,
                    granted_at=history.authorised_at,
                )
            )
        step_ids: dict[int, int] = dict(
            conn.execute(
                insert(project_steps).returning(
                    project_steps.c.position, project_steps.c.id, sort_by_parameter_order=True
                ),
                roadmap_rows(project_id, facts.construction),
            ).all()
        )
        if history.steps:
            company = self._company(history.company_id)
            for step in history.steps:
                self._build(history, company, step_ids[step.position], step)
        if history.notes and history.agent:
            conn.execute(
                insert(project_notes),
                [
                    {
                        "project_id": project_id,
                        "author_id": history.agent[0],
                        "kind": kind,
                        "body": body,
                        "happened_on": day,
                        "created_at": history.registered_at,
                    }
                    for kind, body, day in history.notes
                ],
            )
        audit.record(
            conn,
            self.actor,
            "project.recorded",
            "project",
            code,
            {"steps": len(history.steps), "investment_wan": facts.investment_wan},
        )
        self.written += 1
        return code

    def _agent(self, agent_id: int) -> Agent:
        """The proxy agent as the cases they file record them (代办员, acting for the company)."""
        if agent_id not in self.agents:
            name = self.uow.conn.execute(select(users.c.name).where(users.c.id == agent_id))
            self.agents[agent_id] = Agent(name.scalar_one(), staff_id=agent_id)
        return self.agents[agent_id]

    def _company(self, company_id: int) -> Any:
        if company_id not in self.companies:
            self.companies[company_id] = self.uow.conn.execute(
                select(users.c.name, users.c.phone, users.c.legal_representative_id).where(
                    users.c.id == company_id
                )
            ).one()
        return self.companies[company_id]

    def _build(
        self, history: ProjectHistory, company: Any, step_id: int, step: StepHistory
    ) -> None:
        assert history.agent is not None
        project = history.facts
        row = roadmap_step(project.construction, step.position)
        agent_id, centre = history.agent
        by = Performer(
            agent_id,
            "agent",
            centre,
            request_id=self.actor.request_id,
            on_behalf_of=project.credit_code,
        )
        item = self.item(row.item_code)
        assert item.version is not None
        spec = item.spec
        form = {f.name: _answer(f) for f in spec.form}
        form.update(prefill(spec.form, project, company))
        channel = Channel.ONLINE if ItemChannel.ONLINE in spec.channels else Channel.WINDOW
        case = Case.start(
            by=by,
            at=step.filed_at,
            number="",  # numbered in ``flush``, a day's numbers reserved at once
            item_code=item.code,
            item_version=item.version,
            terms=ItemTerms.from_spec(spec),
            applicant_id=history.company_id,
            channel=channel,
            department_code=spec.department_code,
            form=form,
            materials=[m.name for m in spec.materials],
            agent=self._agent(agent_id),
            accepting_centre_code=centre,
            delivery=Delivery(DeliveryMethod.PICKUP, centre, ""),
        )
        case.form = validate_form(spec.form, case.form)
        case.submit(by=by, at=step.filed_at)
        reviewer = Performer(
            history.reviewers.get(row.department_code),
            "reviewer",
            None,
            row.department_code,
            request_id=self.actor.request_id,
        )
        last = step.filed_at
        if step.accepted_at is not None:
            case.accept(by=reviewer, at=step.accepted_at, calendar=self.calendar)
            last = step.accepted_at
            if not case.terms.immediate:
                case.start_review(by=reviewer, at=step.accepted_at)
        if step.decided_at is not None:
            case.approve(by=reviewer, at=step.decided_at, reasons="符合条件，准予许可")
            case.issue_result(by=reviewer, at=step.decided_at, reference=spec.result_name)
            # A past step's result was collected at the centre the day it was issued, so no
            # historical case waits for a pickup code it never had.
            case.deliver(by=reviewer, at=step.decided_at, detail={"collected_at": centre})
            last = step.decided_at
        due = self.calendar.deadline(
            china_date(step.filed_at), spec.promised_limit_days + INTAKE_DAYS
        )
        self.pending.append(_Pending(case, item.id, last, step_id, agent_id, step.filed_at, due))

    def flush(self) -> int:
        """Insert the built cases, their hash-chained events, and link the steps; returns how
        many cases were stored."""
        if not self.pending:
            return 0
        conn = self.uow.conn
        self._number()
        centre_ids = dict(conn.execute(select(centres.c.code, centres.c.id)).all())
        department_ids = dict(conn.execute(select(departments.c.code, departments.c.id)).all())
        case_rows = []
        for p in self.pending:
            c = p.case
            p.entries = repo._chain(c)  # the repository's own serialisation and hashing
            case_rows.append(
                {
                    "number": c.number,
                    "item_id": p.item_id,
                    "item_version": c.item_version,
                    "applicant_id": c.applicant_id,
                    "channel": c.channel.value,
                    "lock_version": 1,
                    "department_id": department_ids[c.department_code],
                    "audit_seq": c.audit_seq,
                    "audit_head": c.audit_head,
                    "created_at": p.filed_at,
                    "status": c.status.value,
                    "form": dict(c.form),
                    "submitted_at": c.submitted_at,
                    "accepted_on": c.accepted_on,
                    "deadline": c.deadline,
                    "accepting_centre_id": centre_ids.get(c.accepting_centre_code),
                    "pickup_centre_id": centre_ids.get(c.delivery.pickup_centre_code),
                    "delivery_method": c.delivery.method.value,
                    "decision": c.decision.value if c.decision else None,
                    "data": repo._data(c),
                    "updated_at": p.last,
                }
            )
        ids = (
            conn.execute(
                insert(cases).returning(cases.c.id, sort_by_parameter_order=True), case_rows
            )
            .scalars()
            .all()
        )
        for p, case_id in zip(self.pending, ids, strict=True):
            p.case.id = case_id
        case_facts.record_new(conn, [p.case for p in self.pending])
        events: list[dict[str, Any]] = []
        links = []
        for p, case_id in zip(self.pending, ids, strict=True):
            events.extend(
                {"case_id": case_id, **{k: v for k, v in e.items() if k != "case"}}
                for e in p.entries
            )
            links.append(
                {
                    "step_id": p.step_id,
                    "case_id": case_id,
                    "filed_at": p.filed_at,
                    "filed_by": p.agent_id,
                    "due_on": p.due,
                }
            )
        conn.execute(insert(case_events), events)
        conn.execute(
            update(project_steps)
            .where(project_steps.c.id == bindparam("step_id"))
            .values(
                status="filed",
                case_id=bindparam("case_id"),
                filed_at=bindparam("filed_at"),
                filed_by=bindparam("filed_by"),
                due_on=bindparam("due_on"),
            ),
            links,
        )
        stored = len(self.pending)
        self.pending = []
        return stored

    def _number(self) -> None:
        """Case numbers from the daily counter, each day's block reserved in one statement
        (``repo.next_number`` does one at a time: the same counter, the same format)."""
        by_day: dict[date, list[Case]] = defaultdict(list)
        for p in self.pending:
            by_day[china_date(p.filed_at)].append(p.case)
        conn = self.uow.conn
        insert_ = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
        prefix = jurisdiction.current(conn).case_prefix
        for day, day_cases in sorted(by_day.items()):
            k = len(day_cases)
            upsert = insert_(case_number_counters).values(day=day, last=k)
            last = conn.execute(
                upsert.on_conflict_do_update(
                    index_elements=["day"], set_={"last": case_number_counters.c.last + k}
                ).returning(case_number_counters.c.last)
            ).scalar_one()
            for offset, case in enumerate(day_cases):
                case.number = format_number(prefix, day, int(last) - k + 1 + offset)


def _status(history: ProjectHistory) -> ProjectStatus:
    if history.completed:
        return ProjectStatus.COMPLETED
    if history.authorised_at:
        return ProjectStatus.IN_PROGRESS
    return ProjectStatus.AGENT_ASSIGNED if history.agent else ProjectStatus.REGISTERED
