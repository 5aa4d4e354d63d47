"""Public JSON API of "where to get it done nearby": the items a centre handles, the 15-minute
service circle (15 分钟政务服务圈) and its map, the nearest open centre for an item, and the
gazetteer.  Mounted before ``network`` so ``/centres/nearest-open`` is not read as a centre code.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel

from tongban.domain.catalogue.model import Level
from tongban.domain.network import circle as maths
from tongban.domain.network.gazetteer import MAX_ADDRESS_LENGTH, Located, Place, PlaceKind
from tongban.domain.network.geo import DETOUR_FACTOR, SERVICE_CIRCLE_MINUTES, WALKING_KMH
from tongban.services.nearby import circle, handling, nearest_open
from tongban.services.nearby.circle import Scope
from tongban.services.network import gazetteer
from tongban.web.api.network import CentreOut
from tongban.web.api.views import out
from tongban.web.deps import ContainerDep, Now, Viewer

router = APIRouter(tags=["network"])

ItemQuery = Annotated[
    str | None,
    Query(max_length=200, description="事项编码或完整名称；不填或 any 表示任一事项"),
]


class ItemScopeOut(BaseModel):
    item_code: str | None
    """None: any item (the centres that handle at least one item)."""
    item_name: str | None
    handled_at: list[Level]

    @classmethod
    def of(cls, scope: Scope) -> ItemScopeOut:
        levels = [level for level in Level if level in scope.levels]
        if scope.item is None:
            return cls(item_code=None, item_name=None, handled_at=levels)
        return cls(item_code=scope.item.code, item_name=scope.item.name, handled_at=levels)


class HandledItemOut(BaseModel):
    code: str
    name: str
    department: str
    category: str


class CentreItemsOut(BaseModel):
    centre_code: str
    level: Level
    total: int
    offset: int
    limit: int
    items: list[HandledItemOut]


class CoverageOut(BaseModel):
    town: str
    """Empty for the whole district."""
    population: int
    covered: int
    """People living within 15 minutes' walk of a centre that handles the item."""
    share: float
    """covered ÷ population, 0–1."""
    cells: int
    uncovered_cells: int
    """Cells with residents beyond the 15-minute walk."""

    @classmethod
    def of(cls, coverage: maths.TownCoverage) -> CoverageOut:
        return out(cls, coverage, share=round(coverage.share, 4))


class WalkingModelOut(BaseModel):
    walking_kmh: float = WALKING_KMH
    detour_factor: float = DETOUR_FACTOR
    circle_minutes: int = SERVICE_CIRCLE_MINUTES


class ServiceCircleOut(BaseModel):
    item: ItemScopeOut
    network_version: int
    centres: int
    """Centres that handle the item."""
    walking: WalkingModelOut
    district: CoverageOut
    towns: list[CoverageOut]
    computed_ms: float
    """How long the computation took when it was made (later reads come from the cache)."""


class MapCentreOut(BaseModel):
    code: str
    name: str
    level: Level
    x: float
    y: float
    handles: bool


class ServiceCircleMapOut(BaseModel):
    item: ItemScopeOut
    town: str
    cell_km: float
    bands: list[int]
    """Upper bounds of the colour bands in minutes; a last band is beyond the last bound."""
    coverage: CoverageOut
    cells: list[tuple[float, float, float | None, int]]
    """[x km east, y km north of the town centre, walking minutes (null: over an hour), people]."""
    centres: list[MapCentreOut]


class CentreStatusOut(BaseModel):
    centre: CentreOut
    distance_km: float
    walking_minutes: int
    within_service_circle: bool
    open_now: bool
    closes_at: datetime | None
    next_opening: datetime | None


class PointOut(BaseModel):
    latitude: float
    longitude: float
    address: str | None
    """The gazetteer's form of the address given, if one was."""


class NearestOpenOut(BaseModel):
    item: ItemScopeOut
    point: PointOut
    at: datetime
    centre: CentreStatusOut | None
    """The nearest centre open now that handles the item; null when none is."""
    nearby: list[CentreStatusOut]


class PlaceOut(BaseModel):
    town: str
    name: str
    kind: PlaceKind
    latitude: float
    longitude: float
    """A road's middle."""
    last_number: int | None

    @classmethod
    def of(cls, place: Place) -> PlaceOut:
        lat, lon = place.point()
        return out(cls, place, latitude=lat, longitude=lon)


class LocatedOut(BaseModel):
    address: str
    town: str
    name: str
    kind: PlaceKind
    number: int | None
    latitude: float
    longitude: float

    @classmethod
    def of(cls, found: Located) -> LocatedOut:
        return cls(
            address=found.label,
            town=found.place.town,
            name=found.place.name,
            kind=found.place.kind,
            number=found.number,
            latitude=found.latitude,
            longitude=found.longitude,
        )


def _status(s: nearest_open.CentreStatus) -> CentreStatusOut:
    return out(CentreStatusOut, s, centre=CentreOut.of(s.centre))


@router.get("/centres/nearest-open", summary="离某一地点最近、现在开放且可办理某事项的服务中心")
def get_nearest_open(
    container: ContainerDep,
    _viewer: Viewer,
    now: Now,
    item: ItemQuery = None,
    address: Annotated[
        str, Query(max_length=MAX_ADDRESS_LENGTH, description="村居或道路地址，如 夏北社区")
    ] = "",
    lat: Annotated[float | None, Query(ge=-90, le=90, description="纬度（不填地址时）")] = None,
    lon: Annotated[float | None, Query(ge=-180, le=180, description="经度（不填地址时）")] = None,
    limit: Annotated[int, Query(ge=1, le=nearest_open.MAX_LISTED)] = 5,
) -> NearestOpenOut:
    with container.read() as uow:
        found = nearest_open.nearest_open_centre(
            uow.conn, at=now, item=item, address=address, lat=lat, lon=lon, limit=limit
        )
    return NearestOpenOut(
        item=ItemScopeOut.of(found.scope),
        point=PointOut(
            latitude=found.latitude,
            longitude=found.longitude,
            address=found.located.label if found.located else None,
        ),
        at=found.at,
        centre=_status(found.centre) if found.centre else None,
        nearby=[_status(s) for s in found.nearby],
    )


@router.get("/centres/{code}/items", summary="某服务中心可办理的事项")
def get_centre_items(
    container: ContainerDep,
    _viewer: Viewer,
    code: Annotated[str, Path(max_length=40)],
    q: Annotated[str, Query(max_length=100, description="事项名称或编码中的关键词")] = "",
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
) -> CentreItemsOut:
    with container.read() as uow:
        found = handling.items_handled(uow.conn, code, q=q, offset=offset, limit=limit)
    return CentreItemsOut(
        centre_code=found.centre.code,
        level=found.centre.level,
        total=found.total,
        offset=found.offset,
        limit=found.limit,
        items=[out(HandledItemOut, i) for i in found.items],
    )


@router.get("/service-circle", summary="15 分钟服务圈：各镇街步行 15 分钟内可办理某事项的人口比例")
def get_service_circle(
    container: ContainerDep, _viewer: Viewer, item: ItemQuery = None
) -> ServiceCircleOut:
    with container.read() as uow:
        scope, computed = circle.service_circle(uow.conn, item)
    return ServiceCircleOut(
        item=ItemScopeOut.of(scope),
        network_version=computed.version,
        centres=computed.centres,
        walking=WalkingModelOut(),
        district=CoverageOut.of(computed.district),
        towns=[CoverageOut.of(t) for t in computed.towns],
        computed_ms=round(computed.seconds * 1000, 1),
    )


@router.get("/service-circle/map", summary="15 分钟服务圈地图数据：一个镇街的人口网格与服务中心")
def get_service_circle_map(
    container: ContainerDep,
    _viewer: Viewer,
    town: Annotated[str, Query(min_length=1, max_length=20, description="镇街名称，如 九江镇")],
    item: ItemQuery = None,
) -> ServiceCircleMapOut:
    with container.read() as uow:
        scope, _circle, found = circle.town_map(uow.conn, item, town)
    return ServiceCircleMapOut(
        item=ItemScopeOut.of(scope),
        town=found.town,
        cell_km=found.cell_km,
        bands=list(maths.BANDS),
        coverage=CoverageOut.of(found.coverage),
        cells=[(c.x, c.y, c.minutes, c.population) for c in found.cells],
        centres=[out(MapCentreOut, c) for c in found.centres],
    )


@router.get("/places", summary="地名地址库：按名称查找村居和道路")
def get_places(
    container: ContainerDep,
    _viewer: Viewer,
    q: Annotated[str, Query(min_length=1, max_length=MAX_ADDRESS_LENGTH, description="地名")],
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
) -> list[PlaceOut]:
    with container.read() as uow:
        found = gazetteer.suggest(uow.conn, q, limit)
    return [PlaceOut.of(p) for p in found]


@router.get("/places/locate", summary="地名地址库：把地址解析为坐标")
def locate_place(
    container: ContainerDep,
    _viewer: Viewer,
    address: Annotated[
        str,
        Query(
            min_length=1,
            max_length=MAX_ADDRESS_LENGTH,
            description="村居（社区）名称，或道路名称和门牌号",
        ),
    ],
) -> LocatedOut:
    with container.read() as uow:
        found = gazetteer.locate(uow.conn, address)
    return LocatedOut.of(found)
