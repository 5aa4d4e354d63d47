"""Where each figure of the leaders' dashboard drills down to: the indicator's page for the
same period and cut (/indicators/{code}?…), one level further down."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from urllib.parse import urlencode

from tongban.domain.indicators.model import DRILL_ORDER, IndicatorSpec, Period
from tongban.services.indicators.dashboard import Bar, Point


def _first_cut(spec: IndicatorSpec) -> str | None:
    for dimension in DRILL_ORDER:
        if dimension in spec.dimensions:
            return dimension.value
    return spec.dimensions[0].value if spec.dimensions else None


@dataclass(frozen=True)
class Links:
    period: Period
    at: date
    filters: dict[str, str] = field(default_factory=dict)
    """The town or department the dashboard is narrowed to: kept on the way down."""

    def _url(self, code: str, **values: str | None) -> str:
        query = {"period": self.period.value, "at": self.at.isoformat(), **self.filters, **values}
        return f"/indicators/{code}?" + urlencode({k: v for k, v in query.items() if v is not None})

    def figure(self, spec: IndicatorSpec) -> str:
        """The indicator for the period, cut one level down (by town where it can be)."""
        return self._url(spec.code, by=_first_cut(spec))

    def month(self, spec: IndicatorSpec, point: Point) -> str:
        """One month of a trend, cut one level down."""
        query = {"period": Period.MONTH.value, "at": point.month.isoformat(), **self.filters}
        cut = _first_cut(spec)
        if cut is not None:
            query["by"] = cut
        return f"/indicators/{spec.code}?" + urlencode(query)

    def bar(self, spec: IndicatorSpec, bar: Bar) -> str:
        """One town's figure, cut by its centres."""
        return self._url(spec.code, **bar.drill)

    def supervision(self, start: date, end: date) -> str:
        """The supervision figures by item and department for the same days."""
        query = {"since": start.isoformat(), "until": end.isoformat()}
        if "department" in self.filters:
            query["department_code"] = self.filters["department"]
        return "/supervision/figures?" + urlencode(query)
