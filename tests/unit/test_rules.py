"""Rules as code: compile checks, the identifier scan, evaluation and the version in force."""

from __future__ import annotations

from datetime import date

import pytest

from tongban.domain.rules.errors import RuleSyntaxError, RuleUnknownVariable
from tongban.domain.rules.evaluation import Inputs, Outcome, RuleOutcome, evaluate
from tongban.domain.rules.expressions import compile_checked, guarded, references, run
from tongban.domain.rules.model import Rule, RuleKind, RuleSet, RuleSetSpec, RuleSetStatus, in_force
from tongban.domain.rules.negative_list import matches
from tongban.domain.rules.vocabulary import vocabulary

VOCAB = vocabulary(["applicant_name", "birth_date", "trade_name"])


def spec(*rules: Rule, start: date = date(2026, 1, 1), end: date | None = None) -> RuleSetSpec:
    return RuleSetSpec(effective_from=start, effective_to=end, rules=rules)


def rule(rule_id: str, expression: str, kind: RuleKind = RuleKind.CONDITION) -> Rule:
    return Rule(id=rule_id, statement="说明" + rule_id, expression=expression, kind=kind)


def test_the_scan_finds_variable_chains_outside_string_literals() -> None:
    found = references(
        "form.applicant_name == \"form.fake\" && data.hukou.address.startsWith('佛山') "
        "&& pred.age_at_least_80 && [1, 2].exists(v, v > 1) && size(form.trade_name) > 0 "
        "&& today >= '2026-01-01' && 1.5 < 2.0"
    )
    assert found == (
        ("form", "applicant_name"),
        ("data", "hukou", "address"),
        ("pred", "age_at_least_80"),
        ("form", "trade_name"),
        ("today",),
    )


def test_has_marks_a_chain_as_optional() -> None:
    assert guarded("!has(form.trade_name) || form.trade_name != ''") == {("form", "trade_name")}


def test_a_syntax_error_is_refused_with_the_rule_id() -> None:
    with pytest.raises(RuleSyntaxError) as caught:
        compile_checked("R3", "pred.age_at_least_80 &&", VOCAB)
    assert caught.value.code == "rule_syntax_error"
    assert caught.value.status == 422
    assert "rules.R3" in caught.value.fields


@pytest.mark.parametrize(
    "expression",
    [
        "form.unknown_field == 'x'",
        "pred.is_rich",
        "data.passport.number == '1'",
        "data.hukou == null",
        "data.hukou.salary > 3",
        "salary > 3",
        "form",
        'data["hukou"]',
        "today.year",
    ],
)
def test_an_undeclared_variable_is_refused(expression: str) -> None:
    with pytest.raises(RuleUnknownVariable) as caught:
        compile_checked("R1", expression, VOCAB)
    assert caught.value.code == "rule_unknown_variable"
    assert "rules.R1" in caught.value.fields


def test_declared_variables_and_local_names_compile() -> None:
    expression = (
        "form.birth_date <= today && ['a', 'b'].all(x, x != form.applicant_name) "
        "&& data.hukou.household_address.contains('南海') && pred.household_in_nanhai"
    )
    program = compile_checked("R1", expression, VOCAB)
    variables = {
        "form": {"birth_date": "1940-05-01", "applicant_name": "陈阿婆"},
        "today": "2026-11-16",
        "data": {"hukou": {"household_address": "佛山市南海区桂城街道"}},
        "pred": {"household_in_nanhai": True},
    }
    assert run(expression, variables) is True
    assert run(expression, {**variables, "pred": {"household_in_nanhai": False}}) is False
    assert program is not None


def test_a_rule_set_reports_every_bad_rule_under_the_first_errors_code() -> None:
    bad = spec(rule("R1", "pred.age_at_least_80"), rule("R2", "form.x"), rule("R3", "1 +"))
    with pytest.raises(RuleUnknownVariable) as caught:
        bad.check(VOCAB)
    assert set(caught.value.fields) == {"rules.R2", "rules.R3"}


def test_every_rule_passes_so_the_application_is_approved() -> None:
    rules = spec(rule("R1", "pred.age_at_least_80"), rule("R2", "pred.household_in_nanhai"))
    result = evaluate(rules, Inputs(pred={"age_at_least_80": True, "household_in_nanhai": True}))
    assert result.outcome is Outcome.APPROVE
    assert [r.explanation for r in result.results] == ["符合：说明R1", "符合：说明R2"]


def test_a_failed_or_missing_rule_sends_it_to_manual_review_with_reasons() -> None:
    rules = spec(
        rule("R1", "pred.age_at_least_80"),
        rule("R2", "pred.household_in_nanhai"),
        rule("R3", "form.applicant_name != ''", RuleKind.DATA_REQUIRED),
    )
    result = evaluate(rules, Inputs(form={"applicant_name": ""}, pred={"age_at_least_80": False}))
    assert result.outcome is Outcome.MANUAL_REVIEW
    assert result.by_rule() == {
        "R1": RuleOutcome.FAIL,
        "R2": RuleOutcome.MISSING,
        "R3": RuleOutcome.MISSING,
    }
    assert result.results[1].missing == ("pred.household_in_nanhai",)
    assert len(result.reasons) == 3


def test_a_value_of_the_wrong_type_cannot_be_decided_and_goes_to_a_person() -> None:
    rules = spec(rule("R1", "form.birth_date > 3"))
    result = evaluate(rules, Inputs(form={"birth_date": "1940-01-01"}))
    assert result.by_rule() == {"R1": RuleOutcome.MISSING}
    assert result.outcome is Outcome.MANUAL_REVIEW


def test_the_version_in_force_is_the_latest_published_whose_dates_cover_the_day() -> None:
    def version(n: int, status: RuleSetStatus, start: date, end: date | None = None) -> RuleSet:
        body = spec(rule("R1", "true"), start=start, end=end)
        return RuleSet(item_code="MZJ-0004", version=n, status=status, spec=body)

    sets = [
        version(1, RuleSetStatus.PUBLISHED, date(2025, 1, 1), date(2026, 7, 1)),
        version(2, RuleSetStatus.PUBLISHED, date(2026, 7, 1)),
        version(3, RuleSetStatus.DRAFT, date(2026, 8, 1)),
        version(4, RuleSetStatus.RETIRED, date(2026, 9, 1)),
    ]
    assert in_force(sets, date(2024, 12, 31)) is None
    assert in_force(sets, date(2026, 6, 30)) is sets[0]
    assert in_force(sets, date(2026, 10, 1)) is sets[1]


def test_effective_to_must_follow_effective_from() -> None:
    with pytest.raises(ValueError):
        spec(rule("R1", "true"), start=date(2026, 2, 1), end=date(2026, 1, 1))


def test_the_negative_list_screen_names_the_entries_a_scope_touches() -> None:
    listed = ["NEG-005", "NEG-010", "NEG-001"]
    assert matches("互联网上网服务、饮品制售", listed) == ["NEG-005", "NEG-010"]
    assert matches("文具用品零售", listed) == []


def test_a_new_individual_business_gets_a_valid_nanhai_credit_code() -> None:
    from tongban.domain.shared.identity import parse_credit_code
    from tongban.services.smart.approval import new_individual_business_code

    code = new_individual_business_code("440605-20261127-0000123", "440605")
    assert code.startswith("92440605") and code[8:16] == "27000123"
    assert new_individual_business_code("440113-20261127-0000123", "440113")[2:8] == "440113"
    assert parse_credit_code(code).code == code
