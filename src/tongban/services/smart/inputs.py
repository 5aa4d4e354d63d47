"""What a 秒批 decision reads, and on what authority (表单秒填, 材料秒报, 最小必要).

Every read is known before anything is read (``plan_reads``): the form's licence sources, the
materials a licence replaces, and the predicates and licence data the rule set reads (found by
scanning its expressions).  The applicant's licences are then fetched once
(``ApplicantReads``): the form is filled from them as the applicant's own read; on the
applicant's consent each other read rests on a single-use grant of its own to the item's
department for this case, and each is logged for the holder.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Connection, select

from tongban.adapters.db.tables import cases
from tongban.domain.cases.model import Case
from tongban.domain.cases.status import UNDECIDED, CaseStatus
from tongban.domain.cases.values import SYSTEM_ROLE
from tongban.domain.catalogue.model import ListKind, ServiceItemSpec
from tongban.domain.data_space.materials import licence_type_for
from tongban.domain.data_space.model import Requester
from tongban.domain.data_space.prefill import needs_by_type
from tongban.domain.rules.evaluation import Inputs
from tongban.domain.rules.model import RuleSetSpec
from tongban.domain.rules.negative_list import matches
from tongban.domain.rules.vocabulary import SERVICE_PREDICATES
from tongban.services.cases.roles import APPLICANT, CLERK, DEPARTMENT_STAFF, SYSTEM, performer
from tongban.services.catalogue import lists
from tongban.services.catalogue.items import ItemView
from tongban.services.data_space import licence_port
from tongban.services.data_space.applicant_reads import ApplicantReads, Consent
from tongban.services.data_space.licence_materials import attach_held, wanted_materials
from tongban.services.data_space.reads import predicate_needs
from tongban.services.platform.context import Actor

GRANT_MINUTES = 10
"""A consent grant outlives the request only briefly; each is single use anyway."""


def purpose_for(item: ItemView) -> str:
    return f"秒批：{item.spec.name}"


@dataclass(frozen=True)
class ReadPlan:
    """Which of the applicant's licences a decision reads, and for what."""

    prefill: dict[str, list[str]] = field(default_factory=dict)
    """Licence type → the fields the form is filled from."""
    materials: dict[str, str] = field(default_factory=dict)
    """Material name → the licence type that stands in for it."""
    predicates: list[str] = field(default_factory=list)
    """The data space's predicates the rules ask (the service's own are answered here)."""
    data: dict[str, list[str]] = field(default_factory=dict)
    """Licence type → the fields the rules read."""

    @property
    def type_codes(self) -> set[str]:
        """Every licence type any of the reads asks for."""
        preds = predicate_needs(self.predicates)[2] if self.predicates else []
        return {*self.prefill, *self.materials.values(), *preds, *self.data}


def plan_reads(item: ItemView, spec: RuleSetSpec | None) -> ReadPlan:
    """The reads of an application for ``item`` decided by ``spec`` (None: the form only)."""
    prefill = needs_by_type(item.spec.form)
    if spec is None:
        return ReadPlan(prefill=prefill)
    return ReadPlan(
        prefill=prefill,
        materials=wanted_materials(item.spec),
        predicates=[p for p in spec.predicates_needed() if p not in SERVICE_PREDICATES],
        data=spec.data_needed(),
    )


def declared_materials(spec: ServiceItemSpec) -> list[str]:
    """Materials the online application itself declares (告知承诺, trust D): those no licence
    replaces, and the non-key ones; a key material a licence replaces must come from it.  None
    asked only of an agent: online, the signed-in applicant applies themself."""
    known = licence_port.licence_types()
    return [
        m.name
        for m in spec.materials
        if not m.only_by_agent and (not m.key or licence_type_for(m) not in known)
    ]


PENDING = tuple(s.value for s in UNDECIDED if s is not CaseStatus.DRAFT)
"""Submitted and awaiting a decision: a second application would decide the same thing twice."""


def no_pending_application(conn: Connection, case: Case, item_id: int) -> bool:
    """The applicant has no other application for this item awaiting a decision (a draft is no
    application).  ``case`` itself is not stored yet when the rules are evaluated."""
    other = conn.execute(
        select(cases.c.id)
        .where(
            cases.c.applicant_id == case.applicant_id,
            cases.c.item_id == item_id,
            cases.c.status.in_(PENDING),
            cases.c.number != case.number,
        )
        .limit(1)
    ).first()
    return other is None


def _service_predicates(
    conn: Connection, names: list[str], case: Case, item: ItemView
) -> dict[str, bool | None]:
    """The predicates the service answers itself, from the case and the platform's own data."""
    answers: dict[str, bool | None] = {}
    if "scope_clear_of_negative_list" in names:
        scope = str(case.form.get("business_scope") or "")
        listed = [v.entry.code for v in lists.list_entries(conn, ListKind.NEGATIVE)]
        answers["scope_clear_of_negative_list"] = not matches(scope, listed) if scope else None
    if "no_pending_application" in names:
        answers["no_pending_application"] = no_pending_application(conn, case, item.id)
    return answers


def gather(
    reads: ApplicantReads,
    conn: Connection,
    actor: Actor,
    plan: ReadPlan,
    case: Case,
    item: ItemView,
    spec: RuleSetSpec,
    today: date,
) -> Inputs:
    """材料秒报, predicates and licence data, each read on its own single-use consent grant to
    the item's department for this case; the materials found are attached to ``case``."""
    requester = Requester(item.spec.department_code, item.code, None, SYSTEM_ROLE)
    consent = Consent(
        grantee_department=item.spec.department_code,
        grantee_item=item.code,
        purpose=f"{purpose_for(item)}（办件 {case.number}）",
        case_number=case.number,
        expires_at=actor.at + timedelta(minutes=GRANT_MINUTES),
    )
    if plan.materials:
        types = sorted(set(plan.materials.values()))
        _data, held = reads.licences(
            requester, consent, type_codes=types, fields=[], kind="material"
        )
        by = performer(actor, case, SYSTEM, APPLICANT, CLERK, DEPARTMENT_STAFF)
        attach_held(case, plan.materials, held, by, actor.at)
    preds: dict[str, bool | None] = {}
    if plan.predicates:
        preds = reads.predicates(requester, consent, plan.predicates)
    preds.update(_service_predicates(conn, spec.predicates_needed(), case, item))
    data: dict[str, dict[str, Any]] = {}
    if plan.data:
        fields = [f"{t}.{f}" for t, names in plan.data.items() for f in names]
        data, _held = reads.licences(
            requester, consent, type_codes=list(plan.data), fields=fields, kind="licence"
        )
    return Inputs(form=dict(case.form), data=data, pred=preds, today=today)
