"""The 15-minute circle's maths: walking times with the detour factor, the nearest point by
buckets, coverage per town, the demo's population grid (deterministic, documented totals) and
the gazetteer's reading of addresses."""

from __future__ import annotations

import math
import random

import pytest

from tongban.domain.network.geo import (
    DETOUR_FACTOR,
    WALKING_KMH,
    LocalPlane,
    PointIndex,
    haversine_km,
    reach_km,
    walking_minutes,
    walking_minutes_exact,
    within_service_circle,
)

PLANE = LocalPlane(23.05, 113.05)


# --- walking time -----------------------------------------------------------------------


def test_a_walk_is_the_straight_line_times_the_detour_factor_at_five_kilometres_an_hour() -> None:
    assert (WALKING_KMH, DETOUR_FACTOR) == (5.0, 1.3)
    assert walking_minutes_exact(1.0) == pytest.approx(15.6)
    assert walking_minutes(1.0) == 16
    assert walking_minutes(0.0) == 1
    assert reach_km(15) == pytest.approx(15 / 60 * 5 / 1.3)


def test_the_circle_ends_where_a_walk_passes_fifteen_minutes() -> None:
    edge = reach_km(15)
    assert round(edge, 3) == 0.962
    assert within_service_circle(edge * 0.999)
    assert not within_service_circle(edge * 1.001)
    assert walking_minutes(edge * 0.999) == 15
    assert walking_minutes(edge * 1.001) == 16


def test_a_degree_of_latitude_is_about_111_km() -> None:
    assert round(haversine_km(23.0, 113.0, 24.0, 113.0), 1) == 111.2
    assert haversine_km(23.0, 113.0, 23.0, 113.0) == 0.0


def test_the_local_plane_round_trips_and_measures_within_a_percent() -> None:
    x, y = PLANE.xy(22.84, 112.97)
    assert PLANE.latlon(x, y) == pytest.approx((22.84, 112.97))
    assert math.hypot(x, y) == pytest.approx(haversine_km(23.05, 113.05, 22.84, 112.97), rel=0.01)


def test_the_bucket_index_finds_what_measuring_every_point_finds() -> None:
    rng = random.Random(13)
    points = [
        (23.05 + rng.uniform(-0.2, 0.2), 113.05 + rng.uniform(-0.2, 0.2), i) for i in range(300)
    ]
    index = PointIndex(points, PLANE, bucket_km=1.0)
    for _ in range(300):
        lat, lon = 23.05 + rng.uniform(-0.25, 0.25), 113.05 + rng.uniform(-0.25, 0.25)
        brute = min((haversine_km(lat, lon, p[0], p[1]), p[2]) for p in points)
        found = index.nearest(lat, lon, max_km=50)
        assert found is not None and found[0] == pytest.approx(brute[0])
        limited = index.nearest(lat, lon, max_km=0.5)
        assert (limited is None) == (brute[0] > 0.5)
