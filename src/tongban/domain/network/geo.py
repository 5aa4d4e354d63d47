"""Distances and walking times in the service network (15 分钟政务服务圈).

A walk is the straight-line (great-circle) distance made longer by a detour factor, at a steady
pace::

    walking minutes = distance_km × DETOUR_FACTOR ÷ WALKING_KMH × 60

``WALKING_KMH`` is 5 km/h, an adult's ordinary pace.  ``DETOUR_FACTOR`` is 1.3: streets do not
run straight to the door, and the ratio of route length to straight-line distance (circuity)
of urban street networks is usually put between 1.2 and 1.4; 1.3 is the middle of that range.
So the 15-minute circle reaches ``reach_km(15)`` ≈ 0.96 km in a straight line from a centre.

Distances are measured on the sphere (haversine).  ``LocalPlane`` flattens a district-sized
area to kilometres east and north only to sort points into buckets (``PointIndex``); it never
gives a distance that is shown or counted.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

EARTH_RADIUS_KM = 6371.0088
KM_PER_DEGREE = EARTH_RADIUS_KM * math.pi / 180
"""One degree of latitude (or of longitude on the equator) on the same sphere as haversine."""
WALKING_KMH = 5.0
DETOUR_FACTOR = 1.3
SERVICE_CIRCLE_MINUTES = 15
"""The 15-minute service circle (15 分钟政务服务圈): a centre within a quarter-hour's walk."""

T = TypeVar("T")


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance between two points, in kilometres."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlmb = phi2 - phi1, math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def flat_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """The equirectangular distance at the points' mean latitude: within a metre of haversine
    across a district (tens of kilometres), at a third of its cost.  For ranking many points;
    distances shown or counted use ``haversine_km``."""
    k = math.cos(math.radians((lat1 + lat2) / 2))
    dx, dy = (lon2 - lon1) * k, lat2 - lat1
    return KM_PER_DEGREE * math.sqrt(dx * dx + dy * dy)


def walking_minutes_exact(distance_km: float) -> float:
    """Minutes on foot for a straight-line distance: × the detour factor, at 5 km/h."""
    return distance_km * DETOUR_FACTOR / WALKING_KMH * 60


def walking_minutes(distance_km: float) -> int:
    """``walking_minutes_exact`` rounded up to whole minutes (at least one), as people are told."""
    return max(1, math.ceil(walking_minutes_exact(distance_km)))


def reach_km(minutes: float) -> float:
    """The straight-line distance a walk of ``minutes`` covers (the inverse of the above)."""
    return minutes / 60 * WALKING_KMH / DETOUR_FACTOR


def within_service_circle(distance_km: float) -> bool:
    """Whether a straight-line distance is within the 15-minute walk."""
    return walking_minutes_exact(distance_km) <= SERVICE_CIRCLE_MINUTES


@dataclass(frozen=True)
class LocalPlane:
    """An equirectangular projection around (``lat0``, ``lon0``): kilometres east and north.

    Over 50 km around the reference its distances differ from great-circle ones by well under
    1 %: good for bucketing and for drawing a map, not for measuring."""

    lat0: float
    lon0: float
    _cos: float = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_cos", math.cos(math.radians(self.lat0)))

    def xy(self, lat: float, lon: float) -> tuple[float, float]:
        return ((lon - self.lon0) * KM_PER_DEGREE * self._cos, (lat - self.lat0) * KM_PER_DEGREE)

    def latlon(self, x: float, y: float) -> tuple[float, float]:
        return (self.lat0 + y / KM_PER_DEGREE, self.lon0 + x / (KM_PER_DEGREE * self._cos))


_MARGIN = 0.98
"""Stop a ring search only when the best distance is 2 % inside the ring's bound: the plane's
distances are a little off the sphere's, and a bucket just outside must not be skipped."""


class PointIndex(Generic[T]):
    """Points with a value each, in square buckets of ``bucket_km``: the nearest point to a
    position (exact great-circle distance) without measuring to every point."""

    def __init__(
        self, points: Iterable[tuple[float, float, T]], plane: LocalPlane, bucket_km: float = 1.0
    ) -> None:
        self.plane = plane
        self.bucket_km = bucket_km
        self.buckets: dict[tuple[int, int], list[tuple[float, float, T]]] = {}
        self.size = 0
        for lat, lon, value in points:
            self.buckets.setdefault(self._bucket(lat, lon), []).append((lat, lon, value))
            self.size += 1

    def _bucket(self, lat: float, lon: float) -> tuple[int, int]:
        x, y = self.plane.xy(lat, lon)
        return math.floor(x / self.bucket_km), math.floor(y / self.bucket_km)

    def nearest(self, lat: float, lon: float, max_km: float) -> tuple[float, T] | None:
        """The closest point within ``max_km`` and its distance, or None.  Ties go to the point
        indexed first in its bucket."""
        bx, by = self._bucket(lat, lon)
        best: tuple[float, T] | None = None
        rings = math.ceil(max_km / self.bucket_km) + 1
        for ring in range(rings + 1):
            for key in _ring(bx, by, ring):
                for plat, plon, value in self.buckets.get(key, ()):
                    d = haversine_km(lat, lon, plat, plon)
                    if d <= max_km and (best is None or d < best[0]):
                        best = (d, value)
            # Every bucket not yet seen is at least ``ring`` buckets away in the plane.
            if best is not None and best[0] <= ring * self.bucket_km * _MARGIN:
                break
        return best


def _ring(bx: int, by: int, ring: int) -> Iterable[tuple[int, int]]:
    """The buckets at Chebyshev distance ``ring`` from (bx, by)."""
    if ring == 0:
        yield (bx, by)
        return
    for dx in range(-ring, ring + 1):
        yield (bx + dx, by - ring)
        yield (bx + dx, by + ring)
    for dy in range(-ring + 1, ring):
        yield (bx - ring, by + dy)
        yield (bx + ring, by + dy)
