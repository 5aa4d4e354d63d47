"""The 秒批 decision in the domain: ``decide`` reads the case, the rule set and the inputs and
changes nothing; ``conclude`` moves the case as the verdict says."""

from __future__ import annotations

from datetime import date

from tests.clock import TEST_START
from tongban.adapters.calendar_source import official_days
from tongban.demo.rules import rule_files
from tongban.domain.cases.model import Case
from tongban.domain.cases.status import CaseStatus, Channel, DeliveryMethod
from tongban.domain.cases.values import SYSTEM_ROLE, ItemTerms, Performer
from tongban.domain.catalogue.model import ItemKind
from tongban.domain.rules.decision import conclude, decide
from tongban.domain.rules.evaluation import Inputs, Outcome, RuleOutcome
from tongban.domain.shared.calendar import WorkingCalendar

ALLOWANCE = next(f.spec for f in rule_files() if f.item_code == "MZJ-0004")
CALENDAR = WorkingCalendar(official_days(2026, 2026))
ID_CARD, HUKOU, PHOTO = "申请人身份证", "户口簿", "近期免冠照片"
TERMS = ItemTerms(ItemKind.PROMISED, 5, ((ID_CARD, True), (HUKOU, True), (PHOTO, False)))
APPLICANT = Performer(7, "citizen")
SYSTEM = Performer(None, SYSTEM_ROLE)
ELIGIBLE = Inputs(
    form={"applicant_name": "陈伯", "bank_account": "6217001234567890"},
    data={"id_card": {"birth_date": "1944-03-01"}, "hukou": {"household_address": "南海区"}},
    pred={"age_at_least_80": True, "household_in_nanhai": True},
    today=date(2026, 11, 16),
)
TOO_YOUNG = Inputs(form=ELIGIBLE.form, pred={"age_at_least_80": False, "household_in_nanhai": True})


def submitted(materials: tuple[str, ...] = (ID_CARD, HUKOU, PHOTO)) -> Case:
    case = Case.start(
        by=APPLICANT,
        at=TEST_START,
        number="NH20261116-000001",
        item_code="MZJ-0004",
        item_version=1,
        terms=TERMS,
        applicant_id=7,
        channel=Channel.ONLINE,
        department_code="MZJ",
        materials=list(materials),
    )
    case.submit(by=APPLICANT, at=TEST_START)
    case.events.clear()
    return case


def test_every_rule_passing_with_every_material_in_approves_and_changes_nothing() -> None:
    case = submitted()
    verdict = decide(case, ALLOWANCE, ELIGIBLE)
    assert verdict.outcome is Outcome.APPROVE and verdict.approved and verdict.reasons == ()
    assert [r.outcome for r in verdict.evaluation.results] == [RuleOutcome.PASS] * 3
    assert case.status is CaseStatus.SUBMITTED and case.events == []


def test_a_failing_rule_sends_the_case_to_a_person_with_the_reason() -> None:
    verdict = decide(submitted(), ALLOWANCE, TOO_YOUNG)
    assert verdict.outcome is Outcome.MANUAL_REVIEW
    assert verdict.reasons == ("R1 不符合：申请人年满80周岁",)


def test_a_material_the_library_could_not_supply_or_a_dispute_needs_a_person() -> None:
    without_register = submitted(materials=(ID_CARD, PHOTO))
    assert decide(without_register, ALLOWANCE, ELIGIBLE).reasons == (
        "材料未能从电子证照库获取：" + HUKOU,
    )
    disputed = submitted()
    disputed.dispute_form_value(
        "birth_date", "1944-03-01", "1943-03-01", "户籍有误", APPLICANT, TEST_START
    )
    verdict = decide(disputed, ALLOWANCE, ELIGIBLE)
    assert verdict.reasons == ("申请人对预填数据有异议",) and not verdict.approved


def test_an_approval_is_concluded_at_once_with_the_licence_delivered_electronically() -> None:
    case = submitted()
    verdict = decide(case, ALLOWANCE, ELIGIBLE)
    conclude(
        case, verdict, by=SYSTEM, at=TEST_START, calendar=CALENDAR, rule_set_version=3,
        licence_id="LIC-1",
    )  # fmt: skip
    assert case.status is CaseStatus.DELIVERED and case.result_reference == "LIC-1"
    assert case.delivery.method is DeliveryMethod.ELECTRONIC
    assert case.delivery_detail == {"licence_id": "LIC-1"}
    types = [e.type for e in case.events]
    assert types == [
        "CaseAccepted",
        "CaseReviewStarted",
        "CaseApproved",
        "CaseResultIssued",
        "CaseDelivered",
        "AutomatedDecision",
    ]
    assert case.events[-1].detail == {"outcome": "approve", "rule_set_version": 3}


def test_a_manual_review_is_accepted_and_under_review_or_left_submitted() -> None:
    case = submitted()
    conclude(
        case, decide(case, ALLOWANCE, TOO_YOUNG), by=SYSTEM, at=TEST_START, calendar=CALENDAR,
        rule_set_version=1,
    )  # fmt: skip
    assert case.status is CaseStatus.UNDER_REVIEW and case.decision is None
    assert case.events[-1].reason == "R1 不符合：申请人年满80周岁"
    incomplete = submitted(materials=(ID_CARD, PHOTO))
    conclude(
        incomplete, decide(incomplete, ALLOWANCE, ELIGIBLE), by=SYSTEM, at=TEST_START,
        calendar=CALENDAR, rule_set_version=1,
    )  # fmt: skip
    assert incomplete.status is CaseStatus.SUBMITTED
    assert [e.type for e in incomplete.events] == ["AutomatedDecision"]
