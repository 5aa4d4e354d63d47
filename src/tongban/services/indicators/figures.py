"""The figures of an indicator: its value over a period, cut by a dimension, within the
reader's jurisdiction, with the drill-down from the district to a town, a centre, an item and
the cases behind the figure.  This is the query API pages, the JSON API and the dashboard use.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import Connection, select

from tongban.adapters.db.tables import centres, departments, service_items
from tongban.domain.cases.status import Channel
from tongban.domain.indicators import formula
from tongban.domain.indicators.errors import DimensionNotSupported, IndicatorNotFound
from tongban.domain.indicators.model import (
    DIMENSION_LABELS,
    DRILL_ORDER,
    MEASURES,
    SOURCE_DIMENSIONS,
    Dimension,
    IndicatorSpec,
    Period,
    Source,
)
from tongban.services.indicators import ledger, sources
from tongban.services.indicators.access import Scope, check_filters
from tongban.services.indicators.definitions import published_specs

CHANNEL_LABELS = {
    Channel.ONLINE.value: "网上",
    Channel.WINDOW.value: "窗口",
    Channel.MAIL.value: "邮寄",
    Channel.SELF_SERVICE.value: "自助",
}


def period_range(period: Period, at: date) -> tuple[date, date]:
    """The first and last day of the day, month, quarter or year holding ``at``."""
    if period is Period.DAY:
        return at, at
    if period is Period.YEAR:
        return date(at.year, 1, 1), date(at.year, 12, 31)
    first_month = at.month if period is Period.MONTH else 3 * ((at.month - 1) // 3) + 1
    start = date(at.year, first_month, 1)
    months = 1 if period is Period.MONTH else 3
    year, month = divmod(first_month - 1 + months, 12)
    return start, date(at.year + year, month + 1, 1) - timedelta(days=1)


def rounded(value: float | None) -> float | None:
    """Two places, half up (93.5499… → 93.55), as the catalogue figures round."""
    if value is None:
        return None
    return float(Decimal(repr(value)).quantize(Decimal("0.01"), ROUND_HALF_UP))


@dataclass(frozen=True)
class FigureRow:
    key: str
    label: str
    value: float | None
    meets_target: bool | None
    drill: dict[str, str] = field(default_factory=dict)
    """The filters of the next level down (empty at the bottom: then the cases follow)."""


@dataclass(frozen=True)
class Figure:
    spec: IndicatorSpec
    period: Period
    start: date
    end: date
    filters: dict[Dimension, str]
    by: Dimension | None
    value: float | None
    meets_target: bool | None
    rows: list[FigureRow]
    lists_cases: bool
    """Whether the cases behind the figure can be listed (case measures only)."""


def needs(
    spec: IndicatorSpec, specs: Mapping[str, IndicatorSpec], seen: frozenset[str] = frozenset()
) -> set[str]:
    if spec.code in seen:
        return set()
    tree = formula.parse(spec.formula)
    out = {m.measure for m in formula.measures(tree)}
    for ref in formula.references(tree):
        other = specs.get(ref.code)
        if other is not None:
            out |= needs(other, specs, seen | {spec.code})
    return out


def evaluate(
    spec: IndicatorSpec, totals: Mapping[str, float | None], specs: Mapping[str, IndicatorSpec]
) -> float | None:
    """The indicator's value over the measures' totals (unrounded; None: no data)."""
    return _value(spec, totals, specs)


def _value(
    spec: IndicatorSpec,
    totals: Mapping[str, float | None],
    specs: Mapping[str, IndicatorSpec],
    depth: int = 0,
) -> float | None:
    if depth > 10:
        return None
    return formula.evaluate(
        formula.parse(spec.formula),
        totals,
        lambda code: _value(specs[code], totals, specs, depth + 1) if code in specs else None,
    )


def by_source(names: set[str]) -> dict[Source, list[str]]:
    """The measures grouped by the source that holds them (each list sorted)."""
    out: dict[Source, list[str]] = {}
    for name in sorted(names):
        out.setdefault(MEASURES[name].source, []).append(name)
    return out


def blind(source: Source, filters: Mapping[Dimension, str], scope: Scope) -> bool:
    """Whether the source cannot be cut to the reader's jurisdiction or to the filters: then it
    gives "no data" rather than figures of others (the catalogue is public, so a town leader
    sees it whole)."""
    allowed = SOURCE_DIMENSIONS[source]
    forced = scope.forced()
    hidden = any(d not in allowed for d in forced) and source is not Source.CATALOGUE
    return hidden or any(d not in allowed for d in filters if d not in forced)


def cut_for(source: Source, filters: Mapping[Dimension, str]) -> dict[Dimension, str]:
    """The filters the source can apply."""
    return {d: v for d, v in filters.items() if d in SOURCE_DIMENSIONS[source]}


def source_groups(
    conn: Connection,
    source: Source,
    measured: list[str],
    start: date,
    end: date,
    filters: Mapping[Dimension, str],
    scope: Scope,
    by: Dimension | None,
) -> sources.Groups | None:
    """One source's totals per group of ``by``; None ("no data") when it is ``blind``; a source
    not cut by ``by`` gives its one total for every group (``"*"``)."""
    if blind(source, filters, scope):
        return None
    source_by = by if by in SOURCE_DIMENSIONS[source] else None
    groups = sources.totals(conn, source, measured, start, end, cut_for(source, filters), source_by)
    return groups if by is None or source_by else _spread(groups)


def combine(
    per_source: list[tuple[list[str], sources.Groups | None]], by: Dimension | None
) -> dict[str, dict[str, float | None]]:
    """Group key → measure → total from each source's groups (a group a source has no row for
    counts 0 of its measures; a source without data, None)."""
    keys: set[str] = {""} if by is None else set()
    for _measured, groups in per_source:
        if groups is not None and "*" not in groups:
            keys |= set(groups)
    out: dict[str, dict[str, float | None]] = {}
    for key in keys:
        totals: dict[str, float | None] = {}
        for measured, groups in per_source:
            if groups is None:
                totals.update(dict.fromkeys(measured, None))
                continue
            found = groups.get(key) or groups.get("*") or {}
            totals.update({m: found.get(m, 0.0) for m in measured})
        out[key] = totals
    return out


def gather(
    conn: Connection,
    names: set[str],
    start: date,
    end: date,
    filters: Mapping[Dimension, str],
    scope: Scope,
    by: Dimension | None,
) -> dict[str, dict[str, float | None]]:
    """Group key → measure → total, across every source the measures need."""
    per_source = [
        (measured, source_groups(conn, source, measured, start, end, filters, scope, by))
        for source, measured in by_source(names).items()
    ]
    return combine(per_source, by)


def _spread(groups: sources.Groups | None) -> sources.Groups | None:
    """A source not cut by the requested dimension: its one total applies to every group."""
    if groups is None:
        return None
    return {"*": groups.get("", {})}


def labels(conn: Connection, by: Dimension, keys: list[str]) -> dict[str, str]:
    """The names people know the keys by."""
    if by is Dimension.TOWN:
        return {k: k or "网上（不经服务中心）" for k in keys}
    if by is Dimension.CHANNEL:
        return {k: CHANNEL_LABELS.get(k, k) for k in keys}
    table = {
        Dimension.CENTRE: centres,
        Dimension.DEPARTMENT: departments,
        Dimension.ITEM: service_items,
    }[by]
    query = select(table.c.code, table.c.name).where(table.c.code.in_(keys))
    found = {row.code: row.name for row in conn.execute(query)}
    blank = "网上（不经服务中心）" if by is Dimension.CENTRE else "—"
    return {k: found.get(k, k) if k else blank for k in keys}


def next_level(filters: Mapping[Dimension, str], spec: IndicatorSpec) -> Dimension | None:
    """The dimension a row drills into: town, then centre, then item, as the indicator allows."""
    for dimension in DRILL_ORDER:
        if dimension not in filters and dimension in spec.dimensions:
            return dimension
    return None


def spec_of(conn: Connection, code: str) -> tuple[IndicatorSpec, dict[str, IndicatorSpec]]:
    specs = published_specs(conn)
    if code not in specs:
        raise IndicatorNotFound(code=code)
    return specs[code], specs


def _whole_of(
    grouped: Mapping[str, Mapping[str, float | None]], names: set[str], by: Dimension | None
) -> dict[str, float | None] | None:
    """The whole as the sum of the groups, when every measure's source is cut by ``by`` (each
    of its rows then falls in exactly one group, and every measure is a sum); None otherwise,
    and when there are no groups (the whole then says whether it is 0 or "no data")."""
    if by is None or not grouped:
        return None
    if any(by not in SOURCE_DIMENSIONS[MEASURES[n].source] for n in names):
        return None
    whole: dict[str, float | None] = {}
    for name in names:
        values = [totals.get(name) for totals in grouped.values()]
        whole[name] = None if any(v is None for v in values) else sum(v or 0.0 for v in values)
    return whole


def listed(grouped: Mapping[str, Mapping[str, float | None]]) -> list[str]:
    """The groups a figure lists, in order: those the indicator's measures count something in.
    A rollup row kept for another measure (a case decided in a town on a day none was received
    there) lists nothing, so the rows do not depend on which other measures share the row."""
    return sorted(key for key, totals in grouped.items() if any(totals.values()))


def figure(
    conn: Connection,
    scope: Scope,
    code: str,
    *,
    period: Period,
    at: date,
    filters: Mapping[Dimension, str] | None = None,
    by: Dimension | None = None,
) -> Figure:
    """The indicator's value over the period holding ``at``, within ``filters`` and the
    reader's jurisdiction, and (with ``by``) one row per value of that dimension (the case
    rollups' ledger folded first: ``ledger.current``)."""
    ledger.current(conn)
    spec, specs = spec_of(conn, code)
    asked = dict(filters or {})
    for dimension in [*asked, *([by] if by else [])]:
        if dimension not in spec.dimensions:
            raise DimensionNotSupported(name=DIMENSION_LABELS[dimension])
    cut = check_filters(scope, asked)
    start, end = period_range(period, at)
    names = needs(spec, specs)
    grouped = gather(conn, names, start, end, cut, scope, by) if by is not None else {}
    whole = _whole_of(grouped, names, by)
    if whole is None:
        whole = gather(conn, names, start, end, cut, scope, None)[""]
    value = rounded(_value(spec, whole, specs))
    rows: list[FigureRow] = []
    if by is not None:
        keys = listed(grouped)
        named = labels(conn, by, keys)
        deeper = next_level({**asked, by: ""}, spec)
        for key in keys:
            row_value = rounded(_value(spec, grouped[key], specs))
            drill = {by.value: key}
            if deeper is not None:
                drill["by"] = deeper.value
            rows.append(FigureRow(key, named[key], row_value, spec.meets(row_value), drill))
    lists_cases = any(MEASURES[n].source is Source.CASES for n in names)
    return Figure(spec, period, start, end, asked, by, value, spec.meets(value), rows, lists_cases)
