"""Rule tests as data: every demo rule set's YAML cases give the expected outcome per rule, and
every 秒批 item of the full catalogue names a rule set that compiles against its form."""

from __future__ import annotations

from collections import defaultdict

import pytest

from tongban.demo.generate import GENERIC_RULE_SETS, full_catalogue
from tongban.demo.rules import RuleCase, RuleFile, rule_files, rule_files_by_slug
from tongban.domain.catalogue.model import ServiceItemSpec
from tongban.domain.licences.types import licence_type
from tongban.domain.rules.evaluation import Outcome, RuleOutcome, evaluate, result_fields
from tongban.domain.rules.vocabulary import vocabulary
from tongban.services.smart.rules import item_vocabulary

FILES = rule_files()
SMART_ITEMS = [item for item in full_catalogue() if item.smart_approval]
NAMING: dict[str, list[ServiceItemSpec]] = defaultdict(list)
for _item in SMART_ITEMS:
    NAMING[_item.rule_set or ""].append(_item)


def test_every_smart_item_of_the_full_catalogue_names_a_rule_file() -> None:
    files = rule_files_by_slug()
    assert len(SMART_ITEMS) == 51
    assert [(i.code, i.rule_set) for i in SMART_ITEMS if i.rule_set not in files] == []


def test_every_shared_rule_set_the_generator_can_name_has_a_file() -> None:
    assert set(GENERIC_RULE_SETS.values()) <= set(rule_files_by_slug())


@pytest.mark.parametrize("rule_file", FILES, ids=lambda f: f.path.stem)
def test_rule_set_compiles_against_the_form_of_every_item_that_names_it(
    rule_file: RuleFile,
) -> None:
    items = NAMING[rule_file.slug]
    if rule_file.item_code is not None:  # written for one item: that item and no other
        assert [i.code for i in items] == [rule_file.item_code]
    else:  # shared: by generated items, which have no form, so it reads none
        assert rule_file.slug in GENERIC_RULE_SETS.values()
        rule_file.spec.check(vocabulary(()))
    for item in items:
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
def test_rule_case_gives_the_expected_outcome(rule_file: RuleFile, case: RuleCase) -> None:
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
