"""跨境通办 on both databases: the citizen portal in 简体中文, 繁體中文 and English, the language
switch remembered, and a holder of a Hong Kong permit or a foreign passport who registers,
signs in, applies online and is identified at a window, masked wherever a list shows them."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import func, insert, select

from tests.integration.test_case_pages import KEY, NON_KEY, as_user, post, scans
from tests.integration.test_cases import ITEM, World, build_world
from tongban.adapters.db.tables import audit_log, cases, users
from tongban.bootstrap import Container
from tongban.services.people.accounts import hash_password

PASSWORD = "Tongban@2026"
HOLDER = {
    "id_type": "hk_macao_travel_permit",
    "id_number": "h12345678",
    "name": "陳大文",
    "phone": "+85291234567",
    "password": PASSWORD,
    "password_again": PASSWORD,
}
EN_DATE = re.compile(r"\b[0-9]{1,2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) 20[0-9]{2}\b")
HANT_DATE = re.compile(r"20[0-9]{2}年[0-9]{1,2}月[0-9]{1,2}日")


@pytest.fixture
def world(container: Container) -> World:
    return build_world(container)


def form_token(client: Any, url: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', client.get(url).text)
    assert match is not None
    return match.group(1)


def test_the_portal_pages_render_in_each_language(world: World, client: Any) -> None:
    pages = ("/", "/items", f"/items/{ITEM}", "/login?tab=citizen", "/register")
    expected = {
        "zh_CN": ('lang="zh-CN"', "个体工商户设立登记", "登录"),
        "zh_Hant": ('lang="zh-Hant"', "個體工商戶設立登記", "登錄"),
        "en": ('lang="en"', "个体工商户设立登记", "Log in"),
    }
    for locale, (lang, item_name, log_in) in expected.items():
        client.cookies.clear()
        for url in pages:
            joiner = "&" if "?" in url else "?"
            page = client.get(f"{url}{joiner}lang={locale}")
            assert page.status_code == 200, (locale, url)
            assert lang in page.text and log_in in page.text, (locale, url)
        guide = client.get(f"/items/{ITEM}").text
        assert item_name in guide, locale
        note = 'id="content-in-chinese"' in guide
        assert note is (locale == "en")
        version_line = guide[guide.index("version-line") :]
        if locale == "en":
            assert "available in Chinese only" in guide and EN_DATE.search(version_line)
        if locale == "zh_Hant":
            assert "辦事指南" in guide and HANT_DATE.search(version_line)
            assert "个体工商户" not in guide
        if locale == "zh_CN":
            assert re.search(r"20[0-9]{2}-[0-9]{2}-[0-9]{2}", version_line)


def test_the_language_switch_is_remembered_and_the_browser_language_counts(
    world: World, client: Any
) -> None:
    client.cookies.clear()
    assert 'lang="zh-CN"' in client.get("/").text  # no choice, no browser language
    hong_kong = {"Accept-Language": "zh-HK,zh;q=0.9,en;q=0.8"}
    assert 'lang="zh-Hant"' in client.get("/", headers=hong_kong).text
    assert 'lang="en"' in client.get("/", headers={"Accept-Language": "en-GB"}).text
    chosen = client.get("/items?lang=zh_Hant")
    assert "lang=zh_Hant" in chosen.headers["set-cookie"]
    again = client.get("/items", headers={"Accept-Language": "en"})  # the choice wins
    assert 'lang="zh-Hant"' in again.text and "set-cookie" not in again.headers
    switch = re.search(r'id="lang-switch".*?</span>', again.text, re.S)
    assert switch is not None
    assert "简体中文" in switch.group(0) and "English" in switch.group(0)
    assert 'href="/items?lang=en"' in switch.group(0)
    ignored = client.get("/items?lang=fr")  # not a language we have: nothing remembered
    assert 'lang="zh-Hant"' in ignored.text and "set-cookie" not in ignored.headers
    back = client.get("/?lang=zh_CN")
    assert 'lang="zh-CN"' in back.text and 'lang="zh-CN"' in client.get("/", headers=hong_kong).text


def register(client: Any, **changes: str) -> Any:
    token = form_token(client, "/register")
    return client.post(
        "/register", data={**HOLDER, **changes, "csrf_token": token}, follow_redirects=False
    )


def test_a_hong_kong_permit_holder_registers_applies_and_is_masked_in_lists(
    world: World, client: Any
) -> None:
    container = world.container
    client.cookies.clear()
    client.get("/?lang=zh_Hant")
    done = register(client)
    assert done.status_code == 303, done.text
    with container.read() as uow:
        holder = uow.conn.execute(select(users).where(users.c.id_number == "H12345678")).one()
        created = uow.conn.execute(
            select(audit_log.c.detail).where(audit_log.c.action == "user.created")
        ).scalars()
        details = [d for d in created if d.get("kind") == "citizen"]
    assert (holder.id_type, holder.name, holder.phone) == (
        "hk_macao_travel_permit",
        "陳大文",
        "+85291234567",
    )
    assert details[-1]["id_number"] == "H******78"  # the audit log keeps it masked

    # Signed out, the holder signs in by the permit's number, lower case and all.
    client.cookies.clear()
    token = form_token(client, "/login?tab=citizen")
    signed = client.post(
        "/login",
        data={"login": "h12345678", "password": PASSWORD, "tab": "citizen", "csrf_token": token},
        follow_redirects=False,
    )
    assert signed.status_code == 303, signed.text
    csrf = re.search(r'name="csrf-token" content="([^"]+)"', client.get("/my/cases").text)
    assert csrf is not None
    fields, files = scans(KEY, NON_KEY)
    data = {
        "form.shop_name": "大文茶餐廳",
        "form.area": "35",
        "form.owner_id": "H12345678",  # the form's ID field takes the permit
        **fields,
        "action": "submit",
    }
    applied = post(client, f"/items/{ITEM}/apply", csrf.group(1), files, **data)
    assert applied.status_code == 303, applied.text
    with container.read() as uow:
        number = uow.conn.execute(
            select(cases.c.number).where(cases.c.applicant_id == holder.id)
        ).scalar_one()
    mine = client.get("/my/cases?lang=zh_Hant").text
    assert number in mine and "個體工商戶設立登記" in mine

    # At a window the clerk names the document and finds the holder; lists show it masked.
    csrf_clerk = as_user(container, client, world.clerk)
    found = post(
        client,
        "/window/identify",
        csrf_clerk,
        id_type="hk_macao_travel_permit",
        id_number="H12345678",
    )
    assert found.headers["location"] == f"/window?applicant={holder.id}"
    window = client.get(found.headers["location"]).text
    assert "H******78" in window and "港澳居民来往内地通行证" in window
    assert "H12345678" not in window
    unknown = post(client, "/window/identify", csrf_clerk, id_type="passport", id_number="X99")
    assert unknown.status_code == 422 and "5至9位" in unknown.text
    as_user(container, client, world.reviewer)
    assert number in client.get("/review").text
    case_page = client.get(f"/review/cases/{number}").text
    assert "H1*****78" in case_page and "H12345678" not in case_page


def test_a_bad_registration_says_what_is_wrong_beside_each_field_and_creates_nothing(
    world: World, client: Any
) -> None:
    client.cookies.clear()
    refused = register(client, id_number="A1234567", phone="12", password_again="other")
    assert refused.status_code == 422 and "两次输入的密码不一致" in refused.text
    refused = register(client, id_number="A1234567", phone="12")
    assert refused.status_code == 422
    assert 'id="err-id_number"' in refused.text and "H或M" in refused.text
    assert 'id="err-phone"' in refused.text
    assert 'value="A1234567"' in refused.text  # what was typed comes back
    with world.container.read() as uow:
        assert uow.conn.execute(select(users.c.id).where(users.c.phone == "12")).first() is None


def test_a_passport_holder_registers_through_the_api_with_nationality_and_latin_name(
    world: World, client: Any
) -> None:
    client.cookies.clear()
    body = {
        "id_type": "passport",
        "id_number": "e1234567",
        "nationality": "gbr",
        "surname": "Smith",
        "given_names": "John Paul",
        "phone": "+447700900123",
        "password": PASSWORD,
    }
    answer = client.post("/api/v1/auth/register", json=body)
    assert answer.status_code == 201, answer.text
    assert answer.json()["user"]["name"] == "SMITH JOHN PAUL"
    assert answer.json()["user"]["id_number"] == "E******7"  # masked
    with world.container.read() as uow:
        row = uow.conn.execute(select(users).where(users.c.id_number == "E1234567")).one()
    assert (row.id_type, row.nationality, row.surname, row.given_names) == (
        "passport",
        "GBR",
        "SMITH",
        "JOHN PAUL",
    )
    client.cookies.clear()
    again = client.post("/api/v1/auth/register", json=body)
    assert again.status_code == 409 and again.json()["code"] == "account_exists"
    english = {"Accept-Language": "en"}
    cases_ = [
        ({"id_number": "E7654321", "nationality": "ZZZ"}, "invalid_nationality", "nationality"),
        ({"id_number": "E7654321", "surname": "史密斯"}, "invalid_latin_name", "surname"),
        (
            {"id_type": "hk_macao_travel_permit", "id_number": "X1", "name": "陳大文"},
            "invalid_document_number",
            "id_number",
        ),
        ({"id_number": "E7654321", "nationality": "", "phone": "1"}, "validation_failed", "phone"),
    ]
    for changes, code, field in cases_:
        refused = client.post("/api/v1/auth/register", json={**body, **changes}, headers=english)
        assert refused.status_code == 422, changes
        assert refused.json()["code"] == code and field in refused.json()["fields"], refused.json()
    nationality = client.post(
        "/api/v1/auth/register",
        json={**body, "id_number": "E7654321", "nationality": "ZZZ"},
        headers=english,
    ).json()
    assert nationality["message"].startswith("The nationality code is not valid")


PASSPORT = {
    "id_type": "passport",
    "id_number": "123456789",  # digits only, as the USA and Canada issue them (ICAO 9303)
    "nationality": "usa",
    "surname": "Smith",
    "given_names": "John",
    "phone": "+12025550123",
    "password": PASSWORD,
}


def test_one_passport_number_of_two_countries_is_two_accounts_each_named_by_its_country(
    world: World, client: Any
) -> None:
    container = world.container
    client.cookies.clear()
    american = client.post("/api/v1/auth/register", json=PASSPORT)
    assert american.status_code == 201, american.text
    client.cookies.clear()
    canadian = {**PASSPORT, "nationality": "CAN", "surname": "Tremblay", "phone": "+14165550123"}
    # While data spaces and licences are keyed by the number alone, a second account with a
    # number already held is refused and nothing is made ...
    shared = client.post("/api/v1/auth/register", json=canadian)
    assert shared.status_code == 409 and shared.json()["code"] == "document_number_shared"
    with container.read() as uow:
        count = select(func.count()).where(users.c.id_number == "123456789")
        assert uow.conn.execute(count).scalar_one() == 1
    # ... but the schema and every lookup tell documents apart (0046): a holder made by other
    # means (an import, a future per-document data space) is found by naming the document.
    with container.uow() as uow:
        uow.conn.execute(
            insert(users).values(
                kind="citizen",
                id_type="passport",
                id_number="123456789",
                nationality="CAN",
                name="TREMBLAY JOHN",
                phone="+14165550123",
                password_hash=hash_password(PASSWORD),
                created_at=container.clock.now(),
            )
        )
        uow.commit()
    client.cookies.clear()
    twice = client.post("/api/v1/auth/register", json={**PASSPORT, "phone": "+12025550199"})
    assert twice.status_code == 409 and twice.json()["code"] == "account_exists"
    with container.read() as uow:
        holders = uow.conn.execute(
            select(users.c.id, users.c.nationality)
            .where(users.c.id_number == "123456789")
            .order_by(users.c.id)
        ).all()
    assert [h.nationality for h in holders] == ["USA", "CAN"]
    usa, can = (h.id for h in holders)

    # Signing in by the number alone cannot tell them apart: the holder names the document.
    client.cookies.clear()
    login = {"login": "123456789", "password": PASSWORD}
    unsure = client.post("/api/v1/auth/login", json=login)
    assert unsure.status_code == 422 and unsure.json()["code"] == "document_ambiguous"
    assert {"id_type", "nationality"} <= set(unsure.json()["fields"])
    sms = client.post("/api/v1/auth/sms-code", json={"id_number": "123456789"})
    assert sms.status_code == 422 and sms.json()["code"] == "document_ambiguous"
    named_sms = {"id_number": "123456789", "id_type": "passport", "nationality": "USA"}
    assert client.post("/api/v1/auth/sms-code", json=named_sms).status_code == 202
    named = {**login, "id_type": "passport", "nationality": "can"}
    signed = client.post("/api/v1/auth/login", json=named)
    assert signed.status_code == 200, signed.text
    assert signed.json()["user"]["user_id"] == can
    token = form_token(client, "/login?tab=citizen")
    page = client.post(
        "/login",
        data={**login, "tab": "citizen", "csrf_token": token},
        follow_redirects=False,
    )
    assert page.status_code == 422 and 'id="which-document" open' in page.text
    signed_in = client.post(
        "/login",
        data={**named, "nationality": "USA", "tab": "citizen", "csrf_token": token},
        follow_redirects=False,
    )
    assert signed_in.status_code == 303, signed_in.text

    # The form's ID field takes a passport number of digits only.
    csrf = re.search(r'name="csrf-token" content="([^"]+)"', client.get("/my/cases").text)
    assert csrf is not None
    fields, files = scans(KEY, NON_KEY)
    data = {
        "form.shop_name": "Smith Tea",
        "form.area": "20",
        "form.owner_id": "123456789",
        **fields,
        "action": "submit",
    }
    applied = post(client, f"/items/{ITEM}/apply", csrf.group(1), files, **data)
    assert applied.status_code == 303, applied.text
    with container.read() as uow:
        applicant = uow.conn.execute(select(cases.c.applicant_id)).scalar_one()
    assert applicant == usa

    # At a window the clerk names the country when two issued the number.
    csrf_clerk = as_user(container, client, world.clerk)
    passport = {"id_type": "passport", "id_number": "123456789"}
    unsure_window = post(client, "/window/identify", csrf_clerk, **passport)
    assert unsure_window.status_code == 422 and "国籍" in unsure_window.text
    found = post(client, "/window/identify", csrf_clerk, **passport, nationality="can")
    assert found.headers["location"] == f"/window?applicant={can}"
