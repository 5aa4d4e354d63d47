"""The formula language of indicators: parsed by a real parser, refused with the position of
the error, evaluated with "no data" (None) never turning into a zero."""

from __future__ import annotations

import pytest

from tongban.domain.indicators import formula
from tongban.domain.indicators.errors import (
    DimensionNotSupported,
    FormulaSyntaxError,
    IndicatorCycle,
    UnknownDimension,
    UnknownIndicatorReference,
    UnknownMeasure,
)
from tongban.domain.indicators.model import (
    Dimension,
    Direction,
    IndicatorSpec,
    check_spec,
    parse_dimensions,
)
from tongban.domain.indicators.seed import SEED


@pytest.mark.parametrize(
    ("text", "position"),
    [
        ("", 1),
        ("sum(cases_received) +", 22),  # the end of the formula
        ("sum(cases_received", 19),
        ("100 * cases_received", 7),  # a measure outside sum()
        ("sum(1)", 5),
        ("sum(a) $ 2", 8),
        ("sum(a) sum(b)", 8),
        ("(sum(a) / 2", 12),
        ("sum(a) / / 2", 10),
        ("os.system(1)", 3),  # no attribute access: "." is no character of the language
    ],
)
def test_a_formula_error_names_the_character_where_it_was_found(text: str, position: int) -> None:
    with pytest.raises(FormulaSyntaxError) as refused:
        formula.parse(text)
    assert refused.value.params["position"] == position
    assert refused.value.code == "indicator_formula_syntax"


@pytest.mark.parametrize(
    ("text", "totals", "expected"),
    [
        ("100 * sum(a) / sum(b)", {"a": 1, "b": 4}, 25.0),
        ("sum(a) - sum(b) * 2", {"a": 10, "b": 3}, 4.0),  # * before -
        ("(sum(a) - sum(b)) * 2", {"a": 10, "b": 3}, 14.0),
        ("-sum(a) + 1", {"a": 3}, -2.0),
        ("sum(a) / sum(b)", {"a": 1, "b": 0}, None),  # 0/0 is no data, not 0
        ("sum(a) + 1", {"a": None}, None),  # a source without data
        ("sum(a)", {"a": 0}, 0.0),  # zero cases is a real zero
    ],
)
def test_a_formula_evaluates_over_summed_measures(
    text: str, totals: dict[str, float | None], expected: float | None
) -> None:
    assert formula.evaluate(formula.parse(text), totals) == expected


def test_an_indicator_reference_takes_the_other_indicators_value() -> None:
    tree = formula.parse("100 - indicator(on_time_rate)")
    assert formula.evaluate(tree, {}, lambda code: 80.0 if code == "on_time_rate" else None) == 20


def spec(code: str = "x", text: str = "sum(cases_received)", *dims: Dimension) -> IndicatorSpec:
    return IndicatorSpec(code, "测试", "测试指标", text, "件", Direction.HIGHER, None, dims)


def test_unknown_names_are_refused_with_a_stable_code_and_the_position() -> None:
    with pytest.raises(UnknownMeasure) as unknown:
        check_spec(spec(text="sum(cases_received) / sum(cases_recieved)"), lambda c: None)
    assert unknown.value.params == {"name": "cases_recieved", "position": 27}
    assert unknown.value.code == "indicator_unknown_measure"
    with pytest.raises(UnknownIndicatorReference) as ref:
        check_spec(spec(text="indicator(nope) * 2"), lambda c: None)
    assert ref.value.params["position"] == 11
    with pytest.raises(UnknownDimension) as dim:
        parse_dimensions(["town", "street"])
    assert dim.value.code == "indicator_unknown_dimension"


def test_a_cycle_and_a_cut_a_source_lacks_are_refused() -> None:
    a = spec("a", "indicator(b)")
    b = spec("b", "indicator(a)")
    specs = {"a": a, "b": b}
    with pytest.raises(IndicatorCycle):
        check_spec(a, specs.get)
    with pytest.raises(DimensionNotSupported):  # the catalogue has no towns
        check_spec(spec("c", "sum(items_total)", Dimension.TOWN), lambda c: None)


def test_every_standard_indicator_is_valid_and_codes_are_unique() -> None:
    by_code = {s.code: s for s in SEED}
    assert len(by_code) == len(SEED)
    for item in SEED:
        check_spec(item, by_code.get)
