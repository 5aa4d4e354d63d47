"""The pages of "where to get it done nearby", on SQLite and PostgreSQL: the items a centre
page lists, the 15-minute circle page, the nearest-centre form with an item and an address, and
bad input shown as Chinese messages."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.integration.circle_fixtures import COMMUNITY_ITEM, load_district
from tongban.bootstrap import Container

XIABEI = "夏北社区"


@pytest.fixture
def district(container: Container) -> Container:
    load_district(container)
    return container


def test_a_centre_page_lists_the_items_it_handles(district: Container, client: TestClient) -> None:
    page = client.get("/centres/C-GC-011")
    assert "本中心直接办理的事项" in page.text and "个体工商户设立登记" in page.text
    assert "食品经营许可" not in page.text
    assert "食品经营许可" in client.get("/centres/C-GC").text
    searched = client.get("/centres/C-GC", params={"q": "食品"}).text
    assert "食品经营许可" in searched and "个体工商户设立登记" not in searched


def test_the_circle_page_shows_figures_a_table_and_the_map_s_source(
    district: Container, client: TestClient
) -> None:
    page = client.get("/service-circle", params={"item": COMMUNITY_ITEM, "town": "西樵镇"})
    assert page.status_code == 200
    html = page.text
    assert "15 分钟服务圈" in html and "个体工商户设立登记" in html
    assert html.count("<tr") == 1 + 7 + 1
    assert "/api/v1/service-circle/map?town=%E8%A5%BF%E6%A8%B5%E9%95%87&amp;item=SCJGJ-0001" in html
    assert "/static/vendor/echarts-6.1.0.min.js" in html
    assert "<script>" not in html  # CSP: no inline scripts


def test_the_pages_show_bad_input_as_chinese_messages(
    district: Container, client: TestClient
) -> None:
    unknown_item = client.get("/service-circle", params={"item": "NOPE-0001"})
    assert unknown_item.status_code == 200
    assert "找不到事项编码为 NOPE-0001 的事项" in unknown_item.text
    assert "aria-invalid" in unknown_item.text
    partial = client.get(
        "/centres/nearest",
        params={"address": "火星路", "item": COMMUNITY_ITEM},
        headers={"HX-Request": "true"},
    )
    assert "找不到地址“火星路”" in partial.text and "<html" not in partial.text
    outside = client.get("/centres/nearest", params={"lat": "30.5", "lon": "114.3"})
    assert "不在本区范围内" in outside.text


def test_the_nearest_form_names_the_open_centre_for_an_item_at_an_address(
    district: Container, client: TestClient
) -> None:
    partial = client.get(
        "/centres/nearest",
        params={"address": XIABEI, "item": "个体工商户设立登记"},
        headers={"HX-Request": "true"},
    )
    assert partial.status_code == 200
    html = partial.text
    assert "离 桂城街道夏北社区 最近的服务中心" in html
    assert "现在开放的最近服务中心" in html and "桂城街道夏北社区行政服务中心" in html
    assert "办公至 12:00" in html
