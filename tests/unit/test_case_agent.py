"""Materials asked only when an agent acts (委托他人办理的，提交授权委托书及受托人身份证件):
required then, and neither required nor counted as missing when the applicant comes themself."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from tongban.adapters.calendar_source import official_days
from tongban.domain.cases.model import Case
from tongban.domain.cases.status import CaseStatus, Channel
from tongban.domain.cases.values import Agent, ItemTerms, Performer
from tongban.domain.catalogue.model import ItemKind, Material, ServiceItemSpec
from tongban.domain.errors import KeyMaterialNotWaivable, ValidationFailed
from tongban.domain.shared.calendar import WorkingCalendar

CALENDAR = WorkingCalendar(official_days(2026, 2026))
ID_CARD, PREMISES, POWER = "经营者身份证明", "经营场所使用证明", "委托书及受托人身份证件"
TERMS = ItemTerms(
    ItemKind.PROMISED,
    3,
    ((ID_CARD, True), (PREMISES, False), (POWER, False)),
    agent_only=frozenset({POWER}),
)
KEY_POWER = ItemTerms(
    ItemKind.PROMISED, 3, ((ID_CARD, True), (POWER, True)), agent_only=frozenset({POWER})
)
CLERK = Performer(11, "clerk", "C-GC")
AGENT = Agent("王五", "resident_id", "11010519491231002X")
DAY = date(2026, 11, 2)


def at(day: str, hour: int = 10) -> datetime:
    return datetime.fromisoformat(day).replace(tzinfo=UTC) + timedelta(hours=hour - 8)


def received(
    materials: tuple[str, ...], agent: Agent | None = None, terms: ItemTerms = TERMS
) -> Case:
    case = Case.start(
        by=CLERK,
        at=at("2026-11-02", 9),
        number="NH20261102-000001",
        item_code="SCJGJ-0001",
        item_version=1,
        terms=terms,
        applicant_id=7,
        channel=Channel.WINDOW,
        department_code="SCJGJ",
        materials=list(materials),
        agent=agent,
    )
    case.submit(by=CLERK, at=at("2026-11-02", 9))
    return case


def accept_missing(case: Case, missing: list[str]) -> None:
    case.accept_with_missing_materials(
        by=CLERK,
        at=at("2026-11-02"),
        calendar=CALENDAR,
        missing=missing,
        commitment="本人承诺五个工作日内补交",
        supply_by=date(2026, 11, 9),
    )


def test_the_terms_of_an_item_know_which_materials_only_an_agent_brings() -> None:
    spec = ServiceItemSpec(
        code="SCJGJ-0001",
        name="个体工商户设立登记",
        department_code="SCJGJ",
        level="district",
        legal_limit_days=15,
        promised_limit_days=3,
        legal_basis=("《促进个体工商户发展条例》",),
        materials=(
            Material(name=ID_CARD),
            Material(name=PREMISES, key=False),
            Material(name=POWER, key=False, only_by_agent=True),
        ),
    )
    assert ItemTerms.from_spec(spec) == TERMS
    assert TERMS.required_names(by_agent=False) == (ID_CARD, PREMISES)
    assert TERMS.required_names(by_agent=True) == (ID_CARD, PREMISES, POWER)


def test_an_applicant_who_comes_themself_is_accepted_without_an_agents_authorisation() -> None:
    case = received((ID_CARD, PREMISES))
    assert case.absent_materials() == []
    case.accept(by=CLERK, at=at("2026-11-02"), calendar=CALENDAR)
    assert case.status is CaseStatus.ACCEPTED and case.deadline == date(2026, 11, 5)


def test_when_an_agent_acts_the_authorisation_is_needed_for_acceptance() -> None:
    case = received((ID_CARD, PREMISES), agent=AGENT)
    assert case.absent_materials() == [POWER]
    with pytest.raises(ValidationFailed) as refused:
        case.accept(by=CLERK, at=at("2026-11-02"), calendar=CALENDAR)
    assert POWER in refused.value.fields["materials"]
    assert case.status is CaseStatus.SUBMITTED
    complete = received((ID_CARD, PREMISES, POWER), agent=AGENT)
    complete.accept(by=CLERK, at=at("2026-11-02"), calendar=CALENDAR)
    assert complete.status is CaseStatus.ACCEPTED


def test_without_an_agent_the_authorisation_is_never_listed_as_missing() -> None:
    case = received((ID_CARD,))
    accept_missing(case, [PREMISES])
    assert case.missing is not None and case.missing.names == (PREMISES,)
    other = received((ID_CARD,))
    with pytest.raises(ValidationFailed) as refused:
        accept_missing(other, [PREMISES, POWER])
    assert POWER in refused.value.fields["missing"] and "代理人" in refused.value.fields["missing"]
    assert other.status is CaseStatus.SUBMITTED


def test_when_an_agent_acts_a_non_key_authorisation_may_follow_under_the_commitment() -> None:
    case = received((ID_CARD, PREMISES), agent=AGENT)
    accept_missing(case, [POWER])
    assert case.missing is not None and case.missing.names == (POWER,)


def test_a_key_authorisation_is_never_waived_when_an_agent_acts() -> None:
    case = received((ID_CARD,), agent=AGENT, terms=KEY_POWER)
    with pytest.raises(KeyMaterialNotWaivable):
        accept_missing(case, [POWER])
    assert case.status is CaseStatus.SUBMITTED


def test_an_agents_authorisation_is_not_received_for_an_applicant_who_came_themself() -> None:
    with pytest.raises(ValidationFailed) as refused:
        received((ID_CARD, PREMISES, POWER))
    assert POWER in refused.value.fields["materials"]


def test_the_trail_says_an_agent_acted_but_not_who() -> None:
    drafted = received((ID_CARD, PREMISES, POWER), agent=AGENT).events[0]
    assert drafted.detail == {"channel": "window", "by_agent": True}
    assert received((ID_CARD, PREMISES)).events[0].detail == {"channel": "window"}


def test_an_agent_is_identified_by_name_and_a_valid_document() -> None:
    agent = Agent.identified(" 王五 ", "resident_id", "11010519491231002x", today=DAY)
    assert agent == AGENT
    assert "11010519491231002X" not in repr(agent)
    with pytest.raises(ValidationFailed) as refused:
        Agent.identified("", "resident_id", "110105194912310021", today=DAY)
    assert set(refused.value.fields) == {"agent.name", "agent.id_number"}
    with pytest.raises(ValidationFailed) as refused:
        Agent.identified("王五", "library_card", "123", today=DAY)
    assert set(refused.value.fields) == {"agent.id_type"}
    permit = Agent.identified("陈大文", "hk_macao_travel_permit", "h12345678", today=DAY)
    assert permit.id_number == "H12345678"
