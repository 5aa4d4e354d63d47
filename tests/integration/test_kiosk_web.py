# ruff: noqa: F811  (the ``holder`` fixture is imported)
"""自助办 through the pages and the API on both databases: a centre manager pairs a kiosk, the
kiosk identifies 陈阿婆 and files for her, every answer is ``no-store`` and every POST is
redirected, so the browser keeps nothing of her; a visit left idle mid-form files nothing."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from tests.factories import TOWN_CENTRE_CODE, Person, make_staff, sign_in
from tests.integration.data_space_fixtures import Holder, holder  # noqa: F401
from tests.integration.kiosk_fixtures import ITEM, publish_items
from tongban.adapters.db.tables import cases
from tongban.adapters.db.tables_self_service import kiosk_visits
from tongban.domain.people.model import Role
from tongban.web.deps import ANON_CSRF_COOKIE, CSRF_HEADER, SESSION_COOKIE

IDLE = 60


class KioskWorld:
    def __init__(self, holder: Holder, app: Any) -> None:
        self.holder = holder
        self.container = holder.container
        publish_items(self.container)
        self.manager = make_staff(self.container, Role.CENTRE_MANAGER, TOWN_CENTRE_CODE)
        self.desk = TestClient(app)
        self.device = TestClient(app)
        self.desk_csrf = sign_in(self.container, self.desk, self.manager)
        self._csrf = ""

    def register_and_pair(self, code: str = "GC-ZZ-02") -> None:
        done = self.desk.post(
            "/centre/kiosks",
            data={
                "csrf_token": self.desk_csrf,
                "idem": uuid.uuid4().hex,
                "code": code,
                "name": "一楼大厅",
                "idle_seconds": str(IDLE),
            },
            follow_redirects=False,
        )
        assert done.status_code == 303, done.text
        shown = self.desk.post(
            f"/centre/kiosks/{code}/pairing-code", data={"csrf_token": self.desk_csrf}
        )
        found = re.search(r'id="pairing-code">([A-Z0-9]{8})<', shown.text)
        assert found, shown.text
        self.device.cookies.set(ANON_CSRF_COOKIE, "device-csrf")
        paired = self.device.post(
            "/kiosk/pair",
            data={"csrf_token": "device-csrf", "kiosk_code": code, "pairing_code": found[1]},
            follow_redirects=False,
        )
        assert paired.status_code == 303 and paired.headers["location"] == "/kiosk"
        assert SESSION_COOKIE in paired.cookies

    def csrf(self) -> str:
        """The device session's CSRF token, read once off the start screen."""
        if not self._csrf:
            page = self.device.get("/kiosk")
            found = re.search(r'name="csrf-token" content="([^"]+)"', page.text)
            assert found, page.text
            self._csrf = found[1]
        return self._csrf

    def post(self, url: str, **data: Any) -> Any:
        return self.device.post(
            url, data={"csrf_token": self.csrf(), **data}, follow_redirects=False
        )

    def card(self) -> Any:
        return self.post("/kiosk/identify/card", id_number=self.holder.id_number, name="陈阿婆")

    def case_count(self) -> int:
        with self.container.read() as uow:
            return int(uow.conn.execute(select(func.count()).select_from(cases)).scalar_one())


@pytest.fixture
def world(holder: Holder, app: Any) -> KioskWorld:
    return KioskWorld(holder, app)


def test_a_kiosk_files_for_its_visitor_and_keeps_nothing_of_her(world: KioskWorld) -> None:
    world.register_and_pair()
    start = world.device.get("/kiosk")
    assert start.status_code == 200 and "刷身份证" in start.text
    assert start.headers["cache-control"] == "no-store"

    identified = world.card()
    assert identified.headers["location"] == "/kiosk/items"
    listed = world.device.get("/kiosk/items")
    assert "高龄津贴申领" in listed.text and "养老服务补贴申领" not in listed.text
    assert "陈阿婆" not in listed.text and world.holder.id_number not in listed.text
    form = world.device.get(f"/kiosk/items/{ITEM}")
    assert 'id="locked-birth_date">1940-05-01<' in form.text and 'autocomplete="off"' in form.text

    # A wrong phone: redirected back (the address carries nothing), the typed value and the
    # error shown from the visit.
    wrong = world.post(f"/kiosk/items/{ITEM}", idem=uuid.uuid4().hex, **{"form.phone": "12"})
    assert wrong.status_code == 303 and wrong.headers["location"] == f"/kiosk/items/{ITEM}"
    again = world.device.get(f"/kiosk/items/{ITEM}")
    assert 'value="12"' in again.text and "电话号码格式不正确" in again.text
    assert world.case_count() == 0

    key = uuid.uuid4().hex
    filed = world.post(f"/kiosk/items/{ITEM}", idem=key, **{"form.phone": "13800138000"})
    assert filed.headers["location"] == "/kiosk/receipt"
    twice = world.post(f"/kiosk/items/{ITEM}", idem=key, **{"form.phone": "13800138000"})
    assert twice.headers["location"] == "/kiosk/receipt" and world.case_count() == 1
    receipt = world.device.get("/kiosk/receipt")
    number = re.search(r'id="case-number">([^<]+)<', receipt.text)
    assert number and receipt.headers["cache-control"] == "no-store"
    pdf = world.device.get("/kiosk/receipt.pdf")
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert pdf.headers["cache-control"] == "no-store"

    done = world.post("/kiosk/finish")
    assert done.headers["location"] == "/kiosk?e=finished"
    assert (
        world.device.get("/kiosk/receipt", follow_redirects=False).headers["location"] == "/kiosk"
    )
    # The browser holds the kiosk's own cookies, nothing of the visitor.
    assert set(world.device.cookies.keys()) <= {SESSION_COOKIE, ANON_CSRF_COOKIE}
    with world.container.read() as uow:
        drafts = uow.conn.execute(select(kiosk_visits.c.draft)).scalars().all()
    assert drafts == [None]


def test_looking_an_item_up_keeps_the_words_off_the_address(world: KioskWorld) -> None:
    world.register_and_pair()
    world.card()
    looked = world.post("/kiosk/items", q="津贴")
    assert looked.status_code == 303 and looked.headers["location"] == "/kiosk/items"
    found = world.device.get("/kiosk/items")
    assert "高龄津贴申领" in found.text and 'value="津贴"' in found.text
    world.post("/kiosk/items", q="没有这种事项")
    assert "高龄津贴申领" not in world.device.get("/kiosk/items").text
    world.post("/kiosk/finish")
    with world.container.read() as uow:
        assert uow.conn.execute(select(kiosk_visits.c.draft)).scalar_one() is None


def test_a_kiosk_left_idle_mid_form_resets_and_nothing_changes(world: KioskWorld) -> None:
    world.register_and_pair()
    world.card()
    world.post(f"/kiosk/items/{ITEM}", idem=uuid.uuid4().hex, **{"form.phone": "12"})
    world.container.clock.advance(timedelta(seconds=IDLE + 1))
    late = world.post(
        f"/kiosk/items/{ITEM}", idem=uuid.uuid4().hex, **{"form.phone": "13800138000"}
    )
    assert late.headers["location"] == "/kiosk?e=kiosk_visit_expired"
    assert world.case_count() == 0
    start = world.device.get("/kiosk")
    assert "长时间没有操作" in start.text
    assert world.device.get(f"/kiosk/items/{ITEM}", follow_redirects=False).status_code == 303
    with world.container.read() as uow:
        row = uow.conn.execute(select(kiosk_visits)).one()
    assert row.closed_at is not None and row.draft is None and row.case_number is None


def test_the_page_timer_ends_the_visit_and_says_why(world: KioskWorld) -> None:
    world.register_and_pair()
    world.card()
    ended = world.post("/kiosk/finish", idle="1")
    assert ended.headers["location"] == "/kiosk?e=idle"
    assert "已自动退出" in world.device.get("/kiosk?e=idle").text
    with world.container.read() as uow:
        assert uow.conn.execute(select(kiosk_visits.c.close_reason)).scalar_one() == "idle"


def test_an_unpaired_browser_is_sent_to_pair_and_a_person_is_not_a_kiosk(
    world: KioskWorld,
    holder: Holder,
) -> None:
    assert world.device.get("/kiosk", follow_redirects=False).headers["location"] == "/kiosk/pair"
    citizen = TestClient(world.desk.app)
    sign_in(world.container, citizen, Person(holder.user_id, "", None, Role.CITIZEN))
    assert citizen.get("/kiosk", follow_redirects=False).status_code == 403
    world.device.cookies.set(ANON_CSRF_COOKIE, "x")
    refused = world.device.post(
        "/kiosk/pair", data={"csrf_token": "x", "kiosk_code": "GC-ZZ-09", "pairing_code": "ABCD"}
    )
    assert refused.status_code == 403 and "配对码不正确" in refused.text
    assert SESSION_COOKIE not in refused.cookies


def test_a_bad_citizen_code_says_so_on_the_start_screen(world: KioskWorld) -> None:
    world.register_and_pair()
    wrong = world.post("/kiosk/identify/code", token="TB1.forged")
    assert wrong.headers["location"] == "/kiosk?e=citizen_code_invalid"
    assert "该市民码无效" in world.device.get(wrong.headers["location"]).text


def test_the_kiosk_api_from_pairing_to_receipt(world: KioskWorld) -> None:
    desk_headers = {CSRF_HEADER: world.desk_csrf}
    created = world.desk.post(
        "/api/v1/kiosks",
        json={"code": "GC-API-01", "name": "二楼", "idle_seconds": IDLE},
        headers={**desk_headers, "Idempotency-Key": "k-1"},
    )
    assert created.status_code == 201 and created.json()["idle_seconds"] == IDLE
    no_key = world.desk.post(
        "/api/v1/kiosks", json={"code": "X-1", "name": "x"}, headers=desk_headers
    )
    assert no_key.status_code == 428 and no_key.json()["code"] == "idempotency_key_required"
    code = world.desk.post("/api/v1/kiosks/GC-API-01/pairing-code", headers=desk_headers).json()
    paired = world.device.post(
        "/api/v1/kiosk/pair", json={"kiosk_code": "GC-API-01", "pairing_code": code["code"]}
    )
    assert paired.status_code == 200, paired.text
    headers = {CSRF_HEADER: paired.json()["csrf_token"]}
    assert world.device.get("/api/v1/kiosk").json()["state"] == "start"

    card = {"id_number": world.holder.id_number, "name": "陈阿婆"}
    started = world.device.post(
        "/api/v1/kiosk/visits",
        json={"method": "id_card", "card": card},
        headers={**headers, "Idempotency-Key": "v-1"},
    )
    assert started.status_code == 201 and started.json()["state"] == "open"
    assert started.json()["visitor"]["name"] != "陈阿婆"
    items = world.device.get("/api/v1/kiosk/items").json()
    assert [i["code"] for i in items] == [ITEM]
    form = world.device.get(f"/api/v1/kiosk/items/{ITEM}/form").json()
    assert {f["name"]: f["locked"] for f in form["fields"]}["birth_date"] == "1940-05-01"

    body: dict[str, Any] = {"item_code": ITEM, "form": {"phone": "13800138000"}}
    mailed = {"delivery_method": "mail", "phone": "13900001111", "address": "南海"}
    wrong = world.device.post(
        "/api/v1/kiosk/applications",
        json={**body, **mailed},
        headers={**headers, "Idempotency-Key": "a-0"},
    )
    assert wrong.status_code == 422 and wrong.json()["code"] == "validation_failed"
    assert wrong.json()["fields"] == {"address": "请填写完整的收件地址（省、市、区、街道和门牌号）"}
    assert world.case_count() == 0
    body |= {**mailed, "address": "佛山市南海区桂城南海大道1号"}
    filed = world.device.post(
        "/api/v1/kiosk/applications", json=body, headers={**headers, "Idempotency-Key": "a-1"}
    )
    assert filed.status_code == 201 and filed.json()["receipt"] == "submission"
    with world.container.read() as uow:
        assert uow.conn.execute(select(cases.c.delivery_method)).scalar_one() == "mail"
    replay = world.device.post(
        "/api/v1/kiosk/applications", json=body, headers={**headers, "Idempotency-Key": "a-1"}
    )
    assert replay.json() == filed.json() and replay.headers["Idempotent-Replayed"] == "true"
    assert world.case_count() == 1
    assert world.device.get("/api/v1/kiosk/receipt.pdf").content.startswith(b"%PDF")
    ended = world.device.post("/api/v1/kiosk/visit/finish", headers=headers)
    assert ended.json()["state"] == "start"
    gone = world.device.post(
        "/api/v1/kiosk/applications", json=body, headers={**headers, "Idempotency-Key": "a-2"}
    )
    assert gone.status_code == 409 and gone.json()["code"] == "kiosk_no_visit"
    assert "请先刷身份证" in gone.json()["message"]


def test_an_expired_visit_in_the_api_is_a_stable_code_and_files_nothing(world: KioskWorld) -> None:
    world.register_and_pair()
    world.card()
    headers = {CSRF_HEADER: world.csrf()}
    world.container.clock.advance(timedelta(seconds=IDLE + 1))
    body = {"item_code": ITEM, "form": {"phone": "13800138000"}}
    late = world.device.post(
        "/api/v1/kiosk/applications", json=body, headers={**headers, "Idempotency-Key": "late"}
    )
    assert late.status_code == 409 and late.json()["code"] == "kiosk_visit_expired"
    assert world.case_count() == 0


def test_a_kiosk_mails_the_result_and_a_wrong_address_comes_back_from_the_visit(
    world: KioskWorld,
) -> None:
    world.register_and_pair()
    world.card()
    form = world.device.get(f"/kiosk/items/{ITEM}")
    assert 'value="mail"' in form.text and 'id="k-mail-address"' in form.text
    mail = {"delivery_method": "mail", "recipient": "", "phone": "1390000", "address": "南海"}
    wrong = world.post(
        f"/kiosk/items/{ITEM}", idem=uuid.uuid4().hex, **{"form.phone": "13800138000"}, **mail
    )
    assert wrong.headers["location"] == f"/kiosk/items/{ITEM}"  # nothing in the address
    again = world.device.get(f"/kiosk/items/{ITEM}")
    assert "请填写收件人的大陆手机号码" in again.text and 'value="1390000"' in again.text
    assert 'value="mail" checked' in again.text and world.case_count() == 0

    mail |= {"phone": "13900001111", "address": "佛山市南海区桂城南海大道1号"}
    filed = world.post(
        f"/kiosk/items/{ITEM}", idem=uuid.uuid4().hex, **{"form.phone": "13800138000"}, **mail
    )
    assert filed.headers["location"] == "/kiosk/receipt" and world.case_count() == 1
    with world.container.read() as uow:
        stored = uow.conn.execute(select(cases.c.delivery_method, cases.c.data)).one()
        drafts = uow.conn.execute(select(kiosk_visits.c.draft)).scalars().all()
    assert stored.delivery_method == "mail" and "南海大道1号" in str(stored.data)
    assert drafts == [None]  # the visit that filed keeps nothing of what she typed
