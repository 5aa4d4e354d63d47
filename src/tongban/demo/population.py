"""The demo's population grid (人口网格): synthetic, deterministic, shaped like a real one.

The seed report gives the network (292 community centres, "平均3.5平方公里即有一个", so about
1,000 km²) but no head count, and no population by small area is public.  The demo therefore
makes a grid up, by rules a reader can check:

* **Cells.**  Squares of ``CELL_M`` = 250 m on one grid over the whole district, anchored at
  ``ORIGIN`` (22.70° N, 112.80° E): a cell is ``CELL_M`` in latitude and ``CELL_M`` in longitude
  at the reference latitude 23.05° N (within 0.3 % of square anywhere in the district).
* **Territory.**  A cell belongs to the town whose disc holds its centre — the disc the demo
  lays that town's community centres out in (``demo.centres.TOWNS``: centre and radius); where
  two discs overlap, to the town it is relatively closer to (distance ÷ radius).  A cell in no
  disc is outside the district.  The discs cover about 830 km² in 13,219 cells.
* **People.**  ``DISTRICT_POPULATION`` = 3,700,000, about Nanhai's resident population (the
  2020 census counted about 3.67 million).  Each town gets a share in proportion to its
  community centres (communities are of comparable size): 桂城街道 50/292 of it, 狮山镇 75/292.
* **Density.**  Within a town a cell weighs ``exp(-d / (0.4 r)) + 0.08``: dense at the town's
  centre, falling off over its radius r to a rural floor.  A texture factor between 0.5 and
  1.5, drawn from a hash of the cell's row and column, keeps neighbours from looking alike; by
  the same hash one cell in ten is empty (a river, fields, a factory estate).
* **Counting.**  The town's people are shared out in proportion to the weights and rounded by
  largest remainder, so every town's cells add up to its share exactly.

No random generator is involved: the same code yields the same grid everywhere.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from functools import cache

from tongban.demo.centres import TOWNS, Town
from tongban.domain.network.circle import PopulationCell
from tongban.domain.network.geo import KM_PER_DEGREE, haversine_km

CELL_M = 250
ORIGIN = (22.70, 112.80)
REFERENCE_LATITUDE = 23.05
DISTRICT_POPULATION = 3_700_000
EMPTY_ONE_IN = 10
_FALLOFF = 0.4
_FLOOR = 0.08
_CELL_LAT = CELL_M / 1000 / KM_PER_DEGREE
_CELL_LON = CELL_M / 1000 / (KM_PER_DEGREE * math.cos(math.radians(REFERENCE_LATITUDE)))


def _mix(row: int, col: int) -> int:
    """A 64-bit hash of a cell's row and column (splitmix64), the same on every platform."""
    z = ((row & 0xFFFFFFFF) << 32 | (col & 0xFFFFFFFF)) + 0x9E3779B97F4A7C15
    z &= 0xFFFFFFFFFFFFFFFF
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & 0xFFFFFFFFFFFFFFFF
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & 0xFFFFFFFFFFFFFFFF
    return z ^ (z >> 31)


def texture(row: int, col: int) -> float:
    """0 for one cell in ``EMPTY_ONE_IN``, else a factor between 0.5 and 1.5."""
    h = _mix(row, col)
    if h % EMPTY_ONE_IN == 0:
        return 0.0
    return 0.5 + (h >> 11) / float(1 << 53)


def town_populations() -> dict[str, int]:
    """Each town's share of the district, by its number of community centres."""
    counts = _largest_remainder(DISTRICT_POPULATION, [t.communities for t in TOWNS])
    return {town.name: count for town, count in zip(TOWNS, counts, strict=True)}


def _largest_remainder(total: int, weights: list[float]) -> list[int]:
    """``total`` shared out in proportion to ``weights``, whole numbers adding up to it."""
    whole = sum(weights)
    if whole <= 0:
        return [0] * len(weights)
    exact = [total * w / whole for w in weights]
    counts = [math.floor(x) for x in exact]
    short = total - sum(counts)
    by_remainder = sorted(range(len(exact)), key=lambda i: (counts[i] - exact[i], i))
    for i in by_remainder[:short]:
        counts[i] += 1
    return counts


def _cell_centre(row: int, col: int) -> tuple[float, float]:
    return ORIGIN[0] + (row + 0.5) * _CELL_LAT, ORIGIN[1] + (col + 0.5) * _CELL_LON


def _grid_range() -> tuple[range, range]:
    south = min(t.latitude - t.radius_km / KM_PER_DEGREE for t in TOWNS)
    north = max(t.latitude + t.radius_km / KM_PER_DEGREE for t in TOWNS)
    west = min(t.longitude - t.radius_km / (KM_PER_DEGREE * 0.9) for t in TOWNS)
    east = max(t.longitude + t.radius_km / (KM_PER_DEGREE * 0.9) for t in TOWNS)
    rows = range(
        math.floor((south - ORIGIN[0]) / _CELL_LAT), math.ceil((north - ORIGIN[0]) / _CELL_LAT)
    )
    cols = range(
        math.floor((west - ORIGIN[1]) / _CELL_LON), math.ceil((east - ORIGIN[1]) / _CELL_LON)
    )
    return rows, cols


def _territory() -> Iterator[tuple[int, int, Town, float]]:
    """Every cell of the district: row, column, its town and its distance from the town's
    centre in km."""
    rows, cols = _grid_range()
    for row in rows:
        for col in cols:
            lat, lon = _cell_centre(row, col)
            best: tuple[float, Town, float] | None = None
            for town in TOWNS:
                d = haversine_km(lat, lon, town.latitude, town.longitude)
                if d <= town.radius_km and (best is None or d / town.radius_km < best[0]):
                    best = (d / town.radius_km, town, d)
            if best is not None:
                yield row, col, best[1], best[2]


@cache
def population_grid() -> tuple[PopulationCell, ...]:
    """The demo district's cells, row by row from the south-west."""
    cells = list(_territory())
    people = [0] * len(cells)
    totals = town_populations()
    for town in TOWNS:
        mine = [i for i, cell in enumerate(cells) if cell[2] is town]
        weights = [
            (math.exp(-cells[i][3] / (_FALLOFF * town.radius_km)) + _FLOOR)
            * texture(cells[i][0], cells[i][1])
            for i in mine
        ]
        for i, count in zip(mine, _largest_remainder(totals[town.name], weights), strict=True):
            people[i] = count
    grid: list[PopulationCell] = []
    for (row, col, town, _distance), count in zip(cells, people, strict=True):
        lat, lon = _cell_centre(row, col)
        grid.append(PopulationCell(town.name, round(lat, 6), round(lon, 6), CELL_M, count))
    return tuple(grid)
