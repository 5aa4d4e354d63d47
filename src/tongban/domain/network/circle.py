"""The 15-minute service circle (15 分钟政务服务圈) over a population grid.

Each cell of the grid holds the people living in it, counted at the cell's centre.  For a set
of centres (those that handle a given item), every cell gets the walking time to the nearest of
them (``geo.walking_minutes_exact``; up to ``CAP_MINUTES``, beyond that "further"), and each
town's share is::

    share = people in cells within 15 minutes' walk ÷ people in the town's cells

Cells are counted in the town they belong to, whichever town's centre is nearest: people walk
across town lines.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from tongban.domain.network.geo import (
    SERVICE_CIRCLE_MINUTES,
    LocalPlane,
    PointIndex,
    reach_km,
    walking_minutes_exact,
)

CAP_MINUTES = 60
"""Walks are timed up to an hour; a cell further from every centre is "over an hour"."""
BANDS: tuple[int, ...] = (5, 10, 15, 30, 60)
"""The map's colour bands, in minutes: 0–5, 5–10, 10–15 (the circle), 15–30, 30–60, over 60."""


@dataclass(frozen=True, slots=True)
class PopulationCell:
    """A square of the population grid: its town, centre point, side and residents."""

    town: str
    latitude: float
    longitude: float
    size_m: int
    population: int


@dataclass(frozen=True, slots=True)
class TownCoverage:
    """How many of a town's people live within the 15-minute walk."""

    town: str
    population: int
    covered: int
    cells: int
    uncovered_cells: int
    """Cells with residents beyond the 15-minute walk: the gaps of the circle."""

    @property
    def share(self) -> float:
        """Covered ÷ population (0 for a town without people)."""
        return self.covered / self.population if self.population else 0.0

    @property
    def uncovered(self) -> int:
        return self.population - self.covered


def is_covered(minutes: float | None) -> bool:
    return minutes is not None and minutes <= SERVICE_CIRCLE_MINUTES


def band(minutes: float | None) -> int:
    """The index of the colour band of a walk (``len(BANDS)`` for over an hour)."""
    if minutes is None:
        return len(BANDS)
    for index, upper in enumerate(BANDS):
        if minutes <= upper:
            return index
    return len(BANDS)


def walking_times(
    cells: Sequence[PopulationCell],
    centres: Iterable[tuple[float, float]],
    plane: LocalPlane,
) -> list[float | None]:
    """For each cell, the minutes on foot to the nearest centre (None: over ``CAP_MINUTES``)."""
    index = PointIndex(((lat, lon, None) for lat, lon in centres), plane)
    if index.size == 0:
        return [None] * len(cells)
    limit = reach_km(CAP_MINUTES)
    times: list[float | None] = []
    for cell in cells:
        found = index.nearest(cell.latitude, cell.longitude, limit)
        times.append(None if found is None else walking_minutes_exact(found[0]))
    return times


def coverage(
    cells: Sequence[PopulationCell], times: Sequence[float | None], towns: Sequence[str] = ()
) -> list[TownCoverage]:
    """Per town (``towns`` first, in that order, then any other town of the cells)."""
    totals: dict[str, list[int]] = {town: [0, 0, 0, 0] for town in towns}
    for cell, minutes in zip(cells, times, strict=True):
        row = totals.setdefault(cell.town, [0, 0, 0, 0])
        row[0] += cell.population
        row[2] += 1
        if is_covered(minutes):
            row[1] += cell.population
        elif cell.population:
            row[3] += 1
    return [TownCoverage(town, *row) for town, row in totals.items()]


def district_total(towns: Sequence[TownCoverage]) -> TownCoverage:
    """The towns added up (town name empty)."""
    return TownCoverage(
        "",
        sum(t.population for t in towns),
        sum(t.covered for t in towns),
        sum(t.cells for t in towns),
        sum(t.uncovered_cells for t in towns),
    )
