"""The 15-minute service circle per item (15 分钟政务服务圈), cached per process until the network
changes.

A circle depends only on the centres of the levels that handle the item and on the population
grid, so it is computed once per set of levels and network version: two items handled at the
same levels share one, and "any item" is the set of levels at which some item is handled.  A
write to the centres, the grid or the gazetteer bumps the version (``network/state.py``) in its
own transaction; every process then recomputes on its next read.
"""

from __future__ import annotations

import math
import threading
import time
import weakref
from dataclasses import dataclass

from sqlalchemy import Connection, Engine

from tongban.domain.catalogue.model import Level
from tongban.domain.errors import ValidationFailed
from tongban.domain.network import circle as maths
from tongban.domain.network.geo import LocalPlane
from tongban.services.catalogue import handling as catalogue
from tongban.services.nearby.handling import handles
from tongban.services.network.snapshot import NetworkSnapshot, snapshot

ANY = "any"
MAP_MARGIN_KM = 1.0
"""Centres this far outside a town's cells still show on its map: people cross town lines."""


@dataclass(frozen=True)
class Scope:
    """What a circle is for: one item, or any item (``item`` None)."""

    item: catalogue.ItemHandling | None
    levels: frozenset[Level]


@dataclass(frozen=True)
class Circle:
    """Walking times of every cell of the grid (in the grid's order) to the nearest centre of
    ``levels``, and the share of each town's people within 15 minutes."""

    version: int
    levels: frozenset[Level]
    centres: int
    times: tuple[float | None, ...]
    towns: tuple[maths.TownCoverage, ...]
    district: maths.TownCoverage
    cell_m: int
    """The side of the grid's (largest) cells; 0 without a grid."""
    seconds: float
    """How long the computation took (the cache hides it from every later read)."""


def scope(conn: Connection, item: str | None) -> Scope:
    """The item by code or exact name (``ItemNotFound`` if unknown), or any item for None,
    an empty text or ``any``: the levels at which some item is handled (every level while the
    catalogue has no published item, which says nothing about where items are handled)."""
    if item is None or item.strip() in ("", ANY):
        return Scope(None, catalogue.levels_in_use(conn) or frozenset(Level))
    handling = catalogue.item_handling(conn, item)
    return Scope(handling, handling.levels)


_cache: weakref.WeakKeyDictionary[Engine, dict[tuple[int, frozenset[Level]], Circle]] = (
    weakref.WeakKeyDictionary()
)
_lock = threading.Lock()


def compute(network: NetworkSnapshot, levels: frozenset[Level]) -> Circle:
    """The circle of the centres at ``levels`` over the snapshot's grid (no cache)."""
    started = time.perf_counter()
    centres = [c for c in network.centres if handles(c, levels)]
    times = maths.walking_times(
        network.cells, ((c.latitude, c.longitude) for c in centres), network.plane
    )
    towns = maths.coverage(network.cells, times, network.towns)
    return Circle(
        version=network.version,
        levels=levels,
        centres=len(centres),
        times=tuple(times),
        towns=tuple(towns),
        district=maths.district_total(towns),
        cell_m=max((c.size_m for c in network.cells), default=0),
        seconds=time.perf_counter() - started,
    )


def circle(conn: Connection, levels: frozenset[Level]) -> Circle:
    """The circle of the centres at ``levels`` as the network stands now (cached)."""
    network = snapshot(conn)
    key = (network.version, levels)
    found = _cache.get(conn.engine, {}).get(key)
    if found is not None:
        return found
    computed = compute(network, levels)
    with _lock:
        kept = {k: v for k, v in _cache.get(conn.engine, {}).items() if k[0] == network.version}
        kept[key] = computed
        _cache[conn.engine] = kept
    return computed


def service_circle(conn: Connection, item: str | None = None) -> tuple[Scope, Circle]:
    """The circle for an item (or any item), with the item it is for."""
    found = scope(conn, item)
    return found, circle(conn, found.levels)


@dataclass(frozen=True)
class MapCell:
    """A cell on a town's map: kilometres east and north of the town centre."""

    x: float
    y: float
    minutes: float | None
    population: int


@dataclass(frozen=True)
class MapCentre:
    code: str
    name: str
    level: Level
    x: float
    y: float
    handles: bool
    """Whether it handles the item (a centre that does not is drawn for orientation only)."""


@dataclass(frozen=True)
class TownMap:
    """What the map of one town draws: its cells coloured by walking time, the centres."""

    town: str
    cell_km: float
    cells: list[MapCell]
    centres: list[MapCentre]
    coverage: maths.TownCoverage


def town_map(conn: Connection, item: str | None, town: str) -> tuple[Scope, Circle, TownMap]:
    """The map of ``town`` for an item (or any item); ``ValidationFailed`` for a town the
    network does not have."""
    found, computed = service_circle(conn, item)
    network = snapshot(conn)
    if town not in network.towns:
        raise ValidationFailed(fields={"town": f"未知的镇街：{town}"})
    centre = next(c for c in network.centres if c.town == town and c.level is Level.TOWN)
    plane = LocalPlane(centre.latitude, centre.longitude)
    cells: list[MapCell] = []
    size = 0
    for cell, minutes in zip(network.cells, computed.times, strict=True):
        if cell.town == town:
            x, y = plane.xy(cell.latitude, cell.longitude)
            # Up to the tenth of a minute: a cell inside 15 minutes stays inside, and out stays out.
            rounded = None if minutes is None else math.ceil(minutes * 10) / 10
            cells.append(MapCell(round(x, 3), round(y, 3), rounded, cell.population))
            size = max(size, cell.size_m)
    xs, ys = [c.x for c in cells] or [0.0], [c.y for c in cells] or [0.0]
    shown: list[MapCentre] = []
    for c in network.centres:
        x, y = plane.xy(c.latitude, c.longitude)
        inside_x = min(xs) - MAP_MARGIN_KM <= x <= max(xs) + MAP_MARGIN_KM
        if inside_x and min(ys) - MAP_MARGIN_KM <= y <= max(ys) + MAP_MARGIN_KM:
            shown.append(
                MapCentre(
                    c.code, c.name, c.level, round(x, 3), round(y, 3), handles(c, found.levels)
                )
            )
    coverage = next(
        (t for t in computed.towns if t.town == town), maths.TownCoverage(town, 0, 0, 0, 0)
    )
    return found, computed, TownMap(town, size / 1000, cells, shown, coverage)
