"""The demo's smart-approval rule sets, one YAML file per item, each with its test cases.

A file holds ``item_code``, the ``rule_set`` (a ``RuleSetSpec``) and ``cases``: each case gives
the inputs (form, licence data, predicates, the day) and the expected outcome of every rule
and of the whole.  The suite runs every case (``tests/unit/test_rule_cases.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from tongban.domain.rules.evaluation import Inputs, Outcome, RuleOutcome
from tongban.domain.rules.model import RuleSetSpec

HERE = Path(__file__).parent


@dataclass(frozen=True)
class RuleCase:
    name: str
    inputs: Inputs
    outcome: Outcome
    rules: dict[str, RuleOutcome]


@dataclass(frozen=True)
class RuleFile:
    path: Path
    item_code: str
    slug: str
    spec: RuleSetSpec
    cases: tuple[RuleCase, ...]


def _case(raw: dict[str, Any]) -> RuleCase:
    given = raw.get("input") or {}
    today = given.get("today", date(2026, 11, 27))
    inputs = Inputs(
        form=given.get("form") or {},
        data=given.get("data") or {},
        pred=given.get("pred") or {},
        today=today if isinstance(today, date) else date.fromisoformat(str(today)),
    )
    expect = raw["expect"]
    return RuleCase(
        name=str(raw["name"]),
        inputs=inputs,
        outcome=Outcome(expect["outcome"]),
        rules={str(k): RuleOutcome(v) for k, v in (expect.get("rules") or {}).items()},
    )


def parse(path: Path) -> RuleFile:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    return RuleFile(
        path=path,
        item_code=str(raw["item_code"]),
        slug=str(raw.get("slug") or path.stem),
        spec=RuleSetSpec.model_validate(raw["rule_set"]),
        cases=tuple(_case(c) for c in raw.get("cases") or ()),
    )


def rule_files() -> list[RuleFile]:
    """Every demo rule file, by name."""
    return [parse(p) for p in sorted(HERE.glob("*.yaml"))]
