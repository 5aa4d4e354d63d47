"""The indicator administrator in the browser: opens 指标管理 from the workbench, creates an
indicator whose formula does not parse and is shown where the error is, fixes it, publishes it,
then publishes a second version and reads the first as it was."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from tests.browser.axe import violations
from tests.browser.test_projects import log_in

pytestmark = pytest.mark.browser
FINISHED = "sum(cases_finished)"


def test_the_administrator_fixes_a_formula_publishes_and_reads_the_earlier_version(
    open_page: Callable[..., Page],
) -> None:
    page = open_page()
    log_in(page, "admin", staff=True)
    page.goto("/workbench")
    page.get_by_role("link", name="指标管理").click()
    expect(page.get_by_role("heading", name="指标管理", exact=True)).to_be_visible()
    expect(page.locator("#indicator-on_time_rate")).to_contain_text("按时办结率")
    page.get_by_role("link", name="新建指标").click()

    page.get_by_label("指标编码").fill("browser_refusal_rate")
    page.get_by_label("指标名称").fill("不予许可率")
    page.get_by_label("定义（用平实的话说明）").fill("办结的办件中未获许可的比例。")
    page.get_by_label("公式").fill(f"100 * (sum(cases_finished) - sum(cases_smart) / {FINISHED}")
    page.get_by_label("单位").fill("%")
    page.get_by_label("越低越好").check()
    page.get_by_label("镇街").check()
    page.get_by_role("button", name="保存并发布").click()
    error = page.locator("#form-error")
    expect(error).to_contain_text("公式第 68 个字符处有误")
    expect(error).to_contain_text("未保存任何内容")
    expect(page.locator("#form-error mark")).to_be_attached()
    expect(page.get_by_label("指标名称")).to_have_value("不予许可率")  # what was typed is kept
    assert violations(page) == []

    page.get_by_label("公式").fill(f"100 * (sum(cases_finished) - sum(cases_smart)) / {FINISHED}")
    page.get_by_role("button", name="保存并发布").click()
    expect(page.locator("#published")).to_contain_text("已发布为第 1 版")

    page.get_by_label("目标值").fill("5")
    page.get_by_label("发布说明").fill("设定目标")
    page.get_by_role("button", name="保存并发布").click()
    expect(page.locator("#published")).to_contain_text("已发布为第 2 版")
    page.get_by_role("link", name="版本历史").click()
    expect(page.locator("#versions")).to_contain_text("设定目标")
    page.get_by_role("link", name="第 1 版").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("不予许可率：第 1 版")
    expect(page.locator("#version")).to_contain_text("目标值—")  # the target came in version 2
    expect(page.get_by_text("历史版本，数值不再按此计算")).to_be_visible()
    assert violations(page) == []
