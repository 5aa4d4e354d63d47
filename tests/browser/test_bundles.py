"""一件事一次办 in the browser: a citizen applies for 开餐馆 once, on a phone, and sees its eight
sub-cases progress in parallel as departments act on them."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from tests.browser.conftest import PHONE
from tests.browser.test_case_flows import log_in
from tests.factories import credit_code, make_staff, resident_id
from tongban.adapters.db.tables import cases
from tongban.bootstrap import Container
from tongban.demo.people import DEMO_CITIZENS
from tongban.domain.people.model import Role
from tongban.services.cases import lifecycle as case_svc
from tongban.services.people.sessions import load_principal
from tongban.services.platform.context import Actor

pytestmark = pytest.mark.browser

CITIZEN = DEMO_CITIZENS[0]


def fill_restaurant_form(page: Page) -> None:
    values = {
        "enterprise_name": "佛山市南海区小明餐饮有限公司",
        "credit_code": credit_code(),
        "registered_capital": "50",
        "legal_rep": CITIZEN.name,
        "legal_rep_id": resident_id(),
        "premises_address": "桂城街道南海大道 1 号",
        "business_scope": "餐饮服务",
        "contact_name": CITIZEN.name,
        "phone": CITIZEN.phone,
        "area": "80",
    }
    for name, value in values.items():
        page.locator(f"#f-{name}").fill(value)
    page.locator("#f-company_type").select_option("有限责任公司")
    page.locator("#f-food_items").select_option("热食类食品制售")
    for box in page.locator("#materials-checklist").get_by_role("checkbox").all():
        box.check()


def accept_as_department(container: Container, number: str, department: str) -> None:
    """A reviewer of ``department`` accepts the sub-case, through the ordinary service, on
    the live server's clock."""
    reviewer = make_staff(container, Role.REVIEWER, department_code=department)
    with container.read() as uow:
        principal = load_principal(uow.conn, reviewer.user_id)
        version = uow.conn.execute(
            select(cases.c.lock_version).where(cases.c.number == number)
        ).scalar_one()
    actor = Actor(principal=principal, request_id="browser-test", at=container.clock.now())
    with container.uow() as uow:
        case_svc.accept(uow, actor, number, version)


def test_a_citizen_applies_for_a_restaurant_once_and_sees_the_sub_cases_progress(
    open_page: Callable[..., Page], live_container: Container
) -> None:
    page = open_page(PHONE)
    log_in(page, CITIZEN.id_number, staff=False)
    page.goto("/bundles")
    page.get_by_role("link", name="开餐馆").click()
    expect(page.locator("#bundle-items-list li")).to_have_count(8)
    fill_restaurant_form(page)
    page.get_by_role("button", name="一次提交全部事项").click()

    expect(page.locator("#done")).to_be_visible()
    rows = page.locator("#sub-cases tbody tr")
    expect(rows).to_have_count(8)
    expect(page.locator("#sub-cases .sub-status")).to_have_text(["已提交"] * 8)
    expect(page.locator("#bundle-count")).to_have_text("已办结 0/8 项")
    expect(page.locator("#sub-XFJY-0001")).to_contain_text("区消防救援大队")

    # Two departments act on their own sub-cases, independently of each other.
    fire = page.locator("#sub-XFJY-0001 a").inner_text()
    signage = page.locator("#sub-CGZFJ-0002 a").inner_text()
    accept_as_department(live_container, fire, "XFJY")
    page.reload()
    expect(page.locator("#sub-XFJY-0001 .sub-status")).to_have_text("已受理")
    expect(page.locator("#sub-CGZFJ-0002 .sub-status")).to_have_text("已提交")
    accept_as_department(live_container, signage, "CGZFJ")
    page.reload()
    expect(page.locator("#sub-CGZFJ-0002 .sub-status")).to_have_text("已受理")
    expect(page.locator("#bundle-state")).to_contain_text("办理中")
