"""Bundles (一件事) in the domain: definitions, the mapping onto each item's form, the combined
status and the rejection policy; and the demo bundles against the demo catalogue."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from tongban.demo.bundles import DEMO_BUNDLES, NEWBORN, OPEN_RESTAURANT, START_COMPANY
from tongban.demo.items import HAND_WRITTEN_ITEMS
from tongban.domain.bundles.check import check_application
from tongban.domain.bundles.model import BundleDefinition, BundleItem, RejectionPolicy
from tongban.domain.bundles.progress import BundleState, SubCase, progress, to_halt
from tongban.domain.cases.status import CaseStatus, Decision
from tongban.domain.catalogue.model import Channel
from tongban.domain.errors import ValidationFailed

SPECS = {s.code: s for s in HAND_WRITTEN_ITEMS}
S = CaseStatus

RESTAURANT_FORM = {
    "enterprise_name": "佛山市南海区小明餐饮有限公司",
    "credit_code": "91440605MA000001XX",
    "company_type": "有限责任公司",
    "registered_capital": "50",
    "legal_rep": "张小明",
    "legal_rep_id": "11010519491231002X",
    "premises_address": "桂城街道南海大道 1 号",
    "business_scope": "餐饮服务",
    "contact_name": "张小明",
    "phone": "13800138000",
    "food_items": "热食类食品制售",
    "area": "80",
}


def _valid_credit_code() -> str:
    from tongban.domain.shared.identity import credit_code_check_char, organisation_code_check_char

    body = "MA000001"
    first17 = "91440605" + body + organisation_code_check_char(body)
    return first17 + credit_code_check_char(first17)


@pytest.fixture
def restaurant_form() -> dict[str, str]:
    return {**RESTAURANT_FORM, "credit_code": _valid_credit_code()}


# --- the demo bundles fit the demo catalogue --------------------------------------------------


@pytest.mark.parametrize("definition", DEMO_BUNDLES, ids=lambda d: d.code)
def test_every_demo_bundle_item_exists_and_can_be_applied_for_online(
    definition: BundleDefinition,
) -> None:
    for item in definition.items:
        spec = SPECS[item.item_code]
        assert Channel.ONLINE in spec.channels, item.item_code
        fields = {f.name for f in spec.form}
        assert set(item.fields) | set(item.constants) <= fields, item.item_code
        required = {f.name for f in spec.form if f.required}
        assert required <= set(item.fields) | set(item.constants), item.item_code
        # Every material of every item is asked once, so a complete application can be accepted;
        # none that only an agent brings: the signed-in applicant applies online themself.
        asked = {m.name for m in spec.materials if not m.only_by_agent}
        assert set(item.materials) == asked, item.item_code


def test_the_demo_bundles_reach_at_least_ten_departments_and_the_restaurant_has_eight_items() -> (
    None
):
    departments = {SPECS[c].department_code for d in DEMO_BUNDLES for c in d.item_codes}
    assert len(departments) >= 10
    assert len(OPEN_RESTAURANT.items) == 8
    assert len(START_COMPANY.items) >= 6
    assert OPEN_RESTAURANT.green_channel and OPEN_RESTAURANT.priority == 1


# --- definitions -----------------------------------------------------------------------------


def test_a_definition_refuses_a_mapping_onto_an_unknown_shared_field() -> None:
    data = NEWBORN.model_dump(mode="json")
    data["items"][0]["fields"] = {"applicant_name": "nobody"}
    with pytest.raises(ValidationError, match="nobody"):
        BundleDefinition.model_validate(data)


def test_a_halting_definition_needs_a_key_item() -> None:
    data = NEWBORN.model_dump(mode="json")
    data["policy"] = RejectionPolicy.HALT.value
    with pytest.raises(ValidationError, match="关键事项"):
        BundleDefinition.model_validate(data)


def test_a_definition_holds_at_most_eight_items() -> None:
    data = OPEN_RESTAURANT.model_dump(mode="json")
    data["items"].append(BundleItem(item_code="GJJ-0003").model_dump(mode="json"))
    with pytest.raises(ValidationError):
        BundleDefinition.model_validate(data)


# --- one application onto every item ----------------------------------------------------------


def test_the_shared_form_fills_every_item_with_constants_and_shared_materials(
    restaurant_form: dict[str, str],
) -> None:
    apps = check_application(OPEN_RESTAURANT, SPECS, restaurant_form, ["公司章程"])
    by_code = {a.item_code: a for a in apps}
    assert len(apps) == 8
    food = by_code["SCJGJ-0012"]
    assert food.form["business_form"] == "餐饮服务经营者"
    assert food.form["area"] == 80
    # The business licence is shared by the registration body, never handed in.
    assert "营业执照" in by_code["GAJ-0014"].materials
    assert "公司章程" in by_code["SCJGJ-0004"].materials


def test_a_missing_shared_field_is_reported_once_naming_every_item_that_needs_it(
    restaurant_form: dict[str, str],
) -> None:
    del restaurant_form["credit_code"]
    with pytest.raises(ValidationFailed) as caught:
        check_application(OPEN_RESTAURANT, SPECS, restaurant_form, [])
    message = caught.value.fields["form.credit_code"]
    assert "公章刻制备案" in message and "食品经营许可" in message
    assert message.endswith("请填写统一社会信用代码")


def test_a_bad_value_for_one_item_and_a_stray_field_are_both_reported(
    restaurant_form: dict[str, str],
) -> None:
    restaurant_form["area"] = "很大"
    restaurant_form["colour"] = "红"
    with pytest.raises(ValidationFailed) as caught:
        check_application(OPEN_RESTAURANT, SPECS, restaurant_form, ["不存在的材料"])
    fields = caught.value.fields
    assert fields["form.area"].startswith("食品经营许可：")
    assert "form.colour" in fields and "materials" in fields


# --- combined status and policy ---------------------------------------------------------------


def _sub(code: str, status: CaseStatus, decision: Decision | None = None) -> SubCase:
    return SubCase(f"NH-{code}", code, status, decision)


def test_the_combined_status_counts_done_sub_cases_until_every_one_is_done() -> None:
    subs = [
        _sub("GAJ-0004", S.RESULT_ISSUED, Decision.APPROVED),
        _sub("WJJ-0001", S.UNDER_REVIEW),
        _sub("YBJ-0001", S.APPROVED, Decision.APPROVED),
        _sub("RSJ-0003", S.SUBMITTED),
    ]
    p = progress(NEWBORN, subs)
    assert (p.done, p.total, p.state) == (2, 4, BundleState.IN_PROGRESS)
    subs[1] = _sub("WJJ-0001", S.REJECTED, Decision.REJECTED)
    subs[3] = _sub("RSJ-0003", S.DELIVERED, Decision.APPROVED)
    assert progress(NEWBORN, subs).state is BundleState.PARTLY_REFUSED
    assert to_halt(NEWBORN, subs) == []  # continue: the others go on


def test_a_refused_key_item_halts_the_open_sub_cases_under_the_halt_policy() -> None:
    subs = [
        _sub("SCJGJ-0004", S.REJECTED, Decision.REJECTED),
        _sub("GAJ-0014", S.APPROVED, Decision.APPROVED),
        _sub("SWJ-0002", S.UNDER_REVIEW),
        _sub("RSJ-0009", S.SUBMITTED),
    ]
    assert [s.item_code for s in to_halt(START_COMPANY, subs)] == ["SWJ-0002", "RSJ-0009"]
    subs[2] = _sub("SWJ-0002", S.TERMINATED)
    subs[3] = _sub("RSJ-0009", S.NOT_ACCEPTED)
    assert to_halt(START_COMPANY, subs) == []
    assert progress(START_COMPANY, subs).state is BundleState.HALTED


def test_every_sub_case_approved_is_completed() -> None:
    subs = [_sub(c, S.ARCHIVED, Decision.APPROVED) for c in NEWBORN.item_codes]
    assert progress(NEWBORN, subs).state is BundleState.COMPLETED
