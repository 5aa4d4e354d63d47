"""Certificate-free identity and the data space in the browser: a citizen shows the citizen code
on a phone, a window clerk scans it and carries on with that applicant; the citizen grants a
department access to a licence type and revokes it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import PHONE, SERVED_ON
from tests.browser.test_case_flows import log_in
from tongban.demo.people import DEMO_CITIZENS

pytestmark = pytest.mark.browser

CITIZEN = DEMO_CITIZENS[1]


def test_a_citizen_code_on_a_phone_identifies_the_citizen_at_a_window(
    open_page: Callable[..., Page],
) -> None:
    phone = open_page(PHONE)
    log_in(phone, CITIZEN.id_number, staff=False)
    phone.goto("/me/code")
    expect(phone.locator("#citizen-code svg")).to_be_visible()
    phone.get_by_text("无法扫码？显示码文").click()
    token = phone.locator("#code-token").inner_text()

    window = open_page()
    log_in(window, "clerk.guicheng")
    window.goto("/window/identify")
    window.get_by_label("市民码（扫码枪输入或粘贴码文）").fill(token)
    window.get_by_role("button", name="核验", exact=True).click()
    expect(window.locator("#person-name")).to_have_text(CITIZEN.name)
    window.get_by_role("link", name="继续受理").click()
    expect(window.locator("#applicant-card")).to_contain_text(CITIZEN.name)


def test_a_citizen_grants_and_revokes_access_on_a_phone(open_page: Callable[..., Page]) -> None:
    phone = open_page(PHONE)
    log_in(phone, CITIZEN.id_number, staff=False)
    phone.goto("/me/data")
    expect(phone.get_by_role("heading", name="我的数据空间")).to_be_visible()
    phone.get_by_label("被授权部门").select_option(label="区市场监督管理局")
    phone.get_by_label("户口簿").check()
    purpose = "浏览器测试授权" + SERVED_ON.isoformat()
    phone.get_by_label("用途").fill(purpose)
    phone.get_by_label("授权截止日期（含当天）").fill((SERVED_ON + timedelta(days=3)).isoformat())
    phone.get_by_role("button", name="授权", exact=True).click()
    expect(phone.locator("#done")).to_have_text("授权已生效。")
    row = phone.locator("tr", has_text=purpose)
    row.get_by_role("button", name="撤销授权 " + purpose).click()
    expect(phone.locator("#done")).to_contain_text("授权已撤销")
    expect(phone.locator("tr", has_text=purpose)).to_contain_text("已撤销")
