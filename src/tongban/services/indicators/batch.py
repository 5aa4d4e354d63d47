"""Every published indicator's figures for one period and cut, read with one query per source
and cut rather than one per figure: the Excel export's value, cuts and twelve-month trend of
each indicator.

Each source is asked once for all the measures any indicator needs of it — once for the period
whole, once per dimension (by centre and by item together: one pass over the rows by item and
centre, ``sources.fine_totals``), and once for the twelve months of the trend grouped by month (the
monthly rollups; tickets and hard cases, which have none, month by month) — and every
indicator's formula is then evaluated over those totals.  The figures are those of
``figures.figure``: the same sources, the same "no data", the same rows.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import Connection

from tongban.domain.indicators.model import Dimension, IndicatorSpec, Period, Source
from tongban.services.indicators import figures, sources
from tongban.services.indicators.access import Scope, check_filters


@dataclass(frozen=True)
class Point:
    month: date
    """The first day of the month."""
    value: float | None


def month_end(first: date) -> date:
    return (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


@dataclass
class Batch:
    """The figures of ``specs`` for the period holding ``at`` within ``filters`` (already inside
    the reader's jurisdiction), each source read once per cut."""

    conn: Connection
    scope: Scope
    specs: Mapping[str, IndicatorSpec]
    period: Period
    at: date
    filters: Mapping[Dimension, str]
    _names: dict[Source, list[str]] = field(default_factory=dict)
    _groups: dict[tuple[Source, Dimension | None], sources.Groups | None] = field(
        default_factory=dict
    )
    _months: dict[tuple[Source, date], dict[date, sources.Totals] | None] = field(
        default_factory=dict
    )
    _labels: dict[Dimension, dict[str, str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.asked = dict(self.filters)
        """What the reader asked for (the filters then have their jurisdiction imposed)."""
        self.filters = check_filters(self.scope, self.asked)
        self.start, self.end = figures.period_range(self.period, self.at)
        wanted: set[str] = set()
        for spec in self.specs.values():
            wanted |= figures.needs(spec, self.specs)
        self._names = figures.by_source(wanted)

    def _needs(self, spec: IndicatorSpec) -> dict[Source, list[str]]:
        return figures.by_source(figures.needs(spec, self.specs))

    def _cut_by(self, spec: IndicatorSpec) -> bool:
        """Whether the indicator can be cut by the filters asked for (else: no data)."""
        return all(d in spec.dimensions for d in self.asked)

    def _source(self, source: Source, by: Dimension | None) -> sources.Groups | None:
        key = (source, by)
        if key not in self._groups and self._fine(source, by):
            # by centre and by item read the rows by item and centre: both in one pass
            found = sources.fine_totals(
                self.conn, source, self._names[source], self.start, self.end,
                figures.cut_for(source, self.filters),
            )  # fmt: skip
            for dimension, groups in found.items():
                self._groups[(source, dimension)] = groups
        if key not in self._groups:
            self._groups[key] = figures.source_groups(
                self.conn, source, self._names[source], self.start, self.end, self.filters,
                self.scope, by,
            )  # fmt: skip
        return self._groups[key]

    def _fine(self, source: Source, by: Dimension | None) -> bool:
        """Whether ``by`` is one of the cuts ``sources.fine_totals`` reads together, for a
        source with rows by item and centre that the reader may see cut so."""
        return (
            by in sources.FINE_CUTS
            and source in (Source.CASES, Source.RATINGS)
            and not figures.blind(source, self.filters, self.scope)
        )

    def _grouped(
        self, spec: IndicatorSpec, by: Dimension | None
    ) -> dict[str, dict[str, float | None]]:
        per_source = [(measured, self._source(s, by)) for s, measured in self._needs(spec).items()]
        return figures.combine(per_source, by)

    def value(self, spec: IndicatorSpec) -> tuple[float | None, bool | None]:
        """The figure for the period and whether it meets the target (no data for an indicator
        that cannot be cut by the filters, rather than the whole district's figure)."""
        if not self._cut_by(spec):
            return None, None
        value = figures.rounded(figures.evaluate(spec, self._grouped(spec, None)[""], self.specs))
        return value, spec.meets(value)

    def rows(self, spec: IndicatorSpec, by: Dimension) -> list[figures.FigureRow]:
        """One row per value of ``by``, as ``figures.figure(..., by=by).rows`` (no drill)."""
        if not self._cut_by(spec):
            return []
        grouped = self._grouped(spec, by)
        keys = figures.listed(grouped)
        named = self._named(by, keys)
        out = []
        for key in keys:
            value = figures.rounded(figures.evaluate(spec, grouped[key], self.specs))
            out.append(figures.FigureRow(key, named[key], value, spec.meets(value)))
        return out

    def _named(self, by: Dimension, keys: list[str]) -> dict[str, str]:
        known = self._labels.setdefault(by, {})
        missing = [k for k in keys if k not in known]
        if missing:
            known.update(figures.labels(self.conn, by, missing))
        return {k: known[k] for k in keys}

    def trend(self, spec: IndicatorSpec, months: list[date]) -> list[Point]:
        """The figure of each month (their first days, in order, consecutive)."""
        if not self._cut_by(spec):
            return [Point(m, None) for m in months]
        series = {s: self._series(s, months) for s in self._needs(spec)}
        points = []
        for month in months:
            totals: dict[str, float | None] = {}
            for source, measured in self._needs(spec).items():
                found = series[source]
                if found is None:
                    totals.update(dict.fromkeys(measured, None))
                    continue
                of_month = found.get(month) or found.get(date.min) or {}
                totals.update({m: of_month.get(m, 0.0) for m in measured})
            value = figures.rounded(figures.evaluate(spec, totals, self.specs))
            points.append(Point(month, value))
        return points

    def _series(self, source: Source, months: list[date]) -> dict[date, sources.Totals] | None:
        """Each month's totals of the source (``date.min``: the catalogue's, every month's);
        None when the source cannot be cut to the filters or the jurisdiction."""
        key = (source, months[0])
        if key in self._months:
            return self._months[key]
        names = self._names[source]
        first, last = months[0], month_end(months[-1])
        if figures.blind(source, self.filters, self.scope):
            found: dict[date, sources.Totals] | None = None
        else:
            cut = figures.cut_for(source, self.filters)
            found = sources.monthly_totals(self.conn, source, names, first, last, cut)
            if found is not None and source is Source.CATALOGUE:
                found = {date.min: found[first]}
            if found is None:
                found = {}
                for month in months:
                    groups = sources.totals(
                        self.conn, source, names, month, month_end(month), cut, None
                    )
                    found[month] = (groups or {}).get("", {})
        self._months[key] = found
        return found
