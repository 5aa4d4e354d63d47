"""The leaders' dashboard page (领导驾驶舱): the figures as tables, which are the page without
JavaScript (and when printed); ECharts draws a chart beside each table when it can.  Every
figure links to its drill-down (/indicators/{code}?…)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request, Response

from tongban.domain.errors import DomainError
from tongban.domain.indicators.errors import DashboardEmptyPeriod
from tongban.domain.indicators.model import DIMENSION_LABELS, Dimension, Period
from tongban.domain.people.model import Principal
from tongban.services.indicators import dashboard as svc
from tongban.services.indicators import export
from tongban.services.indicators.access import FIGURE_READERS, scope_of
from tongban.web.api.dashboard import (
    CodeQuery,
    Cut,
    PeriodName,
    dashboard_out,
    narrowed,
    xlsx_response,
)
from tongban.web.deps import ContainerDep, Today, allow
from tongban.web.templating import render

router = APIRouter(tags=["pages"], include_in_schema=False)
Viewer = Annotated[Principal, Depends(allow(FIGURE_READERS))]

PERIOD_LABELS = {Period.MONTH: "月", Period.QUARTER: "季度", Period.YEAR: "年"}
DIRECTION_LABELS = {"higher": "越高越好", "lower": "越低越好"}


def _page(
    request: Request,
    container: ContainerDep,
    principal: Principal,
    today: date,
    period: PeriodName,
    at: date | None,
    compare: str | None,
    filters: dict[Dimension, str],
    error: DomainError | None = None,
) -> Response:
    day = at or today
    with container.read() as uow:
        found = svc.build(
            uow.conn, scope_of(principal), period=Period(period), at=day, today=today,
            compare=compare, filters=filters,
        )  # fmt: skip
    context: dict[str, Any] = {
        "d": found,
        "out": dashboard_out(found),
        "day": day,
        "periods": PERIOD_LABELS,
        "direction_labels": DIRECTION_LABELS,
        "dimension_labels": DIMENSION_LABELS,
        "error": error,
        "export_query": urlencode(
            {
                "period": period,
                "at": day.isoformat(),
                "compare": found.compare.code,
                **{d.value: v for d, v in filters.items()},
            }
        ),
    }
    status = error.status if error is not None else 200
    return render(request, "dashboard/index.html", context, status_code=status)


@router.get("/dashboard")
def dashboard_page(
    request: Request,
    container: ContainerDep,
    principal: Viewer,
    today: Today,
    period: PeriodName = "month",
    at: Annotated[date | None, Query()] = None,
    compare: CodeQuery = None,
    town: Cut = None,
    department: Cut = None,
) -> Response:
    """The period's panels: trends, the town comparison and map, targets and supervision."""
    filters = narrowed(town, department)
    return _page(request, container, principal, today, period, at, compare, filters)


@router.get("/dashboard/export")
def dashboard_export(
    request: Request,
    container: ContainerDep,
    principal: Viewer,
    today: Today,
    period: PeriodName = "month",
    at: Annotated[date | None, Query()] = None,
    compare: CodeQuery = None,
    town: Cut = None,
    department: Cut = None,
) -> Response:
    """The workbook, its town comparison by ``compare`` as on the page; a period without any
    data shows the dashboard with the reason instead."""
    day = at or today
    try:
        with container.read() as uow:
            data = export.workbook(
                uow.conn, scope_of(principal), period=Period(period), at=day,
                filters=narrowed(town, department), compare=compare,
            )  # fmt: skip
    except DashboardEmptyPeriod as empty:
        filters = narrowed(town, department)
        return _page(request, container, principal, today, period, day, compare, filters, empty)
    return xlsx_response(data, Period(period), day)
