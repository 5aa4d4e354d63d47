"""Rule tests as data: every demo rule set's YAML cases give the expected outcome per rule."""

from __future__ import annotations

import pytest

from tongban.demo.items import HAND_WRITTEN_ITEMS
from tongban.demo.rules import RuleFile, rule_files
from tongban.domain.licences.types import licence_type
from tongban.domain.rules.evaluation import Outcome, RuleOutcome, evaluate, result_fields
from tongban.services.smart.rules import item_vocabulary

FILES = rule_files()
ITEMS = {item.code: item for item in HAND_WRITTEN_ITEMS}


def test_there_are_rule_sets_for_at_least_eight_smart_items() -> None:
    assert len({f.item_code for f in FILES}) >= 8


@pytest.mark.parametrize("rule_file", FILES, ids=lambda f: f.path.stem)
def test_rule_set_compiles_against_its_items_form(rule_file: RuleFile) -> None:
    item = ITEMS[rule_file.item_code]
    assert item.smart_approval and item.rule_set == rule_file.slug
    rule_file.spec.check(item_vocabulary(item))


@pytest.mark.parametrize("rule_file", FILES, ids=lambda f: f.path.stem)
def test_rule_file_has_a_pass_and_a_fail_case(rule_file: RuleFile) -> None:
    outcomes = {case.outcome for case in rule_file.cases}
    assert outcomes == {Outcome.APPROVE, Outcome.MANUAL_REVIEW}


@pytest.mark.parametrize("rule_file", FILES, ids=lambda f: f.path.stem)
def test_every_rule_sends_some_case_to_a_person(rule_file: RuleFile) -> None:
    """Each rule's own path to manual review is one of the file's cases."""
    failing = {
        rule_id
        for case in rule_file.cases
        for rule_id, outcome in case.rules.items()
        if outcome is not RuleOutcome.PASS
    }
    assert [r.id for r in rule_file.spec.rules if r.id not in failing] == []


CASES = [(f, c) for f in FILES for c in f.cases]


@pytest.mark.parametrize(("rule_file", "case"), CASES, ids=lambda v: getattr(v, "name", ""))
def test_rule_case_gives_the_expected_outcome(rule_file: RuleFile, case: object) -> None:
    from tongban.demo.rules import RuleCase

    assert isinstance(case, RuleCase)
    evaluation = evaluate(rule_file.spec, case.inputs)
    assert evaluation.outcome is case.outcome, evaluation.reasons
    got = evaluation.by_rule()
    for rule_id, expected in case.rules.items():
        assert got[rule_id] is expected, f"{rule_id}: {got[rule_id]} ≠ {expected}"
    result = rule_file.spec.result
    if case.outcome is Outcome.APPROVE and result is not None:
        fields = result_fields(rule_file.spec, case.inputs)
        if result.serial_field:
            fields[result.serial_field] = result.serial_prefix + "202611270001"
        licence_type(result.licence_type).clean_fields(fields)  # what the licence will say
