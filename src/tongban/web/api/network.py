"""Public JSON API of the service network and the three lists (服务网络, 三单管理)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response
from pydantic import BaseModel

from tongban.domain.catalogue.model import Level, ListKind, Restriction
from tongban.domain.network.model import Accessibility, Centre
from tongban.services.catalogue import lists
from tongban.services.network import queries
from tongban.web import paging
from tongban.web.deps import ContainerDep, Viewer

router = APIRouter(tags=["network"])


class DepartmentOut(BaseModel):
    code: str
    name: str
    short_name: str


class CentreOut(BaseModel):
    code: str
    name: str
    level: Level
    parent_code: str | None
    town: str
    address: str
    latitude: float
    longitude: float
    opening_hours: str
    phone: str
    windows: int
    accessibility: list[Accessibility]

    @classmethod
    def of(cls, centre: Centre) -> CentreOut:
        return cls.model_validate(centre.model_dump())


class NearbyCentreOut(BaseModel):
    centre: CentreOut
    distance_km: float
    """Straight-line distance."""
    walking_minutes: int
    """At 5 km/h along the straight line: a lower bound."""
    within_service_circle: bool
    """Within the 15-minute service circle (15 分钟政务服务圈)."""


class ListEntryOut(BaseModel):
    kind: ListKind
    code: str
    title: str
    description: str
    department_code: str
    department_name: str
    item_code: str | None
    restriction: Restriction | None
    measure: str
    frequency: str
    legal_basis: list[str]

    @classmethod
    def of(cls, view: lists.ListEntryView) -> ListEntryOut:
        return cls.model_validate(
            {**view.entry.model_dump(), "department_name": view.department_name}
        )


@router.get("/departments", summary="部门列表")
def get_departments(
    request: Request,
    response: Response,
    container: ContainerDep,
    _viewer: Viewer,
    page: paging.PageParams,
) -> list[DepartmentOut]:
    """By code, a page at a time."""
    with container.read() as uow:
        found = queries.list_departments(uow.conn)
    listed = [DepartmentOut.model_validate(d.model_dump()) for d in found]
    return paging.cut(request, response, listed, lambda d: (d.code,), page)


@router.get("/centres", summary="服务中心列表（可按镇街、层级筛选）")
def get_centres(
    request: Request,
    response: Response,
    container: ContainerDep,
    _viewer: Viewer,
    page: paging.PageParams,
    town: Annotated[str | None, Query(max_length=20, description="镇街名称，如 九江镇")] = None,
    level: Annotated[Level | None, Query(description="层级")] = None,
) -> list[CentreOut]:
    """By code, a page at a time."""
    with container.read() as uow:
        found = queries.list_centres(uow.conn, town=town, level=level)
    listed = [CentreOut.of(c) for c in found]
    return paging.cut(request, response, listed, lambda c: (c.code,), page)


@router.get("/centres/nearest", summary="离某一地点最近的服务中心")
def get_nearest_centres(
    container: ContainerDep,
    _viewer: Viewer,
    lat: Annotated[float, Query(ge=-90, le=90, description="纬度")],
    lon: Annotated[float, Query(ge=-180, le=180, description="经度")],
    limit: Annotated[int, Query(ge=1, le=queries.MAX_NEAREST)] = 5,
    level: Annotated[Level | None, Query(description="只查某一层级")] = None,
) -> list[NearbyCentreOut]:
    with container.read() as uow:
        found = queries.nearest_centres(uow.conn, lat, lon, limit=limit, level=level)
    return [
        NearbyCentreOut(
            centre=CentreOut.of(n.centre),
            distance_km=n.distance_km,
            walking_minutes=n.walking_minutes,
            within_service_circle=n.within_service_circle,
        )
        for n in found
    ]


@router.get("/centres/{code}", summary="一个服务中心")
def get_centre(
    container: ContainerDep, _viewer: Viewer, code: Annotated[str, Path(max_length=40)]
) -> CentreOut:
    with container.read() as uow:
        return CentreOut.of(queries.centre(uow.conn, code))


@router.get("/lists/{kind}", summary="三单管理：负面清单、准许清单或监管清单", tags=["lists"])
def get_list(
    request: Request,
    response: Response,
    container: ContainerDep,
    _viewer: Viewer,
    page: paging.PageParams,
    kind: ListKind,
    department: Annotated[str | None, Query(max_length=40, description="部门编码")] = None,
    q: Annotated[str | None, Query(max_length=100, description="关键词")] = None,
) -> list[ListEntryOut]:
    """By entry code, a page at a time."""
    with container.read() as uow:
        found = lists.list_entries(uow.conn, kind, department_code=department, q=q)
    listed = [ListEntryOut.of(v) for v in found]
    return paging.cut(request, response, listed, lambda e: (e.code,), page)
