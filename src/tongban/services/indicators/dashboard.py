"""The leaders' dashboard (领导驾驶舱): trends, the town comparison, a gauge per indicator with a
target, a schematic map of the towns and the supervision figures, all within the reader's
jurisdiction and all read through ``figures.figure`` so each figure drills down the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import Connection

from tongban.domain.catalogue.model import Level
from tongban.domain.indicators.errors import (
    DashboardEmptyPeriod,
    DashboardUnknownFilter,
    DimensionNotSupported,
    IndicatorNotFound,
)
from tongban.domain.indicators.model import (
    DIMENSION_LABELS,
    MEASURES,
    Dimension,
    IndicatorSpec,
    Period,
    Source,
)
from tongban.services.indicators import figures, ledger
from tongban.services.indicators.access import Scope, check_filters
from tongban.services.indicators.definitions import published_specs
from tongban.services.network import queries as network
from tongban.services.supervision import queries as supervision

PERIODS = (Period.MONTH, Period.QUARTER, Period.YEAR)
"""What the period picker offers."""
TREND_CODES = ("volume", "on_time_rate", "satisfaction", "smart_case_share")
"""The four trends: volume, on-time rate, satisfaction and the smart-approval share."""
TREND_MONTHS = 12
DEFAULT_COMPARE = "volume"


@dataclass(frozen=True)
class Point:
    month: date
    """The first day of the month."""
    value: float | None


@dataclass(frozen=True)
class Trend:
    spec: IndicatorSpec
    points: list[Point]


@dataclass(frozen=True)
class Gauge:
    spec: IndicatorSpec
    value: float | None
    meets: bool | None


@dataclass(frozen=True)
class Bar:
    key: str
    """The town; empty for cases filed online (no centre, so no town)."""
    label: str
    value: float | None
    meets: bool | None
    drill: dict[str, str]


@dataclass(frozen=True)
class Tile:
    """A town on the schematic map: placed at its town centre's coordinates."""

    town: str
    latitude: float
    longitude: float
    value: float | None
    meets: bool | None


@dataclass(frozen=True)
class Dashboard:
    scope: Scope
    period: Period
    at: date
    start: date
    end: date
    trends: list[Trend]
    compare: IndicatorSpec
    compare_choices: list[IndicatorSpec]
    bars: list[Bar]
    tiles: list[Tile]
    gauges: list[Gauge]
    supervision: supervision.Standing | None
    """None for a town leader: inspection tasks belong to departments, not to towns."""
    has_data: bool
    filters: dict[Dimension, str] = field(default_factory=dict)
    """The town or department asked for, within the reader's jurisdiction."""


FILTERS = (Dimension.TOWN, Dimension.DEPARTMENT)
"""What the dashboard can be narrowed to (besides the reader's own jurisdiction)."""


def months_before(at: date, count: int = TREND_MONTHS) -> list[date]:
    """The first days of the ``count`` months ending with the month holding ``at``."""
    out = []
    year, month = at.year, at.month
    for _ in range(count):
        out.append(date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return out[::-1]


def has_data(
    conn: Connection,
    scope: Scope,
    start: date,
    end: date,
    filters: Mapping[Dimension, str] | None = None,
) -> bool:
    """Whether anything happened in [start, end] within the reader's jurisdiction: a case, a
    ticket, a hard case or a rating (the catalogue, which has no period, does not count)."""
    names = {name for name, m in MEASURES.items() if m.source is not Source.CATALOGUE}
    cut = check_filters(scope, dict(filters or {}))
    totals = figures.gather(conn, names, start, end, cut, scope, None)[""]
    return any(value for value in totals.values())


def value_of(
    conn: Connection,
    scope: Scope,
    spec: IndicatorSpec,
    period: Period,
    at: date,
    filters: Mapping[Dimension, str],
) -> tuple[float | None, bool | None]:
    """The figure and whether it meets its target; no data for an indicator that cannot be cut
    by the town or department asked for (rather than the whole district's figure)."""
    if any(d not in spec.dimensions for d in filters):
        return None, None
    found = figures.figure(conn, scope, spec.code, period=period, at=at, filters=filters)
    return found.value, found.meets_target


def trend(
    conn: Connection,
    scope: Scope,
    spec: IndicatorSpec,
    at: date,
    filters: Mapping[Dimension, str] | None = None,
) -> Trend:
    asked = dict(filters or {})
    points = [
        Point(month, value_of(conn, scope, spec, Period.MONTH, month, asked)[0])
        for month in months_before(at)
    ]
    return Trend(spec, points)


def town_bars(
    conn: Connection,
    scope: Scope,
    spec: IndicatorSpec,
    period: Period,
    at: date,
    filters: Mapping[Dimension, str],
) -> list[Bar]:
    """One bar per town of the jurisdiction (and one for online cases, which have no town);
    a town without a row of its own gets its figure asked alone, so 0 stays 0 and a rate
    without cases stays "no data"."""
    if any(d not in spec.dimensions for d in filters):  # no data rather than another cut's
        return [
            Bar(t, t, None, None, {Dimension.TOWN.value: t, "by": Dimension.CENTRE.value})
            for t in towns_in(conn, scope, filters.get(Dimension.TOWN))
        ]
    found = figures.figure(
        conn, scope, spec.code, period=period, at=at, filters=filters, by=Dimension.TOWN
    )
    rows = {row.key: row for row in found.rows}
    out: list[Bar] = []
    for town in towns_in(conn, scope, filters.get(Dimension.TOWN)):
        row = rows.pop(town, None)
        if row is not None:
            out.append(Bar(town, row.label, row.value, row.meets_target, row.drill))
            continue
        alone = figures.figure(
            conn, scope, spec.code, period=period, at=at, filters={**filters, Dimension.TOWN: town}
        )
        drill = {Dimension.TOWN.value: town, "by": Dimension.CENTRE.value}
        out.append(Bar(town, town, alone.value, alone.meets_target, drill))
    out += [Bar(r.key, r.label, r.value, r.meets_target, r.drill) for r in rows.values()]
    return out


def towns_in(conn: Connection, scope: Scope, asked: str | None = None) -> list[str]:
    """The towns the reader may see (or the one asked for), in the district's order."""
    only = scope.town or asked
    return [t for t in network.towns(conn) if only is None or t == only]


def tiles(conn: Connection, bars: list[Bar]) -> list[Tile]:
    """The towns of the bars, each at its town centre (a schematic: no boundaries are drawn)."""
    centres = {c.town: c for c in network.list_centres(conn, level=Level.TOWN)}
    out = []
    for bar in bars:
        centre = centres.get(bar.key)
        if bar.key and centre is not None:
            out.append(Tile(bar.key, centre.latitude, centre.longitude, bar.value, bar.meets))
    return out


def comparable(specs: dict[str, IndicatorSpec]) -> list[IndicatorSpec]:
    """The indicators that can be cut by town, for the comparison's picker."""
    return [s for s in specs.values() if Dimension.TOWN in s.dimensions]


def compared(specs: dict[str, IndicatorSpec], compare: str | None) -> IndicatorSpec:
    """The indicator the towns are compared by (``compare=``, default 办件量): 404
    ``indicator_not_found`` for one that does not exist, 422 ``indicator_dimension_unsupported``
    for one that cannot be cut by town."""
    choices = comparable(specs)
    if compare is not None and compare not in specs:
        raise IndicatorNotFound(code=compare)
    chosen = specs.get(compare or DEFAULT_COMPARE)
    if chosen is None and compare is None and choices:
        chosen = choices[0]
    if chosen is None or chosen not in choices:
        raise DimensionNotSupported(name=DIMENSION_LABELS[Dimension.TOWN])
    return chosen


def build(
    conn: Connection,
    scope: Scope,
    *,
    period: Period,
    at: date,
    today: date,
    compare: str | None = None,
    filters: Mapping[Dimension, str] | None = None,
) -> Dashboard:
    """Every panel of the dashboard for the period holding ``at``, as the reader may see it,
    optionally narrowed to a town or a department (another jurisdiction's is refused); the
    case rollups' ledger folded first (``ledger.current``)."""
    ledger.current(conn)
    asked = {d: v for d, v in (filters or {}).items() if d in FILTERS}
    check_filters(scope, asked)
    specs = published_specs(conn)
    start, end = figures.period_range(period, at)
    choices = comparable(specs)
    chosen = compared(specs, compare)
    bars = town_bars(conn, scope, chosen, period, at, asked)
    gauges = [
        Gauge(spec, *value_of(conn, scope, spec, period, at, asked))
        for spec in specs.values()
        if spec.target is not None
    ]
    standing = None
    if scope.town is None and Dimension.TOWN not in asked:
        standing = supervision.standing(
            conn, start=start, end=end, today=today,
            department_code=scope.department or asked.get(Dimension.DEPARTMENT),
        )  # fmt: skip
    return Dashboard(
        scope=scope,
        period=period,
        at=at,
        start=start,
        end=end,
        trends=[trend(conn, scope, specs[c], at, asked) for c in TREND_CODES if c in specs],
        compare=chosen,
        compare_choices=choices,
        bars=bars,
        tiles=tiles(conn, bars),
        gauges=gauges,
        supervision=standing,
        has_data=has_data(conn, scope, start, end, asked),
        filters=asked,
    )


def check_known(conn: Connection, filters: Mapping[Dimension, str]) -> None:
    """A town or department that does not exist is refused (422 ``dashboard_unknown_filter``)
    rather than answered as a period without data."""
    town = filters.get(Dimension.TOWN)
    if town and town not in network.towns(conn):
        raise DashboardUnknownFilter(name=DIMENSION_LABELS[Dimension.TOWN], value=town)
    department = filters.get(Dimension.DEPARTMENT)
    if department and department not in {d.code for d in network.list_departments(conn)}:
        raise DashboardUnknownFilter(name=DIMENSION_LABELS[Dimension.DEPARTMENT], value=department)


def check_has_data(
    conn: Connection,
    scope: Scope,
    period: Period,
    at: date,
    filters: Mapping[Dimension, str] | None = None,
) -> tuple[date, date]:
    """The period's first and last day; ``DashboardEmptyPeriod`` when nothing happened in it
    (``OutOfJurisdiction`` first for a town or department of another jurisdiction, then
    ``DashboardUnknownFilter`` for one that does not exist).  Folds the case rollups' ledger
    first (``ledger.current``), as the read that follows needs."""
    ledger.current(conn)
    check_known(conn, check_filters(scope, dict(filters or {})))
    start, end = figures.period_range(period, at)
    if not has_data(conn, scope, start, end, filters):
        raise DashboardEmptyPeriod(start=start.isoformat(), end=end.isoformat())
    return start, end
