"""秒批 on a phone: a citizen logs in, authorises, applies for 高龄津贴, gets the e-licence PDF in
the same page flow, and verifies it on /verify.  Uses the demo's 陈炳坤 (82, Nanhai household),
whom no other browser test reads."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tongban.demo.people import DEMO_PASSWORD
from tongban.demo.smart import CHEN

pytestmark = pytest.mark.browser


def test_an_elder_applies_on_a_phone_and_gets_a_verifiable_e_licence(
    phone_page: Page, tmp_path: Path
) -> None:
    page = phone_page
    page.goto("/login?tab=citizen")
    page.get_by_label("身份证号码或统一社会信用代码").fill(CHEN)
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录", exact=True).click()
    expect(page.get_by_role("button", name="退出")).to_be_visible()

    page.goto("/smart")
    page.get_by_role("link", name="高龄津贴申领").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("秒批申请：高龄津贴申领")
    name = page.get_by_label("申请人姓名")
    expect(name).to_have_value("陈炳坤")
    expect(name).to_have_attribute("readonly", "")
    page.get_by_label("联系电话").fill("13802611111")
    born = page.get_by_label("出生日期")  # 表单秒填: from the e-ID, locked
    expect(born).to_have_value("1944-03-15")
    expect(born).to_have_attribute("readonly", "")
    page.get_by_label("收款账户（社会保障卡金融账户）").fill("6217001234567890")

    # Without consent nothing is read or decided: the form comes back with the reason.
    page.get_by_role("button", name="提交，立即审批").click()
    expect(page.get_by_role("alert")).to_contain_text("秒批须授权")
    page.get_by_label("我同意", exact=False).check()
    page.get_by_role("button", name="提交，立即审批").click()

    expect(page.locator("#outcome")).to_have_text("已自动准予")
    explanation = page.locator("#explanation li")
    expect(explanation).to_have_count(3)
    expect(explanation.first).to_contain_text("符合")
    pdf_link = page.get_by_role("link", name="下载电子证照（PDF）")
    href = pdf_link.get_attribute("href")
    assert href and href.endswith(".pdf")
    pdf = page.request.get(href)
    assert pdf.ok and pdf.headers["content-type"].startswith("application/pdf")
    body = pdf.body()
    assert body.startswith(b"%PDF")
    saved = tmp_path / "licence.pdf"
    saved.write_bytes(body)

    page.get_by_role("link", name="核验证照").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("电子证照核验")
    expect(page.locator(".licence-card [role=status]")).to_have_text("有效")
    page.get_by_label("上传电子证照 PDF").set_input_files(saved)
    page.get_by_role("button", name="核验").click()
    expect(page.locator("#verify-result")).to_contain_text("核验通过")
