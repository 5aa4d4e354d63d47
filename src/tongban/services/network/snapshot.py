"""The whole service network in memory, one per version: centres with their parsed hours, the
population grid and the gazetteer.

Built from the database the first time a process meets a version (``state.network_version``)
and kept until the version moves.  The version is read before the rows: a write committed in
between can only make the snapshot newer than its label, and the next read of the version then
rebuilds it; a snapshot is never older than its label.
"""

from __future__ import annotations

import math
import threading
import weakref
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property

from sqlalchemy import Connection, Engine

from tongban.domain.catalogue.model import Level
from tongban.domain.network.circle import PopulationCell
from tongban.domain.network.gazetteer import Gazetteer, address_prefixes
from tongban.domain.network.geo import LocalPlane, PointIndex
from tongban.domain.network.hours import WeeklyHours
from tongban.domain.network.model import Centre
from tongban.services.network import geography, queries
from tongban.services.network.state import network_version
from tongban.services.platform import jurisdiction

_SLACK = 1.01
"""A grid's cells are squares in degrees: a few metres wider or narrower than ``size_m`` away
from the latitude they were drawn at.  A point on a cell's edge must not fall between two."""


@dataclass(eq=False)
class NetworkSnapshot:
    """The network as of ``version``; read-only once built (shared between threads)."""

    version: int
    centres: tuple[Centre, ...]
    cells: tuple[PopulationCell, ...]
    gazetteer: Gazetteer
    hours: Mapping[str, WeeklyHours] = field(init=False)
    plane: LocalPlane = field(init=False)
    towns: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        # A centre that has not published its hours is never shown as open now.
        closed = WeeklyHours(((),) * 7)
        self.hours = {c.code: c.hours or closed for c in self.centres}
        points = [(c.latitude, c.longitude) for c in self.centres] or [(0.0, 0.0)]
        if self.cells:
            points = [(c.latitude, c.longitude) for c in self.cells]
        lat = sum(p[0] for p in points) / len(points)
        lon = sum(p[1] for p in points) / len(points)
        self.plane = LocalPlane(lat, lon)
        self.towns = tuple(dict.fromkeys(c.town for c in self.centres if c.level is Level.TOWN))

    @cached_property
    def _by_code(self) -> dict[str, Centre]:
        return {c.code: c for c in self.centres}

    def centre(self, code: str) -> Centre | None:
        """The centre with that code, None if the network has none."""
        return self._by_code.get(code)

    def centres_at(self, levels: frozenset[Level]) -> list[Centre]:
        """The centres of the given levels, district first, each level in registered order."""
        return [c for c in self.centres if c.level in levels]

    @cached_property
    def _cell_index(self) -> PointIndex[PopulationCell]:
        # Buckets of a cell's side: finding the cell of a point measures to a handful of cells.
        points = ((c.latitude, c.longitude, c) for c in self.cells)
        return PointIndex(points, self.plane, bucket_km=self._largest_cell_km)

    @cached_property
    def _largest_cell_km(self) -> float:
        return max(c.size_m for c in self.cells) / 1000

    @property
    def has_grid(self) -> bool:
        return bool(self.cells)

    def cell_at(self, lat: float, lon: float) -> PopulationCell | None:
        """The grid cell the point lies in, None outside the grid (outside the district)."""
        if not self.cells:
            return None
        reach = self._largest_cell_km * math.sqrt(2) / 2 * _SLACK
        found = self._cell_index.nearest(lat, lon, reach)
        if found is None:
            return None
        cell = found[1]
        x, y = LocalPlane(cell.latitude, cell.longitude).xy(lat, lon)
        half = cell.size_m / 2000 * _SLACK
        return cell if abs(x) <= half and abs(y) <= half else None


_cache: weakref.WeakKeyDictionary[Engine, NetworkSnapshot] = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def snapshot(conn: Connection) -> NetworkSnapshot:
    """The network as the database holds it now; rebuilt only after a write to it."""
    version = network_version(conn)
    cached = _cache.get(conn.engine)
    if cached is not None and cached.version == version:
        return cached
    built = NetworkSnapshot(
        version=version,
        centres=tuple(queries.list_centres(conn)),
        cells=tuple(geography.read_cells(conn)),
        gazetteer=Gazetteer(geography.read_places(conn), _address_prefixes(conn)),
    )
    with _lock:
        _cache[conn.engine] = built
    return built


def _address_prefixes(conn: Connection) -> tuple[str, ...]:
    """The province, city and district names an address may start with (none before
    ``tongban init``)."""
    where = jurisdiction.configured(conn)
    if where is None:
        return ()
    return address_prefixes(where.province, where.city, where.district, where.full_name)
