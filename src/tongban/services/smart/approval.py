"""办件秒批: apply for a smart item and get the decision in the same transaction.

Submit → the form filled from the applicant's licences (表单秒填, locked values win) → the
required materials taken from the e-licence library (材料秒报) → predicates and licence data
read through the personal data space on the applicant's consent (a single-use grant per read,
to the item's department, for this case) → the rules in force today.  All pass: the case is
accepted, approved, its result issued as an e-licence and delivered electronically at once
(结果秒出).  Otherwise it goes to a person (accepted → under review) with the explanation.
Every automated decision stores the rule-set version, the inputs and the explanation, and the
applicant may ask for a human review of it (《个人信息保护法》第二十四条).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, insert

from tongban.adapters.db.tables_rules import automated_decisions
from tongban.domain.cases.forms import validate_form
from tongban.domain.cases.model import Case
from tongban.domain.cases.numbers import digits_of
from tongban.domain.cases.status import CaseStatus, Channel, DeliveryMethod
from tongban.domain.cases.values import SYSTEM_ROLE, Performer
from tongban.domain.data_space.prefill import PrefillResult, fill, needs_by_type
from tongban.domain.errors import ValidationFailed
from tongban.domain.licences.model import Licence
from tongban.domain.people.model import UserKind
from tongban.domain.rules.decision import Verdict, conclude, decide
from tongban.domain.rules.errors import NotSmartItem
from tongban.domain.rules.evaluation import Inputs, Outcome, result_fields
from tongban.domain.rules.expressions import run
from tongban.domain.rules.model import ResultHolder, RuleSetSpec
from tongban.domain.shared.clock import china_date
from tongban.domain.shared.identity import credit_code_check_char, organisation_code_check_char
from tongban.domain.shared.jurisdiction import Jurisdiction
from tongban.services.cases import repository as repo
from tongban.services.cases.intake import Application, new_case, submit_checked
from tongban.services.cases.notify import notification_writes
from tongban.services.cases.review_steps import open_review
from tongban.services.cases.roles import APPLICANT, performer
from tongban.services.catalogue.items import (
    ItemView,
    published_item,
    published_item_and,
    published_with,
)
from tongban.services.data_space import reads as data_space
from tongban.services.data_space.applicant_reads import ApplicantReads
from tongban.services.licences import library as licences
from tongban.services.people import queries as people
from tongban.services.platform import audit, jurisdiction, telemetry
from tongban.services.platform.calendar import FINGERPRINT, load_calendar
from tongban.services.platform.context import Actor
from tongban.services.platform.together import Part, write_together
from tongban.services.platform.unit_of_work import UnitOfWork, atomic
from tongban.services.smart import rules as rule_sets
from tongban.services.smart.inputs import declared_materials, gather, plan_reads, purpose_for
from tongban.services.supervision import tasks as inspection_tasks
from tongban.services.supervision.items import ON_LIST, supervised


@dataclass(frozen=True)
class SmartDecision:
    """What the applicant sees at once: the case, the outcome and every rule explained."""

    number: str
    version: int
    status: CaseStatus
    outcome: Outcome
    rule_set_version: int
    results: list[dict[str, Any]]
    licence_id: str | None = None
    reasons: list[str] = field(default_factory=list)


def smart_item(conn: Connection, item_code: str) -> ItemView:
    """The published item, refusing one that does not support 秒批."""
    item = published_item(conn, item_code)
    if not item.spec.smart_approval:
        raise NotSmartItem(item_code=item.code)
    return item


IDENTITY_FIELDS = {
    "applicant_name": "name",
    "id_number": "id_number",
    "enterprise_name": "name",
    "credit_code": "credit_code",
}
"""Form fields filled from the signed-in account's verified identity (实名认证)."""


@atomic
def prefill_for(
    uow: UnitOfWork, actor: Actor, item: ItemView, reads: ApplicantReads | None = None
) -> PrefillResult:
    """表单秒填: the applicant's verified identity, and every field with a licence source read
    from their own licences (the read is logged).  What is filled is locked.

    ``reads``: the application's reads, when the licences are read for more than the form;
    without, the read is logged here."""
    principal = actor.principal
    needed = needs_by_type(item.spec.form)
    own = reads or ApplicantReads(uow, actor, needed)
    data: dict[str, dict[str, Any]] = {}
    if needed:
        data = own.own(
            data_space.requester_for(principal, item_code=item.code),
            type_codes=list(needed),
            fields=[f"{t}.{name}" for t, names in needed.items() for name in names],
            purpose=purpose_for(item),
        )
    if reads is None:
        own.flush()
    filled = fill(item.spec.form, data)
    assert principal is not None
    enterprise = principal.kind is UserKind.ENTERPRISE
    names = {f.name for f in item.spec.form}
    values = dict(filled.values)
    for name, attribute in IDENTITY_FIELDS.items():
        if name not in names or name in values:
            continue
        if name == ("enterprise_name" if not enterprise else "applicant_name"):
            continue  # a person has no company name, a company no personal name
        value = getattr(principal, attribute, None)
        if value:
            values[name] = value
    return replace(filled, values=values, locked=frozenset(values))


def new_individual_business_code(case_number: str, region_code: str) -> str:
    """统一社会信用代码 of a 个体工商户 registered on the spot (GB 32100: 9 = 工商, 2 = 个体工商户,
    the jurisdiction's region code, an organisation code from the case number's day of the month
    and the last six digits of its sequence, check char)."""
    rest = digits_of(case_number)  # yyyymmdd + the sequence
    digits = (rest[6:8] + rest[8:][-6:]).rjust(8, "0")
    body = "92" + region_code + digits + organisation_code_check_char(digits)
    return body + credit_code_check_char(body)


def _sign_licence(
    actor: Actor,
    keys: Any,
    spec: RuleSetSpec,
    inputs: Inputs,
    *,
    holder_id: str,
    holder_name: str,
    case_number: str,
    today: date,
    where: Jurisdiction,
) -> Licence | None:
    """结果秒出: the e-licence the rule set issues on approval, signed (stored by the caller in
    the decision's transaction)."""
    result = spec.result
    if result is None:
        return None
    values = result_fields(spec, inputs)
    if result.serial_field:
        values[result.serial_field] = result.serial_prefix + "".join(
            c for c in case_number if c.isdigit()
        )
    if result.holder_name:
        holder_name = str(run(result.holder_name, inputs.variables()))
    if result.holder is ResultHolder.NEW_INDIVIDUAL_BUSINESS:
        holder_id = new_individual_business_code(case_number, where.region_code)
    until = today.replace(year=today.year + result.valid_years) if result.valid_years else None
    return licences.sign(
        actor,
        keys,
        issuer=where.credential_issuer,
        type_code=result.licence_type,
        holder_id=holder_id,
        holder_name=holder_name,
        fields=values,
        case_number=case_number,
        valid_from=today,
        valid_until=until,
    )


_ITEM_AND_MORE = published_with(*rule_sets.IN_FORCE, *FINGERPRINT, ON_LIST)
"""Built once: the published item and, beside it, the version of its rule set in force, the
calendar's fingerprint (``load_calendar``) and whether the item is on the supervision list
(``supervised``), which a decision would otherwise read in three round trips of their own."""

_INSERT_DECISION = insert(automated_decisions)
"""Built once: no cache-key work per decision."""


def _decision_row(
    case: Case,
    stored: rule_sets.StoredRuleSet,
    verdict: Verdict,
    inputs: Inputs,
    licence_id: str | None,
    at: datetime,
) -> Part:
    """The stored decision (rule-set version, inputs, explanation): PIPL Art. 24."""
    return (
        _INSERT_DECISION,
        [{
            "case_id": case.id,
            "case_number": case.number,
            "item_code": case.item_code,
            "rule_set_id": stored.id,
            "rule_set_version": stored.version,
            "inputs": inputs.snapshot(),
            "outcome": verdict.outcome.value,  # a rule, a material or a dispute: a person decides
            "explanation": [r.as_dict() for r in verdict.evaluation.results],
            "licence_id": licence_id,
            "decided_at": at,
        }],
    )  # fmt: skip


def _holder_name(form: Mapping[str, Any], principal_name: str) -> str:
    for key in ("applicant_name", "enterprise_name"):
        if form.get(key):
            return str(form[key])
    return principal_name


@atomic
def apply(
    uow: UnitOfWork,
    actor: Actor,
    keys: Any,
    item_code: str,
    form: Mapping[str, Any],
    *,
    consent: bool,
    channel: Channel = Channel.ONLINE,
) -> SmartDecision:
    """秒批申请: one transaction from submission to the issued e-licence (or to a person).

    Everything is read first, once: the item, the rule set in force, the applicant's licences
    (one fetch for the form, the materials, the predicates and the data), the calendar.  The
    domain decides; then every row is written once (the case in its final state with all its
    events, the consent grants already used, the logs, the licence, the decision, one batch of
    audit entries and one of notifications), and the transaction commits.  ``channel``:
    online, or self-service for an applicant identified at a kiosk (自助办).
    """
    conn = uow.conn
    by = performer(actor, None, APPLICANT)
    principal = actor.principal
    assert principal is not None and by.user_id is not None
    if not consent:
        raise ValidationFailed(
            "秒批须授权有关部门为本次办理读取您的电子证照数据。",
            fields={"consent": "请勾选同意授权"},
        )
    today = china_date(actor.at)
    # the item, the rule set in force, the calendar's fingerprint and the supervision list:
    # one read
    code = item_code.strip().upper()
    item, more = published_item_and(conn, code, _ITEM_AND_MORE, {"item_code": code, "day": today})
    if not item.spec.smart_approval:
        raise NotSmartItem(item_code=item.code)
    stored = rule_sets.in_force_of(conn, more, item.code)
    plan = plan_reads(item, stored.spec)
    reads = ApplicantReads(uow, actor, plan.type_codes)
    filled = prefill_for(uow, actor, item, reads)
    submitted = {k: v for k, v in form.items() if k not in filled.locked}
    application = Application(
        item_code=item.code,
        form={**submitted, **filled.values},  # locked values come from the licences
        materials=declared_materials(item.spec),
        delivery_method=DeliveryMethod.ELECTRONIC,
    )
    validate_form(item.spec.form, application.form)  # bad input: refused before writing
    # read once, with the session where it was: the case's facts, the SMS
    account = people.applicant_of(principal) or people.applicant(conn, by.user_id)
    case, item = new_case(
        uow, actor, by, by.user_id, channel, application, item=item, account=account
    )
    submit_checked(case, item, by, actor)
    inputs = gather(reads, conn, actor, plan, case, item, stored.spec, today)
    verdict = decide(case, stored.spec, inputs)
    licence = None
    if verdict.approved:
        holder_name = _holder_name(case.form, principal.name)
        licence = _sign_licence(
            actor, keys, stored.spec, inputs, holder_id=reads.holder_id, holder_name=holder_name,
            case_number=case.number, today=today, where=jurisdiction.current(conn),
        )  # fmt: skip
    licence_id = None if licence is None else licence.id
    system = Performer(None, SYSTEM_ROLE, request_id=actor.request_id)
    calendar = load_calendar(conn, fingerprint=(more.calendar_days, more.calendar_stamp))
    conclude(
        case, verdict, by=system, at=actor.at, calendar=calendar,
        rule_set_version=stored.version, licence_id=licence_id,
    )  # fmt: skip
    # --- every row once: nothing is inserted to be updated, nor read back
    known = (item.spec.name, account.phone if account else None)
    messages = notification_writes(conn, case, actor.at, known=known)  # sent with the events
    # the case with its events, and the consent grants (inserted already used; the logs carry
    # their ids, so they are returned): one statement on PostgreSQL
    grants = reads.pending_grants()
    stored_grants = repo.add(
        conn, case, item.id, actor.at, calendar=calendar, also=messages, returning=grants
    )
    if case.status is CaseStatus.UNDER_REVIEW:  # a person decides: the review steps open
        open_review(conn, case, actor.at, calendar)
    # then the logs and the rest as one statement on PostgreSQL
    entries, writes = reads.flush_grants(stored_grants if grants is not None else None)
    if licence is not None:
        writes.append(licences.insert_of(licence))
        entries.append(licences.audit_entry(licence))
    if verdict.approved:  # 批后监管: a supervised item's 秒批 approval is inspected too
        setting = supervised(conn, case.item_code, on_list=bool(more.supervised))
        if setting is not None:  # the task reads the licence it inspects: written first
            write_together(conn, writes)
            writes = []
            inspection_tasks.open_for_result(
                conn, actor, item_code=case.item_code, case_id=case.id, case_number=case.number,
                applicant_id=case.applicant_id, licence_id=licence_id, setting=setting,
            )  # fmt: skip
    writes.append(_decision_row(case, stored, verdict, inputs, licence_id, actor.at))
    detail = {"outcome": verdict.outcome.value, "rule_set_version": stored.version}
    entries.append(("smart.apply", "case", case.number, detail))
    writes.append(audit.insert_of(actor, entries))
    write_together(conn, writes)
    outcome = verdict.outcome.value
    uow.after_commit(lambda: telemetry.count_smart_decision(outcome))  # counted once it holds
    return SmartDecision(
        number=case.number,
        version=case.version,
        status=case.status,
        outcome=verdict.outcome,
        rule_set_version=stored.version,
        results=[r.as_dict() for r in verdict.evaluation.results],
        licence_id=licence_id,
        reasons=list(verdict.reasons),
    )


# Reading a decision and the human review live in ``smart.review``; re-exported for callers.
from tongban.services.smart.review import (  # noqa: E402
    DecisionView,
    decision_for,
    request_human_review,
)

__all__ = [
    "DecisionView",
    "SmartDecision",
    "apply",
    "decision_for",
    "prefill_for",
    "request_human_review",
    "smart_item",
]
