"""The demo's gazetteer (地名地址库): the 292 communities and a few roads of each town.

A community is found where its service centre is (the centre is in the community's 党群服务中心,
``demo.centres``).  Each town has the roads listed in ``ROADS``, laid out deterministically as
straight chords of the town's disc: the first runs through the town centre (its address names
that road: 九江镇行政服务中心 is on 儒林东路), road k crosses at ``k × 67.5°`` and, for k > 0,
0.35 radius to one side or the other of the centre in turn; each ends at 90 % of its chord, with
one house number per 10 m of its length.  Some names are given in two towns (人民路, 建设路), as
in real districts: an address naming one of those needs its town.
"""

from __future__ import annotations

import math

from tongban.demo.centres import TOWNS, Town, community_centres, community_names
from tongban.domain.network.gazetteer import Place, PlaceKind
from tongban.domain.network.geo import LocalPlane

ROADS: dict[str, tuple[str, ...]] = {
    "GC": (
        "南海大道北",
        "桂澜北路",
        "海八路",
        "南桂东路",
        "灯湖东路",
        "天佑四路",
        "佛平路",
        "季华东路",
    ),
    "JJ": ("儒林东路", "沙口大道", "九江大道", "人民路", "建设路"),
    "XQ": ("樵金路", "西樵大道", "百西大道", "太平路", "人民路"),
    "DZ": ("金沙大道", "丹灶大道", "桂丹路", "石联大道"),
    "SS": ("博爱中路", "狮城路", "罗村大道", "官窑大道", "小塘大道", "松岗大道", "狮岭大道"),
    "DL": ("广佛路", "沥苑路", "黄岐大道", "盐步大道", "建设大道", "环镇东路"),
    "LS": ("里水大道中", "和顺大道", "旗峰路", "甘蕉大道", "沙涌大道", "建设路"),
}
"""Roads by town key; the first is the town centre's road."""
_STEP = math.radians(67.5)
_OFFSET = 0.35
_LENGTH = 0.9
_METRES_PER_NUMBER = 10


def _road(town: Town, index: int, name: str) -> Place:
    plane = LocalPlane(town.latitude, town.longitude)
    angle = index * _STEP
    offset = 0.0 if index == 0 else _OFFSET * town.radius_km * (1 if index % 2 else -1)
    half = _LENGTH * math.sqrt(town.radius_km**2 - offset**2)
    # The chord's middle sits ``offset`` to the left of the line through the centre.
    mx, my = -offset * math.sin(angle), offset * math.cos(angle)
    dx, dy = half * math.cos(angle), half * math.sin(angle)
    start = plane.latlon(mx - dx, my - dy)
    end = plane.latlon(mx + dx, my + dy)
    return Place(
        town=town.name,
        name=name,
        kind=PlaceKind.ROAD,
        latitude=round(start[0], 6),
        longitude=round(start[1], 6),
        end_latitude=round(end[0], 6),
        end_longitude=round(end[1], 6),
        last_number=max(1, round(2 * half * 1000 / _METRES_PER_NUMBER)),
    )


def roads() -> list[Place]:
    return [_road(t, i, name) for t in TOWNS for i, name in enumerate(ROADS[t.key])]


def communities() -> list[Place]:
    """Each community at its service centre."""
    centres = iter(community_centres())
    places: list[Place] = []
    for town in TOWNS:
        for name in community_names(town):
            centre = next(centres)
            places.append(
                Place(
                    town=town.name,
                    name=name,
                    kind=PlaceKind.COMMUNITY,
                    latitude=centre.latitude,
                    longitude=centre.longitude,
                )
            )
    return places


def places() -> list[Place]:
    """The whole gazetteer: communities, then roads, town by town."""
    return [*communities(), *roads()]
