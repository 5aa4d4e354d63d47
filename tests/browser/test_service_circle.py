"""The 15-minute circle map draws with the vendored ECharts, and a citizen on a phone finds the
nearest centre open now for an item from a community's name.

The live server's clock is a Monday morning (``SERVED_FROM``): community centres are open.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tongban.web.pages.nearby import BAND_COLOURS

pytestmark = pytest.mark.browser


def assert_fits_the_screen(page: Page) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{page.url} is {overflow}px wider than the screen"


def coloured_share(page: Page) -> float:
    """The share of a 30×30 sample of the map's canvas in the colours of the walking bands."""
    return float(
        page.evaluate(
            """(colours) => {
                const canvas = document.querySelector("#circle-map canvas");
                const ctx = canvas.getContext("2d");
                const rgb = colours.map(c => [1, 3, 5].map(i => parseInt(c.slice(i, i + 2), 16)));
                let hits = 0;
                for (let i = 0; i < 30; i++) {
                  for (let j = 0; j < 30; j++) {
                    const x = Math.floor(canvas.width * (i + 0.5) / 30);
                    const y = Math.floor(canvas.height * (j + 0.5) / 30);
                    const p = ctx.getImageData(x, y, 1, 1).data;
                    if (rgb.some(c => c.every((v, k) => Math.abs(v - p[k]) < 4))) { hits++; }
                  }
                }
                return hits / 900;
            }""",
            list(BAND_COLOURS),
        )
    )


def test_the_map_draws_a_town_s_cells_by_walking_time_with_its_figures_and_legend(
    page: Page,
) -> None:
    page.goto("/service-circle?item=RSJ-0003&town=%E4%B9%9D%E6%B1%9F%E9%95%87")
    expect(page.get_by_role("heading", level=1)).to_have_text("15 分钟服务圈")
    expect(page.get_by_text("步行 15 分钟内能到达可办理“社会保障卡申领”的服务中心")).to_be_visible()
    expect(page.locator("#fig-share")).to_have_text(re.compile(r"^\d{1,3}\.\d%$"))
    towns = page.get_by_role("table", name="各镇街 15 分钟服务圈覆盖情况")
    expect(towns.get_by_role("row")).to_have_count(1 + 7 + 1)
    expect(towns.get_by_role("row", name=re.compile("^九江镇"))).to_have_attribute(
        "aria-current", "true"
    )
    legend = page.get_by_role("list", name="图例")
    expect(legend.get_by_role("listitem").filter(has_text="15–30 分钟（圈外）")).to_be_visible()
    expect(page.get_by_role("heading", name="九江镇步行时间地图")).to_be_visible()

    chart = page.locator("#circle-map")
    expect(chart).to_have_attribute("data-drawn", "true")
    canvas = chart.locator("canvas").first
    expect(canvas).to_be_visible()
    box = canvas.bounding_box()
    assert box is not None and box["width"] > 300 and box["height"] > 300
    assert coloured_share(page) > 0.2, "the cells are not drawn in the walking-time colours"


def test_on_a_phone_the_nearest_open_centre_for_an_item_and_the_map_work(
    phone_page: Page,
) -> None:
    page = phone_page
    page.goto("/centres")
    form = page.locator("#nearest-form")
    form.get_by_label("要办的事项（可不填）").fill("社会保障卡申领")
    form.get_by_label("地址：村居（社区）或道路").fill("夏北社区")
    form.get_by_role("button", name="查找").click()

    answer = page.locator("#nearest-open")
    expect(answer).to_contain_text("现在开放的最近服务中心：")
    expect(answer.get_by_role("link", name="桂城街道夏北社区行政服务中心")).to_be_visible()
    results = page.locator("#nearest-results")
    expect(results.get_by_role("heading")).to_contain_text("可办理“社会保障卡申领”")
    expect(results.get_by_role("listitem").first).to_contain_text("现在开放")
    assert_fits_the_screen(page)

    form.get_by_label("地址：村居（社区）或道路").fill("火星路")
    form.get_by_role("button", name="查找").click()
    expect(results.get_by_role("alert")).to_contain_text("找不到地址“火星路”")

    page.get_by_role("link", name=re.compile("查看 15 分钟服务圈地图")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("15 分钟服务圈")
    page.get_by_label("地图显示的镇街").select_option("丹灶镇")
    page.get_by_role("button", name="查看").click()
    expect(page.get_by_role("heading", name="丹灶镇步行时间地图")).to_be_visible()
    expect(page.locator("#circle-map")).to_have_attribute("data-drawn", "true")
    expect(page.locator("#circle-map canvas").first).to_be_visible()
    assert coloured_share(page) > 0.2
    assert_fits_the_screen(page)
