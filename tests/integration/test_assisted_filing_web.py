# ruff: noqa: F811  (the ``holder`` fixture is imported)
"""网办辅导 through the pages and the API on both databases: the clerk scans the citizen's code
at the desk, fills in the online application with her and files it; her case page and the API
say who helped; without the scan nothing is filed and the API answers a stable code."""

from __future__ import annotations

import base64
import io
import re
import uuid
from typing import Any

from fastapi.testclient import TestClient
from PIL import Image, ImageDraw
from sqlalchemy import select

from tests.factories import Person, sign_in
from tests.integration.data_space_fixtures import Holder, holder  # noqa: F401
from tests.integration.kiosk_fixtures import ITEM, publish_items
from tongban.adapters.db.tables import data_access_log
from tongban.domain.people.model import Role
from tongban.services.identity import check as identity
from tongban.web.deps import CSRF_HEADER

FORM = {
    "form.applicant_name": "陈阿婆",
    "form.birth_date": "1940-05-01",
    "form.address": "广东省佛山市南海区桂城街道南海大道1号",
    "form.phone": "13800138000",
}


def her_code(holder: Holder) -> str:
    """The citizen code her phone shows, issued as of the request clock."""
    with holder.container.uow() as uow:
        now = holder.container.clock.now()
        actor = holder.actor(holder.user_id, now)
        return identity.issue_citizen_code(uow, actor, key=holder.container.secret_key).token


def test_a_clerk_files_with_her_at_the_desk_and_her_case_says_who_helped(
    holder: Holder, app: Any
) -> None:
    publish_items(holder.container)
    desk = TestClient(app)
    csrf = sign_in(holder.container, desk, Person(holder.clerk, "", None, Role.CLERK))
    scanned = desk.post(
        "/assist/identify",
        data={"csrf_token": csrf, "token": her_code(holder)},
        follow_redirects=False,
    )
    assert scanned.headers["location"] == f"/assist?applicant={holder.user_id}"
    page = desk.get(scanned.headers["location"])
    assert 'id="consent-until"' in page.text and "陈阿婆" not in page.text
    form = desk.get(f"/assist/apply?applicant={holder.user_id}&item={ITEM}")
    assert form.status_code == 200 and "以申请人名义提交" in form.text
    data = {"csrf_token": csrf, "idem": uuid.uuid4().hex, "applicant": str(holder.user_id)}
    filed = desk.post("/assist/apply", data={**data, "item": ITEM, **FORM}, follow_redirects=False)
    assert filed.status_code == 303, filed.text
    number = re.search(r"done=([^&]+)$", filed.headers["location"])
    assert number

    citizen = TestClient(app)
    sign_in(holder.container, citizen, Person(holder.user_id, "", None, Role.CITIZEN))
    mine = citizen.get(f"/my/cases/{number[1]}")
    assert 'id="case-assisted"' in mine.text and "市民码当面同意" in mine.text
    assert "网办辅导协助" in mine.text  # in the timeline too
    detail = citizen.get(f"/api/v1/cases/{number[1]}").json()
    assert detail["channel"] == "online"
    assert detail["assisted_by"]["user_id"] == holder.clerk
    assert detail["assisted_by"]["consent"] == "citizen_code"


def test_without_her_code_nothing_is_filed_and_the_api_says_why(holder: Holder, app: Any) -> None:
    publish_items(holder.container)
    desk = TestClient(app)
    csrf = sign_in(holder.container, desk, Person(holder.clerk, "", None, Role.CLERK))
    data = {"csrf_token": csrf, "idem": uuid.uuid4().hex, "applicant": str(holder.user_id)}
    refused = desk.post("/assist/apply", data={**data, "item": ITEM, **FORM})
    assert refused.status_code == 409 and "请先扫描申请人手机上的市民码" in refused.text
    body = {
        "applicant_id": holder.user_id,
        "item_code": ITEM,
        "form": {k.removeprefix("form."): v for k, v in FORM.items()},
    }
    headers = {CSRF_HEADER: csrf, "Idempotency-Key": "assist-1"}
    answer = desk.post("/api/v1/cases/assisted", json=body, headers=headers)
    assert answer.status_code == 409 and answer.json()["code"] == "assist_consent_required"

    redeemed = desk.post(
        "/api/v1/identity/citizen-code/redeem",
        json={"token": her_code(holder)},
        headers={CSRF_HEADER: csrf},
    )
    assert redeemed.status_code == 200
    filed = desk.post("/api/v1/cases/assisted", json=body, headers=headers)
    assert filed.status_code == 201, filed.text
    again = desk.post("/api/v1/cases/assisted", json=body, headers=headers)
    assert again.json() == filed.json() and again.headers["Idempotent-Replayed"] == "true"


def pad(strokes: bool = True) -> str:
    """What the desk's signature pad sends: a PNG data URL."""
    image = Image.new("RGBA", (600, 200), (0, 0, 0, 0))
    if strokes:
        ImageDraw.Draw(image).line([(40, 150), (150, 40), (260, 160), (400, 60)], "black", 3)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


def test_after_her_id_card_she_signs_on_the_tablet_and_staff_see_the_signature_logged(
    holder: Holder, app: Any
) -> None:
    publish_items(holder.container)
    desk = TestClient(app)
    csrf = sign_in(holder.container, desk, Person(holder.clerk, "", None, Role.CLERK))
    card = {"csrf_token": csrf, "id_number": holder.id_number, "name": "陈阿婆"}
    read = desk.post("/assist/identify-card", data=card, follow_redirects=False)
    assert read.headers["location"] == f"/assist?applicant={holder.user_id}"
    assert 'id="signing-until"' in desk.get(read.headers["location"]).text
    form = desk.get(f"/assist/apply?applicant={holder.user_id}&item={ITEM}")
    assert 'id="signature-pad"' in form.text and "/static/js/signature_pad.js" in form.text
    data = {"csrf_token": csrf, "applicant": str(holder.user_id), "item": ITEM, **FORM}
    data["consent"] = "signature"

    blank = desk.post(
        "/assist/apply", data={**data, "idem": uuid.uuid4().hex, "signature": pad(False)}
    )
    assert blank.status_code == 422 and "未检测到签名" in blank.text
    assert 'id="signature-pad"' in blank.text  # she signs again
    filed = desk.post(
        "/assist/apply",
        data={**data, "idem": uuid.uuid4().hex, "signature": pad()},
        follow_redirects=False,
    )
    assert filed.status_code == 303, filed.text
    number = re.search(r"done=([^&]+)$", filed.headers["location"])
    assert number

    reviewer = TestClient(app)
    sign_in(holder.container, reviewer, Person(holder.reviewer, "", None, Role.REVIEWER))
    page = reviewer.get(f"/review/cases/{number[1]}")
    assert "申请人签名确认" in page.text and 'id="consent-signature"' in page.text
    detail = reviewer.get(f"/api/v1/cases/{number[1]}").json()
    assert detail["assisted_by"]["consent"] == "signature"
    image = reviewer.get(f"/api/v1/cases/{number[1]}/consent-signature")
    assert image.status_code == 200 and image.headers["content-type"] == "image/png"
    assert image.content.startswith(b"\x89PNG") and "no-store" in image.headers["cache-control"]

    citizen = TestClient(app)
    sign_in(holder.container, citizen, Person(holder.user_id, "", None, Role.CITIZEN))
    mine = citizen.get(f"/my/cases/{number[1]}")
    assert "辅导办理：由" in mine.text and "申请人签名确认" in mine.text
    assert 'id="consent-signature"' in mine.text
    with holder.container.read() as uow:
        logged = uow.conn.execute(
            select(data_access_log.c.actor_id, data_access_log.c.purpose).where(
                data_access_log.c.subject_id == holder.user_id,
                data_access_log.c.what.like("%consent_signature%"),
            )
        ).all()
    assert [(r.actor_id, r.purpose) for r in logged] == [(holder.reviewer, "网办辅导签名确认查阅")]


def test_the_api_files_on_a_signature_and_refuses_a_bad_one_with_a_stable_code(
    holder: Holder, app: Any
) -> None:
    publish_items(holder.container)
    desk = TestClient(app)
    csrf = sign_in(holder.container, desk, Person(holder.clerk, "", None, Role.CLERK))
    card = {"csrf_token": csrf, "id_number": holder.id_number, "name": "陈阿婆"}
    desk.post("/assist/identify-card", data=card, follow_redirects=False)
    body: dict[str, Any] = {
        "applicant_id": holder.user_id,
        "item_code": ITEM,
        "form": {k.removeprefix("form."): v for k, v in FORM.items()},
    }

    def send(png: str, key: str) -> Any:
        headers = {CSRF_HEADER: csrf, "Idempotency-Key": key}
        return desk.post(
            "/api/v1/cases/assisted", json={**body, "signature_png": png}, headers=headers
        )

    blank = send(pad(False), "sig-1")
    assert blank.status_code == 422 and blank.json()["code"] == "signature_blank"
    assert set(blank.json()["fields"]) == {"signature"}
    not_png = send(base64.b64encode(b"GIF89a....").decode(), "sig-2")
    assert not_png.status_code == 422 and not_png.json()["code"] == "signature_not_png"
    filed = send(pad(), "sig-3")
    assert filed.status_code == 201, filed.text
    number = filed.json()["number"]
    assert desk.get(f"/api/v1/cases/{number}").json()["assisted_by"]["consent"] == "signature"
