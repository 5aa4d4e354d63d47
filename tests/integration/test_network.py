"""The service network: loading the demo district, finding the nearest centre, the pages and
the API (服务网络), on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Table, func, select

from tests.calendar_fixtures import seed_test_calendar
from tests.clock import SYSTEM
from tongban.adapters.db.tables import audit_log, centres, departments
from tongban.bootstrap import Container
from tongban.demo import centres as demo_centres
from tongban.demo.departments import DEPARTMENTS
from tongban.domain.catalogue.model import Level
from tongban.domain.errors import CentreNotFound, ValidationFailed
from tongban.domain.network.model import Centre
from tongban.services.network import queries
from tongban.services.network import structure as network

JIUJIANG = (22.8500, 113.0400)
"""A point in 九江镇, a little north-east of its town centre."""


def load_demo_network(container: Container) -> tuple[int, int]:
    """Departments, then the district and town centres, then the 292 community centres."""
    with container.uow() as uow:
        changed_departments = network.upsert_departments(uow, SYSTEM, DEPARTMENTS)
        changed_centres = network.upsert_centres(
            uow, SYSTEM, demo_centres.district_and_town_centres()
        )
        changed_centres += network.upsert_centres(uow, SYSTEM, demo_centres.community_centres())
    return changed_departments, changed_centres


def count(container: Container, table: Table) -> int:
    with container.uow() as uow:
        return int(uow.conn.execute(select(func.count()).select_from(table)).scalar_one())


@pytest.fixture
def loaded(container: Container) -> Container:
    """The demo network, and the calendar its opening hours are read against."""
    load_demo_network(container)
    seed_test_calendar(container)
    return container


def test_the_demo_network_has_292_community_centres_in_7_towns(loaded: Container) -> None:
    with loaded.uow() as uow:
        cover = queries.coverage(uow.conn)
        by_town = queries.centres_by_town(uow.conn)
        district = queries.list_centres(uow.conn, level=Level.DISTRICT)
    assert cover.community_centres == 292
    assert cover.by_town["九江镇"] == 20
    assert [t.town for t in by_town] == [t.name for t in demo_centres.TOWNS]
    assert all(t.by_level[Level.TOWN] == 1 for t in by_town)
    assert sum(t.total for t in by_town) == 299
    assert [c.code for c in district] == ["C-NH"]
    assert count(loaded, centres) == 300
    assert count(loaded, departments) == 28


def test_results_are_collected_at_the_district_or_a_town_centre(loaded: Container) -> None:
    with loaded.read() as uow:
        found = queries.pickup_centres(uow.conn)
    assert [c.level for c in found] == [Level.DISTRICT] + [Level.TOWN] * 7
    towns = [c.code for c in found[1:]]
    assert towns == sorted(towns)


def test_loading_the_network_twice_changes_nothing(loaded: Container) -> None:
    audited = count(loaded, audit_log)
    with loaded.uow() as uow:
        before = queries.list_centres(uow.conn)
    assert load_demo_network(loaded) == (0, 0)
    with loaded.uow() as uow:
        assert queries.list_centres(uow.conn) == before
    assert count(loaded, audit_log) == audited
    assert count(loaded, centres) == 300


def test_a_changed_centre_is_updated_and_audited(loaded: Container) -> None:
    with loaded.uow() as uow:
        old = queries.centre(uow.conn, "C-JJ")
        changed = old.model_copy(update={"opening_hours": "周一至周六 09:00-17:00"})
        assert network.upsert_centres(uow, SYSTEM, [changed]) == 1
        assert queries.centre(uow.conn, "C-JJ").opening_hours == "周一至周六 09:00-17:00"
        actions = uow.conn.execute(
            select(audit_log.c.action).where(audit_log.c.object_key == "C-JJ")
        ).scalars()
        assert list(actions) == ["centre.created", "centre.updated"]


def test_children_listed_before_their_parents_still_load(container: Container) -> None:
    batch = list(reversed(demo_centres.all_centres()))
    with container.uow() as uow:
        assert network.upsert_centres(uow, SYSTEM, batch) == 300
        community = queries.centre(uow.conn, "C-JJ-001")
    assert community.parent_code == "C-JJ"
    assert community.town == "九江镇"


def test_a_centre_with_an_unknown_parent_is_refused_and_nothing_is_stored(
    container: Container,
) -> None:
    orphan = Centre(
        code="C-XX-001",
        name="无主社区行政服务中心",
        level=Level.COMMUNITY,
        parent_code="C-XX",
        latitude=23.0,
        longitude=113.0,
    )
    with container.uow() as uow, pytest.raises(ValidationFailed) as raised:
        network.upsert_centres(uow, SYSTEM, [demo_centres.district_centre(), orphan])
    assert "parent_code" in raised.value.fields
    assert count(container, centres) == 0


def test_a_parent_must_be_a_level_above_its_child(container: Container) -> None:
    town = demo_centres.town_centre(demo_centres.TOWNS[0])
    upside_down = demo_centres.district_centre().model_copy(update={"parent_code": town.code})
    with container.uow() as uow, pytest.raises(ValidationFailed):
        network.upsert_centres(uow, SYSTEM, [upside_down, town])


def test_the_nearest_centre_to_a_point_in_jiujiang_is_a_jiujiang_centre(
    loaded: Container,
) -> None:
    with loaded.uow() as uow:
        found = queries.nearest_centres(uow.conn, *JIUJIANG, limit=3)
        towns_only = queries.nearest_centres(uow.conn, *JIUJIANG, level=Level.TOWN, limit=1)
    assert found[0].centre.town == "九江镇"
    assert found[0].centre.level is Level.COMMUNITY
    assert [n.distance_km for n in found] == sorted(n.distance_km for n in found)
    assert found[0].within_service_circle
    assert found[0].walking_minutes == queries.walking_minutes(found[0].distance_km)
    assert towns_only[0].centre.code == "C-JJ"


def test_walking_time_is_the_detoured_distance_at_five_kilometres_an_hour() -> None:
    assert queries.walking_minutes(1.25) == 20  # 1.25 km × 1.3 = 1.625 km: 19.5 minutes
    assert queries.walking_minutes(0.96) == 15
    assert queries.walking_minutes(0.0) == 1
    assert round(queries.haversine_km(23.0, 113.0, 24.0, 113.0), 1) == 111.2


def test_a_point_off_the_globe_is_refused(loaded: Container) -> None:
    with loaded.uow() as uow, pytest.raises(ValidationFailed) as raised:
        queries.nearest_centres(uow.conn, 200, 113.0)
    assert raised.value.fields == {"lat": "纬度应在 -90 到 90 之间"}


def test_an_unknown_centre_is_not_found(loaded: Container) -> None:
    with loaded.uow() as uow, pytest.raises(CentreNotFound):
        queries.centre(uow.conn, "C-NOWHERE")


# --- pages -------------------------------------------------------------------------------


def test_the_centres_page_lists_towns_and_communities_in_chinese(
    loaded: Container, client: TestClient
) -> None:
    page = client.get("/centres")
    assert page.status_code == 200
    html = page.text
    assert '<html lang="zh-CN">' in html
    assert "九江镇行政服务中心" in html
    assert "南海区行政服务中心" in html
    assert html.count('<details class="town-group">') == 7
    assert "适老化" in html and "适残化" in html
    assert "无障碍通道" in html
    assert '<script src="/static/js/geolocate.js" defer></script>' in html
    assert "<script>" not in html  # CSP: script-src 'self', no inline scripts


def test_the_nearest_form_answers_with_an_htmx_partial(
    loaded: Container, client: TestClient
) -> None:
    lat, lon = JIUJIANG
    partial = client.get(
        "/centres/nearest", params={"lat": lat, "lon": lon}, headers={"HX-Request": "true"}
    )
    assert partial.status_code == 200
    assert "<html" not in partial.text
    assert "九江镇" in partial.text
    assert "步行约" in partial.text
    by_town = client.get("/centres/nearest", params={"town": "西樵镇"})
    assert "<html" in by_town.text
    assert "西樵镇行政服务中心" in by_town.text


def test_the_nearest_form_explains_bad_input(loaded: Container, client: TestClient) -> None:
    bad = client.get(
        "/centres/nearest", params={"lat": "北纬", "lon": "113"}, headers={"HX-Request": "true"}
    )
    assert bad.status_code == 200
    assert "请填写纬度（数字）" in bad.text
    empty = client.get("/centres/nearest", headers={"HX-Request": "true"})
    assert "请填写地址或经纬度，或选择一个镇街" in empty.text
    far = client.get("/centres/nearest", params={"lat": "200", "lon": "113"})
    assert "纬度应在 -90 到 90 之间" in far.text


def test_one_centre_page_shows_hours_features_and_its_communities(
    loaded: Container, client: TestClient
) -> None:
    page = client.get("/centres/C-JJ")
    assert page.status_code == 200
    assert "九江镇行政服务中心" in page.text
    assert "周一至周五 09:00-12:00, 13:30-17:30" in page.text
    assert "下设村居服务中心" in page.text
    assert page.text.count('href="/centres/C-JJ-0') >= 20
    assert client.get("/centres/C-NOWHERE").status_code == 404


# --- API ---------------------------------------------------------------------------------


def test_the_api_lists_departments_and_centres(loaded: Container, client: TestClient) -> None:
    depts = client.get("/api/v1/departments").json()
    assert len(depts) == 28
    assert {"code": "SCJGJ", "name": "区市场监督管理局", "short_name": "区市场监管局"} in depts
    jiujiang = client.get("/api/v1/centres", params={"town": "九江镇", "level": "community"})
    assert jiujiang.status_code == 200
    assert len(jiujiang.json()) == 20
    assert all(c["parent_code"] == "C-JJ" for c in jiujiang.json())
    first = client.get("/api/v1/centres", params={"limit": 200})
    assert len(first.json()) == 200 and first.headers["Link"].endswith('>; rel="next"')
    rest = client.get(first.headers["Link"][1 : first.headers["Link"].index(">")])
    assert len(rest.json()) == 100 and "Link" not in rest.headers
    assert len({c["code"] for c in first.json() + rest.json()}) == 300


def test_the_api_finds_the_nearest_centres(loaded: Container, client: TestClient) -> None:
    lat, lon = JIUJIANG
    found = client.get("/api/v1/centres/nearest", params={"lat": lat, "lon": lon, "limit": 2})
    assert found.status_code == 200
    body = found.json()
    assert len(body) == 2
    assert body[0]["centre"]["town"] == "九江镇"
    assert body[0]["walking_minutes"] >= 1
    assert body[0]["within_service_circle"] is True


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"lat": 200, "lon": 113}, "lat", "数值过大"),
        ({"lat": 23, "lon": -200}, "lon", "数值过小"),
        ({"lat": "北纬", "lon": 113}, "lat", "应为数字"),
        ({"lon": 113}, "lat", "此项必填"),
        ({"lat": 23, "lon": 113, "limit": 0}, "limit", "数值过小"),
    ],
)
def test_the_api_refuses_a_bad_point_with_a_chinese_field_message(
    loaded: Container, client: TestClient, params: dict[str, object], field: str, message: str
) -> None:
    response = client.get("/api/v1/centres/nearest", params=params)
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "validation_failed"
    assert body["fields"][field] == message


def test_the_api_returns_one_centre_or_a_stable_not_found_code(
    loaded: Container, client: TestClient
) -> None:
    found = client.get("/api/v1/centres/C-JJ")
    assert found.status_code == 200
    assert found.json()["name"] == "九江镇行政服务中心"
    assert "wheelchair_access" in found.json()["accessibility"]
    missing = client.get("/api/v1/centres/C-NOWHERE")
    assert missing.status_code == 404
    assert missing.json()["code"] == "centre_not_found"
    assert "C-NOWHERE" in missing.json()["message"]
    assert client.get("/api/v1/centres", params={"level": "province"}).status_code == 422
