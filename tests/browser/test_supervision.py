"""Post-approval supervision in the browser, on the small demo: the inspector drawn for a shop
records the findings, orders the shop's e-licence revoked, and the public verification page
then shows the licence revoked; the public record of draws shows the outcome."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from tests.browser.axe import violations
from tests.browser.test_projects import log_in
from tongban.adapters.db.tables import users
from tongban.adapters.db.tables_supervision import inspection_tasks
from tongban.bootstrap import Container

pytestmark = pytest.mark.browser


def _assigned_task(container: Container) -> tuple[str, str, str, list[str]]:
    """A demo task drawn and not yet inspected: its number, inspector login, licence, checklist."""
    with container.read() as uow:
        row = uow.conn.execute(
            select(
                inspection_tasks.c.number,
                inspection_tasks.c.licence_id,
                inspection_tasks.c.checklist,
                users.c.username,
            )
            .join(users, users.c.id == inspection_tasks.c.inspector_id)
            .where(inspection_tasks.c.status == "assigned")
            .order_by(inspection_tasks.c.id)
        ).first()
    assert row is not None
    return row.number, row.username, row.licence_id, [e["code"] for e in row.checklist]


def test_an_inspector_records_findings_and_revokes_and_verification_says_revoked(
    open_page: Callable[..., Page], live_container: Container
) -> None:
    number, inspector, licence_id, codes = _assigned_task(live_container)
    page = open_page()
    log_in(page, inspector, staff=True)
    page.goto("/supervision/tasks")
    page.get_by_role("link", name=number).click()
    expect(page.locator("#task-status")).to_have_text("待检查")
    assert violations(page) == []

    for code in codes:
        page.locator(f"#result-{code}").select_option(label="符合")
    page.locator(f"#result-{codes[0]}").select_option(label="不符合")
    page.get_by_role("button", name="保存检查结果").click()
    expect(page.locator("#form-error")).to_contain_text("不符合的检查项须写明情况")
    page.locator(f"#result-{codes[0]}").select_option(label="不符合")
    for code in codes[1:]:
        page.locator(f"#result-{code}").select_option(label="符合")
    page.locator(f"#note-{codes[0]}").fill("经营场所已转租他人，许可条件不再具备")
    page.get_by_role("button", name="保存检查结果").click()
    expect(page.locator("#done")).to_have_text("检查结果已记录。")

    page.locator("#outcome").select_option(label="注销证照")
    page.get_by_role("button", name="作出决定").click()
    expect(page.locator("#err-reason")).to_have_text("注销电子证照须写明理由。")
    page.locator("#outcome").select_option(label="注销证照")
    page.get_by_label("理由（注销证照时必填）").fill("许可条件不再具备，拒不整改")
    page.get_by_role("button", name="作出决定").click()
    expect(page.locator("#done")).to_have_text("处理决定已作出。")
    expect(page.locator("#task-status")).to_have_text("证照已注销")

    public = open_page()
    public.goto(f"/verify?id={licence_id}")
    expect(public.locator(".licence-status")).to_have_text("已注销")
    public.goto("/supervision/draws")
    expect(public.get_by_role("row", name=number)).to_contain_text("证照已注销")
    assert violations(public) == []
