"""长辈版 (适老化) in the browser: on a phone, the switch in the page header turns the portal into
the elderly version (large text, high contrast, large targets, the short menu leading to the
high-frequency items), the browser remembers it, and it works with JavaScript off; axe-core
finds no serious or critical violation on the key pages in either version."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.axe import violations
from tests.browser.conftest import PHONE
from tests.browser.test_case_flows import log_in
from tongban.demo.people import DEMO_CITIZENS

pytestmark = pytest.mark.browser

CITIZEN = DEMO_CITIZENS[2]
KEY_PAGES = (
    "/",
    "/frequent",
    "/items?q=社保",
    "/items/RSJ-0003",
    "/centres",
    "/login",
    "/my/cases",
    "/items/RSJ-0003/apply",
    "/me/code",
)


def font_px(page: Page, selector: str) -> float:
    value = page.locator(selector).first.evaluate("e => getComputedStyle(e).fontSize")
    return float(value.removesuffix("px"))


def test_the_elderly_mode_on_a_phone(phone_page: Page) -> None:
    page = phone_page
    page.goto("/")
    assert font_px(page, "main p") < 18  # the standard version on a phone
    page.get_by_role("link", name="切换到长辈版（大字体、高对比度）").click()
    expect(page.locator("html")).to_have_class("elderly")
    assert font_px(page, "body") >= 18 and font_px(page, "main p") >= 18
    assert font_px(page, ".site-footer p") >= 18

    menu = page.get_by_role("navigation", name="主导航").get_by_role("link")
    expect(menu).to_have_text(["首页", "常办事项", "查找事项", "服务网点"])
    for link in menu.all():
        box = link.bounding_box()
        assert box is not None and box["height"] >= 44, link.inner_text()
    frequent = page.locator("#frequent .frequent-grid a")
    assert frequent.count() >= 4
    box = frequent.first.bounding_box()
    assert box is not None and box["height"] >= 48

    # High-frequency item to its guide, and the choice is remembered on every page.
    frequent.first.click()
    expect(page).to_have_url(re.compile(r"/items/[A-Z]+-\d{4}$"))
    expect(page.locator("html")).to_have_class("elderly")
    log_in(page, CITIZEN.id_number, staff=False)
    page.goto("/my/cases")
    expect(page.locator("html")).to_have_class("elderly")
    expect(menu).to_contain_text(["我的办件", "市民码"])

    page.get_by_role("link", name="切换到标准版").click()
    expect(page.locator("html")).not_to_have_class("elderly")
    page.goto("/")
    expect(page.locator("html")).not_to_have_class("elderly")


def test_the_switch_works_without_javascript(browser: Browser, live_server: str) -> None:
    # A phone set to Chinese (pages follow Accept-Language when no language was chosen).
    context = browser.new_context(
        base_url=live_server,
        viewport=PHONE,
        is_mobile=True,
        java_script_enabled=False,
        locale="zh-CN",
    )
    try:
        page = context.new_page()
        page.goto("/centres")
        page.get_by_role("link", name="切换到长辈版（大字体、高对比度）").click()
        expect(page).to_have_url(re.compile(r"/centres\?mode=elderly$"))
        expect(page.locator("html")).to_have_class("elderly")
        page.goto("/lists")
        expect(page.locator("html")).to_have_class("elderly")
    finally:
        context.close()


@pytest.mark.parametrize("mode", ["standard", "elderly"])
def test_axe_finds_no_serious_violation_on_the_key_pages(
    open_page: Callable[..., Page], mode: str
) -> None:
    page = open_page(PHONE)
    page.goto(f"/?mode={mode}")
    log_in(page, CITIZEN.id_number, staff=False)
    found = {}
    for url in KEY_PAGES:
        page.goto(url)
        if mode == "elderly":
            expect(page.locator("html")).to_have_class("elderly")
        else:
            expect(page.locator("html")).not_to_have_class("elderly")
        found[url] = violations(page)
    assert {url: v for url, v in found.items() if v} == {}


def test_axe_finds_no_serious_violation_on_the_kiosk_start_screen(
    open_page: Callable[..., Page],
) -> None:
    from tests.browser.test_kiosk import pair_a_kiosk

    kiosk = pair_a_kiosk(open_page)
    assert violations(kiosk) == []
