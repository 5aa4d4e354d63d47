# ruff: noqa: F811  (the ``holder`` fixture is imported)
"""长辈版 (适老化) on both databases: a plain link switches any page to the elderly version and
the browser remembers it; that version has the short menu and leads with the high-frequency
items, measured from the applications of the last 90 days; and an older person's session is
renewed while they use it, so a slow form is not met by a log-in page."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.factories import Person, sign_in
from tests.integration.data_space_fixtures import Holder, holder  # noqa: F401
from tests.integration.kiosk_fixtures import ITEM, publish_items
from tongban.adapters.db.tables import sessions
from tongban.domain.people.model import Role
from tongban.services.cases.intake import Application, submit_online
from tongban.services.catalogue.frequency import high_frequency_items
from tongban.web.deps import MODE_COOKIE

FORM = {
    "applicant_name": "陈阿婆",
    "birth_date": "1940-05-01",
    "address": "广东省佛山市南海区桂城街道南海大道1号",
    "phone": "13800138000",
}


def menu(html: str) -> list[str]:
    nav = re.search(r'<nav aria-label="主导航" class="main-nav">(.*?)</nav>', html, re.S)
    assert nav
    return re.findall(r'<a href="[^"]*"[^>]*>([^<]+)</a>', nav[1])


def test_a_link_switches_to_the_elderly_version_and_the_browser_remembers(client: Any) -> None:
    standard = client.get("/items?q=社保")
    assert '<html lang="zh-CN">' in standard.text
    switch = re.search(r'<a href="([^"]+)" class="mode-switch"', standard.text)
    assert switch and switch[1] == "/items?q=%E7%A4%BE%E4%BF%9D&amp;mode=elderly"  # keeps q

    elderly = client.get(switch[1].replace("&amp;", "&"))
    assert '<html lang="zh-CN" class="elderly">' in elderly.text
    assert "Max-Age=31536000" in elderly.headers["set-cookie"]
    assert client.cookies.get(MODE_COOKIE) == "elderly"
    assert menu(elderly.text) == ["首页", "常办事项", "查找事项", "服务网点"]
    again = client.get("/centres")  # no parameter: remembered
    assert 'class="elderly"' in again.text and ">标准版<" in again.text

    back = client.get("/centres?mode=standard")
    assert 'class="elderly"' not in back.text and client.cookies.get(MODE_COOKIE) == "standard"
    assert "工作台" not in menu(back.text) and "一件事" in menu(back.text)


def test_the_elderly_home_leads_with_the_items_people_apply_for_most(
    holder: Holder,
    client: Any,
) -> None:
    publish_items(holder.container)
    now = holder.container.clock.now()
    with holder.container.read() as uow:
        before = high_frequency_items(uow.conn, now - timedelta(hours=2))
    assert [(i.code, i.applications) for i in before] == [(ITEM, 0)]  # a self-service item

    for _ in range(2):
        with holder.container.uow() as uow:
            submit_online(uow, holder.actor(holder.user_id, now), Application(ITEM, FORM))
    with holder.container.read() as uow:
        ranked = high_frequency_items(uow.conn, now)
        later = high_frequency_items(uow.conn, now + timedelta(days=91))
    assert [(i.code, i.applications) for i in ranked] == [(ITEM, 2)]
    assert [(i.code, i.applications) for i in later] == [(ITEM, 0)]  # older than 90 days

    home = client.get("/?mode=elderly")
    assert 'id="frequent"' in home.text and "高龄津贴申领" in home.text
    assert "近 90 天 2 人申请" in home.text
    assert 'id="frequent"' not in client.get("/?mode=standard").text
    page = client.get("/frequent")
    assert page.status_code == 200 and f'href="/items/{ITEM}"' in page.text


def expires_at(holder: Holder, user_id: int) -> Any:
    with holder.container.read() as uow:
        return uow.conn.execute(
            select(sessions.c.expires_at).where(sessions.c.user_id == user_id)
        ).scalar_one()


def test_an_older_persons_session_is_renewed_while_they_use_the_portal(
    holder: Holder,
    app: Any,
) -> None:
    container = holder.container
    hours = container.settings.session_hours
    browser = TestClient(app)
    sign_in(container, browser, Person(holder.user_id, "", None, Role.CITIZEN))
    started = expires_at(holder, holder.user_id)
    container.clock.advance(timedelta(hours=hours - 1))

    browser.get("/my/cases")  # standard version: the session keeps its end
    assert expires_at(holder, holder.user_id) == started
    page = browser.get("/my/cases?mode=elderly")
    assert page.status_code == 200
    renewed = expires_at(holder, holder.user_id)
    assert renewed - started > timedelta(hours=hours - 2)
    cookie = [c for c in page.headers.get_list("set-cookie") if c.startswith("tb_session=")]
    assert cookie and "HttpOnly" in cookie[0] and f"Max-Age={hours * 3600}" in cookie[0]

    browser.get("/my/cases")  # plenty left now: nothing written
    assert expires_at(holder, holder.user_id) == renewed
    container.clock.advance(timedelta(hours=30))  # past the day's cap and the session's end
    assert browser.get("/my/cases", follow_redirects=False).status_code == 303
