"""The online approval centre in the browser, on the small demo: a reviewer of the 区市场监督管理局
opens the shared queue, claims the next application (green channel first, then the oldest) and
finds it in their own list, with the link to the case page where they act on it."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_case_flows import log_in

pytestmark = pytest.mark.browser


def test_a_reviewer_claims_the_next_application_and_sees_it_in_their_list(page: Page) -> None:
    log_in(page, "reviewer3.scjg")
    page.goto("/approval-centre")
    expect(page.get_by_role("heading", name="网上审批中心", level=1)).to_be_visible()
    first = page.locator("#queue-table tbody tr").first
    expect(first.get_by_role("button", name="领取")).to_be_visible()
    number = first.locator("td").first.inner_text().split()[0]

    page.get_by_role("link", name="我在办的申请").click()
    page.get_by_role("button", name="领取下一件").click()
    expect(page.locator("#done")).to_have_text("已领取下一件申请。")
    mine = page.locator("#mine-table")
    expect(mine.get_by_role("link", name=number)).to_have_attribute(
        "href", f"/review/cases/{number}"
    )
    page.goto("/approval-centre")
    expect(page.locator("#queue-table")).not_to_contain_text(number)
    expect(page.locator("#held-table")).to_contain_text(number)
