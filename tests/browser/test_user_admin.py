"""The user administrator adds a staff member in the browser, sees the one-time password once,
grants a role and disables the account; the page passes axe's serious checks.

Works on an account it makes itself (browser.newcomer), which no other browser test reads.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.axe import violations
from tongban.demo.people import DEMO_PASSWORD

pytestmark = pytest.mark.browser


def log_in_as_user_admin(page: Page) -> None:
    page.goto("/login")
    page.get_by_label("用户名").fill("useradmin")
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录", exact=True).click()
    expect(page.get_by_role("button", name="退出")).to_be_visible()


def test_the_user_admin_adds_grants_and_disables_a_staff_member(page: Page) -> None:
    log_in_as_user_admin(page)
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="工作人员账号").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("工作人员账号")
    assert violations(page) == []

    page.get_by_role("searchbox", name="按姓名、账号或部门查找").fill("林小燕")
    page.get_by_role("button", name="查找").click()
    expect(page.locator("#staff tbody tr")).to_have_count(1)
    expect(page.locator("#staff tbody tr")).to_contain_text("clerk.guicheng")

    add = page.get_by_role("region", name="新增工作人员")
    add.get_by_label("账号").fill("browser.newcomer")
    add.get_by_label("姓名", exact=True).fill("新同事")
    add.get_by_label("角色").select_option(label="综合窗口工作人员")
    add.get_by_label("服务中心（可选）").select_option(index=1)
    add.get_by_role("button", name="新增").click()
    passwords = page.locator("#one-time-passwords")
    expect(passwords).to_contain_text("browser.newcomer")
    expect(passwords.locator("code")).to_have_count(1)

    page.get_by_role("searchbox", name="按姓名、账号或部门查找").fill("browser.newcomer")
    page.get_by_role("button", name="查找").click()
    expect(page.locator("#one-time-passwords")).to_have_count(0)  # shown once
    page.get_by_role("link", name="browser.newcomer", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("新同事（browser.newcomer）")

    actions = page.get_by_role("region", name="角色")
    actions.get_by_label("角色", exact=True).select_option(label="审计人员")
    actions.get_by_role("button", name="授予角色").click()
    expect(page.get_by_role("status").filter(has_text="已授予角色")).to_have_count(1)
    expect(page.locator("#roles tbody tr")).to_have_count(2)

    page.get_by_role("button", name="停用账号").click()
    expect(page.get_by_role("status").filter(has_text="账号已停用")).to_have_count(1)
    expect(page.get_by_role("button", name="启用账号")).to_be_visible()
    expect(page.locator("#recent-changes")).to_contain_text("停用")
    assert violations(page) == []
