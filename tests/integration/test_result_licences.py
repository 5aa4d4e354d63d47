"""结果电子证照 on both databases: a case a person approved gets the e-licence of its item's
result when the department issues it — from the staff page or the API — and it reaches the
holder's data space; other results and rejections keep a plain reference."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from tests.clock import SYSTEM, TEST_START
from tests.factories import credit_code
from tests.integration.catalogue_fixtures import spec
from tests.integration.test_case_delivery import decided
from tests.integration.test_case_pages import as_user, post
from tests.integration.test_cases import FORM, World, at_window, publish_item, step, world
from tongban.adapters.courier import SimulatedCourier
from tongban.adapters.db.tables import cases, users
from tongban.adapters.db.tables_licences import licences
from tongban.domain.cases.status import CaseStatus, DeliveryMethod
from tongban.domain.errors import ValidationFailed
from tongban.domain.licences.errors import LicenceFieldsInvalid
from tongban.services.cases import delivery, repository, results
from tongban.services.cases import lifecycle as svc
from tongban.services.cases.audit import verify
from tongban.services.catalogue import items as catalogue
from tongban.services.licences import library

__all__ = ["world"]  # the fixture, shared with test_cases
DAY = "2026-11-03"
BUSINESS = {
    "entity_type": "个体工商户",
    "legal_representative": "张小明",
    "registered_capital": "5万元",
    "address": "佛山市南海区桂城街道南海大道1号",
    "business_scope": "饮品店经营",
}
SENIOR_FORM = [
    {"name": "applicant_name", "label": "申请人姓名"},
    {"name": "address", "label": "住址", "type": "address"},
    {"name": "birth_date", "label": "出生日期", "type": "date"},
]


def issue(
    world: World, ref: svc.CaseRef, content: results.LicenceContent | None, reference: str = ""
) -> delivery.Dispatch:
    with world.container.uow() as uow:
        return delivery.issue_result_and_dispatch(
            uow,
            world.actor(world.reviewer, DAY),
            ref.number,
            ref.version,
            SimulatedCourier(),
            reference,
            keys=world.container.keys,
            licence=content,
        )


def status_of(world: World, number: str) -> str:
    with world.container.read() as uow:
        return str(
            uow.conn.execute(select(cases.c.status).where(cases.c.number == number)).scalar()
        )


def licence_count(world: World) -> int:
    with world.container.read() as uow:
        return int(uow.conn.execute(select(func.count()).select_from(licences)).scalar_one())


@pytest.fixture
def business_world(world: World) -> World:
    """SCJGJ-0001 v2: its result is a 营业执照 (an enterprise's licence, a person applies)."""
    publish_item(world.container, result_licence_type="business_licence")
    return world


def test_a_licence_result_is_not_issued_without_its_content_and_nothing_is_written(
    business_world: World,
) -> None:
    world = business_world
    ref = decided(world)
    with pytest.raises(results.ResultLicenceRequired) as missing:
        issue(world, ref, None, "营业执照")
    assert missing.value.code == "result_licence_required" and "营业执照" in missing.value.message
    code = credit_code()
    with pytest.raises(LicenceFieldsInvalid) as incomplete:
        issue(world, ref, results.LicenceContent({"entity_type": "个体工商户"}, code, "小明奶茶"))
    assert {"legal_representative", "business_scope"} <= set(incomplete.value.fields)
    with pytest.raises(ValidationFailed) as no_holder:
        issue(world, ref, results.LicenceContent(BUSINESS))
    assert set(no_holder.value.fields) == {"holder_id"}
    assert status_of(world, ref.number) == CaseStatus.APPROVED.value
    assert licence_count(world) == 0


def test_a_case_approved_by_hand_gets_its_licence_as_the_result(business_world: World) -> None:
    world = business_world
    ref = decided(world, delivery_method=DeliveryMethod.ELECTRONIC)
    code = credit_code()
    content = results.LicenceContent({**BUSINESS, "established_on": "2026-11-03"}, code, "小明奶茶")
    sent = issue(world, ref, content, "ignored: the licence id is the reference")
    assert sent.ref.status is CaseStatus.DELIVERED  # electronic: the licence is the delivery
    with world.container.read() as uow:
        reference = repository.get(uow.conn, ref.number).result_reference
        licence = library.get(uow.conn, reference)
        held = library.holder_licences(uow.conn, code, valid_on=None)
        assert verify(uow.conn).ok
    assert (licence.type_code, licence.holder_id, licence.holder_name) == (
        "business_licence",
        code,
        "小明奶茶",
    )
    assert licence.case_number == ref.number and licence.fields["business_scope"] == "饮品店经营"
    assert [lic.id for lic in held] == [reference]


def under_review(world: World) -> svc.CaseRef:
    """A window case accepted and under review, not yet decided."""
    ref = at_window(world)
    ref = step(world, svc.accept, world.clerk, ref, "2026-11-02")
    return step(world, svc.start_review, world.reviewer, ref, "2026-11-02")


def test_a_rejection_or_a_document_result_keeps_its_reference_and_issues_no_licence(
    business_world: World,
) -> None:
    world = business_world
    ref = step(world, svc.propose_decision, world.reviewer, under_review(world), DAY, False, "不符")
    ref = step(world, svc.sign_off_rejection, world.chief, ref, DAY, "同意")
    sent = issue(world, ref, None, "南市监不许字〔2026〕1号")
    assert sent.ref.status is CaseStatus.RESULT_ISSUED and licence_count(world) == 0
    publish_item(world.container)  # v3: the result is a document again
    plain = issue(world, decided(world), None, "批准文件 1 号")
    assert plain.ref.status is CaseStatus.RESULT_ISSUED and licence_count(world) == 0


def test_a_persons_licence_goes_to_the_applicant_with_personal_fields_from_the_form(
    world: World,
) -> None:
    with world.container.uow() as uow:
        changes = {"result_licence_type": "senior_card", "form": SENIOR_FORM}
        catalogue.publish_spec(uow, SYSTEM, spec(audience="citizen", **changes))
        uow.commit()
    form = {"applicant_name": "张小明", "address": "佛山市南海区桂城街道南海大道1号"}
    ref = decided(world, form={**form, "birth_date": "1950-05-01"})
    with world.container.read() as uow:
        case = repository.get(uow.conn, ref.number)
        draft = results.licence_draft(uow.conn, case, world.actor(None, DAY).at.date())
    assert draft is not None and draft.holder_is_applicant
    assert "南海大道1号" not in str(draft.fields) + str(draft.from_form)  # masked for the form
    assert draft.fields["card_no"] == ref.number and draft.fields["birth_date"] == "1950-05-01"
    assert set(draft.from_form) == {"address"}
    sent = issue(world, ref, results.LicenceContent({"card_no": "YD-1"}))  # the rest as drafted
    with world.container.read() as uow:
        reference = repository.get(uow.conn, ref.number).result_reference
        licence = library.get(uow.conn, reference)
    assert sent.ref.status is CaseStatus.RESULT_ISSUED
    assert licence.fields == {
        "card_no": "YD-1",
        "birth_date": "1950-05-01",
        "address": "佛山市南海区桂城街道南海大道1号",
    }
    assert (licence.holder_id, licence.holder_name) == (world_id_number(world), "张小明")


def world_id_number(world: World) -> str:
    with world.container.read() as uow:
        return str(
            uow.conn.execute(select(users.c.id_number).where(users.c.id == world.citizen)).scalar()
        )


def test_the_reviewer_issues_the_licence_from_the_case_page_and_the_applicant_sees_it(
    business_world: World, client: Any
) -> None:
    world = business_world
    ref = decided(world, delivery_method=DeliveryMethod.ELECTRONIC)
    csrf = as_user(world.container, client, world.reviewer)
    page = client.get(f"/review/cases/{ref.number}")
    assert page.status_code == 200 and 'id="issue-form"' in page.text
    assert 'name="licence.business_scope"' in page.text and 'name="holder_id"' in page.text
    assert 'value="小明奶茶"' in page.text  # the holder's name suggested from the form
    served_on = TEST_START.date().isoformat()  # the server's clock: the day of issue
    assert f'name="licence.established_on" value="{served_on}"' in page.text
    data = {f"licence.{k}": v for k, v in {**BUSINESS, "established_on": "2026-11-03"}.items()}
    refused = post(client, f"/review/cases/{ref.number}/issue", csrf, version=ref.version, **data)
    assert refused.status_code == 422 and 'id="err-holder_id"' in refused.text
    code = credit_code()
    done = post(
        client,
        f"/review/cases/{ref.number}/issue",
        csrf,
        version=ref.version,
        holder_id=code,
        holder_name="小明奶茶",
        **data,
    )
    assert done.status_code == 303, done.text
    as_user(world.container, client, world.citizen)
    mine = client.get(f"/my/cases/{ref.number}")
    assert 'id="result-reference"' in mine.text and "/licences/" in mine.text
    assert FORM["shop_name"] in mine.text
