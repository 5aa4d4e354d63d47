"""自助办 in the browser: a centre manager pairs a kiosk; 李桂英 (75) identifies herself by ID
card, applies for 老年人优待证 (秒批), prints her acceptance receipt and walks away, and the kiosk
goes back to its start screen by itself; 赵德胜 leaves it idle mid-form, and it resets without
filing anything.  Both people are the demo's, read by no other browser test."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from tests.browser.test_case_flows import log_in
from tongban.adapters.db.tables import cases, users
from tongban.bootstrap import Container
from tongban.demo.smart import LI, ZHAO

pytestmark = pytest.mark.browser

IDLE = 60
ADDRESS = "广东省佛山市南海区大沥镇广佛路88号"


def pair_a_kiosk(open_page: Callable[..., Page]) -> Page:
    """The 桂城 centre manager registers a kiosk and pairs a fresh browser with it."""
    manager = open_page()
    log_in(manager, "manager.guicheng")
    manager.goto("/centre/kiosks")
    code = "BT-" + uuid.uuid4().hex[:6].upper()
    manager.get_by_label("终端编号（字母、数字或连字符，如 GC-01）").fill(code)
    manager.get_by_label("名称（放置位置）").fill("一楼大厅东侧")
    manager.get_by_label("无操作自动退出时间", exact=False).fill(str(IDLE))
    manager.get_by_role("button", name="登记", exact=True).click()
    expect(manager.locator("#done")).to_contain_text("终端已登记")
    manager.get_by_role("button", name=f"生成配对码 {code}").click()
    pairing = manager.locator("#pairing-code").inner_text()
    assert re.fullmatch(r"[A-Z0-9]{8}", pairing)

    kiosk = open_page()
    kiosk.clock.install()  # the page's idle timer runs on a clock the test moves
    kiosk.goto("/kiosk")
    expect(kiosk).to_have_url(re.compile(r"/kiosk/pair$"))
    kiosk.get_by_label("终端编号").fill(code)
    kiosk.get_by_label("配对码").fill(pairing)
    kiosk.get_by_role("button", name="配对").click()
    expect(kiosk.get_by_role("heading", level=1)).to_have_text("欢迎使用自助办")
    return kiosk


def read_card(kiosk: Page, id_number: str, name: str) -> None:
    kiosk.get_by_label("公民身份号码").fill(id_number)
    kiosk.get_by_label("姓名").fill(name)
    kiosk.get_by_role("button", name="读取身份证").click()
    expect(kiosk.get_by_role("heading", level=1)).to_have_text("请选择要办理的事项")


def cases_of(container: Container, id_number: str) -> int:
    with container.read() as uow:
        user = select(users.c.id).where(users.c.id_number == id_number).scalar_subquery()
        query = select(func.count()).select_from(cases).where(cases.c.applicant_id == user)
        return int(uow.conn.execute(query).scalar_one())


def test_a_kiosk_application_from_identification_to_printed_receipt_then_the_idle_reset(
    open_page: Callable[..., Page], live_container: Container
) -> None:
    kiosk = pair_a_kiosk(open_page)
    read_card(kiosk, LI, "李桂英")
    expect(kiosk.locator("#visitor-name")).not_to_have_text("李桂英")  # masked on a public screen
    kiosk.get_by_role("link", name=re.compile("老年人优待证办理")).click()
    expect(kiosk.get_by_role("heading", level=1)).to_have_text("老年人优待证办理")
    expect(kiosk.locator("#from-data")).to_have_text("已为您自动填写")
    kiosk.get_by_label("居住地址", exact=False).fill("广东省佛山市南海区九江镇沙口路3号")
    kiosk.get_by_label("我同意", exact=False).check()
    kiosk.get_by_role("button", name="提交申请").click()

    expect(kiosk.locator("#submitted")).to_have_text("申请已提交")
    number = kiosk.locator("#case-number").inner_text()
    assert re.fullmatch(r"440605-\d{8}-\d{7}", number)
    assert "李桂英" not in kiosk.content()
    printed = kiosk.get_by_role("link", name="打印回执")
    assert printed.get_attribute("href") == "/kiosk/receipt.pdf"
    receipt = kiosk.request.get("/kiosk/receipt.pdf")
    assert receipt.ok and receipt.headers["content-type"] == "application/pdf"
    assert receipt.headers["cache-control"] == "no-store" and receipt.body().startswith(b"%PDF")
    assert cases_of(live_container, LI) == 1

    # She walks away: the warning comes, then the start screen, with nothing of her left.
    kiosk.clock.fast_forward((IDLE - 10) * 1000)
    expect(kiosk.locator("#idle-warning")).to_be_visible()
    kiosk.clock.fast_forward(11 * 1000)
    expect(kiosk.get_by_role("heading", level=1)).to_have_text("欢迎使用自助办")
    expect(kiosk.locator("#kiosk-notice")).to_contain_text("长时间没有操作")
    kiosk.go_back()
    expect(kiosk.get_by_role("heading", level=1)).to_have_text("欢迎使用自助办")
    names = {c["name"] for c in kiosk.context.cookies()}
    assert names <= {"tb_session", "tb_csrf"}


def test_a_kiosk_left_idle_mid_form_resets_safely_and_nothing_changes(
    open_page: Callable[..., Page], live_container: Container
) -> None:
    kiosk = pair_a_kiosk(open_page)
    read_card(kiosk, ZHAO, "赵德胜")
    kiosk.get_by_role("link", name=re.compile("城乡居民基本医疗保险参保登记")).click()
    kiosk.get_by_label("居住地址", exact=False).fill("湖南省长沙市岳麓区麓山路1号")
    before = cases_of(live_container, ZHAO)

    kiosk.clock.fast_forward((IDLE + 1) * 1000)
    expect(kiosk.get_by_role("heading", level=1)).to_have_text("欢迎使用自助办")
    expect(kiosk.locator("#kiosk-notice")).to_contain_text("填写的内容没有保存")
    assert cases_of(live_container, ZHAO) == before
    kiosk.goto("/kiosk/items")  # the visit is over on the server too
    expect(kiosk.get_by_role("heading", level=1)).to_have_text("欢迎使用自助办")
    assert "湖南省长沙市" not in kiosk.content()


def test_a_kiosk_application_with_its_result_mailed_and_an_idle_reset_that_forgets_the_address(
    open_page: Callable[..., Page], live_container: Container
) -> None:
    """赵德胜 renews his driving licence at the kiosk and has it mailed: a wrong mobile is
    explained in Chinese, the address he typed vanishes with the idle reset, and the second
    attempt files the case with the checked address."""
    kiosk = pair_a_kiosk(open_page)
    read_card(kiosk, ZHAO, "赵德胜")
    kiosk.get_by_role("link", name=re.compile("机动车驾驶证换证")).click()
    expect(kiosk.get_by_role("heading", level=1)).to_have_text("机动车驾驶证换证")
    kiosk.get_by_label("免费邮寄（结果包邮）").check()
    kiosk.get_by_label("收件人手机号码").fill("1390000")
    kiosk.get_by_label("收件地址", exact=False).fill(ADDRESS)
    kiosk.get_by_role("button", name="提交申请").click()
    expect(kiosk.locator("#kerr-mail-phone")).to_have_text("请填写收件人的大陆手机号码")
    expect(kiosk.get_by_label("收件地址", exact=False)).to_have_value(ADDRESS)
    assert "?" not in kiosk.url  # the error came back from the visit, not the address
    before = cases_of(live_container, ZHAO)

    kiosk.clock.fast_forward((IDLE + 1) * 1000)
    expect(kiosk.get_by_role("heading", level=1)).to_have_text("欢迎使用自助办")
    assert ADDRESS not in kiosk.content()
    read_card(kiosk, ZHAO, "赵德胜")
    kiosk.get_by_role("link", name=re.compile("机动车驾驶证换证")).click()
    expect(kiosk.get_by_label("收件地址", exact=False)).to_have_value("")
    expect(kiosk.get_by_label("到本中心领取", exact=False)).to_be_checked()

    kiosk.get_by_label("免费邮寄（结果包邮）").check()
    kiosk.get_by_label("收件人手机号码").fill("139 0000 1111")
    kiosk.get_by_label("收件地址", exact=False).fill(ADDRESS)
    kiosk.get_by_role("button", name="提交申请").click()
    expect(kiosk.locator("#submitted")).to_have_text("申请已提交")
    assert cases_of(live_container, ZHAO) == before + 1
    with live_container.read() as uow:
        row = uow.conn.execute(
            select(cases.c.delivery_method, cases.c.data).where(
                cases.c.number == kiosk.locator("#case-number").inner_text()
            )
        ).one()
    assert row.delivery_method == "mail"
    assert row.data["address"] == f"赵德胜\n13900001111\n{ADDRESS}"
