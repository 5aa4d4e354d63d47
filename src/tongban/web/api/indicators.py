"""The indicator system (指标体系) over HTTP: definitions and their versions, figures by period
and dimension, and the cases behind a figure — the query API the dashboard uses.

Definitions are read by staff and edited by the catalogue admin (creating POSTs take an
``Idempotency-Key``; a draft save names the ``lock_version`` read, 409 ``stale_version``).  A
formula that does not parse: 422 ``indicator_formula_syntax`` with its position; an unknown
measure, indicator or dimension: 422 ``indicator_unknown_measure``, ``…_reference``,
``…_dimension``; a version that was never published: 404 ``indicator_version_not_found``.
Figures and cases are for leaders and department heads, each within their
jurisdiction: asking for another department's or town's is 403
``indicator_out_of_jurisdiction``.  A figure without data is ``null`` (shown 暂无数据).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from tongban.domain.indicators.model import (
    MEASURES,
    Dimension,
    Direction,
    IndicatorSpec,
    Period,
    parse_dimensions,
)
from tongban.domain.people.model import Principal
from tongban.services.indicators import definitions as svc
from tongban.services.indicators import drill, figures
from tongban.services.indicators.access import (
    FIGURE_READERS,
    INDICATOR_EDITORS,
    INDICATOR_READERS,
    scope_of,
)
from tongban.services.platform.context import Actor
from tongban.services.platform.unit_of_work import UnitOfWork
from tongban.web.deps import ContainerDep, Today, actor_for, allow
from tongban.web.idempotency import IdempotencyKey, run_once

router = APIRouter(prefix="/indicators", tags=["indicators"])

Code = Annotated[str, PathParam(max_length=40, pattern=r"^[a-z0-9_]+$")]
Reader = Annotated[Principal, Depends(allow(INDICATOR_READERS))]
Editor = Annotated[Principal, Depends(allow(INDICATOR_EDITORS))]
Viewer = Annotated[Principal, Depends(allow(FIGURE_READERS))]
Cut = Annotated[str | None, Query(max_length=60)]


class SpecIn(BaseModel):
    code: str = Field(max_length=40, description="编码：小写字母、数字和下划线")
    name: str = Field(max_length=60)
    definition: str = Field(max_length=500, description="用平实的话说明指标的含义")
    formula: str = Field(max_length=500, description="公式，如 100 * sum(a) / sum(b)")
    unit: str = Field(max_length=10)
    direction: Direction = Field(description="higher 越高越好 / lower 越低越好")
    target: float | None = None
    dimensions: list[str] = Field(default_factory=list, max_length=5)

    def spec(self, code: str | None = None) -> IndicatorSpec:
        return IndicatorSpec(
            code=code or self.code,
            name=self.name,
            definition=self.definition,
            formula=self.formula,
            unit=self.unit,
            direction=self.direction,
            target=self.target,
            dimensions=parse_dimensions(self.dimensions),
        )


class DraftIn(SpecIn):
    lock_version: int = Field(ge=1, description="读取时得到的 lock_version（乐观锁）")


class PublishIn(BaseModel):
    lock_version: int = Field(ge=1)
    note: str = Field(default="", max_length=500)


class SpecOut(BaseModel):
    code: str
    name: str
    definition: str
    formula: str
    unit: str
    direction: Direction
    target: float | None
    dimensions: list[Dimension]


class VersionOut(BaseModel):
    version: int
    spec: SpecOut
    note: str
    published_at: datetime


class DefinitionOut(BaseModel):
    code: str
    status: str
    published_version: int | None
    published: SpecOut | None
    draft: SpecOut | None
    lock_version: int


class DefinitionWithVersionsOut(DefinitionOut):
    versions: list[VersionOut]


class MeasureOut(BaseModel):
    name: str
    source: str
    words: str


class RowOut(BaseModel):
    key: str
    label: str
    value: float | None = Field(description="null：暂无数据")
    meets_target: bool | None
    drill: dict[str, str] = Field(description="下一级的筛选条件（by：再按哪个维度分解）")


class FigureOut(BaseModel):
    code: str
    name: str
    unit: str
    period: Period
    start: date
    end: date
    filters: dict[str, str]
    by: Dimension | None
    value: float | None = Field(description="null：暂无数据")
    target: float | None
    meets_target: bool | None
    rows: list[RowOut]
    lists_cases: bool


class CaseLineOut(BaseModel):
    number: str
    item_name: str
    centre_code: str
    channel: str
    status: str
    applicant: str = Field(description="申请人（脱敏）")
    received_on: date
    finished_on: date | None
    counts: dict[str, int]


class CaseListOut(BaseModel):
    code: str
    start: date
    end: date
    total: int
    by_finish: bool
    cases: list[CaseLineOut]


def _spec(spec: IndicatorSpec | None) -> SpecOut | None:
    return None if spec is None else SpecOut.model_validate(spec.as_dict())


def _definition(found: svc.Definition) -> DefinitionOut:
    return DefinitionOut(
        code=found.code,
        status=found.status,
        published_version=found.published_version,
        published=_spec(found.published),
        draft=_spec(found.draft),
        lock_version=found.lock_version,
    )


def filters_of(
    town: str | None, centre: str | None, department: str | None, item: str | None,
    channel: str | None,
) -> dict[Dimension, str]:  # fmt: skip
    given = {
        Dimension.TOWN: town,
        Dimension.CENTRE: centre,
        Dimension.DEPARTMENT: department,
        Dimension.ITEM: item,
        Dimension.CHANNEL: channel,
    }
    return {d: v for d, v in given.items() if v is not None}


@router.get("", response_model=list[DefinitionOut], summary="指标定义列表")
def list_definitions(container: ContainerDep, _: Reader) -> list[DefinitionOut]:
    with container.read() as uow:
        return [_definition(d) for d in svc.list_definitions(uow.conn)]


@router.get("/measures", response_model=list[MeasureOut], summary="公式可用的度量")
def list_measures(_: Reader) -> list[MeasureOut]:
    return [
        MeasureOut(name=m.name, source=m.source.value, words=m.words) for m in MEASURES.values()
    ]


@router.get("/{code}", response_model=DefinitionWithVersionsOut, summary="指标定义及其版本")
def get_definition(code: Code, container: ContainerDep, _: Reader) -> Any:
    with container.read() as uow:
        found = svc.get(uow.conn, code)
        history = svc.versions(uow.conn, code)
    return DefinitionWithVersionsOut(
        **_definition(found).model_dump(),
        versions=[_version(v) for v in history],
    )


@router.get(
    "/{code}/versions/{version}", response_model=VersionOut, summary="指标定义的某一历史版本"
)
def get_version(
    code: Code, version: Annotated[int, PathParam(ge=1, le=100_000)], container: ContainerDep,
    _: Reader,
) -> VersionOut:  # fmt: skip
    """已发布的每一版都保留；不存在的版本 404 ``indicator_version_not_found``。"""
    with container.read() as uow:
        found = svc.version(uow.conn, code, version)
    return _version(found)


def _version(found: svc.Version) -> VersionOut:
    return VersionOut(
        version=found.version,
        spec=SpecOut.model_validate(found.spec.as_dict()),
        note=found.note,
        published_at=found.published_at,
    )


@router.post("", status_code=201, response_model=DefinitionOut, summary="新建指标（草稿）")
def create(
    body: SpecIn, _: Editor, request: Request, container: ContainerDep, key: IdempotencyKey
) -> JSONResponse:
    def action(uow: UnitOfWork, actor: Actor) -> DefinitionOut:
        return _definition(svc.create(uow, actor, body.spec()))

    return run_once(request, container, key, action, status=201)


@router.put(
    "/{code}/draft", response_model=DefinitionOut, summary="修改草稿（修改已发布指标即新建草稿）"
)
def save_draft(
    code: Code, body: DraftIn, request: Request, container: ContainerDep, _: Editor
) -> DefinitionOut:
    with container.uow() as uow:
        found = svc.save_draft(uow, actor_for(request), code, body.spec(code), body.lock_version)
    return _definition(found)


@router.post("/{code}/publish", response_model=DefinitionOut, summary="发布草稿为新版本")
def publish(
    code: Code,
    body: PublishIn,
    _: Editor,
    request: Request,
    container: ContainerDep,
    key: IdempotencyKey,
) -> JSONResponse:
    def action(uow: UnitOfWork, actor: Actor) -> DefinitionOut:
        return _definition(svc.publish(uow, actor, code, body.lock_version, body.note))

    return run_once(request, container, key, action)


@router.get("/{code}/figures", response_model=FigureOut, summary="指标数值：按期间和维度分解")
def figure(
    code: Code,
    container: ContainerDep,
    principal: Viewer,
    today: Today,
    period: Period = Period.MONTH,
    at: Annotated[date | None, Query(description="期间内的任一天，默认今天")] = None,
    by: Annotated[Dimension | None, Query(description="按哪个维度分解")] = None,
    town: Cut = None,
    centre: Cut = None,
    department: Cut = None,
    item: Cut = None,
    channel: Cut = None,
) -> FigureOut:
    """区领导看全区，镇街领导看本镇街，部门负责人看本部门；每行的 drill 是下一级的筛选条件。"""
    with container.read() as uow:
        found = figures.figure(
            uow.conn, scope_of(principal), code, period=period, at=at or today,
            filters=filters_of(town, centre, department, item, channel), by=by,
        )  # fmt: skip
    return FigureOut(
        code=found.spec.code,
        name=found.spec.name,
        unit=found.spec.unit,
        period=found.period,
        start=found.start,
        end=found.end,
        filters={d.value: v for d, v in found.filters.items()},
        by=found.by,
        value=found.value,
        target=found.spec.target,
        meets_target=found.meets_target,
        rows=[RowOut.model_validate(r.__dict__) for r in found.rows],
        lists_cases=found.lists_cases,
    )


@router.get("/{code}/cases", response_model=CaseListOut, summary="指标背后的办件清单（下钻到底）")
def cases_behind(
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
) -> CaseListOut:
    """申请人姓名脱敏；每次读取记入申请人的数据访问日志。"""
    with container.uow() as uow:
        found = drill.cases_behind(
            uow, actor_for(request), scope_of(principal), code, period=period, at=at or today,
            filters=filters_of(town, centre, department, item, channel), offset=offset,
        )  # fmt: skip
    return CaseListOut(
        code=found.code,
        start=found.start,
        end=found.end,
        total=found.total,
        by_finish=found.by_finish,
        cases=[CaseLineOut.model_validate(line.__dict__) for line in found.lines],
    )
