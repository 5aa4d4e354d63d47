"""The 秒批 decision on one case: what the rules say, and what the case becomes.

``decide`` is pure: the case as submitted (its materials from the licence library, any dispute
of a prefilled value), the rule set in force and the inputs read for it give a ``Verdict``.
The case is approved on the spot only when every rule passes, every required material came
from the licence library and no prefilled value is disputed; otherwise a person decides, told
why.  Automated processing never rejects (《个人信息保护法》第二十四条; 否决权上移).
``conclude`` then moves the case as the verdict says, with the ``AutomatedDecision`` event last.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from tongban.domain.cases.model import Case
from tongban.domain.cases.status import CaseStatus, DeliveryMethod
from tongban.domain.cases.values import Performer
from tongban.domain.rules.evaluation import Evaluation, Inputs, Outcome, evaluate
from tongban.domain.rules.model import RuleSetSpec
from tongban.domain.shared.calendar import WorkingCalendar

APPROVED_REASON = "秒批：全部审批规则均符合"
ALL_PASS = "全部审批规则均符合"


@dataclass(frozen=True)
class Verdict:
    """Every rule's outcome, and every reason a person has to decide instead (none: approve)."""

    evaluation: Evaluation
    reasons: tuple[str, ...]

    @property
    def outcome(self) -> Outcome:
        return Outcome.MANUAL_REVIEW if self.reasons else Outcome.APPROVE

    @property
    def approved(self) -> bool:
        return self.outcome is Outcome.APPROVE


def decide(case: Case, rule_set: RuleSetSpec, inputs: Inputs) -> Verdict:
    """The rules evaluated on ``inputs``; approve only when they all pass, no required material
    is absent and no prefilled value is disputed."""
    evaluation = evaluate(rule_set, inputs)
    reasons = list(evaluation.reasons)
    absent = case.absent_materials()
    if absent:
        reasons.append("材料未能从电子证照库获取：" + "、".join(absent))
    if case.needs_manual_review:
        reasons.append("申请人对预填数据有异议")
    return Verdict(evaluation, tuple(reasons))


def conclude(
    case: Case,
    verdict: Verdict,
    *,
    by: Performer,
    at: datetime,
    calendar: WorkingCalendar,
    rule_set_version: int,
    licence_id: str | None = None,
) -> None:
    """Move the submitted case as ``verdict`` says: accepted when its materials are all in;
    then approved, its result (the e-licence ``licence_id``) issued and delivered electronically
    at once, or else put under review.  The ``AutomatedDecision`` event comes last."""
    if not case.absent_materials():
        case.accept(by=by, at=at, calendar=calendar)
    if verdict.approved:
        if not case.terms.immediate:
            case.start_review(by=by, at=at)
        case.approve(by=by, at=at, reasons=APPROVED_REASON)
        case.issue_result(by=by, at=at, reference=licence_id or case.number)
        detail: Mapping[str, str] = {"licence_id": licence_id} if licence_id else {}
        case.deliver(by=by, at=at, method=DeliveryMethod.ELECTRONIC, detail=detail)
    elif case.status is CaseStatus.ACCEPTED:
        case.start_review(by=by, at=at)
    case.note(
        "AutomatedDecision",
        by,
        at,
        "；".join(verdict.reasons) if verdict.reasons else ALL_PASS,
        outcome=verdict.outcome.value,
        rule_set_version=rule_set_version,
    )
