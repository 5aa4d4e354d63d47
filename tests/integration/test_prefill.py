# ruff: noqa: F811  (the ``holder`` fixture is imported)
"""表单秒填 and 材料秒报 on both databases: sourced form fields are filled from the holder's
licences and locked, a disputed value sends the case to manual review with the dispute kept,
and the item's materials are taken from the e-licence library at trust level A."""

from __future__ import annotations

from typing import Any

import pytest

from tests.clock import SYSTEM
from tests.integration.catalogue_fixtures import spec
from tests.integration.data_space_fixtures import (
    DEPARTMENT,
    NOW,
    Holder,
    holder,  # noqa: F401
    later,
)
from tongban.domain.data_space.errors import DataAccessRefused, FieldNotDisputable
from tongban.domain.data_space.model import Requester
from tongban.domain.errors import CaseNotFound, ValidationFailed
from tongban.services.cases import lifecycle as cases_svc
from tongban.services.cases import queries
from tongban.services.cases import repository as repo
from tongban.services.cases.audit import verify
from tongban.services.catalogue import items as catalogue
from tongban.services.data_space import licence_materials, prefill
from tongban.services.data_space import reads as data_space
from tongban.services.platform.context import Actor

ITEM = "SCJGJ-0101"
FORM = [
    {"name": "applicant_name", "label": "申请人姓名", "source": "id_card.holder_name"},
    {"name": "birth_date", "label": "出生日期", "type": "date", "source": "id_card.birth_date"},
    {"name": "address", "label": "户籍地址", "source": "hukou.household_address"},
    {"name": "spouse", "label": "配偶姓名", "required": False, "source": "marriage.spouse_name"},
    {"name": "phone", "label": "联系电话", "type": "phone"},
]
MATERIALS = [
    {"name": "申请人居民身份证", "key": True, "licence_type": "id_card"},
    {"name": "户口簿", "key": True},
    {"name": "经营场所使用证明", "key": False},
]


def publish(world: Holder) -> Any:
    item = spec(code=ITEM, name="高龄津贴申领", form=FORM, materials=MATERIALS)
    with world.container.uow() as uow:
        catalogue.publish_spec(uow, SYSTEM, item)
        uow.commit()
    return item


def fill(world: Holder, requester: Requester) -> prefill.PrefillResult:
    item = publish(world)
    with world.container.uow() as uow:
        result = prefill.prefill(
            uow,
            requester,
            holder_id=world.id_number,
            form_schema=item.form,
            purpose="高龄津贴申领表单预填",
            at=later(minutes=1),
        )
        uow.commit()
    return result


def submit(world: Holder) -> str:
    result = fill(world, Requester(None, ITEM, world.user_id, "citizen"))
    form = {**result.values, "phone": "13800138000"}
    application = cases_svc.Application(item_code=ITEM, form=form)
    with world.container.uow() as uow:
        return cases_svc.submit_online(uow, world.actor(world.user_id), application).number


def test_prefill_fills_and_locks_every_sourced_field_the_licences_hold(holder: Holder) -> None:
    result = fill(holder, Requester(None, ITEM, holder.user_id, "citizen"))
    assert result.values == {
        "applicant_name": "陈阿婆",
        "birth_date": "1940-05-01",
        "address": "广东省佛山市南海区桂城街道南海大道1号",
    }
    assert result.locked == {"applicant_name", "birth_date", "address"}
    assert result.missing == {"spouse": "marriage.spouse_name"}
    assert "phone" not in result.sources
    with holder.container.read() as uow:
        [entry] = data_space.access_log(uow.conn, holder.id_number)
    assert entry.kind == "prefill" and entry.legal_basis == "本人查询"


def test_a_department_prefills_only_with_a_grant(holder: Holder) -> None:
    with pytest.raises(DataAccessRefused):
        fill(holder, DEPARTMENT)


def test_a_disputed_value_sends_the_case_to_manual_review_with_the_dispute(
    holder: Holder,
) -> None:
    number = submit(holder)
    with holder.container.uow() as uow:
        prefill.dispute(
            uow,
            holder.actor(holder.user_id, later(minutes=3)),
            number,
            field="address",
            claim="广东省佛山市南海区桂城街道南海大道2号",
            reason="已迁户，户口簿尚未更新",
        )
    with holder.container.read() as uow:
        case = repo.get(uow.conn, number)
        timeline = queries.timeline(uow.conn, holder.actor(holder.user_id).principal, number)
        assert verify(uow.conn, number).ok
    assert case.needs_manual_review
    [entry] = case.disputes
    assert entry["field"] == "address" and entry["value"].endswith("1号")
    assert entry["claim"].endswith("2号") and entry["status"] == "open"
    assert timeline[-1].type == "FormValueDisputed"


def test_only_locked_values_are_disputed_and_only_by_their_applicant(holder: Holder) -> None:
    number = submit(holder)
    with holder.container.uow() as uow, pytest.raises(FieldNotDisputable):
        prefill.dispute(
            uow, holder.actor(holder.user_id), number, field="phone", claim="1", reason="错了"
        )
    with holder.container.uow() as uow, pytest.raises(CaseNotFound):
        prefill.dispute(
            uow, holder.actor(holder.other_user_id), number, field="address", claim="x", reason="y"
        )
    with holder.container.uow() as uow, pytest.raises(ValidationFailed):
        prefill.dispute(
            uow, holder.actor(holder.user_id), number, field="address", claim="x", reason=" "
        )
    with holder.container.read() as uow:
        case = repo.get(uow.conn, number)
    assert case.disputes == [] and not case.needs_manual_review


def grant_item(world: Holder) -> None:
    with world.container.uow() as uow:
        terms = data_space.GrantTerms(
            holder_id=world.id_number,
            grantee_department=None,
            grantee_item=ITEM,
            type_codes=["id_card", "hukou"],
            fields=None,
            purpose="高龄津贴申领材料",
            expires_at=later(days=7),
            single_use=True,
        )
        data_space.grant(uow, world.actor(world.user_id), terms)


def attach(world: Holder, number: str) -> list[str]:
    with world.container.uow() as uow:
        case = repo.get(uow.conn, number)
        names = licence_materials.attach_licences(
            uow,
            Actor(request_id="smart", at=later(minutes=5)),
            case,
            Requester(None, ITEM, None, "system"),
            holder_id=world.id_number,
            purpose="材料秒报",
        )
        repo.save(uow.conn, case, NOW)
        uow.commit()
    return names


def test_materials_come_from_the_licence_library_at_trust_level_a(holder: Holder) -> None:
    number = submit(holder)
    grant_item(holder)
    assert attach(holder, number) == ["申请人居民身份证", "户口簿"]
    with holder.container.read() as uow:
        case = repo.get(uow.conn, number)
        assert verify(uow.conn, number).ok
    assert case.absent_materials() == ["经营场所使用证明"]
    source = case.material_sources["户口簿"]
    assert source["type"] == "hukou" and source["trust_level"] == "A"
    assert source["licence_id"] == holder.issued[1]


def test_without_consent_no_licence_becomes_a_material(holder: Holder) -> None:
    number = submit(holder)
    with pytest.raises(DataAccessRefused):
        attach(holder, number)
    with holder.container.read() as uow:
        case = repo.get(uow.conn, number)
        entries = data_space.access_log(uow.conn, holder.id_number)
    assert case.material_sources == {} and case.materials == []
    assert entries[0].outcome == "refused" and entries[0].kind == "material"


def test_consent_given_at_the_window_lets_the_case_take_its_licences(holder: Holder) -> None:
    from tongban.domain.identity_check.errors import IdentifyFirst
    from tongban.services.identity import check as identity_check

    number = submit(holder)
    clerk = holder.actor(holder.clerk, later(minutes=2))
    with holder.container.uow() as uow, pytest.raises(IdentifyFirst):
        identity_check.record_consent(uow, clerk, subject_id=holder.user_id, item_code=ITEM)
    with holder.container.uow() as uow:
        identity_check.read_id_card(
            uow,
            clerk,
            {"id_number": holder.id_number, "name": "陈阿婆"},
            reader=holder.container.id_card_reader,
        )
    with holder.container.uow() as uow:
        consent = identity_check.record_consent(
            uow, clerk, subject_id=holder.user_id, item_code=ITEM.lower()
        )
    assert consent.grantee_item == ITEM and not consent.single_use
    assert consent.type_codes == ("hukou", "id_card", "marriage")
    assert attach(holder, number) == ["申请人居民身份证", "户口簿"]
    late = holder.actor(holder.clerk, later(minutes=30))
    with holder.container.uow() as uow, pytest.raises(IdentifyFirst):
        identity_check.record_consent(uow, late, subject_id=holder.user_id, item_code=ITEM)
