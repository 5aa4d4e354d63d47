"""The case aggregate (办件): every transition, every refusal, and the working-day clock."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from tongban.adapters.calendar_source import official_days
from tongban.domain.cases.chain import entry_hash
from tongban.domain.cases.forms import validate_form
from tongban.domain.cases.model import GENESIS_HASH, Case
from tongban.domain.cases.numbers import digits_of, format_number, is_case_number
from tongban.domain.cases.status import CaseStatus, Channel, ClockState, Decision
from tongban.domain.cases.values import ItemTerms, Performer
from tongban.domain.catalogue.model import FieldType, FormField, ItemKind
from tongban.domain.errors import (
    IllegalTransition,
    KeyMaterialNotWaivable,
    MaterialsOutstanding,
    ValidationFailed,
)
from tongban.domain.shared.calendar import WorkingCalendar

CALENDAR = WorkingCalendar(official_days(2026, 2026))
S = CaseStatus
ID_CARD, PREMISES, PHOTO = "经营者身份证明", "经营场所使用证明", "照片"
TERMS = ItemTerms(ItemKind.PROMISED, 3, ((ID_CARD, True), (PREMISES, False), (PHOTO, False)))
IMMEDIATE = ItemTerms(ItemKind.IMMEDIATE, 0, ((ID_CARD, True),))
APPLICANT = Performer(7, "citizen")
CLERK = Performer(11, "clerk", "C-GC")
REVIEWER = Performer(21, "reviewer", None, "SCJGJ")
CHIEF = Performer(31, "section_chief", None, "SCJGJ")


def at(day: str, hour: int = 10) -> datetime:
    """An instant on ``day`` in China (UTC+8) at ``hour`` o'clock."""
    return datetime.fromisoformat(day).replace(tzinfo=UTC) + timedelta(hours=hour - 8)


def submitted(
    terms: ItemTerms = TERMS, materials: tuple[str, ...] | None = None, day: str = "2026-11-02"
) -> Case:
    case = Case.start(
        by=APPLICANT,
        at=at(day, 9),
        number="NH20261102-000001",
        item_code="SCJGJ-0001",
        item_version=1,
        terms=terms,
        applicant_id=7,
        channel=Channel.WINDOW,
        department_code="SCJGJ",
        materials=list(terms.material_names if materials is None else materials),
    )
    case.submit(by=APPLICANT, at=at(day, 9))
    return case


def accepted(day: str = "2026-11-02", terms: ItemTerms = TERMS) -> Case:
    case = submitted(terms, day=day)
    case.accept(by=CLERK, at=at(day), calendar=CALENDAR)
    return case


def under_review(day: str = "2026-11-02") -> Case:
    case = accepted(day)
    case.start_review(by=REVIEWER, at=at(day, 11))
    return case


def types(case: Case) -> list[str]:
    return [event.type for event in case.events]


# --- intake and acceptance ------------------------------------------------------------------------


def test_a_case_starts_as_a_draft_and_submitting_records_the_day_of_receipt() -> None:
    case = submitted()
    assert case.status is S.SUBMITTED
    assert case.submitted_at == at("2026-11-02", 9)
    assert types(case) == ["CaseDrafted", "CaseSubmitted"]
    assert case.events[1].from_status is S.DRAFT and case.events[1].to_status is S.SUBMITTED


def test_acceptance_sets_the_deadline_in_working_days_skipping_the_national_day_holiday() -> None:
    # 30 Sep accepted; 1–7 Oct holiday; 8 Oct (1), 9 Oct (2), Saturday 10 Oct is 调休上班 (3).
    case = accepted("2026-09-30")
    assert case.status is S.ACCEPTED
    assert case.accepted_on == date(2026, 9, 30)
    assert case.deadline == date(2026, 10, 10)
    assert case.accepting_centre_code == "C-GC"
    event = case.events[-1]
    assert (event.type, event.role, event.centre_code) == ("CaseAccepted", "clerk", "C-GC")


def test_an_immediate_item_is_due_the_day_it_is_accepted_and_decided_on_the_spot() -> None:
    case = accepted(terms=IMMEDIATE)
    assert case.deadline == case.accepted_on == date(2026, 11, 2)
    case.approve(by=CLERK, at=at("2026-11-02", 10))
    assert case.status is S.APPROVED and case.decision is Decision.APPROVED
    assert case.status_of_clock(date(2026, 11, 2), CALENDAR) is ClockState.NORMAL


def test_a_promised_item_is_not_decided_straight_from_acceptance() -> None:
    case = accepted()
    with pytest.raises(IllegalTransition):
        case.approve(by=REVIEWER, at=at("2026-11-02"))


def test_acceptance_needs_every_material_and_says_which_are_missing() -> None:
    case = submitted(materials=(ID_CARD,))
    with pytest.raises(ValidationFailed) as refused:
        case.accept(by=CLERK, at=at("2026-11-02"), calendar=CALENDAR)
    assert PREMISES in refused.value.fields["materials"]
    assert case.status is S.SUBMITTED and case.accepted_on is None


def test_a_key_material_can_never_be_waived() -> None:
    case = submitted(materials=(PREMISES, PHOTO))
    with pytest.raises(KeyMaterialNotWaivable) as refused:
        case.accept_with_missing_materials(
            by=CLERK,
            at=at("2026-11-02"),
            calendar=CALENDAR,
            missing=[ID_CARD],
            commitment="本人承诺五个工作日内补交",
            supply_by=date(2026, 11, 9),
        )
    assert ID_CARD in refused.value.message
    assert refused.value.code == "key_material_not_waivable"
    assert case.status is S.SUBMITTED and case.missing is None


def test_non_key_materials_may_be_missing_on_a_signed_commitment_and_a_supply_date() -> None:
    case = submitted(materials=(ID_CARD,))
    case.accept_with_missing_materials(
        by=CLERK,
        at=at("2026-11-02"),
        calendar=CALENDAR,
        missing=[PREMISES, PHOTO],
        commitment="本人承诺于11月9日前补交",
        supply_by=date(2026, 11, 9),
    )
    assert case.status is S.ACCEPTED
    assert case.missing is not None and case.missing.names == (PREMISES, PHOTO)
    assert case.deadline == date(2026, 11, 5)
    assert types(case)[-1] == "CaseAcceptedWithMissingMaterials"


def test_missing_materials_acceptance_needs_a_commitment_and_a_later_supply_date() -> None:
    case = submitted(materials=(ID_CARD,))
    with pytest.raises(ValidationFailed) as refused:
        case.accept_with_missing_materials(
            by=CLERK,
            at=at("2026-11-02"),
            calendar=CALENDAR,
            missing=[PREMISES],
            commitment=" ",
            supply_by=date(2026, 11, 2),
        )
    assert set(refused.value.fields) == {"commitment", "supply_by", "materials"}


def test_no_result_is_issued_while_missing_materials_are_outstanding() -> None:
    case = submitted(materials=(ID_CARD, PHOTO))
    case.accept_with_missing_materials(
        by=CLERK,
        at=at("2026-11-02"),
        calendar=CALENDAR,
        missing=[PREMISES],
        commitment="承诺补交",
        supply_by=date(2026, 11, 9),
    )
    case.start_review(by=REVIEWER, at=at("2026-11-03"))
    case.approve(by=REVIEWER, at=at("2026-11-03"), reasons="符合条件")
    with pytest.raises(MaterialsOutstanding):
        case.issue_result(by=REVIEWER, at=at("2026-11-03"))
    case.supply_missing_materials(by=APPLICANT, at=at("2026-11-04"), names=[PREMISES])
    assert case.missing is None and PREMISES in case.materials
    case.issue_result(by=REVIEWER, at=at("2026-11-04"), reference="营业执照 No.1")
    assert case.status is S.RESULT_ISSUED


def test_an_uploaded_file_of_a_missing_material_supplies_it() -> None:
    case = submitted(materials=(ID_CARD,))
    case.accept_with_missing_materials(
        by=CLERK,
        at=at("2026-11-02"),
        calendar=CALENDAR,
        missing=[PREMISES, PHOTO],
        commitment="承诺补交",
        supply_by=date(2026, 11, 9),
    )
    scan = {"sha256": "ab" * 32, "size": 1024, "content_type": "application/pdf"}
    case.receive_material_file(
        PREMISES, {**scan, "filename": "场所.pdf"}, APPLICANT, at("2026-11-03")
    )
    assert case.missing is not None and case.missing.names == (PHOTO,)
    assert PREMISES in case.materials and case.status is S.ACCEPTED
    event = case.events[-1]
    assert (event.type, event.detail["material"], event.detail["still_missing"]) == (
        "CaseMaterialFileReceived",
        PREMISES,
        [PHOTO],
    )
    case.receive_material_file(PHOTO, {**scan, "filename": "照片.jpg"}, APPLICANT, at("2026-11-04"))
    assert case.missing is None
    with pytest.raises(ValidationFailed):
        case.receive_material_file("户口本", scan, APPLICANT, at("2026-11-04"))


def test_refusing_acceptance_needs_reasons_and_ends_the_case() -> None:
    case = submitted()
    with pytest.raises(ValidationFailed) as refused:
        case.refuse_acceptance(by=CLERK, at=at("2026-11-02"), reasons="  ")
    assert "reasons" in refused.value.fields
    case.refuse_acceptance(by=CLERK, at=at("2026-11-02"), reasons="不属于本事项受理范围")
    assert case.status is S.NOT_ACCEPTED and case.status.is_final
    with pytest.raises(IllegalTransition):
        case.accept(by=CLERK, at=at("2026-11-02"), calendar=CALENDAR)


def test_a_precheck_comes_before_acceptance() -> None:
    case = submitted()
    case.precheck(by=CLERK, at=at("2026-11-02"), note="材料齐全")
    case.accept(by=CLERK, at=at("2026-11-02"), calendar=CALENDAR)
    assert types(case)[-2:] == ["CasePrechecked", "CaseAccepted"]


# --- corrections (补正) and the clock ----------------------------------------------------------


def test_correction_stops_the_clock() -> None:
    # Accepted Mon 2 Nov, 3 days; correction Tue 3 Nov (day 1 counts); supplied Fri 6 Nov.
    case = under_review()
    case.request_correction(
        by=REVIEWER, at=at("2026-11-03"), reasons="场所证明不清晰", needed=[PREMISES]
    )
    assert case.status is S.CORRECTION_REQUESTED and case.clock_stopped
    assert case.deadline is None
    assert case.days_used(date(2026, 11, 5), CALENDAR) == 1
    case.supply_correction(
        by=APPLICANT, at=at("2026-11-06"), calendar=CALENDAR, materials=[PREMISES]
    )
    assert case.status is S.UNDER_REVIEW and not case.clock_stopped
    assert case.deadline == date(2026, 11, 10)
    assert case.days_used(date(2026, 11, 9), CALENDAR) == 2


def test_a_correction_before_acceptance_stops_no_clock_and_returns_where_it_was() -> None:
    case = submitted(materials=(ID_CARD,))
    case.precheck(by=CLERK, at=at("2026-11-02"))
    case.request_correction(
        by=CLERK, at=at("2026-11-02"), reasons="材料不全", needed=[PREMISES, PHOTO]
    )
    assert case.stops == [] and case.correction is not None
    case.supply_correction(
        by=APPLICANT, at=at("2026-11-04"), calendar=CALENDAR, materials=[PREMISES, PHOTO]
    )
    assert case.status is S.PRECHECKED and case.accepted_on is None
    case.accept(by=CLERK, at=at("2026-11-04"), calendar=CALENDAR)
    assert case.deadline == date(2026, 11, 9)


def test_a_correction_lists_everything_needed_at_once_with_reasons() -> None:
    case = under_review()
    with pytest.raises(ValidationFailed) as refused:
        case.request_correction(by=REVIEWER, at=at("2026-11-03"), reasons="", needed=[])
    assert set(refused.value.fields) == {"reasons"}
    with pytest.raises(ValidationFailed) as refused:
        case.request_correction(by=REVIEWER, at=at("2026-11-03"), reasons="不清晰", needed=[" "])
    assert set(refused.value.fields) == {"needed"}
    assert case.status is S.UNDER_REVIEW and case.stops == []


def test_the_clock_turns_yellow_near_the_deadline_and_red_after_it() -> None:
    case = accepted("2026-11-02")  # deadline Thu 5 Nov
    assert case.status_of_clock(date(2026, 11, 2), CALENDAR, yellow_days=1) is ClockState.NORMAL
    assert case.status_of_clock(date(2026, 11, 4), CALENDAR, yellow_days=1) is ClockState.YELLOW
    assert case.status_of_clock(date(2026, 11, 3), CALENDAR, yellow_days=2) is ClockState.YELLOW
    assert case.status_of_clock(date(2026, 11, 6), CALENDAR, yellow_days=1) is ClockState.RED


# --- review and the decision --------------------------------------------------------------------


def test_rejection_waits_for_section_chief_sign_off() -> None:
    case = under_review()
    case.propose_rejection(by=REVIEWER, at=at("2026-11-03"), reasons="经营范围属于禁止类")
    assert case.status is S.REJECTION_PROPOSED and case.decision is None
    with pytest.raises(IllegalTransition):
        case.issue_result(by=REVIEWER, at=at("2026-11-03"))
    case.sign_off_rejection(by=CHIEF, at=at("2026-11-04"), note="同意")
    assert case.status is S.REJECTED and case.decision is Decision.REJECTED
    assert case.decision_reasons == "经营范围属于禁止类"
    assert case.events[-1].role == "section_chief"


def test_a_rejection_needs_reasons() -> None:
    case = under_review()
    with pytest.raises(ValidationFailed):
        case.propose_rejection(by=REVIEWER, at=at("2026-11-03"), reasons="")


def test_the_chief_may_send_a_rejection_back_with_a_note() -> None:
    case = under_review()
    case.propose_rejection(by=REVIEWER, at=at("2026-11-03"), reasons="理由不足")
    with pytest.raises(ValidationFailed):
        case.send_back_rejection(by=CHIEF, at=at("2026-11-03"), note="")
    case.send_back_rejection(by=CHIEF, at=at("2026-11-03"), note="请补充现场核查")
    assert case.status is S.UNDER_REVIEW and case.proposal is None
    assert case.events[-1].reason == "请补充现场核查"


def test_an_approval_is_issued_delivered_and_archived() -> None:
    case = under_review()
    case.approve(by=REVIEWER, at=at("2026-11-04"), reasons="符合条件")
    case.issue_result(by=REVIEWER, at=at("2026-11-04"), reference="营业执照")
    case.deliver(by=CLERK, at=at("2026-11-05"), detail={"pickup_code": "123456"})
    case.archive(by=CLERK, at=at("2026-11-05"))
    assert case.status is S.ARCHIVED
    assert case.days_used(date(2026, 11, 30), CALENDAR) == 2
    assert types(case)[-4:] == ["CaseApproved", "CaseResultIssued", "CaseDelivered", "CaseArchived"]


def test_a_rejection_notice_is_issued_too() -> None:
    case = under_review()
    case.propose_rejection(by=REVIEWER, at=at("2026-11-03"), reasons="不符合条件")
    case.sign_off_rejection(by=CHIEF, at=at("2026-11-03"))
    case.issue_result(by=REVIEWER, at=at("2026-11-03"), reference="不予许可决定书")
    assert case.status is S.RESULT_ISSUED


# --- withdrawal and termination -------------------------------------------------------------


def test_the_applicant_may_withdraw_before_a_decision_but_not_after() -> None:
    case = under_review()
    case.withdraw(by=APPLICANT, at=at("2026-11-03"), reason="不再需要")
    assert case.status is S.WITHDRAWN
    decided = under_review()
    decided.approve(by=REVIEWER, at=at("2026-11-03"))
    with pytest.raises(IllegalTransition):
        decided.withdraw(by=APPLICANT, at=at("2026-11-03"))


def test_a_withdrawal_during_a_correction_closes_the_clock_stop() -> None:
    case = under_review()
    case.request_correction(by=REVIEWER, at=at("2026-11-03"), reasons="不清晰", needed=[PHOTO])
    case.withdraw(by=APPLICANT, at=at("2026-11-05"))
    assert not case.clock_stopped


def test_termination_needs_reasons_and_ends_the_case() -> None:
    case = accepted()
    with pytest.raises(ValidationFailed):
        case.terminate(by=REVIEWER, at=at("2026-11-10"), reasons="")
    case.terminate(by=REVIEWER, at=at("2026-11-10"), reasons="容缺承诺到期未补交材料")
    assert case.status is S.TERMINATED and case.closing_reason.startswith("容缺")
    with pytest.raises(IllegalTransition):
        case.start_review(by=REVIEWER, at=at("2026-11-10"))


# --- refusals in general ------------------------------------------------------------------------


def test_an_illegal_transition_names_the_action_and_the_current_status() -> None:
    case = submitted()
    with pytest.raises(IllegalTransition) as refused:
        case.start_review(by=REVIEWER, at=at("2026-11-02"))
    assert refused.value.code == "illegal_transition" and refused.value.status == 409
    assert refused.value.message == "办件当前状态为“已提交”，不能开始审查。"


def test_a_material_the_item_does_not_ask_for_is_refused() -> None:
    with pytest.raises(ValidationFailed):
        submitted(materials=("户口本",))


def test_every_transition_records_exactly_one_event_with_who_when_and_why() -> None:
    case = under_review()
    before = len(case.events)
    case.propose_rejection(by=REVIEWER, at=at("2026-11-03"), reasons="理由")
    assert len(case.events) == before + 1
    event = case.events[-1]
    assert (event.actor_id, event.role, event.reason) == (21, "reviewer", "理由")
    assert (event.from_status, event.to_status) == (S.UNDER_REVIEW, S.REJECTION_PROPOSED)
    with pytest.raises(IllegalTransition):
        case.accept(by=CLERK, at=at("2026-11-03"), calendar=CALENDAR)
    assert len(case.events) == before + 1


# --- numbers, forms and the audit chain --------------------------------------------------------


def test_case_numbers_are_the_region_the_day_and_a_seven_digit_sequence() -> None:
    assert format_number("440605", date(2026, 11, 27), 42) == "440605-20261127-0000042"
    assert format_number("440113", date(2026, 11, 27), 9_999_999) == "440113-20261127-9999999"
    with pytest.raises(ValueError):
        format_number("440605", date(2026, 11, 27), 10_000_000)
    assert is_case_number(" 440605-20261127-0000042 ")
    assert not is_case_number("440605-2026112-0000042")
    assert not is_case_number("440605-20261127-000042")


def test_case_numbers_sort_by_day_then_sequence_past_a_million_a_day() -> None:
    day, next_day = date(2026, 11, 27), date(2026, 11, 28)
    numbers = [
        format_number("440605", next_day, 1),
        format_number("440605", day, 1_000_000),
        format_number("440605", day, 999_999),
        format_number("440605", day, 2),
    ]
    assert sorted(numbers) == [numbers[3], numbers[2], numbers[1], numbers[0]]


def test_numbers_given_before_the_jurisdiction_was_configured_stay_readable() -> None:
    assert is_case_number(" nh20261127-000042 ")
    assert not is_case_number("NH2026112-000042")
    assert digits_of("NH20261127-000042") == "20261127000042"
    assert digits_of("440605-20261127-0000042") == "202611270000042"


def test_a_form_is_checked_field_by_field_in_chinese() -> None:
    schema = [
        FormField(name="shop_name", label="店名"),
        FormField(name="area", label="经营面积", type=FieldType.NUMBER),
        FormField(name="opened", label="开业日期", type=FieldType.DATE),
        FormField(name="kind", label="类型", type=FieldType.CHOICE, options=("餐饮", "零售")),
        FormField(name="owner_id", label="经营者身份证号", type=FieldType.ID_NUMBER),
        FormField(name="note", label="备注", required=False),
    ]
    with pytest.raises(ValidationFailed) as refused:
        validate_form(
            schema,
            {"area": "很大", "opened": "2026-13-01", "kind": "批发", "owner_id": "1", "x": 1},
        )
    fields = refused.value.fields
    assert fields["form.shop_name"] == "请填写店名"
    assert "应为数字" in fields["form.area"]
    assert "日期" in fields["form.opened"]
    assert "餐饮" in fields["form.kind"]
    assert "身份号码" in fields["form.owner_id"]
    assert "form.x" in fields
    clean = validate_form(
        schema,
        {
            "shop_name": "小明奶茶",
            "area": "35",
            "opened": "2026-12-01",
            "kind": "餐饮",
            "owner_id": "11010519491231002X",
        },
    )
    assert clean["area"] == 35 and clean["owner_id"] == "11010519491231002X"


def test_the_hash_of_an_entry_covers_its_content_and_the_previous_hash() -> None:
    entry = {"case": "NH20261102-000001", "seq": 1, "type": "CaseDrafted", "reason": "理由"}
    first = entry_hash(GENESIS_HASH, entry)
    assert first == entry_hash(GENESIS_HASH, dict(reversed(list(entry.items()))))
    assert first != entry_hash(GENESIS_HASH, {**entry, "reason": "改过的理由"})
    assert first != entry_hash("1" * 64, entry)
