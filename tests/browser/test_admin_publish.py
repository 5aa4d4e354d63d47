"""The catalogue admin changes a guide in the browser and the public sees the new version.

Goes through the real log-in form, the item list and the editor; the item edited here
(药品经营许可) is one no other browser test reads.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Locator, Page, expect

from tongban.demo.people import DEMO_PASSWORD

pytestmark = pytest.mark.browser

CODE = "SCJGJ-0016"
NAME = "药品经营许可"
OLD_PROMISE, NEW_PROMISE = "10 个工作日", "8 个工作日"
NEW_STEP = "领取许可证后可扫码评价服务"


def log_in_as_admin(page: Page) -> None:
    page.goto("/")
    page.get_by_role("link", name="登录", exact=True).click()
    page.get_by_label("用户名").fill("admin")
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录", exact=True).click()
    expect(page.get_by_role("button", name="退出")).to_be_visible()


def promised_limit(page: Page) -> Locator:
    """The 承诺办结时限 line of the guide's basic facts."""
    return page.get_by_role("region", name="基本信息").locator("dt:text-is('承诺办结时限') + dd")


def test_admin_publishes_a_shorter_time_limit_and_the_guide_keeps_the_old_version(
    page: Page,
) -> None:
    log_in_as_admin(page)
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="事项管理").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("事项管理")
    page.get_by_role("searchbox", name="名称或编码").fill(CODE)
    row = page.get_by_role("row").filter(has_text=CODE)
    expect(row).to_have_count(1)
    expect(row).to_contain_text(NAME)
    row.get_by_role("link", name="编辑").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(f"编辑事项：{NAME}")
    promise = page.get_by_label("承诺时限（工作日）")
    expect(promise).to_have_value("10")
    promise.fill("8")
    process = page.get_by_label("办理流程")
    process.fill(f"{process.input_value().rstrip()}\n{NEW_STEP}")
    page.get_by_label("发布说明").fill("压缩承诺时限，增加服务评价")
    page.get_by_role("button", name="保存并发布").click()

    # The calendar warning may be a second status region; the publish notice is its own.
    expect(page.get_by_role("status").filter(has_text="已发布为第 2 版。")).to_have_count(1)
    page.get_by_role("link", name="查看办事指南").click()

    expect(page).to_have_url(re.compile(f"/items/{CODE}$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(NAME)
    expect(promised_limit(page)).to_have_text(NEW_PROMISE)
    steps = page.get_by_role("region", name="办理流程").get_by_role("listitem")
    expect(steps.last).to_have_text(NEW_STEP)
    expect(page.get_by_text(re.compile(r"^第 2 版，发布于"))).to_be_visible()

    page.get_by_role("link", name="第 1 版", exact=True).click()

    expect(page).to_have_url(re.compile(rf"/items/{CODE}\?version=1$"))
    expect(promised_limit(page)).to_have_text(OLD_PROMISE)
    expect(steps.filter(has_text=NEW_STEP)).to_have_count(0)
    expect(page.get_by_text(re.compile(r"^第 1 版，发布于"))).to_be_visible()
