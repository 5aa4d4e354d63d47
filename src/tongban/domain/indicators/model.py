"""Indicator definitions as data: what each indicator measures, its formula and target.

An ``IndicatorSpec`` is the content of one version.  Its formula may sum only the measures of
``MEASURES`` and name only other indicators; it may be cut only by the dimensions every source
of its measures has (``check_spec``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from tongban.domain.indicators import formula
from tongban.domain.indicators.errors import (
    DimensionNotSupported,
    IndicatorCycle,
    IndicatorInvalid,
    UnknownDimension,
    UnknownIndicatorReference,
    UnknownMeasure,
)


class Dimension(StrEnum):
    """What a figure can be cut by (besides the period)."""

    TOWN = "town"
    CENTRE = "centre"
    DEPARTMENT = "department"
    ITEM = "item"
    CHANNEL = "channel"


DIMENSION_LABELS: dict[Dimension, str] = {
    Dimension.TOWN: "镇街",
    Dimension.CENTRE: "服务中心",
    Dimension.DEPARTMENT: "部门",
    Dimension.ITEM: "事项",
    Dimension.CHANNEL: "渠道",
}

DRILL_ORDER = (Dimension.TOWN, Dimension.CENTRE, Dimension.ITEM)
"""District → a town → a centre → an item → the cases behind the figure."""


class Period(StrEnum):
    DAY = "day"
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"


class Direction(StrEnum):
    HIGHER = "higher"
    LOWER = "lower"


class Source(StrEnum):
    """Where a measure's totals come from."""

    CASES = "cases"
    """The daily case rollup, kept current by the case write path."""
    CATALOGUE = "catalogue"
    """The published items as they are now (no period)."""
    TICKETS = "tickets"
    """Queue tickets of the centres (取号叫号)."""
    HARD_CASES = "hard_cases"
    """Escalations at the hard-case window (办不成事)."""
    RATINGS = "ratings"
    """好差评: the ratings of cases and queue tickets, by the day each was given."""


SOURCE_DIMENSIONS: dict[Source, frozenset[Dimension]] = {
    Source.CASES: frozenset(Dimension),
    Source.CATALOGUE: frozenset({Dimension.DEPARTMENT, Dimension.ITEM}),
    Source.TICKETS: frozenset({Dimension.TOWN, Dimension.CENTRE, Dimension.ITEM}),
    Source.HARD_CASES: frozenset({Dimension.TOWN, Dimension.CENTRE}),
    Source.RATINGS: frozenset(Dimension),
}


@dataclass(frozen=True)
class Measure:
    name: str
    source: Source
    words: str
    cases_filter: str = ""
    """For case measures: the facts column a drill-down lists the cases of."""


_M = Measure
MEASURES: dict[str, Measure] = {
    m.name: m
    for m in (
        _M("cases_received", Source.CASES, "提交的办件数（按提交日）", "received"),
        _M("cases_online", Source.CASES, "网上提交的办件数（按提交日）", "online"),
        _M(
            "cases_certificate_free", Source.CASES, "以电子证照代替材料的办件数", "certificate_free"
        ),
        _M(
            "visits",
            Source.CASES,
            "申请人到中心的次数：窗口或自助提交 1 次，窗口取件 1 次",
            "received",
        ),
        _M(
            "cases_finished", Source.CASES, "办结（准予或不予许可）的办件数（按办结日）", "finished"
        ),
        _M("cases_finished_on_time", Source.CASES, "在承诺期限内办结的办件数", "on_time"),
        _M("cases_immediate", Source.CASES, "办结的即办件数", "immediate"),
        _M("cases_smart", Source.CASES, "秒批（系统自动准予）办结的办件数", "smart"),
        _M("working_days_used", Source.CASES, "办结办件从受理到办结所用工作日之和", "finished"),
        _M(
            "promised_days_of_finished",
            Source.CASES,
            "办结办件的承诺时限（工作日）之和",
            "finished",
        ),
        _M("items_total", Source.CATALOGUE, "已发布事项数"),
        _M("items_online_capable", Source.CATALOGUE, "网上可办的已发布事项数"),
        _M("items_fully_online", Source.CATALOGUE, "全流程网办的已发布事项数"),
        _M("items_smart", Source.CATALOGUE, "支持秒批的已发布事项数"),
        _M("items_certificate_free", Source.CATALOGUE, "支持免证办的已发布事项数"),
        _M("items_immediate", Source.CATALOGUE, "即办件事项数"),
        _M("items_legal_days", Source.CATALOGUE, "已发布事项的法定时限（工作日）之和"),
        _M("items_promised_days", Source.CATALOGUE, "已发布事项的承诺时限（工作日）之和"),
        _M("tickets_called", Source.TICKETS, "已叫号的排队号数（按取号日）"),
        _M("ticket_wait_minutes", Source.TICKETS, "已叫号的排队号从取号到首次叫号的分钟数之和"),
        _M("hard_cases_raised", Source.HARD_CASES, "办不成事窗口登记的问题数（按登记日）"),
        _M("hard_cases_resolved", Source.HARD_CASES, "已解决的办不成事问题数（按登记日）"),
        _M("ratings_total", Source.RATINGS, "好差评评价数"),
        _M("ratings_satisfied", Source.RATINGS, "“非常满意”“满意”“基本满意”的评价数"),
        _M("ratings_poor", Source.RATINGS, "差评（“不满意”“非常不满意”）数"),
        _M("ratings_poor_called_back", Source.RATINGS, "已回访的差评数"),
    )
}


@dataclass(frozen=True)
class IndicatorSpec:
    """One version of an indicator: its words, its formula and how it is judged."""

    code: str
    name: str
    definition: str
    formula: str
    unit: str
    direction: Direction
    target: float | None
    dimensions: tuple[Dimension, ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "definition": self.definition,
            "formula": self.formula,
            "unit": self.unit,
            "direction": self.direction.value,
            "target": self.target,
            "dimensions": [d.value for d in self.dimensions],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> IndicatorSpec:
        return cls(
            code=str(data["code"]),
            name=str(data["name"]),
            definition=str(data["definition"]),
            formula=str(data["formula"]),
            unit=str(data["unit"]),
            direction=Direction(data["direction"]),
            target=None if data.get("target") is None else float(data["target"]),
            dimensions=tuple(Dimension(d) for d in data.get("dimensions") or ()),
        )

    def meets(self, value: float | None) -> bool | None:
        """Whether ``value`` reaches the target (None: no target or no data)."""
        if value is None or self.target is None:
            return None
        return value >= self.target if self.direction is Direction.HIGHER else value <= self.target


_CODE = frozenset("abcdefghijklmnopqrstuvwxyz0123456789_")


def parse_dimensions(names: list[str] | tuple[str, ...]) -> tuple[Dimension, ...]:
    out: list[Dimension] = []
    for name in names:
        try:
            dimension = Dimension(name)
        except ValueError:
            raise UnknownDimension(
                name=name, fields={"dimensions": f"不存在的维度：{name}"}
            ) from None
        if dimension not in out:
            out.append(dimension)
    return tuple(out)


def sources_of(
    spec: IndicatorSpec, lookup: Callable[[str], IndicatorSpec | None], seen: tuple[str, ...] = ()
) -> set[Source]:
    """Every source the indicator's value reads, through the indicators it names too."""
    if spec.code in seen:
        raise IndicatorCycle(path=" → ".join((*seen, spec.code)))
    tree = formula.parse(spec.formula)
    found = {MEASURES[m.measure].source for m in formula.measures(tree) if m.measure in MEASURES}
    for ref in formula.references(tree):
        other = lookup(ref.code)
        if other is not None:
            found |= sources_of(other, lookup, (*seen, spec.code))
    return found


def check_spec(spec: IndicatorSpec, lookup: Callable[[str], IndicatorSpec | None]) -> None:
    """Refuse a definition that could not be computed: blank words, a bad formula (with its
    position), an unknown measure or indicator, a cycle, or a dimension a source lacks."""
    problems: dict[str, str] = {}
    if not spec.code or set(spec.code) - _CODE or len(spec.code) > 40:
        problems["code"] = "编码为小写字母、数字和下划线，不超过 40 个字符"
    for name, value, limit in (("name", spec.name, 60), ("definition", spec.definition, 500)):
        if not value.strip() or len(value) > limit:
            problems[name] = f"不能为空，且不超过 {limit} 个字"
    if not spec.unit.strip() or len(spec.unit) > 10:
        problems["unit"] = "不能为空，且不超过 10 个字"
    if problems:
        raise IndicatorInvalid(fields=problems)
    tree = formula.parse(spec.formula)
    for used in formula.measures(tree):
        if used.measure not in MEASURES:
            raise UnknownMeasure(
                name=used.measure,
                position=used.position,
                fields={"formula": f"第 {used.position} 个字符：不存在的度量 {used.measure}"},
            )
    for ref in formula.references(tree):
        if ref.code != spec.code and lookup(ref.code) is None:
            raise UnknownIndicatorReference(
                name=ref.code,
                position=ref.position,
                fields={"formula": f"第 {ref.position} 个字符：不存在的指标 {ref.code}"},
            )
    for source in sources_of(spec, lookup):
        for dimension in spec.dimensions:
            if dimension not in SOURCE_DIMENSIONS[source]:
                raise DimensionNotSupported(
                    name=DIMENSION_LABELS[dimension],
                    fields={"dimensions": f"度量不能按{DIMENSION_LABELS[dimension]}分解"},
                )
