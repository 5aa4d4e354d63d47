"""Evaluating a rule set on one application: each rule's outcome with its explanation.

All rules pass: approve on the spot (秒批).  Any rule fails, or the data to decide is missing:
manual review, with the reasons attached.  Automated processing never rejects (PIPL 第二十四条;
a rejection needs the section chief's signature).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

from tongban.domain.rules.expressions import guarded, references, run
from tongban.domain.rules.model import RuleKind, RuleSetSpec


class RuleOutcome(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    MISSING = "missing"
    """The data needed to decide is missing (or could not be evaluated)."""


class Outcome(StrEnum):
    APPROVE = "approve"
    MANUAL_REVIEW = "manual_review"


OUTCOME_LABELS = {
    RuleOutcome.PASS: "符合",
    RuleOutcome.FAIL: "不符合",
    RuleOutcome.MISSING: "缺少数据",
    Outcome.APPROVE: "自动准予",
    Outcome.MANUAL_REVIEW: "转人工审查",
}


@dataclass(frozen=True)
class Inputs:
    """What the rules see: the form, verified licence data, predicates, and the day."""

    form: Mapping[str, Any] = field(default_factory=dict)
    data: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    pred: Mapping[str, bool | None] = field(default_factory=dict)
    today: date = date(2026, 1, 1)

    def variables(self) -> dict[str, Any]:
        return {
            "form": dict(self.form),
            "data": {k: dict(v) for k, v in self.data.items()},
            "pred": dict(self.pred),
            "today": self.today.isoformat(),
        }

    def snapshot(self) -> dict[str, Any]:
        """As stored with the decision (JSON)."""
        return self.variables()

    @classmethod
    def from_snapshot(cls, stored: Mapping[str, Any]) -> Inputs:
        return cls(
            form=dict(stored.get("form") or {}),
            data={k: dict(v) for k, v in (stored.get("data") or {}).items()},
            pred=dict(stored.get("pred") or {}),
            today=date.fromisoformat(str(stored.get("today") or "2026-01-01")),
        )


def _lookup(variables: Mapping[str, Any], ref: tuple[str, ...]) -> Any:
    value: Any = variables
    for part in ref:
        if not isinstance(value, Mapping) or part not in value:
            return None
        value = value[part]
    return value


@dataclass(frozen=True)
class RuleResult:
    rule_id: str
    statement: str
    legal_basis: str
    kind: RuleKind
    outcome: RuleOutcome
    explanation: str
    missing: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "rule_id": self.rule_id,
            "statement": self.statement,
            "legal_basis": self.legal_basis,
            "kind": self.kind.value,
            "outcome": self.outcome.value,
            "explanation": self.explanation,
            "missing": list(self.missing),
        }


@dataclass(frozen=True)
class Evaluation:
    outcome: Outcome
    results: tuple[RuleResult, ...]

    @property
    def reasons(self) -> list[str]:
        """Why it goes to manual review: every rule that did not pass, explained."""
        return [f"{r.rule_id} {r.explanation}" for r in self.results if r.outcome != "pass"]

    def by_rule(self) -> dict[str, RuleOutcome]:
        return {r.rule_id: r.outcome for r in self.results}


def evaluate_rule(
    rule_id: str, statement: str, legal_basis: str, kind: RuleKind, expression: str, inputs: Inputs
) -> RuleResult:
    variables = inputs.variables()
    optional = guarded(expression)
    absent = [
        ".".join(ref)
        for ref in references(expression)
        if ref not in optional and _lookup(variables, ref) is None
    ]

    def result(outcome: RuleOutcome, explanation: str, missing: tuple[str, ...] = ()) -> RuleResult:
        return RuleResult(rule_id, statement, legal_basis, kind, outcome, explanation, missing)

    if absent:
        return result(RuleOutcome.MISSING, "缺少数据：" + "、".join(absent), tuple(absent))
    try:
        value = run(expression, variables)
    except (ValueError, TypeError, RuntimeError, KeyError) as error:
        return result(RuleOutcome.MISSING, "无法判断（数据类型不符）：" + str(error)[:120])
    if not isinstance(value, bool):
        return result(RuleOutcome.MISSING, "无法判断：表达式的结果不是“是”或“否”")
    if value:
        return result(RuleOutcome.PASS, "符合：" + statement)
    if kind is RuleKind.DATA_REQUIRED:
        return result(RuleOutcome.MISSING, "缺少数据：" + statement)
    return result(RuleOutcome.FAIL, "不符合：" + statement)


def evaluate(spec: RuleSetSpec, inputs: Inputs) -> Evaluation:
    """Every rule's outcome; approve only when every rule passes."""
    results = tuple(
        evaluate_rule(r.id, r.statement, r.legal_basis, r.kind, r.expression, inputs)
        for r in spec.rules
    )
    passed = all(r.outcome is RuleOutcome.PASS for r in results)
    return Evaluation(Outcome.APPROVE if passed else Outcome.MANUAL_REVIEW, results)


def result_fields(spec: RuleSetSpec, inputs: Inputs) -> dict[str, Any]:
    """The issued licence's fields, each evaluated on the inputs (absent ones left out)."""
    if spec.result is None:
        return {}
    variables = inputs.variables()
    out: dict[str, Any] = {}
    for name, expression in spec.result.fields.items():
        try:
            value = run(expression, variables)
        except (ValueError, TypeError, RuntimeError, KeyError):
            continue
        if value is not None:
            out[name] = value
    return out
