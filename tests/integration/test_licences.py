"""The e-licence library through its services and HTTP: issue, read, revoke, verify, download."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import func, insert, select

from tests.clock import SYSTEM
from tests.factories import (
    Person,
    ensure_reference_data,
    make_citizen,
    make_enterprise,
    make_staff,
    sign_in,
)
from tongban.adapters.db.tables import audit_log, data_access_log, departments
from tongban.adapters.db.tables_licences import licences as licences_table
from tongban.bootstrap import Container
from tongban.domain.errors import ValidationFailed
from tongban.domain.licences.errors import (
    LicenceAlreadyRevoked,
    LicenceFieldsInvalid,
    LicenceNotFound,
)
from tongban.domain.licences.model import Licence, LicenceStatus
from tongban.domain.people.model import Role
from tongban.services.licences import library as svc
from tongban.services.licences.verify import verify_credential, verify_pdf

ID_CARD = {
    "sex": "男",
    "ethnicity": "汉",
    "birth_date": "1985-03-12",
    "address": "佛山市南海区桂城街道",
}


def issue_id_card(container: Container, person: Person, **extra: Any) -> Licence:
    with container.uow() as uow:
        licence = svc.issue(
            uow,
            SYSTEM,
            container.keys,
            type_code="id_card",
            holder_id=person.login,
            holder_name="陈志明",
            fields=ID_CARD,
            **extra,
        )
        uow.commit()
    return licence


def ensure_department(container: Container, code: str = "GAJ") -> None:
    """The issuing department of ID cards, for staff to work in."""
    ensure_reference_data(container)
    with container.uow() as uow:
        known = select(departments.c.id).where(departments.c.code == code)
        if uow.conn.execute(known).first() is None:
            uow.conn.execute(
                insert(departments).values(
                    code=code, name="佛山市公安局南海分局", short_name="南海公安分局"
                )
            )
            uow.commit()


def count(container: Container, table: Any) -> int:
    with container.read() as uow:
        return int(uow.conn.execute(select(func.count()).select_from(table)).scalar_one())


def test_issuing_stores_the_licence_with_its_credential_and_an_audit_entry(
    container: Container,
) -> None:
    citizen = make_citizen(container)
    licence = issue_id_card(container, citizen, case_number="NH20261127-000001")
    with container.read() as uow:
        stored = svc.get(uow.conn, licence.id)
        mine = svc.holder_licences(uow.conn, citizen.login, valid_on=container.clock.today())
        entry = uow.conn.execute(
            select(audit_log.c.action).where(audit_log.c.object_key == licence.id)
        ).scalar_one()
    assert stored == licence and [lic.id for lic in mine] == [licence.id]
    assert stored.status_on(container.clock.today()) is LicenceStatus.VALID
    assert stored.valid_until is not None
    assert entry == "licence.issue"
    result = verify_credential(
        stored.credential, container.keys.jwks(), None, today=container.clock.today()
    )
    assert result.ok and result.licence_id == licence.id


def test_issue_does_not_commit_for_the_caller(container: Container) -> None:
    citizen = make_citizen(container)
    with container.uow() as uow, pytest.raises(ValidationFailed), uow.atomic():
        svc.issue(
            uow,
            SYSTEM,
            container.keys,
            type_code="id_card",
            holder_id=citizen.login,
            holder_name="陈志明",
            fields=ID_CARD,
        )  # joins the caller's use case, which then fails: no commit of its own
        raise ValidationFailed()
    assert count(container, licences_table) == 0


def test_bad_fields_are_refused_and_nothing_is_written(container: Container) -> None:
    citizen = make_citizen(container)
    audited = count(container, audit_log)
    with container.uow() as uow, pytest.raises(LicenceFieldsInvalid) as caught:
        svc.issue(
            uow,
            SYSTEM,
            container.keys,
            type_code="id_card",
            holder_id=citizen.login,
            holder_name="陈志明",
            fields={**ID_CARD, "birth_date": "not a date"},
        )
    assert "birth_date" in caught.value.fields
    assert count(container, licences_table) == 0 and count(container, audit_log) == audited


def test_holder_licences_filters_by_type_and_validity(container: Container) -> None:
    company = make_enterprise(container)
    with container.uow() as uow:
        svc.issue(
            uow,
            SYSTEM,
            container.keys,
            type_code="business_licence",
            holder_id=company.login,
            holder_name="佛山市南海区测试有限公司",
            fields={
                "entity_type": "有限责任公司",
                "legal_representative": "李大同",
                "registered_capital": "人民币100万元",
                "established_on": "2020-01-02",
                "address": "佛山市南海区桂城街道",
                "business_scope": "软件开发",
            },
        )
        uow.commit()
    with container.read() as uow:
        assert (
            len(
                svc.holder_licences(
                    uow.conn,
                    company.login,
                    valid_on=container.clock.today(),
                    type_codes=["business_licence"],
                )
            )
            == 1
        )
        assert (
            svc.holder_licences(
                uow.conn,
                company.login,
                valid_on=container.clock.today(),
                type_codes=["food_permit"],
            )
            == []
        )


def test_a_revoked_licence_fails_verification_at_once(container: Container) -> None:
    citizen = make_citizen(container)
    licence = issue_id_card(container, citizen)
    pdf = svc.render_pdf(licence, container.keys)
    with container.uow() as uow:
        svc.revoke(uow, SYSTEM, licence.id, "证件遗失，已补发")
    with container.read() as uow, pytest.raises(LicenceAlreadyRevoked):
        svc.revoke(uow, SYSTEM, licence.id, "again")
    with container.read() as uow:
        status = svc.status_of(uow.conn)
        assert (
            verify_credential(
                licence.credential, container.keys, status, today=container.clock.today()
            ).code
            == "revoked"
        )
        assert (
            verify_pdf(
                pdf, container.keys.ca_certificate_pem, status, today=container.clock.today()
            ).code
            == "revoked"
        )
        assert svc.holder_licences(uow.conn, citizen.login, valid_on=container.clock.today()) == []
        assert svc.get(uow.conn, licence.id).status_on(container.clock.today()) is (
            LicenceStatus.REVOKED
        )


def test_an_unknown_licence_is_404(container: Container) -> None:
    with container.read() as uow, pytest.raises(LicenceNotFound):
        svc.get(uow.conn, "DZZZ-id_card-20260101-NOPE0000")


# --- over HTTP ---------------------------------------------------------------------------------


def test_one_holder_cannot_read_another_holders_licence(container: Container, client: Any) -> None:
    owner = make_citizen(container)
    other = make_citizen(container)
    licence = issue_id_card(container, owner)
    sign_in(container, client, other)
    for url in (f"/api/v1/licences/{licence.id}", f"/api/v1/licences/{licence.id}/pdf"):
        refused = client.get(url)
        assert refused.status_code == 403 and refused.json()["code"] == "permission_denied"
    sign_in(container, client, owner)
    mine = client.get(f"/api/v1/licences/{licence.id}")
    assert mine.status_code == 200 and mine.json()["fields"]["address"] == ID_CARD["address"]
    with container.read() as uow:
        logged = (
            uow.conn.execute(
                select(data_access_log.c.allowed).where(
                    data_access_log.c.subject_id == owner.user_id
                )
            )
            .scalars()
            .all()
        )
    assert logged == [False, False]  # both refused attempts are in the holder's log


def test_staff_of_the_issuing_department_read_and_their_reads_are_logged(
    container: Container, client: Any
) -> None:
    owner = make_citizen(container)
    licence = issue_id_card(container, owner)
    ensure_department(container)
    outsider = make_staff(container, Role.REVIEWER, department_code="SCJGJ")
    insider = make_staff(container, Role.REVIEWER, department_code="GAJ")
    auditor = make_staff(container, Role.AUDITOR)
    sign_in(container, client, outsider)
    assert client.get(f"/api/v1/licences/{licence.id}").status_code == 403
    for reader in (insider, auditor):
        sign_in(container, client, reader)
        assert client.get(f"/api/v1/licences/{licence.id}").status_code == 200
    with container.read() as uow:
        rows = uow.conn.execute(
            select(data_access_log.c.actor_id, data_access_log.c.allowed).where(
                data_access_log.c.subject_id == owner.user_id
            )
        ).all()
    assert sorted((r.actor_id, r.allowed) for r in rows) == sorted(
        [(outsider.user_id, False), (insider.user_id, True), (auditor.user_id, True)]
    )


def test_only_a_chief_of_the_issuing_department_revokes_and_a_retry_applies_once(
    container: Container, client: Any
) -> None:
    owner = make_citizen(container)
    licence = issue_id_card(container, owner)
    url = f"/api/v1/licences/{licence.id}/revoke"
    ensure_department(container)
    wrong = make_staff(container, Role.SECTION_CHIEF, department_code="SCJGJ")
    csrf = sign_in(container, client, wrong)
    headers = {"X-CSRF-Token": csrf, "Idempotency-Key": str(uuid.uuid4())}
    assert client.post(url, json={"reason": "错误签发"}, headers=headers).status_code == 403
    chief = make_staff(container, Role.SECTION_CHIEF, department_code="GAJ")
    csrf = sign_in(container, client, chief)
    headers = {"X-CSRF-Token": csrf, "Idempotency-Key": str(uuid.uuid4())}
    first = client.post(url, json={"reason": "错误签发"}, headers=headers)
    again = client.post(url, json={"reason": "错误签发"}, headers=headers)
    assert first.status_code == 200 and first.json()["status"] == "revoked"
    assert again.json() == first.json() and again.headers["Idempotent-Replayed"] == "true"
    other_key = {"X-CSRF-Token": csrf, "Idempotency-Key": str(uuid.uuid4())}
    late = client.post(url, json={"reason": "错误签发"}, headers=other_key)
    assert late.status_code == 409 and late.json()["code"] == "licence_already_revoked"


def test_the_holder_downloads_a_signed_pdf_that_verifies_over_the_api(
    container: Container, client: Any
) -> None:
    owner = make_citizen(container)
    licence = issue_id_card(container, owner)
    sign_in(container, client, owner)
    pdf = client.get(f"/licences/{licence.id}.pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    client.cookies.clear()
    checked = client.post(
        "/api/v1/licences/verify", content=pdf.content, headers={"Content-Type": "application/pdf"}
    )
    assert checked.status_code == 200 and checked.json()["ok"] is True, checked.json()
    assert checked.json()["status_checked"] is True
    text = client.post("/api/v1/licences/verify", json={"credential": licence.credential})
    assert text.json()["code"] == "valid"
    tampered = licence.credential.replace(
        licence.credential[40], "A" if licence.credential[40] != "A" else "B", 1
    )
    assert (
        client.post("/api/v1/licences/verify", json={"credential": tampered}).json()["ok"] is False
    )
    junk = client.post("/api/v1/licences/verify", json={"credential": "hello world"})
    assert junk.status_code == 422 and junk.json()["code"] == "not_a_licence"


def test_a_presentation_discloses_only_what_the_holder_chose(
    container: Container, client: Any
) -> None:
    owner = make_citizen(container)
    licence = issue_id_card(container, owner)
    csrf = sign_in(container, client, owner)
    made = client.post(
        f"/api/v1/licences/{licence.id}/presentation",
        json={"disclose": ["birth_date"]},
        headers={"X-CSRF-Token": csrf},
    )
    assert made.status_code == 200
    client.cookies.clear()
    checked = client.post(
        "/api/v1/licences/verify", json={"credential": made.json()["presentation"]}
    )
    assert checked.json()["ok"] and checked.json()["claims"] == {"birth_date": "1985-03-12"}
    stranger = make_citizen(container)
    csrf = sign_in(container, client, stranger)
    refused = client.post(
        f"/api/v1/licences/{licence.id}/presentation",
        json={"disclose": ["birth_date"]},
        headers={"X-CSRF-Token": csrf},
    )
    assert refused.status_code == 403


def test_the_verify_page_shows_status_only_and_checks_uploads(
    container: Container, client: Any
) -> None:
    owner = make_citizen(container)
    licence = issue_id_card(container, owner)
    page = client.get("/verify", params={"id": licence.id})
    assert page.status_code == 200 and "居民身份证" in page.text and "有效" in page.text
    assert owner.login not in page.text and ID_CARD["address"] not in page.text
    assert "陈**" in page.text
    missing = client.get("/verify", params={"id": "DZZZ-id_card-20260101-NOPE0000"})
    assert "没有编号为" in missing.text
    form = client.get("/verify")
    csrf = client.cookies.get("tb_csrf")
    assert form.status_code == 200 and csrf
    done = client.post("/verify", data={"csrf_token": csrf, "credential": licence.credential})
    assert done.status_code == 200 and 'data-code="valid"' in done.text
    junk = client.post(
        "/verify",
        data={"csrf_token": csrf},
        files={"file": ("x.pdf", b"not a pdf", "application/pdf")},
    )
    assert junk.status_code == 200 and 'data-code="not_a_licence"' in junk.text


def test_the_published_keys_are_public(container: Container, client: Any) -> None:
    jwks = client.get("/.well-known/jwks.json")
    assert jwks.status_code == 200 and jwks.json()["keys"][0]["kid"] == container.keys.current.kid
    assert "d" not in jwks.json()["keys"][0]
    ca = client.get("/.well-known/ca.pem")
    assert ca.status_code == 200 and ca.content == container.keys.ca_certificate_pem
    types = client.get("/api/v1/licence-types")
    assert {"id_card", "hukou", "longevity_allowance"} <= {t["code"] for t in types.json()}
