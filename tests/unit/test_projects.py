"""The proxy service's pure rules: project validation, roadmaps, step progress, the on-behalf
record in case events."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from tests.factories import credit_code
from tongban.demo.items import HAND_WRITTEN_ITEMS
from tongban.demo.jurisdictions import NANHAI
from tongban.domain.cases.chain import canonical_json
from tongban.domain.cases.model import Case
from tongban.domain.cases.status import CaseStatus, Channel
from tongban.domain.cases.values import ItemTerms, Performer
from tongban.domain.catalogue.model import ItemKind
from tongban.domain.errors import ValidationFailed
from tongban.domain.projects.model import (
    ProjectInput,
    StepProgress,
    check_note,
    check_project,
    is_overdue,
    project_code,
    step_progress,
)
from tongban.domain.projects.roadmap import (
    CONSTRUCTION_STAGES,
    current_stage,
    item_codes,
    roadmap_for,
)

TOWNS = tuple(t["name"] for t in NANHAI["towns"])
CODE = credit_code(4242)


def data(**changes: object) -> ProjectInput:
    values: dict[str, object] = {
        "name": "智能制造产业园",
        "investment_wan": "35000",
        "industry": "先进制造",
        "site_address": "狮山镇博爱路 1 号",
        "town": "狮山镇",
        "construction": True,
        "credit_code": CODE,
        "legal_representative": "陈志明",
    }
    values.update(changes)
    return ProjectInput(**values)  # type: ignore[arg-type]


def test_a_valid_project_is_cleaned() -> None:
    facts = check_project(data(investment_wan="35,000", name="  智能制造  产业园 "), CODE, TOWNS)
    assert facts.investment_wan == 35000
    assert facts.name == "智能制造 产业园"


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(ValidationFailed) as caught:
        check_project(
            data(investment_wan="-1", town="天河区", credit_code="91440605MA4WQ7K1", industry="?"),
            CODE,
            TOWNS,
        )
    assert set(caught.value.fields) == {"investment_wan", "town", "credit_code", "industry"}


@pytest.mark.parametrize("amount", ["0", "-20", "12.5", "abc", "99999999"])
def test_an_investment_must_be_whole_positive_and_plausible(amount: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        check_project(data(investment_wan=amount), CODE, TOWNS)
    assert "investment_wan" in caught.value.fields


def test_a_credit_code_with_a_wrong_check_character_is_refused() -> None:
    wrong = CODE[:17] + ("0" if CODE[17] != "0" else "1")
    with pytest.raises(ValidationFailed) as caught:
        check_project(data(credit_code=wrong), wrong, TOWNS)
    assert "校验" in caught.value.fields["credit_code"]


def test_a_town_outside_the_jurisdiction_is_refused() -> None:
    with pytest.raises(ValidationFailed) as caught:
        check_project(data(town="桂城街道"), CODE, ("市桥街道", "南村镇"))
    assert set(caught.value.fields) == {"town"}
    assert check_project(data(town="南村镇"), CODE, ("市桥街道", "南村镇")).town == "南村镇"


def test_construction_projects_follow_the_four_stages_in_order() -> None:
    steps = roadmap_for(True)
    assert sorted({s.stage for s in steps}) == [1, 2, 3, 4]
    assert [s.stage for s in steps] == sorted(s.stage for s in steps)
    assert [s.position for s in steps] == list(range(1, len(steps) + 1))
    assert len(CONSTRUCTION_STAGES) == 4
    assert len(roadmap_for(False)) < len(steps)


def test_every_roadmap_item_exists_in_the_demo_catalogue_with_its_name_and_department() -> None:
    catalogue = {s.code: s for s in HAND_WRITTEN_ITEMS}
    for step in (*roadmap_for(True), *roadmap_for(False)):
        spec = catalogue[step.item_code]
        assert spec.name == step.item_name
        assert spec.department_code == step.department_code
    assert item_codes() <= set(catalogue)


def test_a_step_follows_its_case() -> None:
    assert step_progress(None) is StepProgress.PENDING
    assert step_progress(CaseStatus.SUBMITTED.value) is StepProgress.FILED
    assert step_progress(CaseStatus.UNDER_REVIEW.value) is StepProgress.IN_PROGRESS
    assert step_progress(CaseStatus.RESULT_ISSUED.value) is StepProgress.DONE
    assert step_progress(CaseStatus.ARCHIVED.value, "reject") is StepProgress.RETURNED
    assert step_progress(CaseStatus.NOT_ACCEPTED.value) is StepProgress.RETURNED


def test_only_open_steps_past_their_day_are_overdue() -> None:
    today = date(2026, 11, 20)
    assert is_overdue(StepProgress.IN_PROGRESS, date(2026, 11, 19), today)
    assert not is_overdue(StepProgress.IN_PROGRESS, today, today)
    assert not is_overdue(StepProgress.DONE, date(2026, 11, 1), today)
    assert not is_overdue(StepProgress.PENDING, None, today)


def test_the_current_stage_is_the_first_not_done() -> None:
    assert current_stage({1: (3, 3), 2: (1, 3), 3: (0, 2)}, 4) == 2
    assert current_stage({1: (1, 1), 2: (2, 2)}, 2) is None


def test_notes_need_a_kind_and_a_body() -> None:
    assert check_note("meeting", " 会商 ") == "会商"
    with pytest.raises(ValidationFailed):
        check_note("party", "")


def test_project_codes_are_readable() -> None:
    assert project_code(7) == "XM000007"


def _case(by: Performer) -> Case:
    at = datetime(2026, 11, 2, 2, tzinfo=UTC)
    case = Case.start(
        by=by,
        at=at,
        number="NH20261102-000001",
        item_code="FGJ-0001",
        item_version=1,
        terms=ItemTerms(ItemKind.IMMEDIATE, 0, ()),
        applicant_id=7,
        channel=Channel.ONLINE,
        department_code="FGJ",
    )
    case.submit(by=by, at=at)
    return case


def test_every_event_an_agent_causes_records_the_company_it_acts_for() -> None:
    agent = Performer(9, "agent", "C-NH", on_behalf_of=CODE)
    case = _case(agent)
    assert [e.detail["on_behalf_of"] for e in case.events] == [CODE, CODE]


def test_events_without_an_agent_carry_nothing_new_and_hash_as_before() -> None:
    case = _case(Performer(7, "enterprise"))
    assert all("on_behalf_of" not in e.detail for e in case.events)
    event = case.events[0]
    entry = {
        "case": case.number,
        "seq": 1,
        "type": event.type,
        "from_status": None,
        "to_status": event.to_status.value,
        "at": event.at,
        "actor_id": event.actor_id,
        "role": event.role,
        "centre_code": event.centre_code,
        "reason": event.reason,
        "detail": dict(event.detail),
        "request_id": event.request_id,
    }
    # The hashed body is exactly the fields it always was: no new key appears.
    assert canonical_json(entry) == (
        '{"actor_id":7,"at":"2026-11-02T02:00:00.000000+00:00","case":"NH20261102-000001",'
        '"centre_code":null,"detail":{"channel":"online"},"from_status":null,"reason":"",'
        '"request_id":"","role":"enterprise","seq":1,"to_status":"draft","type":"CaseDrafted"}'
    )
