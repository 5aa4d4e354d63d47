"""The demo's smart-approval rule sets, one YAML file per rule set, each with its test cases.

A file holds its ``slug`` (the file's name unless given), the ``rule_set`` (a ``RuleSetSpec``)
and ``cases``: each case gives the inputs (form, licence data, predicates, the day) and the
expected outcome of every rule and of the whole.  A file applies to every item whose
``rule_set`` names its slug, and is published as each such item's own rule set: one written for
a single item says so with ``item_code``; a shared one (``generic-*``, named by many generated
items) has none and reads no form field.  The suite runs every case
(``tests/unit/test_rule_cases.py``).
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
    item_code: str | None
    """The one item the file is written for; None for a shared rule set."""
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
        item_code=str(raw["item_code"]) if raw.get("item_code") else None,
        slug=str(raw.get("slug") or path.stem),
        spec=RuleSetSpec.model_validate(raw["rule_set"]),
        cases=tuple(_case(c) for c in raw.get("cases") or ()),
    )


def rule_files() -> list[RuleFile]:
    """Every demo rule file, by name."""
    return [parse(p) for p in sorted(HERE.glob("*.yaml"))]


def rule_files_by_slug() -> dict[str, RuleFile]:
    """Every demo rule file by its slug, which items name in ``ServiceItemSpec.rule_set``."""
    files = rule_files()
    by_slug = {f.slug: f for f in files}
    if len(by_slug) != len(files):
        raise ValueError("two demo rule files have the same slug")
    return by_slug
