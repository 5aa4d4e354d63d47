"""Case flows in the browser, through the real log-in form, on the small demo:
a window acceptance with 容缺, a correction round trip, and a rejection that waits for the
section chief's signature (否决权上移).

Every case here is of 企业变更登记 (SCJGJ-0005, market supervision, promised in 1 working
day, so the demo calendar ending 2026-12-31 always covers its deadline); each test files its
own case, so the tests do not depend on one another.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

import pytest
from playwright.sync_api import FilePayload, Page, expect

from tests.browser.conftest import PHONE, SERVED_ON
from tongban.demo.people import DEMO_CITIZENS, DEMO_ENTERPRISES, DEMO_PASSWORD

pytestmark = pytest.mark.browser

ITEM, ITEM_NAME = "SCJGJ-0005", "企业变更登记"
AGENT = "委托书及受托人身份证件"
"""The item's one non-key material, asked only when an agent hands the application in."""
AGENT_ID = "440605199005170031"
SCAN = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"
COMPANY = DEMO_ENTERPRISES[0]
CITIZEN = DEMO_CITIZENS[0]


def log_in(page: Page, login: str, *, staff: bool = True) -> None:
    page.goto("/login?tab=staff" if staff else "/login?tab=citizen")
    page.get_by_label("用户名" if staff else "身份证号码或统一社会信用代码").fill(login)
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录", exact=True).click()
    expect(page.get_by_role("button", name="退出")).to_be_visible()


def fill_company_form(page: Page) -> None:
    page.get_by_label("单位名称").fill(COMPANY.name)
    page.get_by_label("统一社会信用代码").fill(COMPANY.credit_code)
    page.get_by_label("联系人").fill(CITIZEN.name)
    page.get_by_label("联系电话").fill(CITIZEN.phone)


def tick_materials(page: Page, *, except_: str = "") -> None:
    checklist = page.locator("#materials-checklist")
    for box in checklist.get_by_role("checkbox").all():
        if box.get_attribute("value") != except_:
            box.check()


def scan(name: str) -> FilePayload:
    return {"name": name, "mimeType": "application/pdf", "buffer": SCAN}


def attach_materials(page: Page) -> int:
    """Choose a scanned file for every material the online application asks; returns how many."""
    inputs = page.locator("#materials-checklist input[type=file]").all()
    for n, box in enumerate(inputs):
        box.set_input_files(scan(f"material-{n}.pdf"))
    return len(inputs)


def apply_online(open_page: Callable[..., Page]) -> tuple[Page, str]:
    """The demo citizen applies online, on a phone, with a file for every material; returns
    their page and the case number."""
    citizen = open_page(PHONE)
    log_in(citizen, CITIZEN.id_number, staff=False)
    citizen.goto(f"/items/{ITEM}/apply")
    fill_company_form(citizen)
    expect(citizen.locator("#materials-checklist input[type=checkbox]")).to_have_count(0)
    files = attach_materials(citizen)
    citizen.get_by_role("button", name="提交申请").click()
    expect(citizen.locator("#case-status")).to_have_text("已提交")
    expect(citizen.locator("#material-files li")).to_have_count(files)
    return citizen, citizen.locator("#case-number").inner_text()


def reviewer_takes_up(open_page: Callable[..., Page], number: str) -> Page:
    reviewer = open_page()
    log_in(reviewer, "reviewer.scjg")
    reviewer.get_by_role("link", name="审查", exact=True).click()
    reviewer.get_by_role("link", name=number).click()
    reviewer.get_by_role("button", name="受理", exact=True).click()
    expect(reviewer.locator("#case-status")).to_have_text("已受理")
    reviewer.get_by_role("button", name="开始审查").click()
    expect(reviewer.locator("#case-status")).to_have_text("审查中")
    return reviewer


def test_a_clerk_records_an_agent_and_accepts_with_their_authorisation_to_follow(
    page: Page,
) -> None:
    log_in(page, "clerk.guicheng")
    page.get_by_role("link", name="窗口受理").click()
    page.get_by_label("身份证号码或统一社会信用代码").fill(CITIZEN.id_number)
    page.get_by_role("button", name="核验").click()
    card = page.locator("#applicant-card")
    expect(card).to_contain_text(CITIZEN.name)
    expect(card).not_to_contain_text(CITIZEN.id_number)  # masked
    page.get_by_label("事项名称、编码或关键词").fill(ITEM_NAME)
    page.get_by_role("button", name="搜索").click()
    page.get_by_role("link", name=ITEM_NAME, exact=True).click()
    fill_company_form(page)
    page.get_by_label("委托他人办理：由代理人递交申请").check()
    page.get_by_label("代理人姓名").fill("王五")
    page.get_by_label("代理人证件号码").fill(AGENT_ID)
    tick_materials(page, except_=AGENT)
    page.get_by_label("申请人承诺").fill(
        "本人承诺在补交期限前提交委托书及受托人身份证件，逾期按规定终止办理。"
    )
    page.get_by_label("补交期限").fill((SERVED_ON + timedelta(days=7)).isoformat())
    page.get_by_role("button", name="容缺受理").click()
    expect(page).to_have_url(re.compile(r"/window/cases/440605-\d{8}-\d{7}"))
    expect(page.locator("#case-status")).to_have_text("已受理")
    expect(page.locator("#missing-outstanding")).to_contain_text(AGENT)
    agent = page.locator("#case-agent")
    expect(agent).to_contain_text("王五")
    expect(agent).not_to_contain_text(AGENT_ID)  # masked
    agent.get_by_role("button", name="显示").click()
    expect(agent).to_contain_text(AGENT_ID)
    expect(page.locator("#timeline")).to_contain_text("综合窗口人员")
    expect(page.locator("#receipt-link")).to_be_visible()


def test_a_correction_goes_to_the_citizen_and_the_case_returns_to_review(
    open_page: Callable[..., Page],
) -> None:
    citizen, number = apply_online(open_page)
    reviewer = reviewer_takes_up(open_page, number)
    reviewer.get_by_text("要求补正（一次性告知）").click()
    reviewer.get_by_label("需要补正的内容（每行一项）").fill("变更事项相关证明文件（需加盖公章）")
    reviewer.get_by_label("补正原因").fill("证明文件未盖章")
    reviewer.get_by_role("button", name="发出补正通知").click()
    expect(reviewer.locator("#case-status")).to_have_text("待补正")

    citizen.goto("/my/cases")
    citizen.get_by_role("link", name=number).click()
    expect(citizen.locator("#correction-needed")).to_contain_text("需加盖公章")
    citizen.get_by_label("材料", exact=True).select_option("变更事项相关证明文件")
    citizen.locator("#f-file").set_input_files(scan("盖章证明.pdf"))
    citizen.get_by_role("button", name="上传", exact=True).click()
    expect(citizen.locator("#material-files")).to_contain_text("盖章证明.pdf")
    citizen.get_by_label("补正说明").fill("已补交盖章的证明文件")
    citizen.get_by_role("button", name="提交补正").click()
    expect(citizen.locator("#case-status")).to_have_text("审查中")
    expect(citizen.locator("#timeline")).to_contain_text("待补正")

    reviewer.reload()
    expect(reviewer.locator("#case-status")).to_have_text("审查中")


def test_a_rejection_waits_for_the_section_chief_to_sign_it_off(
    open_page: Callable[..., Page],
) -> None:
    _citizen, number = apply_online(open_page)
    reviewer = reviewer_takes_up(open_page, number)
    reviewer.get_by_label("不予许可（须科长签批）").check()
    reviewer.get_by_label("理由", exact=True).fill("变更决议未经全体股东签署")
    reviewer.get_by_role("button", name="提交意见").click()
    pending = "拟不予许可，待科长签发"
    expect(reviewer.locator("#case-status")).to_have_text(pending)
    expect(reviewer.get_by_text("须由科长签批后才生效")).to_be_visible()

    chief = open_page()
    log_in(chief, "chief.scjg")
    chief.get_by_role("link", name="签批", exact=True).click()
    chief.get_by_role("link", name=number).click()
    expect(chief.locator("#case-status")).to_have_text(pending)
    expect(chief.locator("#proposal")).to_contain_text("未经全体股东签署")
    chief.get_by_label("签批意见").fill("同意不予许可")
    chief.get_by_role("button", name="签发不予许可决定").click()
    expect(chief.locator("#case-status")).to_have_text("不予许可")
