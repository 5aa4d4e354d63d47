"""网办辅导 in the browser, consent by signature: the 桂城 clerk reads 黄志远's ID card at the
help desk (he has no citizen code with him), fills in his online application for 往来港澳通行证
签注 with him, and he signs on the tablet with the mouse; filed, the case says he confirmed by
signing, and the clerk opens the signature (logged in his access log).  A blank pad is refused
and files nothing.  黄志远 is the demo's, read by no other browser test."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from tests.browser.test_case_flows import attach_materials, log_in
from tongban.adapters.db.tables import cases, data_access_log, users
from tongban.bootstrap import Container
from tongban.demo.smart import HUANG

pytestmark = pytest.mark.browser

ITEM_NAME = "往来港澳通行证签注"


def his_cases(container: Container) -> int:
    with container.read() as uow:
        user = select(users.c.id).where(users.c.id_number == HUANG).scalar_subquery()
        query = select(func.count()).select_from(cases).where(cases.c.applicant_id == user)
        return int(uow.conn.execute(query).scalar_one())


def sign(page: Page) -> None:
    """He writes on the pad with the mouse: two strokes."""
    pad = page.locator("#signature-pad")
    pad.scroll_into_view_if_needed()  # the mouse reaches only what is on the screen
    box = pad.bounding_box()
    assert box is not None
    x, y, w, h = box["x"], box["y"], box["width"], box["height"]
    page.mouse.move(x + w * 0.1, y + h * 0.7)
    page.mouse.down()
    for n in range(1, 13):
        page.mouse.move(x + w * (0.1 + 0.05 * n), y + h * (0.3 if n % 2 else 0.75), steps=4)
    page.mouse.up()
    page.mouse.move(x + w * 0.2, y + h * 0.5)
    page.mouse.down()
    page.mouse.move(x + w * 0.8, y + h * 0.45, steps=10)
    page.mouse.up()


def test_he_signs_on_the_tablet_with_the_mouse_and_the_case_keeps_the_signature(
    open_page: Callable[..., Page], live_container: Container
) -> None:
    clerk = open_page()
    log_in(clerk, "clerk.guicheng")
    clerk.goto("/assist")
    clerk.locator("#by-card summary").click()
    clerk.get_by_label("公民身份号码").fill(HUANG)
    clerk.get_by_label("姓名").fill("黄志远")
    clerk.get_by_role("button", name="读取身份证").click()
    expect(clerk.locator("#signing-until")).to_contain_text("手写签名确认")
    clerk.get_by_label("事项名称、编码或关键词").fill("港澳签注")
    clerk.get_by_role("button", name="搜索").click()
    clerk.get_by_role("link", name=ITEM_NAME).click()
    expect(clerk.locator("#signature-pad")).to_be_visible()
    attach_materials(clerk)
    before = his_cases(live_container)

    # A blank pad: refused, nothing filed, the pad again.
    clerk.get_by_role("button", name=re.compile("以申请人名义提交")).click()
    expect(clerk.locator("#err-signature")).to_contain_text("未检测到签名")
    assert his_cases(live_container) == before

    attach_materials(clerk)  # a browser never keeps chosen files across a page
    sign(clerk)
    clerk.get_by_role("button", name=re.compile("以申请人名义提交")).click()
    expect(clerk.locator("#done")).to_contain_text("已协助提交")
    assert his_cases(live_container) == before + 1
    clerk.locator("#done a").click()
    expect(clerk.locator("#case-assisted")).to_contain_text(
        "辅导办理：由 林小燕 协助，申请人签名确认"
    )
    number = clerk.locator("#case-number").inner_text()

    shown = clerk.request.get(f"/api/v1/cases/{number}/consent-signature")
    assert shown.ok and shown.headers["content-type"] == "image/png"
    assert shown.body().startswith(b"\x89PNG") and len(shown.body()) > 1000
    with live_container.read() as uow:
        logged = uow.conn.execute(
            select(func.count())
            .select_from(data_access_log)
            .where(data_access_log.c.what.like(f"case:{number}:consent_signature:%"))
        ).scalar_one()
    assert logged == 1
