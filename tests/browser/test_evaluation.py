"""好差评 in the browser on the small demo: a citizen rates a finished case from their case
page on a phone, and a window's rating pad records the visitor's rating of the ticket the
clerk has just finished serving."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import exists, func, select

from tests.browser.axe import violations
from tests.browser.conftest import PHONE
from tests.browser.test_case_flows import log_in
from tongban.adapters.db.tables import cases, users
from tongban.adapters.db.tables_evaluation import ratings
from tongban.bootstrap import Container
from tongban.domain.evaluation.model import FINISHED_CASE_STATUSES

pytestmark = pytest.mark.browser
CENTRE = "C-GC"


def unrated_finished_case(container: Container) -> tuple[str, str]:
    """A demo applicant's login and one of their finished cases the demo left unrated (every
    demo account has the demo password)."""
    with container.read() as uow:
        row = uow.conn.execute(
            select(func.coalesce(users.c.id_number, users.c.credit_code), cases.c.number)
            .join(users, users.c.id == cases.c.applicant_id)
            .where(
                cases.c.status.in_(sorted(FINISHED_CASE_STATUSES)),
                ~exists().where(ratings.c.case_id == cases.c.id),
            )
            .order_by(cases.c.id)
            .limit(1)
        ).one()
    return str(row[0]), str(row[1])


def test_a_citizen_rates_a_finished_case_on_a_phone(
    open_page: Callable[..., Page], live_container: Container
) -> None:
    login, number = unrated_finished_case(live_container)
    phone = open_page(PHONE)
    log_in(phone, login, staff=False)
    phone.goto(f"/my/cases/{number}")
    phone.locator("#rate-case a").click()
    expect(phone).to_have_url(re.compile(rf"/my/cases/{number}/rating$"))
    assert violations(phone) == []
    phone.get_by_role("button", name="提交评价").click()  # no level chosen: refused
    expect(phone.locator("#form-error")).to_contain_text("评价等级无效")
    phone.get_by_label("满意", exact=True).check()
    phone.get_by_label("评价内容（可不填，最多 500 字）").fill("窗口指引清楚，网上提交也方便。")
    phone.get_by_role("button", name="提交评价").click()
    expect(phone.locator("#done")).to_contain_text("谢谢您的评价")
    expect(phone.locator("#rating-level")).to_contain_text("满意")
    expect(phone.locator("#edit-form")).to_be_visible()  # may be changed once, within 7 days


def test_the_window_pad_records_the_visitors_rating_of_the_ticket_just_served(
    open_page: Callable[..., Page], live_container: Container
) -> None:
    clerk = open_page()
    log_in(clerk, "clerk.guicheng")
    clerk.goto("/window/queue")
    if clerk.get_by_role("button", name="关窗").count():
        clerk.get_by_role("button", name="关窗").click()
    option = clerk.locator("#f-number option", has_text="（A").first
    clerk.get_by_label("窗口号").select_option(option.get_attribute("value") or "")
    clerk.get_by_role("button", name="开窗").click()
    clerk.goto(f"/centres/{CENTRE}/take")
    clerk.locator("input[name=group_code][value=A]").check()
    clerk.get_by_role("button", name="取号", exact=True).click()

    pad = open_page()  # the window's second screen, signed in as the window
    log_in(pad, "clerk.guicheng")
    pad.goto("/window/pad")
    expect(pad.locator("#pad-idle")).to_be_visible()

    clerk.goto("/window/queue")
    clerk.get_by_role("button", name="叫下一个号").click()
    clerk.get_by_role("button", name="开始办理").first.click()
    served = clerk.locator("#window-current .ticket-number").first.inner_text()
    clerk.get_by_role("button", name="办理完毕").first.click()

    # The pad polls: the five buttons appear for the ticket just served.
    expect(pad.locator(".pad-ticket")).to_contain_text(served, timeout=10_000)
    assert violations(pad) == []
    pad.get_by_role("button", name="非常满意").click()
    expect(pad.locator("#done")).to_contain_text("谢谢您的评价")
    expect(pad.locator("#pad-form")).to_have_count(0)  # one rating per ticket
    with live_container.read() as uow:
        found = uow.conn.execute(
            select(ratings.c.level, ratings.c.channel, ratings.c.subject)
            .where(ratings.c.channel == "pad")
            .order_by(ratings.c.id.desc())
            .limit(1)
        ).one()
    assert tuple(found) == ("very_satisfied", "pad", "ticket")
