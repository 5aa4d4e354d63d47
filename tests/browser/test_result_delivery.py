"""A result reaches the applicant, in the browser on the small demo: a company applies online
for 企业变更登记 (its result is a 营业执照) with free mail delivery, the department approves and
issues the e-licence from the case page, the courier delivers, and the company finds the
licence on its case page and in its data space."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import PHONE
from tests.browser.test_case_flows import (
    COMPANY,
    ITEM,
    attach_materials,
    log_in,
    reviewer_takes_up,
)
from tongban.adapters.courier import SimulatedCourier
from tongban.bootstrap import Container

pytestmark = pytest.mark.browser


def test_an_online_application_with_mail_delivery_ends_with_the_delivered_licence(
    open_page: Callable[..., Page], live_container: Container
) -> None:
    company = open_page(PHONE)
    log_in(company, COMPANY.credit_code, staff=False)
    company.goto(f"/items/{ITEM}/apply")
    expect(company.locator("#f-enterprise_name")).to_have_value(COMPANY.name)  # from the account
    expect(company.locator("#f-enterprise_name")).not_to_be_editable()
    company.get_by_label("联系人").fill("李大同")
    assert attach_materials(company) > 0
    company.get_by_label("免费邮寄（结果包邮）").check()
    company.get_by_label("收件人", exact=True).fill("李大同")
    company.get_by_label("收件人手机号码").fill("13800138000")
    company.get_by_label("收件地址（省、市、区、街道和门牌号）").fill(
        "广东省佛山市南海区桂城街道南海大道北 1 号"
    )
    company.get_by_role("button", name="提交申请").click()
    expect(company.locator("#case-status")).to_have_text("已提交")
    expect(company.locator("#delivery-text")).to_contain_text("免费邮寄")
    expect(company.locator("#delivery-text")).not_to_contain_text("13800138000")  # masked
    number = company.locator("#case-number").inner_text()

    reviewer = reviewer_takes_up(open_page, number)
    reviewer.get_by_label("准予许可").check()
    reviewer.get_by_role("button", name="提交意见").click()
    expect(reviewer.locator("#case-status")).to_have_text("准予许可")
    licence = reviewer.locator("#result-licence")
    expect(licence).to_contain_text("营业执照")
    licence.get_by_label("类型").fill("有限责任公司")
    licence.get_by_label("法定代表人").fill("李大同")
    licence.get_by_label("注册资本").fill("100万元")
    licence.get_by_label("住所").fill("佛山市南海区桂城街道南海大道北 1 号")
    licence.get_by_label("经营范围").fill("软件开发；信息技术咨询服务")
    reviewer.get_by_role("button", name="出具结果并送达").click()
    expect(reviewer.locator("#case-status")).to_have_text("已出具结果")
    tracking = reviewer.locator("#tracking-number").inner_text()
    assert tracking.startswith("SF")

    courier = live_container.courier
    assert isinstance(courier, SimulatedCourier)
    courier.confirm_delivery(tracking)  # the parcel is signed for
    reviewer.get_by_role("button", name="查询快递签收并确认送达").click()
    expect(reviewer.locator("#case-status")).to_have_text("已送达")

    company.reload()
    expect(company.locator("#case-status")).to_have_text("已送达")
    reference = company.locator("#result-reference a")
    licence_id = reference.inner_text()
    pdf = company.request.get(f"/licences/{licence_id}.pdf")
    assert pdf.status == 200 and pdf.body().startswith(b"%PDF")
    company.get_by_role("link", name="我的数据").click()
    expect(company.locator(f'.licence-card a[href="/licences/{licence_id}.pdf"]')).to_be_visible()
