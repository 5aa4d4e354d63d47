"""The service desk in the browser, on the small demo: a citizen's problem reaches the 桂城
hard-case window, the manager gives it to a clerk who resolves it, and the citizen says it was
solved; a question asked from a service guide is answered by the department and published on
the guide as a frequently asked question."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import PHONE
from tests.browser.test_projects import log_in
from tongban.bootstrap import Container
from tongban.demo.people import DEMO_CITIZENS
from tongban.services.platform import outbox

pytestmark = pytest.mark.browser

CITIZEN = DEMO_CITIZENS[5]
"""周嘉欣, who runs the tea shop."""
ITEM = "SCJGJ-0002"
"""个体工商户变更登记."""


def test_an_escalation_is_resolved_by_its_owner_and_the_citizen_confirms(
    open_page: Callable[..., Page], live_container: Container
) -> None:
    citizen = open_page(PHONE)
    log_in(citizen, CITIZEN.id_number, staff=False)
    citizen.goto("/my/hard-cases")
    citizen.get_by_label("问题类型").select_option(label="涉及多个部门")
    citizen.get_by_label("遇到的问题").fill("招牌设置要城管和市场监管分别审批，不知道先办哪个。")
    citizen.get_by_label("请求帮助的服务中心").select_option(label="桂城街道行政服务中心")
    citizen.get_by_role("button", name="提交").click()
    expect(citizen.locator("#err-summary")).to_have_text("请用一句话概括问题")
    citizen.get_by_label("一句话概括").fill("店招审批不知道先找哪个部门")
    citizen.get_by_role("button", name="提交").click()
    expect(citizen.locator("#done")).to_contain_text("问题已登记")
    number = citizen.locator("#hard-case-number").inner_text()
    expect(citizen.locator("#hard-case-status")).to_contain_text("待分派")

    manager = open_page()
    log_in(manager, "manager.guicheng", staff=True)
    manager.goto("/centre/hard-cases")
    manager.get_by_role("link", name=number).click()
    expect(manager.locator("#hard-case-person")).to_contain_text("周嘉欣")
    manager.get_by_label("交由").select_option(label="林小燕（综合窗口工作人员）")
    manager.get_by_role("button", name="分派").click()
    expect(manager.locator("#hard-case-owner")).to_have_text("林小燕")

    clerk = open_page()
    log_in(clerk, "clerk.guicheng", staff=True)
    clerk.goto(f"/centre/hard-cases/{number}")
    clerk.get_by_label("处理记录").fill("已电话联系区城管执法局，先办店招设置审批。")
    clerk.get_by_role("button", name="添加", exact=True).click()
    expect(clerk.locator("#done")).to_have_text("处理记录已添加。")
    clerk.get_by_label("办理结果").select_option(label="已协调相关部门办理")
    clerk.get_by_label("办理情况").fill("已协调区城管执法局受理店招设置，市场监管备案随后办理。")
    clerk.get_by_role("button", name="办结并请反映人回访").click()
    expect(clerk.locator("#hard-case-status")).to_contain_text("已办结")
    expect(clerk.locator("#history")).to_contain_text("已电话联系区城管执法局")

    # the worker delivers the outbox: the citizen is asked in their inbox
    while outbox.deliver(live_container, "browser-test", live_container.clock.now()).claimed:
        pass
    citizen.goto("/inbox")
    asked = citizen.locator("li", has_text="问题解决了吗？").filter(has_text=number)
    asked.get_by_role("button", name="查看").click()
    expect(citizen).to_have_url(re.compile(f"/my/hard-cases/{number}$"))
    expect(citizen.locator("#hard-case-outcome")).to_have_text("已协调相关部门办理")
    citizen.get_by_label("已解决", exact=True).check()
    citizen.get_by_role("button", name="提交回访").click()
    expect(citizen.locator("#done")).to_have_text("谢谢您的反馈。")
    expect(citizen.locator("#follow-up")).to_have_count(0)


def test_a_question_is_answered_and_published_as_a_faq(open_page: Callable[..., Page]) -> None:
    citizen = open_page()
    log_in(citizen, CITIZEN.id_number, staff=False)
    citizen.goto(f"/items/{ITEM}")
    citizen.get_by_role("link", name="我要咨询").click()
    expect(citizen.get_by_label("事项编码")).to_have_value(ITEM)
    citizen.get_by_label("咨询内容").fill("个体户只改经营场所，需要重新办营业执照吗？")
    citizen.get_by_role("button", name="提交咨询").click()
    expect(citizen.locator("#done")).to_contain_text("咨询已提交")
    number = citizen.locator("#question-number").inner_text()

    reviewer = open_page()
    log_in(reviewer, "reviewer.scjg", staff=True)
    reviewer.goto("/questions")
    reviewer.get_by_role("link", name=number).click()
    reviewer.get_by_label("答复内容").fill("需要办理变更登记，换发营业执照，可全程网上办理。")
    reviewer.get_by_role("button", name="答复", exact=True).click()
    expect(reviewer.locator("#answer")).to_contain_text("换发营业执照")

    chief = open_page()
    log_in(chief, "chief.scjg", staff=True)
    chief.goto(f"/questions/{number}")
    chief.get_by_label("公开的问题").fill("个体户只变更经营场所，要重新办营业执照吗？")
    chief.get_by_role("button", name="发布到办事指南").click()
    expect(chief.locator("#done")).to_have_text("已发布为该事项的常见问题。")

    visitor = open_page()
    visitor.goto(f"/items/{ITEM}")
    faq = visitor.locator("#faq-list")
    expect(faq).to_contain_text("个体户只变更经营场所，要重新办营业执照吗？")
    expect(faq).to_contain_text("需要办理变更登记，换发营业执照")

    citizen.goto(f"/my/questions/{number}")
    expect(citizen.locator("#answer")).to_contain_text("换发营业执照")
