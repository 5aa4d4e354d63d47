"""The 15-minute circle's maths: walking times with the detour factor, the nearest point by
buckets, coverage per town, the demo's population grid (deterministic, documented totals) and
the gazetteer's reading of addresses."""

from __future__ import annotations

import hashlib
import math
import random
from datetime import datetime

import pytest

from tongban.demo import centres as demo_centres
from tongban.demo import gazetteer as demo_gazetteer
from tongban.demo import population
from tongban.domain.errors import ValidationFailed
from tongban.domain.network import circle
from tongban.domain.network.errors import AddressAmbiguous, AddressUnknown
from tongban.domain.network.gazetteer import Gazetteer, Place, PlaceKind, address_prefixes
from tongban.domain.network.geo import (
    DETOUR_FACTOR,
    WALKING_KMH,
    LocalPlane,
    PointIndex,
    flat_km,
    haversine_km,
    reach_km,
    walking_minutes,
    walking_minutes_exact,
    within_service_circle,
)
from tongban.domain.network.hours import parse_hours
from tongban.domain.shared.calendar import CalendarDay, DayKind, WorkingCalendar
from tongban.domain.shared.clock import CHINA_TZ

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


def test_the_flat_distance_ranks_as_haversine_does_within_a_metre() -> None:
    rng = random.Random(5)
    for _ in range(500):
        a = (23.05 + rng.uniform(-0.3, 0.3), 113.05 + rng.uniform(-0.3, 0.3))
        b = (23.05 + rng.uniform(-0.3, 0.3), 113.05 + rng.uniform(-0.3, 0.3))
        assert abs(flat_km(*a, *b) - haversine_km(*a, *b)) < 0.001


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


# --- coverage ---------------------------------------------------------------------------


def cell(town: str, lat: float, lon: float, people: int) -> circle.PopulationCell:
    return circle.PopulationCell(town, lat, lon, 250, people)


def test_a_town_s_share_counts_people_within_fifteen_minutes_of_the_nearest_centre() -> None:
    centre = (23.0, 113.0)
    north = 1 / 111.195  # one kilometre of latitude, in degrees
    cells = [
        cell("甲镇", 23.0, 113.0, 100),  # at the centre
        cell("甲镇", 23.0 + 0.9 * north, 113.0, 50),  # 0.9 km: 14 minutes
        cell("甲镇", 23.0 + 1.0 * north, 113.0, 30),  # 1.0 km: 15.6 minutes, outside
        cell("乙镇", 23.0 + 4.0 * north, 113.0, 20),  # 4 km: over an hour
        cell("乙镇", 23.0 + 5.0 * north, 113.0, 0),  # nobody lives there
    ]
    times = circle.walking_times(cells, [centre], PLANE)
    assert times[0] == 0
    assert times[1] == pytest.approx(14.04)
    assert times[2] == pytest.approx(15.6)
    assert times[3] is None and times[4] is None
    towns = circle.coverage(cells, times, ["乙镇", "甲镇"])
    assert [t.town for t in towns] == ["乙镇", "甲镇"]
    b, a = towns
    assert (a.population, a.covered, a.uncovered_cells, a.cells) == (180, 150, 1, 3)
    assert a.share == pytest.approx(150 / 180)
    assert (b.population, b.covered, b.uncovered_cells) == (20, 0, 1)
    total = circle.district_total(towns)
    assert (total.population, total.covered, total.uncovered) == (200, 150, 50)


def test_without_centres_nobody_is_covered_and_an_empty_town_has_no_share() -> None:
    cells = [cell("甲镇", 23.0, 113.0, 10)]
    assert circle.walking_times(cells, [], PLANE) == [None]
    assert circle.TownCoverage("乙镇", 0, 0, 0, 0).share == 0.0


@pytest.mark.parametrize(
    ("minutes", "band"), [(0.0, 0), (5.0, 0), (5.1, 1), (15.0, 2), (15.01, 3), (59.9, 4), (None, 5)]
)
def test_walks_fall_into_the_map_s_colour_bands(minutes: float | None, band: int) -> None:
    assert circle.band(minutes) == band
    assert circle.is_covered(minutes) == (band <= 2)


# --- the demo's population grid ---------------------------------------------------------


def test_the_population_grid_is_the_same_on_every_build() -> None:
    first = population.population_grid.__wrapped__()
    again = population.population_grid.__wrapped__()
    assert first == again
    digest = hashlib.sha256()
    for c in first:
        row = f"{c.town},{c.latitude:.6f},{c.longitude:.6f},{c.size_m},{c.population}\n"
        digest.update(row.encode())
    # Pinned: a change to the model (documented in demo/population.py) must change this on purpose.
    assert digest.hexdigest() == "9ce89248a6eb1eaf3606ed0e7913c5a4100335feef43e19b975091c5388a1f55"


def test_the_grid_adds_up_to_the_district_and_each_town_to_its_share() -> None:
    grid = population.population_grid()
    assert len(grid) == 13_219
    assert {c.size_m for c in grid} == {250}
    assert sum(c.population for c in grid) == population.DISTRICT_POPULATION == 3_700_000
    shares = population.town_populations()
    for town in demo_centres.TOWNS:
        people = sum(c.population for c in grid if c.town == town.name)
        assert people == shares[town.name]
        assert people == pytest.approx(3_700_000 * town.communities / 292, abs=1)


def test_people_thin_out_from_a_town_s_centre_and_one_cell_in_ten_is_empty() -> None:
    grid = population.population_grid()
    empty = sum(1 for c in grid if c.population == 0) / len(grid)
    assert 0.08 < empty < 0.12
    jiujiang = demo_centres.TOWNS[1]
    near, far = [], []
    for c in grid:
        if c.town == jiujiang.name:
            d = haversine_km(c.latitude, c.longitude, jiujiang.latitude, jiujiang.longitude)
            (near if d < 1.5 else far if d > 4.5 else []).append(c.population)
    assert sum(near) / len(near) > 3 * sum(far) / len(far)


def test_texture_is_a_factor_between_half_and_one_and_a_half_or_nothing() -> None:
    values = [population.texture(r, c) for r in range(-50, 50) for c in range(50)]
    assert all(v == 0 or 0.5 <= v <= 1.5 for v in values)
    assert population.texture(7, 9) == population.texture(7, 9)


# --- the gazetteer ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def gazetteer() -> Gazetteer:
    return Gazetteer(
        demo_gazetteer.places(), address_prefixes("广东省", "佛山市", "南海区", "佛山市南海区")
    )


def test_the_demo_gazetteer_has_every_community_and_each_town_centre_s_road() -> None:
    places = demo_gazetteer.places()
    communities = [p for p in places if p.kind is PlaceKind.COMMUNITY]
    assert len(communities) == 292
    roads = {(p.town, p.name) for p in places if p.kind is PlaceKind.ROAD}
    for town in demo_centres.TOWNS:
        road = town.address.removeprefix("佛山市南海区" + town.name)
        assert (town.name, road) in roads


@pytest.mark.parametrize(
    ("address", "label"),
    [
        ("夏北社区", "桂城街道夏北社区"),
        ("桂城街道夏北社区", "桂城街道夏北社区"),
        ("佛山市南海区桂城夏北社区居委会", "桂城街道夏北社区"),
        ("南海大道北 88 号", "桂城街道南海大道北88号"),
        ("南海大道北８８号", "桂城街道南海大道北88号"),
        ("九江人民路", "九江镇人民路"),
        ("九江镇儒林东路", "九江镇儒林东路"),
        ("东二", "桂城街道东二社区"),
    ],
)
def test_an_address_is_found_by_community_or_road_with_or_without_its_town(
    gazetteer: Gazetteer, address: str, label: str
) -> None:
    assert gazetteer.locate(address).label == label


def test_house_numbers_run_along_the_road_and_a_community_is_one_point(
    gazetteer: Gazetteer,
) -> None:
    road = next(p for p in gazetteer.places if p.name == "儒林东路")
    assert road.last_number is not None
    first, last = gazetteer.locate("儒林东路1号"), gazetteer.locate(f"儒林东路{road.last_number}号")
    middle = gazetteer.locate("九江镇儒林东路")
    length = haversine_km(road.latitude, road.longitude, road.end_latitude, road.end_longitude)  # type: ignore[arg-type]
    assert haversine_km(first.latitude, first.longitude, last.latitude, last.longitude) < length
    assert (middle.latitude, middle.longitude) == pytest.approx(road.point())
    community = gazetteer.locate("夏北社区 3号")
    assert community.number is None and community.label == "桂城街道夏北社区"


def test_a_name_of_two_towns_or_the_start_of_two_names_asks_for_more(
    gazetteer: Gazetteer,
) -> None:
    with pytest.raises(AddressAmbiguous) as raised:
        gazetteer.locate("人民路")
    assert "“九江镇人民路”、“西樵镇人民路”" in raised.value.message
    assert raised.value.fields["address"] == raised.value.message
    with pytest.raises(AddressAmbiguous):
        gazetteer.locate("南海")


@pytest.mark.parametrize("address", ["火星路", "北京市长安街", "夏", "广佛路99999号"])
def test_an_unknown_address_or_house_number_is_refused_with_a_chinese_message(
    gazetteer: Gazetteer, address: str
) -> None:
    with pytest.raises(AddressUnknown) as raised:
        gazetteer.locate(address)
    assert raised.value.code == "address_unknown"
    assert raised.value.fields["address"]


def test_an_empty_or_overlong_address_is_a_validation_error(gazetteer: Gazetteer) -> None:
    for address in ("  ", "路" * 101):
        with pytest.raises(ValidationFailed) as raised:
            gazetteer.locate(address)
        assert set(raised.value.fields) == {"address"}


def test_a_road_needs_its_end_and_a_community_has_none() -> None:
    with pytest.raises(ValueError, match="道路"):
        Place(town="九江镇", name="新路", kind=PlaceKind.ROAD, latitude=22.8, longitude=113.0)
    with pytest.raises(ValueError, match="村居"):
        Place(
            town="九江镇",
            name="新村",
            kind=PlaceKind.COMMUNITY,
            latitude=22.8,
            longitude=113.0,
            last_number=3,
        )


# --- closing time -----------------------------------------------------------------------


def test_a_centre_open_now_says_when_its_period_ends() -> None:
    days = []
    day = datetime(2026, 1, 1).date()
    while day.year == 2026:
        kind = DayKind.REST if day.weekday() >= 5 else DayKind.WORKDAY
        days.append(CalendarDay(day, kind))
        day = day.fromordinal(day.toordinal() + 1)
    calendar = WorkingCalendar(days)
    hours = parse_hours("周一至周五 08:30-12:00, 14:30-17:30")
    monday = datetime(2026, 11, 16, 9, 30, tzinfo=CHINA_TZ)
    assert hours.closes_at(monday, calendar) == monday.replace(hour=12, minute=0)
    assert hours.closes_at(monday.replace(hour=12, minute=30), calendar) is None
    afternoon = monday.replace(hour=15)
    assert hours.closes_at(afternoon, calendar) == monday.replace(hour=17, minute=30)
