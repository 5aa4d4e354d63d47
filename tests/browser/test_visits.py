"""A visit in the browser on the small demo: a citizen books a slot on a phone, checks in on
arrival and gets a number; the clerk opens a window and calls it; the waiting-room board shows
it within its refresh."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import PHONE
from tests.browser.test_case_flows import CITIZEN, ITEM, log_in

pytestmark = pytest.mark.browser
CENTRE = "C-GC"


def test_a_booked_visitor_checks_in_and_is_called_on_the_board(
    open_page: Callable[..., Page],
) -> None:
    citizen = open_page(PHONE)
    log_in(citizen, CITIZEN.id_number, staff=False)
    citizen.goto(f"/items/{ITEM}/book?centre={CENTRE}")
    citizen.get_by_label("日期").fill(citizen.locator("#f-day").get_attribute("min") or "")
    citizen.get_by_role("button", name="查看时段").click()
    citizen.locator("#book-form input[name=starts_at]:not([disabled])").first.check()
    citizen.get_by_role("button", name="确认预约").click()
    expect(citizen).to_have_url(re.compile(r"/my/appointments"))
    code = citizen.locator(".booking-code").first.inner_text()
    assert len(code) == 8
    citizen.get_by_role("button", name="到达签到").click()
    number = citizen.locator("#ticket-number").inner_text()
    assert re.fullmatch(r"B\d{3}", number), number
    expect(citizen.locator("#ticket-status")).to_contain_text("前面还有")

    board = open_page()
    board.goto(f"/centres/{CENTRE}/board")
    expect(board.locator("#board-live")).to_contain_text("等候")

    clerk = open_page()
    log_in(clerk, "clerk.guicheng")
    clerk.goto("/window/queue")
    if clerk.get_by_role("button", name="关窗").count():  # the demo's morning: window 2 open
        clerk.get_by_role("button", name="关窗").click()
    option = clerk.locator("#f-number option", has_text="（B").first
    clerk.get_by_label("窗口号").select_option(option.get_attribute("value") or "")
    clerk.get_by_role("button", name="开窗").click()
    clerk.get_by_role("button", name="叫下一个号").click()
    expect(clerk.locator("#window-current .ticket-number").first).to_have_text(number)
    expect(board.locator(".board-newest .board-number")).to_have_text(number, timeout=10_000)

    citizen.reload()
    expect(citizen.locator("#ticket-status")).to_contain_text("号窗口")
