"""The leaders' dashboard (领导驾驶舱) over HTTP: every panel's figures for a month, quarter or
year, and the same figures as an Excel workbook.

For leaders and department heads, each within their jurisdiction (scope); a figure without
data is ``null``.  Each figure names the drill-down page behind it (``link``).  Exporting a
period in which nothing happened at all is 422 ``dashboard_empty_period``; a comparison by an
indicator that cannot be cut by town is 422 ``indicator_dimension_unsupported``, by one that
does not exist 404 ``indicator_not_found``.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel

from tongban.domain.errors import DomainError
from tongban.domain.indicators.errors import (
    DashboardEmptyPeriod,
    DimensionNotSupported,
    IndicatorNotFound,
    OutOfJurisdiction,
)
from tongban.domain.indicators.model import Dimension, Period
from tongban.domain.people.model import Principal
from tongban.services.indicators import dashboard as svc
from tongban.services.indicators import export, figures
from tongban.services.indicators.access import FIGURE_READERS, scope_of
from tongban.web.dashboard_links import Links
from tongban.web.deps import ContainerDep, Today, allow

router = APIRouter(prefix="/dashboard", tags=["dashboard"])


def _error(description: str, error: DomainError) -> dict[str, Any]:
    body = {"schema": {"$ref": "#/components/schemas/Error"}, "example": error.as_dict()}
    return {"description": description, "content": {"application/json": body}}


_OUT_OF_JURISDICTION = _error("town、department 不在调用者的辖区内", OutOfJurisdiction())
_SUMMARY_ERRORS: dict[int | str, dict[str, Any]] = {
    403: _OUT_OF_JURISDICTION,
    422: _error("compare 的指标不能按镇街分解", DimensionNotSupported(name="镇街")),
}
_EXPORT_ERRORS: dict[int | str, dict[str, Any]] = {
    403: _OUT_OF_JURISDICTION,
    404: _error("compare 的指标不存在", IndicatorNotFound(code="nope")),
    422: _error(
        "该期间在辖区内没有任何数据，不生成文件（town、department 不存在时为"
        " dashboard_unknown_filter，compare 的指标不能按镇街分解时为"
        " indicator_dimension_unsupported）",
        DashboardEmptyPeriod(start="2026-10-01", end="2026-10-31"),
    ),
}
Viewer = Annotated[Principal, Depends(allow(FIGURE_READERS))]
PeriodName = Literal["month", "quarter", "year"]
CodeQuery = Annotated[str | None, Query(max_length=40, pattern=r"^[a-z0-9_]+$")]
Cut = Annotated[str | None, Query(max_length=60)]


def narrowed(town: str | None, department: str | None) -> dict[Dimension, str]:
    given = {Dimension.TOWN: town, Dimension.DEPARTMENT: department}
    return {d: v for d, v in given.items() if v is not None}


class ScopeOut(BaseModel):
    town: str | None
    department: str | None


class PointOut(BaseModel):
    month: str
    value: float | None
    link: str


class TrendOut(BaseModel):
    code: str
    name: str
    unit: str
    points: list[PointOut]


class BarOut(BaseModel):
    town: str
    label: str
    value: float | None
    meets_target: bool | None
    latitude: float | None
    longitude: float | None
    link: str


class ComparisonOut(BaseModel):
    code: str
    name: str
    unit: str
    choices: list[str]
    towns: list[BarOut]


class GaugeOut(BaseModel):
    code: str
    name: str
    unit: str
    direction: str
    target: float
    value: float | None
    meets_target: bool | None
    link: str


class SupervisionOut(BaseModel):
    opened: int
    open: int
    overdue: int
    closed: int
    revoked: int
    with_findings: int
    link: str


class DashboardOut(BaseModel):
    scope: ScopeOut
    filters: dict[str, str]
    period: Period
    start: date
    end: date
    has_data: bool
    trends: list[TrendOut]
    comparison: ComparisonOut
    gauges: list[GaugeOut]
    supervision: SupervisionOut | None
    """null for a town leader: inspection tasks belong to departments, not towns."""


def dashboard_out(found: svc.Dashboard) -> DashboardOut:
    """The dashboard as JSON, each figure with its drill-down link."""
    links = Links(found.period, found.at, {d.value: v for d, v in found.filters.items()})
    places = {t.town: t for t in found.tiles}
    standing = found.supervision
    return DashboardOut(
        scope=ScopeOut(town=found.scope.town, department=found.scope.department),
        filters={d.value: v for d, v in found.filters.items()},
        period=found.period,
        start=found.start,
        end=found.end,
        has_data=found.has_data,
        trends=[
            TrendOut(
                code=t.spec.code,
                name=t.spec.name,
                unit=t.spec.unit,
                points=[
                    PointOut(month=f"{p.month:%Y-%m}", value=p.value, link=links.month(t.spec, p))
                    for p in t.points
                ],
            )
            for t in found.trends
        ],
        comparison=ComparisonOut(
            code=found.compare.code,
            name=found.compare.name,
            unit=found.compare.unit,
            choices=[s.code for s in found.compare_choices],
            towns=[
                BarOut(
                    town=b.key,
                    label=b.label,
                    value=b.value,
                    meets_target=b.meets,
                    latitude=places[b.key].latitude if b.key in places else None,
                    longitude=places[b.key].longitude if b.key in places else None,
                    link=links.bar(found.compare, b),
                )
                for b in found.bars
            ],
        ),
        gauges=[
            GaugeOut(
                code=g.spec.code,
                name=g.spec.name,
                unit=g.spec.unit,
                direction=g.spec.direction.value,
                target=g.spec.target or 0.0,
                value=g.value,
                meets_target=g.meets,
                link=links.figure(g.spec),
            )
            for g in found.gauges
        ],
        supervision=None
        if standing is None
        else SupervisionOut(**standing.__dict__, link=links.supervision(found.start, found.end)),
    )


@router.get(
    "", response_model=DashboardOut, summary="领导驾驶舱：各面板的数据", responses=_SUMMARY_ERRORS
)
def summary(
    container: ContainerDep,
    principal: Viewer,
    today: Today,
    period: PeriodName = "month",
    at: Annotated[date | None, Query(description="期间内的任一天，默认今天")] = None,
    compare: CodeQuery = None,
    town: Cut = None,
    department: Cut = None,
) -> DashboardOut:
    """趋势（近12个月）、镇街对比、目标仪表、镇街示意图和批后监管；区领导看全区，镇街领导看本镇街，
    部门负责人看本部门；town、department 在辖区内再收窄（越权 403）。"""
    with container.read() as uow:
        found = svc.build(
            uow.conn, scope_of(principal), period=Period(period), at=at or today, today=today,
            compare=compare, filters=narrowed(town, department),
        )  # fmt: skip
    return dashboard_out(found)


@router.get(
    "/export",
    summary="导出驾驶舱数据（Excel）",
    response_class=Response,
    responses={200: {"content": {export.XLSX_MEDIA_TYPE: {}}}, **_EXPORT_ERRORS},
)
def export_xlsx(
    container: ContainerDep,
    principal: Viewer,
    today: Today,
    period: PeriodName = "month",
    at: Annotated[date | None, Query(description="期间内的任一天，默认今天")] = None,
    compare: CodeQuery = None,
    town: Cut = None,
    department: Cut = None,
) -> Response:
    """每个指标一张表（本期数值、可分解维度、近12个月），另有指标定义表和按 compare
    指标的镇街对比表；无任何数据的期间 422 ``dashboard_empty_period``，不存在的指标 404，
    不能按镇街分解的 422，不存在的镇街或部门 422 ``dashboard_unknown_filter``。"""
    day = at or today
    with container.read() as uow:
        data = export.workbook(
                uow.conn, scope_of(principal), period=Period(period), at=day,
                filters=narrowed(town, department), compare=compare,
            )  # fmt: skip
    return xlsx_response(data, Period(period), day)


def xlsx_response(data: bytes, period: Period, day: date) -> Response:
    start, _end = figures.period_range(period, day)
    filename = f"tongban-dashboard-{period.value}-{start:%Y%m%d}.xlsx"
    return Response(
        data,
        media_type=export.XLSX_MEDIA_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
