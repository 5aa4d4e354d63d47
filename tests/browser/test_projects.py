"""The proxy service in the browser, on the small demo: a company registers a project on its
phone, requests the proxy service, sees the roadmap and authorises its agent; an agent files
a step of a project for the company."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import PHONE
from tongban.demo.people import DEMO_ENTERPRISES, DEMO_PASSWORD

pytestmark = pytest.mark.browser

COMPANY = DEMO_ENTERPRISES[0]
SHOWCASE = "智能装备产业园（一期）"
"""The demo company's project under way, assigned to the demo agent and authorised."""


def log_in(page: Page, login: str, *, staff: bool) -> None:
    page.goto("/login?tab=staff" if staff else "/login?tab=citizen")
    page.get_by_label("用户名" if staff else "身份证号码或统一社会信用代码").fill(login)
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录", exact=True).click()
    expect(page.get_by_role("button", name="退出")).to_be_visible()


def test_a_company_requests_the_proxy_service_and_sees_its_roadmap(
    open_page: Callable[..., Page],
) -> None:
    page = open_page(PHONE)
    log_in(page, COMPANY.credit_code, staff=False)
    page.goto("/enterprise/projects")
    page.get_by_label("项目名称").fill("南海智造二期厂房")
    page.get_by_label("总投资（万元）").fill("-5")
    page.get_by_label("所属行业").select_option("先进制造")
    page.get_by_label("所在镇街").select_option("狮山镇")
    page.get_by_label("项目地址").fill("狮山镇科技工业园 9 号")
    page.get_by_label("法定代表人").fill(COMPANY.legal_representative)
    page.get_by_role("button", name="登记项目").click()
    expect(page.locator("#err-investment_wan")).to_contain_text("投资额须大于零")

    page.get_by_label("总投资（万元）").fill("26000")
    page.get_by_role("button", name="登记项目").click()
    roadmap = page.locator("#roadmap")
    expect(roadmap).to_contain_text("立项用地规划许可")
    expect(roadmap).to_contain_text("建设项目用地预审与选址意见书核发")
    expect(roadmap).to_contain_text("竣工验收")

    page.get_by_role("button", name="申请代办服务").click()
    expect(page.locator("#project-agent")).not_to_contain_text("尚未分配")
    page.get_by_role("button", name="授权代办员代为办理").click()
    expect(page.locator("#project-authorised")).to_contain_text("已授权")
    expect(page.locator("#project-status")).to_contain_text("代办中")


def test_an_agent_files_a_step_for_the_company(open_page: Callable[..., Page]) -> None:
    page = open_page()
    log_in(page, "agent", staff=True)
    page.goto("/agent/projects")
    page.get_by_role("link", name=SHOWCASE).click()
    expect(page.get_by_role("heading", name=SHOWCASE)).to_be_visible()
    step = page.locator(".roadmap-step", has=page.get_by_role("button", name="代企业申报")).first
    name = step.locator("strong").inner_text()
    step.get_by_role("button", name="代企业申报").click()
    expect(page.locator("#done")).to_be_visible()
    filed = page.locator(".roadmap-step", has_text=name)
    expect(filed).to_contain_text("已申报待受理")
    expect(filed).to_contain_text("440605-")

    page.get_by_label("内容").fill("已代企业申报，等待部门受理。")
    page.get_by_role("button", name="保存记录").click()
    expect(page.locator("#notes")).to_contain_text("已代企业申报")
