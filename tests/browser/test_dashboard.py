"""The leaders' dashboard in the browser, on the small demo: the district leader sees the charts
drawn beside their tables, drills down from the district to a town, a centre, an item and the
cases behind the figure, and exports the figures to Excel."""

from __future__ import annotations

from collections.abc import Callable
from io import BytesIO
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from tests.browser.axe import violations
from tests.browser.test_projects import log_in

pytestmark = pytest.mark.browser


def test_a_leader_reads_the_dashboard_drills_down_to_a_case_and_exports_it(
    open_page: Callable[..., Page], tmp_path: Path
) -> None:
    page = open_page()
    log_in(page, "leader", staff=True)
    page.goto("/workbench")
    page.get_by_role("link", name="领导驾驶舱").click()
    expect(page.get_by_role("heading", name="领导驾驶舱", exact=True)).to_be_visible()
    page.get_by_label("期间").select_option("year")
    page.get_by_role("button", name="查看").click()
    expect(page.locator("#dashboard-scope")).to_contain_text("范围：全区")

    # every chart drawn (on a canvas) beside the table of its figures
    for chart in ("chart-trend-volume", "chart-towns", "chart-map", "chart-supervision"):
        expect(page.locator(f"#{chart} canvas").first).to_be_attached()
    expect(page.locator("#chart-gauge-on_time_rate canvas").first).to_be_attached()
    for table in ("table-trend-volume", "table-towns", "table-map", "table-gauges"):
        expect(page.locator(f"#{table} tbody tr").first).to_be_visible()
    expect(page.locator("#chart-map")).to_have_attribute("data-title", "示意图")
    assert violations(page) == []

    # district → a town with cases this year → a centre → an item → the cases behind it
    towns = page.locator("#table-towns tbody tr")
    busy = next(
        i
        for i in range(towns.count())
        if towns.nth(i).locator("td a").inner_text().split()[0] not in ("0", "0.0", "暂无数据")
    )
    town = towns.nth(busy).locator("th").inner_text()
    towns.nth(busy).locator("td a").click()
    expect(page.locator("nav.breadcrumb")).to_contain_text(town)
    expect(page.get_by_role("heading", name="按服务中心")).to_be_visible()
    page.locator("#figure-rows tbody tr").first.get_by_role("link", name="按事项分解").click()
    expect(page.get_by_role("heading", name="按事项")).to_be_visible()
    item = page.locator("#figure-rows tbody tr").first
    item_name = item.locator("th").inner_text()
    item.get_by_role("link", name="办件").click()
    expect(page.get_by_role("heading", name="办件量：办件清单")).to_be_visible()
    first_case = page.locator("#indicator-cases tbody tr").first
    expect(first_case.locator("th")).not_to_be_empty()
    expect(first_case.locator("td").first).to_have_text(item_name)

    # the export: a download, read back
    page.goto("/dashboard?period=year")
    with page.expect_download() as download:
        page.locator("#export-link").click()
    saved = tmp_path / "dashboard.xlsx"
    download.value.save_as(saved)
    assert download.value.suggested_filename.startswith("tongban-dashboard-year-")
    book = load_workbook(BytesIO(saved.read_bytes()), read_only=True)
    assert book.sheetnames[0] == "指标定义" and "办件量" in book.sheetnames
    facts = {row[0]: row[1] for row in book["办件量"].iter_rows(max_row=8, values_only=True)}
    assert facts["范围"] == "全区" and isinstance(facts["数值"], (int, float))
    assert facts["数值"] > 0
