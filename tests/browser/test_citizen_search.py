"""A citizen on a phone finds a service and reads its guide, with accessible markup only.

Anonymous on purpose: searching and reading guides needs no log-in.  The locators are roles and
labels, so each step also checks that a screen reader could find the same control.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Locator, Page, expect

pytestmark = pytest.mark.browser

RESULT_COUNT = re.compile(r"找到 [1-9]\d* 个事项")


def search_box(page: Page) -> Locator:
    return page.get_by_role("search").get_by_role("searchbox", name="搜索事项")


def results(page: Page) -> Locator:
    """The list of found items, inside the live region that htmx refreshes."""
    return page.locator("#results").get_by_role("list")


def assert_fits_the_screen(page: Page) -> None:
    """Nothing sticks out sideways: a phone user never has to scroll left and right."""
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{page.url} is {overflow}px wider than the screen"


def test_citizen_on_a_phone_searches_for_social_insurance_and_reads_the_guide(
    phone_page: Page,
) -> None:
    page = phone_page
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_text("南海区一网通办")

    search_box(page).fill("社保")
    page.get_by_role("search").get_by_role("button", name="搜索").click()

    expect(page).to_have_url(re.compile(r"/items\?q=%E7%A4%BE%E4%BF%9D"))
    expect(page.get_by_text(RESULT_COUNT)).to_be_visible()
    expect(search_box(page)).to_have_value("社保")
    card = results(page).get_by_role("link", name="社会保障卡申领", exact=True)
    expect(card).to_be_visible()
    assert_fits_the_screen(page)

    card.click()

    expect(page).to_have_url(re.compile(r"/items/RSJ-0003$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("社会保障卡申领")
    materials = page.get_by_role("region", name="申请材料")
    expect(materials.get_by_role("columnheader", name="材料名称")).to_be_visible()
    expect(materials.get_by_role("row", name=re.compile("申请人居民身份证"))).to_be_visible()
    basis = page.get_by_role("region", name="设定依据")
    expect(basis.get_by_role("listitem").filter(has_text="《社会保障卡管理办法》")).to_be_visible()
    expect(page.get_by_text(re.compile(r"第 1 版，发布于 \d{4}-\d{2}-\d{2}"))).to_be_visible()
    assert_fits_the_screen(page)


def test_pinyin_initials_find_the_social_security_card(phone_page: Page) -> None:
    page = phone_page
    page.goto("/items")

    # Typing alone searches: htmx swaps the results in and keeps the address shareable.
    search_box(page).fill("shbzk")

    expect(results(page).get_by_role("link", name="社会保障卡申领", exact=True)).to_be_visible()
    expect(results(page).get_by_role("link", name="社会保障卡补换", exact=True)).to_be_visible()
    expect(page).to_have_url(re.compile(r"/items\?q=shbzk"))


def test_a_plain_wish_finds_the_licences_for_a_milk_tea_shop(phone_page: Page) -> None:
    page = phone_page
    page.goto("/items")

    search_box(page).fill("我想开奶茶店")
    search_box(page).press("Enter")

    found = results(page)
    expect(found.get_by_role("link", name="个体工商户设立登记", exact=True)).to_be_visible()
    expect(found.get_by_role("link", name="食品经营许可", exact=True)).to_be_visible()


def test_keyboard_alone_skips_to_the_search_and_submits_it(page: Page) -> None:
    page.goto("/")

    page.keyboard.press("Tab")
    skip_link = page.get_by_role("link", name="跳到主要内容")
    expect(skip_link).to_be_focused()
    expect(skip_link).to_be_in_viewport()  # hidden off-screen until it has the focus

    page.keyboard.press("Enter")
    expect(page.get_by_role("main")).to_be_focused()
    page.keyboard.press("Tab")
    expect(search_box(page)).to_be_focused()

    page.keyboard.type("社保")
    page.keyboard.press("Enter")

    expect(page).to_have_url(re.compile(r"/items\?q="))
    expect(page.get_by_text(RESULT_COUNT)).to_be_visible()
    expect(results(page).get_by_role("link", name="社会保障卡申领", exact=True)).to_be_visible()
