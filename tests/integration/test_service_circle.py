"""Where to get an item done nearby, on SQLite and PostgreSQL: the items each level of centre
handles, the 15-minute circle per town and its cache, the nearest centre open now (hours,
holidays, 调休), the gazetteer, and bad input refused without a change."""

from __future__ import annotations

from datetime import datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from tests.clock import SYSTEM
from tests.integration.circle_fixtures import (
    COMMUNITY_ITEM,
    DISTRICT_ITEM,
    TOWN_ITEM,
    circle_items,
    load_district,
)
from tongban.adapters.db.tables import audit_log
from tongban.bootstrap import Container
from tongban.demo.centres import TOWNS
from tongban.domain.catalogue.model import Level
from tongban.domain.errors import ItemNotFound, ValidationFailed
from tongban.domain.network.circle import is_covered
from tongban.domain.network.errors import AddressUnknown, PointOutsideDistrict
from tongban.domain.network.geo import haversine_km, walking_minutes_exact
from tongban.domain.network.model import Centre
from tongban.domain.shared.clock import CHINA_TZ, PinnedClock
from tongban.services.catalogue import items
from tongban.services.nearby import circle, handling, nearest_open
from tongban.services.network import queries, snapshot
from tongban.services.network import structure as network
from tongban.services.network.state import network_version

MONDAY = datetime(2026, 11, 16, 9, 30, tzinfo=CHINA_TZ)
XIABEI = "夏北社区"
"""A community of 桂城街道 with its own centre, C-GC-011."""
RULIN = "九江镇儒林社区"
"""A community of 九江镇, where the town centre opens on Saturday mornings only."""


@pytest.fixture
def district(container: Container) -> Container:
    load_district(container)
    return container


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=CHINA_TZ)


# --- items handled per centre level -------------------------------------------------------


def test_a_town_centre_handles_every_item_a_community_centre_the_high_frequency_ones(
    district: Container,
) -> None:
    with district.read() as uow:
        town = handling.items_handled(uow.conn, "C-JJ")
        community = handling.items_handled(uow.conn, "C-JJ-001")
        hq = handling.items_handled(uow.conn, "C-NH")
        counts = handling.handled_counts(uow.conn)
    assert [i.code for i in town.items] == [COMMUNITY_ITEM, TOWN_ITEM, DISTRICT_ITEM]
    assert [i.code for i in community.items] == [COMMUNITY_ITEM]
    assert [i.code for i in hq.items] == [DISTRICT_ITEM]
    assert counts == {Level.DISTRICT: 1, Level.TOWN: 3, Level.COMMUNITY: 1}
    assert community.items[0].department == "区市场监督管理局"


def test_marking_an_item_for_communities_puts_it_in_every_community_centre(
    district: Container,
) -> None:
    with district.uow() as uow:
        view = items.item_for_edit(uow.conn, TOWN_ITEM)
        draft = view.spec.model_copy(update={"handled_at": (Level.TOWN, Level.COMMUNITY)})
        lock = items.save_draft(uow, SYSTEM, TOWN_ITEM, draft, view.lock_version)
        with district.read() as read:  # the draft is not yet what the public sees
            assert handling.items_handled(read.conn, "C-XQ-003").total == 1
        items.publish(uow, SYSTEM, TOWN_ITEM, lock)
    with district.read() as uow:
        assert handling.items_handled(uow.conn, "C-XQ-003").total == 2
        assert handling.items_handled(uow.conn, "C-XQ-003", q="食品").total == 1


def test_the_api_lists_the_items_a_centre_handles(district: Container, client: TestClient) -> None:
    answer = client.get("/api/v1/centres/C-GC-011/items").json()
    assert answer["level"] == "community"
    assert answer["total"] == 1 and answer["items"][0]["code"] == COMMUNITY_ITEM
    assert client.get("/api/v1/centres/C-GC/items", params={"limit": 2}).json()["total"] == 3
    missing = client.get("/api/v1/centres/C-NOWHERE/items")
    assert missing.status_code == 404 and missing.json()["code"] == "centre_not_found"


# --- the 15-minute circle ---------------------------------------------------------------


def naive_covered(container: Container, town: str, levels: set[Level]) -> int:
    """The town's people within 15 minutes, measured cell by cell to every centre."""
    with container.read() as uow:
        network_ = snapshot.snapshot(uow.conn)
    points = [(c.latitude, c.longitude) for c in network_.centres if c.level in levels]
    covered = 0
    for cell in network_.cells:
        if cell.town != town:
            continue
        nearest = min(haversine_km(cell.latitude, cell.longitude, *p) for p in points)
        if is_covered(walking_minutes_exact(nearest)):
            covered += cell.population
    return covered


def test_each_town_s_share_of_people_within_15_minutes_of_a_centre_handling_the_item(
    district: Container,
) -> None:
    with district.read() as uow:
        anything_scope, anything = circle.service_circle(uow.conn)
        scope, community = circle.service_circle(uow.conn, COMMUNITY_ITEM)
        _, town_only = circle.service_circle(uow.conn, "食品经营许可")  # by its name
    assert anything_scope.item is None
    assert anything_scope.levels == {Level.DISTRICT, Level.TOWN, Level.COMMUNITY}
    assert scope.item is not None and scope.item.name == "个体工商户设立登记"
    assert [t.town for t in community.towns] == [t.name for t in TOWNS]
    assert community.district.population == 3_700_000
    assert community.centres == 299 and town_only.centres == 7 and anything.centres == 300
    assert community.towns[1].covered == naive_covered(
        district, "九江镇", {Level.TOWN, Level.COMMUNITY}
    )
    assert town_only.towns[3].covered == naive_covered(district, "丹灶镇", {Level.TOWN})
    for near, far in zip(community.towns, town_only.towns, strict=True):
        assert 0 < far.share < near.share <= 1
        assert near.uncovered == near.population - near.covered
    assert 0.5 < community.district.share < 1


def test_the_circle_is_computed_once_and_again_when_a_centre_changes(
    district: Container,
) -> None:
    with district.read() as uow:
        first = circle.circle(uow.conn, frozenset({Level.TOWN, Level.COMMUNITY}))
        again = circle.circle(uow.conn, frozenset({Level.COMMUNITY, Level.TOWN}))
        version = network_version(uow.conn)
        danzao = queries.centre(uow.conn, "C-DZ-003")
    assert again is first
    with district.uow() as uow:  # loading the same centre again changes nothing
        assert network.upsert_centres(uow, SYSTEM, [danzao]) == 0
    with district.read() as uow:
        assert circle.circle(uow.conn, first.levels) is first
    # A new community centre in an uncovered corner of 丹灶镇, written through another engine
    # (another process): this process notices through the version in the database.
    gap = uncovered_cell(first, district, "丹灶镇")
    new_centre = Centre(
        code="C-DZ-900",
        name="丹灶镇新设村居行政服务中心",
        level=Level.COMMUNITY,
        parent_code="C-DZ",
        town="丹灶镇",
        latitude=gap[0],
        longitude=gap[1],
        opening_hours="周一至周五 08:30-12:00, 14:30-17:30",
    )
    other = district_twin(district)
    with other.uow() as uow:
        assert network.upsert_centres(uow, SYSTEM, [new_centre]) == 1
    with district.read() as uow:
        assert network_version(uow.conn) == version + 1
        recomputed = circle.circle(uow.conn, first.levels)
    assert recomputed is not first and recomputed.version == version + 1
    assert recomputed.centres == first.centres + 1
    before, after = (next(t for t in c.towns if t.town == "丹灶镇") for c in (first, recomputed))
    assert after.covered > before.covered
    assert [t.covered for t in recomputed.towns if t.town != "丹灶镇"] == [
        t.covered for t in first.towns if t.town != "丹灶镇"
    ]
    other.engine.dispose()


def district_twin(container: Container) -> Container:
    """A second container on the same database, as another app process would have."""
    from tongban.adapters.db.engine import build_engine

    engine = build_engine(container.engine.url.render_as_string(hide_password=False))
    return Container(
        settings=container.settings, engine=engine, secret_key="twin", clock=PinnedClock(MONDAY)
    )


def uncovered_cell(computed: circle.Circle, container: Container, town: str) -> tuple[float, float]:
    """The most populous cell of ``town`` outside the circle."""
    with container.read() as uow:
        cells = snapshot.snapshot(uow.conn).cells
    outside = [
        (cell.population, cell.latitude, cell.longitude)
        for cell, minutes in zip(cells, computed.times, strict=True)
        if cell.town == town and not is_covered(minutes)
    ]
    _, lat, lon = max(outside)
    return lat, lon


def test_the_api_gives_each_town_s_share_and_one_town_s_map(
    district: Container, client: TestClient
) -> None:
    answer = client.get("/api/v1/service-circle", params={"item": COMMUNITY_ITEM}).json()
    assert answer["item"] == {
        "item_code": COMMUNITY_ITEM,
        "item_name": "个体工商户设立登记",
        "handled_at": ["town", "community"],
    }
    assert answer["walking"] == {"walking_kmh": 5.0, "detour_factor": 1.3, "circle_minutes": 15}
    assert len(answer["towns"]) == 7 and answer["district"]["population"] == 3_700_000
    jiujiang = next(t for t in answer["towns"] if t["town"] == "九江镇")
    drawn = client.get(
        "/api/v1/service-circle/map", params={"town": "九江镇", "item": COMMUNITY_ITEM}
    ).json()
    assert drawn["coverage"] == jiujiang
    assert len(drawn["cells"]) == jiujiang["cells"]
    assert sum(c[3] for c in drawn["cells"]) == jiujiang["population"]
    inside = sum(c[3] for c in drawn["cells"] if c[2] is not None and c[2] <= 15)
    assert inside == jiujiang["covered"]
    codes = {c["code"]: c["handles"] for c in drawn["centres"]}
    assert codes["C-JJ"] and codes["C-JJ-001"]
    town_only = client.get(
        "/api/v1/service-circle/map", params={"town": "九江镇", "item": TOWN_ITEM}
    ).json()
    assert {c["code"]: c["handles"] for c in town_only["centres"]}["C-JJ-001"] is False


# --- the nearest centre open now --------------------------------------------------------


def nearest(
    container: Container, when: datetime, item: str | None = COMMUNITY_ITEM, **where: object
) -> nearest_open.NearestOpen:
    with container.read() as uow:
        return nearest_open.nearest_open_centre(
            uow.conn,
            at=when,
            item=item,
            **where,  # type: ignore[arg-type]
        )


def test_the_nearest_open_centre_follows_the_hours_of_the_day(district: Container) -> None:
    morning = nearest(district, MONDAY, address=XIABEI)
    assert morning.located is not None and morning.located.label == "桂城街道夏北社区"
    assert morning.centre is not None and morning.centre.centre.code == "C-GC-011"
    assert morning.centre.distance_km == 0 and morning.centre.closes_at == at("2026-11-16T12:00")
    # 13:45: community centres still at lunch (until 14:30), the town centre open from 13:30.
    lunch = nearest(district, at("2026-11-16T13:45"), address=XIABEI)
    assert lunch.centre is not None and lunch.centre.centre.code == "C-GC"
    assert not lunch.nearby[0].open_now
    assert lunch.nearby[0].next_opening == at("2026-11-16T14:30")
    # A town-only item goes to the town centre whatever the hour.
    town_item = nearest(district, MONDAY, item=TOWN_ITEM, address=XIABEI)
    assert town_item.centre is not None and town_item.centre.centre.level is Level.TOWN


def test_saturdays_holidays_and_makeup_working_days_are_read_from_the_calendar(
    district: Container,
) -> None:
    # An ordinary Saturday morning: only town centres open (九江: 周六 09:00-12:00).
    saturday = nearest(district, at("2026-11-21T10:00"), address=RULIN)
    assert saturday.centre is not None and saturday.centre.centre.code == "C-JJ"
    # In the afternoon only 桂城's town centre is open (周六 14:00-17:00): far, but open.
    afternoon = nearest(district, at("2026-11-21T15:00"), address=RULIN)
    assert afternoon.centre is not None and afternoon.centre.centre.code == "C-GC"
    assert not afternoon.centre.within_service_circle
    assert not any(s.open_now for s in afternoon.nearby)
    assert afternoon.nearby[0].next_opening == at("2026-11-23T08:30")
    # Sunday evening: nothing open anywhere.
    sunday = nearest(district, at("2026-11-22T19:00"), address=RULIN)
    assert sunday.centre is None
    # 国庆节, a Monday: closed everywhere.
    holiday = nearest(district, at("2026-10-05T10:00"), address=XIABEI)
    assert holiday.centre is None and not any(s.open_now for s in holiday.nearby)
    # Saturday 10 October is a 调休 working day: community centres keep Monday's hours.
    makeup = nearest(district, at("2026-10-10T15:00"), address=XIABEI)
    assert makeup.centre is not None and makeup.centre.centre.code == "C-GC-011"


def test_the_api_answers_as_of_the_injected_clock(district: Container, client: TestClient) -> None:
    assert isinstance(district.clock, PinnedClock)
    params = {"item": COMMUNITY_ITEM, "address": "南海大道北88号", "limit": 3}
    monday = client.get("/api/v1/centres/nearest-open", params=params).json()
    assert monday["point"]["address"] == "桂城街道南海大道北88号"
    assert (
        monday["centre"]["open_now"] is True and monday["centre"]["centre"]["level"] == "community"
    )
    assert len(monday["nearby"]) == 3
    district.clock.set(at("2026-10-05T10:00"))
    holiday = client.get("/api/v1/centres/nearest-open", params=params).json()
    assert holiday["at"].startswith("2026-10-05T10:00")
    assert holiday["centre"] is None
    assert holiday["nearby"][0]["next_opening"].startswith("2026-10-08T08:30")  # after 国庆


def test_a_point_finds_the_nearest_open_centre_as_an_address_does(
    district: Container, client: TestClient
) -> None:
    with district.read() as uow:
        xiabei = queries.centre(uow.conn, "C-GC-011")
    by_point = nearest(district, MONDAY, lat=xiabei.latitude, lon=xiabei.longitude)
    assert by_point.centre is not None and by_point.centre.centre.code == "C-GC-011"
    assert by_point.scope.item is not None
    any_item = client.get(
        "/api/v1/centres/nearest-open", params={"lat": xiabei.latitude, "lon": xiabei.longitude}
    ).json()
    assert any_item["item"]["item_code"] is None
    assert any_item["centre"]["centre"]["code"] == "C-GC-011"


# --- the gazetteer ----------------------------------------------------------------------


def test_the_gazetteer_finds_communities_and_roads(district: Container, client: TestClient) -> None:
    found = client.get("/api/v1/places/locate", params={"address": "佛山市南海区九江镇儒林东路"})
    assert found.status_code == 200
    body = found.json()
    assert (body["town"], body["name"], body["kind"]) == ("九江镇", "儒林东路", "road")
    numbered = client.get("/api/v1/places/locate", params={"address": "儒林东路 20 号"}).json()
    assert numbered["number"] == 20 and numbered["address"] == "九江镇儒林东路20号"
    suggestions = client.get("/api/v1/places", params={"q": "夏"}).json()
    assert suggestions[0]["kind"] == "community" and "夏" in suggestions[0]["name"]
    ambiguous = client.get("/api/v1/places/locate", params={"address": "人民路"})
    assert ambiguous.status_code == 422 and ambiguous.json()["code"] == "address_ambiguous"


# --- bad input --------------------------------------------------------------------------


def audit_rows(container: Container) -> int:
    with container.read() as uow:
        return int(uow.conn.execute(select(func.count()).select_from(audit_log)).scalar_one())


BAD_INPUT: list[tuple[dict[str, object], int, str, str]] = [
    ({"lat": 30.5, "lon": 114.3}, 422, "point_outside_district", "不在本区范围内"),
    ({"address": "火星路"}, 422, "address_unknown", "找不到地址“火星路”"),
    ({"address": XIABEI, "item": "NOPE-0001"}, 404, "item_not_found", "找不到事项"),
    ({"address": XIABEI, "item": "不存在的事项"}, 404, "item_not_found", "不存在的事项"),
    ({}, 422, "validation_failed", "请填写地址"),
    ({"lat": 23.0}, 422, "validation_failed", "请填写地址"),
    ({"lat": 95, "lon": 113}, 422, "validation_failed", "数值过大"),
]
"""(query, status, code, words of the message or a field's) for /api/v1/centres/nearest-open."""


def test_bad_input_gets_a_stable_code_and_a_chinese_message_and_changes_nothing(
    district: Container, client: TestClient
) -> None:
    before = (audit_rows(district), version_of(district))
    for params, status, code, words in BAD_INPUT:
        answer = client.get("/api/v1/centres/nearest-open", params=params)
        assert answer.status_code == status, params
        body = answer.json()
        assert body["code"] == code, params
        assert words in body["message"] + " ".join(body["fields"].values()), params
    assert (audit_rows(district), version_of(district)) == before


def version_of(container: Container) -> int:
    with container.read() as uow:
        return network_version(uow.conn)


def test_the_services_refuse_the_same_bad_input(district: Container) -> None:
    with pytest.raises(PointOutsideDistrict):
        nearest(district, MONDAY, lat=22.0, lon=113.0)
    with pytest.raises(AddressUnknown):
        nearest(district, MONDAY, address="北京市长安街")
    with pytest.raises(ItemNotFound), district.read() as uow:
        circle.service_circle(uow.conn, "NOPE-0001")
    with district.read() as uow, pytest.raises(ValidationFailed) as raised:
        circle.town_map(uow.conn, None, "火星镇")
    assert raised.value.fields == {"town": "未知的镇街：火星镇"}


def test_an_empty_catalogue_counts_every_centre_for_any_item(container: Container) -> None:
    load_district(container, with_items=False)
    with container.read() as uow:
        scope, computed = circle.service_circle(uow.conn)
    assert scope.levels == frozenset(Level) and computed.centres == 300
    assert [i.code for i in circle_items()] == [COMMUNITY_ITEM, TOWN_ITEM, DISTRICT_ITEM]


def test_every_centre_and_every_place_of_the_demo_is_inside_the_district(
    district: Container,
) -> None:
    with district.read() as uow:
        network_ = snapshot.snapshot(uow.conn)
    assert all(network_.cell_at(c.latitude, c.longitude) for c in network_.centres)
    assert all(network_.cell_at(*p.point()) for p in network_.gazetteer.places)
    assert network_.cell_at(30.5, 114.3) is None
