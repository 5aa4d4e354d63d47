# ruff: noqa: F811  (the ``holder`` fixture is imported)
"""The data space and certificate-free identity over HTTP: the holder's page and API, grants
applied once per idempotency key, one citizen never seeing another's space, the citizen code
from the phone page to the window, and prefill and disputes through the API."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.factories import Person, sign_in
from tests.integration.data_space_fixtures import Holder, holder  # noqa: F401
from tongban.adapters.db.tables_data_space import citizen_codes, data_grants
from tongban.domain.people.model import Role
from tongban.web.deps import CSRF_HEADER


def as_user(world: Holder, client: Any, user_id: int, role: Role = Role.CITIZEN) -> dict[str, str]:
    client.cookies.clear()
    csrf = sign_in(world.container, client, Person(user_id, "", None, role))
    return {CSRF_HEADER: csrf}


def grants_count(world: Holder) -> int:
    with world.container.read() as uow:
        return int(uow.conn.execute(select(func.count()).select_from(data_grants)).scalar_one())


GRANT = {
    "grantee_department": "SCJGJ",
    "type_codes": ["id_card"],
    "fields": ["id_card.birth_date"],
    "purpose": "核验年龄",
    "single_use": False,
}


def test_a_grant_over_the_api_is_applied_once_per_key_and_revoked(
    holder: Holder, client: Any
) -> None:
    headers = as_user(holder, client, holder.user_id)
    body = {**GRANT, "expires_at": (holder.container.clock.now() + timedelta(days=3)).isoformat()}
    first = client.post(
        "/api/v1/me/data/grants", json=body, headers={**headers, "Idempotency-Key": "g-1"}
    )
    assert first.status_code == 201, first.text
    again = client.post(
        "/api/v1/me/data/grants", json=body, headers={**headers, "Idempotency-Key": "g-1"}
    )
    assert again.status_code == 201 and again.headers.get("Idempotent-Replayed") == "true"
    assert again.json()["id"] == first.json()["id"] and grants_count(holder) == 1
    listed = client.get("/api/v1/me/data/grants").json()
    assert [g["status"] for g in listed] == ["active"]
    grant_id = first.json()["id"]
    revoked = client.post(f"/api/v1/me/data/grants/{grant_id}/revoke", headers=headers)
    assert revoked.status_code == 200 and revoked.json()["status"] == "revoked"

    headers = as_user(holder, client, holder.other_user_id)
    assert client.get("/api/v1/me/data/grants").json() == []
    assert client.get("/api/v1/me/data/licences").json() == []
    assert client.get("/api/v1/me/data/access-log").json() == []
    other = client.post(f"/api/v1/me/data/grants/{grant_id}/revoke", headers=headers)
    assert other.status_code == 404 and other.json()["code"] == "grant_not_found"


def test_a_bad_grant_over_the_api_gets_field_errors_and_changes_nothing(
    holder: Holder, client: Any
) -> None:
    headers = as_user(holder, client, holder.user_id)
    body = {**GRANT, "type_codes": ["nope"], "expires_at": "2020-01-01T00:00:00+08:00"}
    response = client.post(
        "/api/v1/me/data/grants", json=body, headers={**headers, "Idempotency-Key": "g-2"}
    )
    assert response.status_code == 422
    assert set(response.json()["fields"]) == {"type_codes", "fields", "expires_at"}
    assert grants_count(holder) == 0


def test_the_data_space_page_shows_licences_grants_and_the_log(holder: Holder, client: Any) -> None:
    headers = as_user(holder, client, holder.user_id)
    form = {
        "csrf_token": headers[CSRF_HEADER],
        "grantee_kind": "department",
        "grantee_department": "SCJGJ",
        "type_codes": ["id_card", "hukou"],
        "purpose": "高龄津贴申领",
        "expires_on": (holder.container.clock.now() + timedelta(days=5)).date().isoformat(),
    }
    done = client.post("/me/data/grants", data=form, follow_redirects=False)
    assert done.status_code == 303
    page = client.get("/me/data")
    assert page.status_code == 200
    assert "居民身份证" in page.text and holder.issued[0] in page.text
    assert "高龄津贴申领" in page.text and "撤销" in page.text

    bad = client.post("/me/data/grants", data={**form, "purpose": ""})
    assert bad.status_code == 422 and "请写明授权用途" in bad.text
    assert grants_count(holder) == 1

    with holder.container.read() as uow:
        grant_id = uow.conn.execute(select(data_grants.c.id)).scalar_one()
    revoke = {"csrf_token": headers[CSRF_HEADER]}
    assert client.post(f"/me/data/grants/{grant_id}/revoke", data=revoke).status_code == 200
    assert "已撤销" in client.get("/me/data").text


def test_the_citizen_code_goes_from_the_phone_to_the_window_once(
    holder: Holder, client: Any
) -> None:
    as_user(holder, client, holder.user_id)
    page = client.get("/me/code")
    assert page.status_code == 200 and "<svg" in page.text
    with holder.container.read() as uow:
        assert uow.conn.execute(select(func.count()).select_from(citizen_codes)).scalar_one() == 1
    token = page.text.split('id="code-token">')[1].split("<")[0]

    headers = as_user(holder, client, holder.clerk, Role.CLERK)
    form = {"csrf_token": headers[CSRF_HEADER], "token": token}
    found = client.post("/window/identify/code", data=form)
    assert found.status_code == 200 and "陈阿婆" in found.text
    assert f"/window?applicant={holder.user_id}" in found.text
    again = client.post("/window/identify/code", data=form)
    assert again.status_code == 409 and "已被使用" in again.text
    api = client.post(
        "/api/v1/identity/citizen-code/redeem", json={"token": token}, headers=headers
    )
    assert api.status_code == 409 and api.json()["code"] == "citizen_code_used"
    forged = client.post(
        "/api/v1/identity/citizen-code/redeem", json={"token": token[:-3] + "abc"}, headers=headers
    )
    assert forged.status_code == 400 and forged.json()["code"] == "citizen_code_invalid"


def test_the_reader_and_face_check_over_the_api(holder: Holder, client: Any) -> None:
    headers = as_user(holder, client, holder.clerk, Role.CLERK)
    card = {"device_payload": {"id_number": holder.id_number, "name": "陈阿婆"}}
    response = client.post("/api/v1/identity/id-card", json=card, headers=headers)
    assert response.status_code == 200 and response.json()["user_id"] == holder.user_id
    face = {"id_number": holder.id_number, "probe": "score:0.5"}
    refused = client.post("/api/v1/identity/face", json=face, headers=headers)
    assert refused.status_code == 403 and refused.json()["code"] == "face_mismatch"


@pytest.mark.parametrize(
    "path", ["/api/v1/identity/id-card", "/api/v1/identity/citizen-code/redeem"]
)
def test_a_citizen_cannot_identify_anyone(holder: Holder, client: Any, path: str) -> None:
    headers = as_user(holder, client, holder.other_user_id)
    response = client.post(path, json={"token": "x", "device_payload": {}}, headers=headers)
    assert response.status_code == 403


def test_prefill_and_a_dispute_through_the_api(holder: Holder, client: Any) -> None:
    from tests.integration.test_prefill import ITEM, submit

    number = submit(holder)
    headers = as_user(holder, client, holder.user_id)
    filled = client.post("/api/v1/me/data/prefill", json={"item_code": ITEM}, headers=headers)
    assert filled.status_code == 200, filled.text
    assert filled.json()["locked"] == ["address", "applicant_name", "birth_date"]
    assert filled.json()["missing"] == {"spouse": "marriage.spouse_name"}
    body = {"field": "address", "claim": "南海大道2号", "reason": "已迁户"}
    keyed = {**headers, "Idempotency-Key": "d-1"}
    first = client.post(f"/api/v1/cases/{number}/disputes", json=body, headers=keyed)
    again = client.post(f"/api/v1/cases/{number}/disputes", json=body, headers=keyed)
    assert first.status_code == 200 and again.json() == first.json()
    timeline = client.get(f"/api/v1/cases/{number}/timeline").json()
    entries = timeline if isinstance(timeline, list) else timeline.get("entries", [])
    assert [e for e in entries if e.get("type") == "FormValueDisputed"].__len__() == 1
    bad = client.post(
        f"/api/v1/cases/{number}/disputes",
        json={**body, "field": "phone"},
        headers={**headers, "Idempotency-Key": "d-2"},
    )
    assert bad.status_code == 422 and bad.json()["code"] == "field_not_disputable"


def test_after_identifying_the_clerk_records_consent_and_goes_on_to_apply(
    holder: Holder, client: Any
) -> None:
    from tests.integration.test_prefill import ITEM, publish

    publish(holder)
    headers = as_user(holder, client, holder.clerk, Role.CLERK)
    csrf = headers[CSRF_HEADER]
    card = {"csrf_token": csrf, "id_number": holder.id_number, "name": "陈阿婆"}
    page = client.post("/window/identify/card", data=card)
    assert page.status_code == 200 and "记录授权并受理" in page.text
    consent = {"csrf_token": csrf, "applicant": str(holder.user_id), "item_code": ITEM}
    done = client.post("/window/identify/consent", data=consent, follow_redirects=False)
    assert done.status_code == 303
    assert done.headers["location"] == f"/window/apply?applicant={holder.user_id}&item={ITEM}"
    stranger = {**consent, "applicant": str(holder.other_user_id)}
    refused = client.post("/window/identify/consent", data=stranger)
    assert refused.status_code == 409 and "请先核验申请人身份" in refused.text
    api = client.post(
        "/api/v1/identity/consent",
        json={"user_id": holder.other_user_id, "item_code": ITEM},
        headers=headers,
    )
    assert api.status_code == 409 and api.json()["code"] == "identify_first"
    assert grants_count(holder) == 1
