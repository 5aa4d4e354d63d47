"""Pages of the indicator system (指标体系): the definitions, one indicator's figures with the
period and cut chosen and drill-down links, and the cases behind a figure.

Tables only: the charts dashboard reads the same ``services.indicators.figures`` API.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi import Path as PathParam

from tongban.domain.errors import DomainError
from tongban.domain.indicators.model import DIMENSION_LABELS, MEASURES, Dimension, Period
from tongban.domain.people.model import Principal
from tongban.services.indicators import definitions as svc
from tongban.services.indicators import drill, figures
from tongban.services.indicators.access import (
    FIGURE_READERS,
    INDICATOR_EDITORS,
    INDICATOR_READERS,
    scope_of,
)
from tongban.web.api.indicators import filters_of
from tongban.web.deps import ContainerDep, Today, actor_for, allow
from tongban.web.templating import render

router = APIRouter(tags=["pages"], include_in_schema=False)
Reader = Annotated[Principal, Depends(allow(INDICATOR_READERS))]
Viewer = Annotated[Principal, Depends(allow(FIGURE_READERS))]
Code = Annotated[str, PathParam(max_length=40, pattern=r"^[a-z0-9_]+$")]
Cut = Annotated[str | None, Query(max_length=60)]

PERIOD_LABELS = {Period.DAY: "日", Period.MONTH: "月", Period.QUARTER: "季度", Period.YEAR: "年"}
DIRECTION_LABELS = {"higher": "越高越好", "lower": "越低越好"}


def _query(**values: Any) -> str:
    return urlencode({k: v for k, v in values.items() if v is not None})


@router.get("/indicators")
def indicator_list(request: Request, container: ContainerDep, principal: Reader) -> Response:
    """Every indicator: its words, formula, unit, direction, target, cuts and versions."""
    with container.read() as uow:
        found = svc.list_definitions(uow.conn)
        history = {d.code: svc.versions(uow.conn, d.code) for d in found}
    context = {
        "definitions": found,
        "history": history,
        "dimension_labels": DIMENSION_LABELS,
        "direction_labels": DIRECTION_LABELS,
        "may_see_figures": FIGURE_READERS.allows(principal),
        "may_edit": INDICATOR_EDITORS.allows(principal),
        "measures": list(MEASURES.values()),
    }
    return render(request, "indicators/list.html", context)


@router.get("/indicators/{code}")
def indicator_figures(
    code: Code,
    request: Request,
    container: ContainerDep,
    principal: Viewer,
    today: Today,
    period: Period = Period.MONTH,
    at: Annotated[date | None, Query()] = None,
    by: Annotated[Dimension | None, Query()] = None,
    town: Cut = None,
    centre: Cut = None,
    department: Cut = None,
    item: Cut = None,
    channel: Cut = None,
) -> Response:
    """One indicator's figure for a period, cut by a dimension, each row a link one level down
    (district → town → centre → item → the cases)."""
    filters = filters_of(town, centre, department, item, channel)
    day = at or today
    error: DomainError | None = None
    try:
        with container.read() as uow:
            found = figures.figure(
                uow.conn, scope_of(principal), code, period=period, at=day, filters=filters, by=by
            )
    except DomainError as refused:
        if refused.status in (403, 404):
            raise
        error = refused
        with container.read() as uow:
            found = figures.figure(uow.conn, scope_of(principal), code, period=period, at=day)
    base = {"period": period.value, "at": day.isoformat()}
    here = {d.value: v for d, v in found.filters.items()}
    links = [f"/indicators/{code}?" + _query(**base, **here, **row.drill) for row in found.rows]
    cases_link = f"/indicators/{code}/cases?" + _query(**base, **here)
    row_cases = [
        f"/indicators/{code}/cases?" + _query(**base, **here, **{by.value: row.key})
        if by is not None
        else ""
        for row in found.rows
    ]
    context = {
        "f": found,
        "links": links,
        "row_cases": row_cases,
        "cases_link": cases_link,
        "error": error,
        "periods": PERIOD_LABELS,
        "dimension_labels": DIMENSION_LABELS,
        "direction_labels": DIRECTION_LABELS,
        "filters": here,
        "day": day,
        "trail": _trail(code, base, here),
    }
    return render(request, "indicators/figures.html", context)


def _trail(code: str, base: dict[str, str], filters: dict[str, str]) -> list[tuple[str, str]]:
    """The breadcrumb back up: the district, then each filter chosen on the way down."""
    out = [("全区", f"/indicators/{code}?" + _query(**base, by="town"))]
    kept: dict[str, str] = {}
    for dimension in (Dimension.TOWN, Dimension.CENTRE, Dimension.ITEM):
        value = filters.get(dimension.value)
        if value is None:
            continue
        kept[dimension.value] = value
        out.append((value or "—", f"/indicators/{code}?" + _query(**base, **kept)))
    return out


@router.get("/indicators/{code}/cases")
def indicator_cases(
    code: Code,
    request: Request,
    container: ContainerDep,
    principal: Viewer,
    today: Today,
    period: Period = Period.MONTH,
    at: Annotated[date | None, Query()] = None,
    town: Cut = None,
    centre: Cut = None,
    department: Cut = None,
    item: Cut = None,
    channel: Cut = None,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> Response:
    """The cases behind the figure, applicants masked; each read logged for the applicant."""
    filters = filters_of(town, centre, department, item, channel)
    day = at or today
    with container.uow() as uow:
        found = drill.cases_behind(
            uow, actor_for(request), scope_of(principal), code, period=period, at=day,
            filters=filters, offset=offset,
        )  # fmt: skip
        spec = svc.get(uow.conn, code).current
    here = {d.value: v for d, v in filters.items()}
    base = {"period": period.value, "at": day.isoformat()}
    nxt = offset + drill.PAGE
    context = {
        "c": found,
        "spec": spec,
        "filters": here,
        "back": f"/indicators/{code}?" + _query(**base, **here),
        "more": f"/indicators/{code}/cases?" + _query(**base, **here, offset=nxt)
        if nxt < found.total
        else "",
        "dimension_labels": DIMENSION_LABELS,
        "channels": figures.CHANNEL_LABELS,
    }
    return render(request, "indicators/cases.html", context)
