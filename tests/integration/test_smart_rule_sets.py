"""The rule sets of 失业保险金申领, 住房公积金提取 and 公共场所卫生许可 through the 秒批 service, on
both databases: each decides on the data the platform really reads (the applicant's licences,
the form, the cases already filed), and a second application waits for the first."""

from __future__ import annotations

from typing import Any

import pytest

from tests.clock import SYSTEM
from tests.factories import Person, make_citizen, make_enterprise
from tests.integration.test_rules import SmartWorld, build_smart_world, publish_demo
from tongban.domain.cases.status import CaseStatus
from tongban.domain.rules.evaluation import Outcome
from tongban.services.cases import lifecycle
from tongban.services.licences import library as licences
from tongban.services.smart import approval as svc

UNEMPLOYMENT = "RSJ-0005"
HOUSING_FUND = "GJJ-0001"
VENUE = "WJJ-0002"
NANHAI = "佛山市南海区桂城街道南海大道北1号"
E_ID = {"sex": "男", "ethnicity": "汉", "birth_date": "1985-06-01", "address": NANHAI}
INSURED = {
    "insured_types": "职工基本养老保险、职工基本医疗保险、失业保险、工伤保险",
    "employer": "广东南海智造科技有限公司",
    "since": "2020-07-01",
    "months_paid": 76,
}
LAID_OFF = {
    "phone": "13800138000",
    "separation_date": "2026-10-31",
    "separation_reason": "用人单位解除劳动合同",
    "job_seeking": True,
}


@pytest.fixture
def world(container: Any) -> SmartWorld:
    world = build_smart_world(container, (UNEMPLOYMENT, HOUSING_FUND, VENUE))
    for code in (UNEMPLOYMENT, HOUSING_FUND, VENUE):
        publish_demo(world, code)
    return world


def holding(world: SmartWorld, person: Person, name: str, **held: dict[str, Any]) -> Person:
    """``person`` with the given licences (type → fields) issued to them."""
    with world.container.uow() as uow:
        for type_code, fields in held.items():
            licences.issue(
                uow, SYSTEM, world.container.keys, type_code=type_code,
                holder_id=person.login, holder_name=name, fields=fields,
            )  # fmt: skip
        uow.commit()
    return person


def citizen(world: SmartWorld, **held: dict[str, Any]) -> Person:
    return holding(
        world, make_citizen(world.container, name="梁志明"), "梁志明", id_card=E_ID, **held
    )


def apply(world: SmartWorld, who: Person, item_code: str, form: dict[str, Any]) -> Any:
    with world.container.uow() as uow:
        return svc.apply(
            uow, world.actor(who.user_id), world.container.keys, item_code, form, consent=True
        )


def outcomes(decision: Any) -> dict[str, str]:
    return {r["rule_id"]: r["outcome"] for r in decision.results}


def test_a_laid_off_worker_insured_for_six_years_is_approved_on_the_spot(
    world: SmartWorld,
) -> None:
    decision = apply(world, citizen(world, social_insurance=INSURED), UNEMPLOYMENT, LAID_OFF)
    assert decision.outcome is Outcome.APPROVE, decision.reasons
    assert decision.status is CaseStatus.DELIVERED
    assert decision.licence_id is None  # no e-licence type is the 待遇核定通知


def test_without_an_insurance_certificate_the_data_is_missing_and_a_person_decides(
    world: SmartWorld,
) -> None:
    decision = apply(world, citizen(world), UNEMPLOYMENT, LAID_OFF)
    assert decision.outcome is Outcome.MANUAL_REVIEW
    got = outcomes(decision)
    assert (got["R1"], got["R2"], got["R3"]) == ("missing", "missing", "pass")


def test_a_second_claim_goes_to_a_person_while_the_first_awaits_a_decision(
    world: SmartWorld,
) -> None:
    worker = citizen(world, social_insurance=INSURED)
    first = apply(world, worker, UNEMPLOYMENT, LAID_OFF | {"separation_reason": "其他原因"})
    assert first.status is CaseStatus.UNDER_REVIEW and outcomes(first)["R3"] == "fail"
    second = apply(world, worker, UNEMPLOYMENT, LAID_OFF)
    assert second.outcome is Outcome.MANUAL_REVIEW
    assert second.reasons == ["R7 不符合：申请人没有已提交、尚待决定的失业保险金申领"]
    # Someone else's pending claim is no reason to wait.
    other = apply(world, citizen(world, social_insurance=INSURED), UNEMPLOYMENT, LAID_OFF)
    assert other.outcome is Outcome.APPROVE
    with world.container.uow() as uow:
        for pending in (first, second):
            lifecycle.withdraw(uow, world.actor(worker.user_id), pending.number, pending.version)
    assert apply(world, worker, UNEMPLOYMENT, LAID_OFF).outcome is Outcome.APPROVE


RENT = {"phone": "13800138000", "reason": "租房自住", "amount": "1500.50"}
MARRIED = {
    "spouse_name": "陈嘉欣",
    "spouse_id_number": "440605199107160000",
    "registered_on": "2022-10-01",
    "certificate_no": "J440605-2022-000001",
}


def test_an_unmarried_tenant_without_a_home_in_nanhai_withdraws_on_the_spot(
    world: SmartWorld,
) -> None:
    decision = apply(world, citizen(world), HOUSING_FUND, RENT)
    assert decision.outcome is Outcome.APPROVE, decision.reasons
    assert set(outcomes(decision).values()) == {"pass"}


def test_a_married_tenant_goes_to_a_person_who_checks_the_spouses_home(
    world: SmartWorld,
) -> None:
    decision = apply(world, citizen(world, marriage=MARRIED), HOUSING_FUND, RENT)
    assert decision.outcome is Outcome.MANUAL_REVIEW
    assert decision.reasons == [
        "R3 不符合：以租房自住为由提取的，申请人未登记结婚（已婚的，配偶的住房情况须人工核实）"
    ]


def test_a_retirement_withdrawal_always_goes_to_a_person(world: SmartWorld) -> None:
    decision = apply(world, citizen(world), HOUSING_FUND, RENT | {"reason": "离休退休"})
    assert decision.outcome is Outcome.MANUAL_REVIEW
    assert outcomes(decision)["R1"] == "fail" and outcomes(decision)["R2"] == "pass"


def barber(world: SmartWorld, scope: str) -> Person:
    company = make_enterprise(world.container, name="佛山市南海区美丽人生理发店")
    licence = {
        "entity_type": "个体工商户",
        "legal_representative": "陈美丽",
        "registered_capital": "不适用",
        "established_on": "2024-03-01",
        "address": NANHAI,
        "business_scope": scope,
    }
    return holding(world, company, "佛山市南海区美丽人生理发店", business_licence=licence)


SALON = {
    "contact_name": "陈美丽",
    "phone": "13900139000",
    "premises_address": NANHAI,
    "venue_type": "美容美发场所",
}


def test_a_nanhai_barber_whose_licence_covers_hairdressing_is_permitted_on_the_spot(
    world: SmartWorld,
) -> None:
    decision = apply(world, barber(world, "理发服务；美容服务"), VENUE, SALON)
    assert decision.outcome is Outcome.APPROVE, decision.reasons
    assert decision.status is CaseStatus.DELIVERED


def test_a_swimming_pool_outside_the_licences_scope_goes_to_a_person(world: SmartWorld) -> None:
    decision = apply(
        world, barber(world, "理发服务"), VENUE, SALON | {"venue_type": "游泳场（馆）"}
    )
    assert decision.outcome is Outcome.MANUAL_REVIEW
    assert outcomes(decision) == {"R1": "pass", "R2": "fail", "R3": "pass"}
