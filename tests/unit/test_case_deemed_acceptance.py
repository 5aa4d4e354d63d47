"""视为受理 (《行政许可法》第三十二条): an application whose missing materials were not all listed
to the applicant within 5 working days of receipt counts as accepted from the day of receipt."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from tongban.adapters.calendar_source import official_days
from tongban.domain.cases.model import DEEMED_ACCEPTANCE_BASIS, Case
from tongban.domain.cases.status import CaseStatus, Channel
from tongban.domain.cases.values import SYSTEM_ROLE, ItemTerms, Performer
from tongban.domain.catalogue.model import ItemKind
from tongban.domain.errors import IllegalTransition
from tongban.domain.shared.calendar import WorkingCalendar

CALENDAR = WorkingCalendar(official_days(2026, 2026))
TERMS = ItemTerms(ItemKind.PROMISED, 3, (("身份证明", True), ("场所证明", False)))
APPLICANT = Performer(7, "citizen")
CLERK = Performer(11, "clerk", "C-GC")
SYSTEM = Performer(None, SYSTEM_ROLE, request_id="sweep")


def at(day: str, hour: int = 10) -> datetime:
    return datetime.fromisoformat(day).replace(tzinfo=UTC) + timedelta(hours=hour - 8)


def received(day: str = "2026-11-02") -> Case:
    """A case handed in on ``day`` with one non-key material missing."""
    case = Case.start(
        by=APPLICANT,
        at=at(day, 9),
        number="NH20261102-000001",
        item_code="SCJGJ-0001",
        item_version=1,
        terms=TERMS,
        applicant_id=7,
        channel=Channel.ONLINE,
        department_code="SCJGJ",
        materials=["身份证明"],
    )
    case.submit(by=APPLICANT, at=at(day, 9))
    case.events.clear()
    return case


def test_a_case_is_deemed_accepted_from_receipt_once_five_working_days_have_passed() -> None:
    case = received("2026-11-02")  # a Monday: the fifth working day after it is Monday 9th
    assert case.listing_limit(CALENDAR) == date(2026, 11, 9)
    case.deem_accepted(by=SYSTEM, at=at("2026-11-10"), calendar=CALENDAR, told_on=None)
    assert case.status is CaseStatus.ACCEPTED
    assert case.accepted_on == date(2026, 11, 2)
    # The 3 promised working days run from the day of receipt, not from the sweep's day.
    assert case.deadline == date(2026, 11, 5)
    [event] = case.events
    assert (event.type, event.from_status, event.to_status) == (
        "CaseDeemedAccepted",
        CaseStatus.SUBMITTED,
        CaseStatus.ACCEPTED,
    )
    assert event.role == SYSTEM_ROLE and event.actor_id is None
    assert event.detail["legal_basis"] == DEEMED_ACCEPTANCE_BASIS
    assert event.detail["received_on"] == "2026-11-02"


def test_a_case_is_never_deemed_accepted_before_the_five_working_days_are_over() -> None:
    case = received("2026-11-02")
    with pytest.raises(IllegalTransition):
        case.deem_accepted(by=SYSTEM, at=at("2026-11-09", 17), calendar=CALENDAR, told_on=None)
    assert case.status is CaseStatus.SUBMITTED and not case.events


def test_holidays_do_not_count_among_the_five_working_days() -> None:
    case = received("2026-09-28")  # then 国庆节 1–7 October, and a make-up Saturday on the 10th
    assert case.listing_limit(CALENDAR) == date(2026, 10, 10)
    with pytest.raises(IllegalTransition):
        case.deem_accepted(by=SYSTEM, at=at("2026-10-09"), calendar=CALENDAR, told_on=None)
    case.deem_accepted(by=SYSTEM, at=at("2026-10-12"), calendar=CALENDAR, told_on=None)
    assert case.accepted_on == date(2026, 9, 28)


def test_a_correction_requested_in_time_rules_out_deemed_acceptance() -> None:
    case = received("2026-11-02")
    case.request_correction(
        by=CLERK, at=at("2026-11-09"), reasons="缺场所证明", needed=["场所证明"]
    )
    case.supply_correction(by=APPLICANT, at=at("2026-11-10"), calendar=CALENDAR, materials=[])
    assert case.status is CaseStatus.SUBMITTED
    with pytest.raises(IllegalTransition):
        case.deem_accepted(
            by=SYSTEM, at=at("2026-11-16"), calendar=CALENDAR, told_on=date(2026, 11, 9)
        )
    assert case.status is CaseStatus.SUBMITTED


def test_a_correction_requested_too_late_does_not_prevent_it() -> None:
    case = received("2026-11-02")
    case.deem_accepted(
        by=SYSTEM, at=at("2026-11-16"), calendar=CALENDAR, told_on=date(2026, 11, 10)
    )
    assert case.status is CaseStatus.ACCEPTED and case.accepted_on == date(2026, 11, 2)


@pytest.mark.parametrize("status_changer", ["accept", "refuse", "draft"])
def test_only_a_case_awaiting_acceptance_can_be_deemed_accepted(status_changer: str) -> None:
    case = received("2026-11-02")
    if status_changer == "accept":
        case.accept_with_missing_materials(
            by=CLERK,
            at=at("2026-11-03"),
            calendar=CALENDAR,
            missing=["场所证明"],
            commitment="承诺补交",
            supply_by=date(2026, 11, 6),
        )
    elif status_changer == "refuse":
        case.refuse_acceptance(by=CLERK, at=at("2026-11-03"), reasons="不属于本事项")
    else:
        case.status = CaseStatus.DRAFT
    before = case.status
    with pytest.raises(IllegalTransition):
        case.deem_accepted(by=SYSTEM, at=at("2026-11-16"), calendar=CALENDAR, told_on=None)
    assert case.status is before
