"""The service desk over HTTP: escalations (办不成事) and questions (咨询) with Idempotency-Keys,
stable error codes with Chinese messages, who sees what, the statistics, the item's FAQ, and
staff reads of the person's data in their access log."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.factories import Person, make_staff, sign_in
from tests.integration.service_desk_fixtures import Desk, build_desk
from tongban.adapters.db.tables import data_access_log
from tongban.adapters.db.tables_service_desk import hard_cases
from tongban.domain.people.model import Role

HARD = "/api/v1/hard-cases"
ASK = "/api/v1/consultations"
_keys = itertools.count(1)


@pytest.fixture
def desk(container: object) -> Desk:
    return build_desk(container)  # type: ignore[arg-type]


def as_user(desk: Desk, client: Any, user_id: int) -> dict[str, str]:
    client.cookies.clear()
    csrf = sign_in(desk.container, client, Person(user_id, f"u{user_id}", None, Role.CITIZEN))
    return {"X-CSRF-Token": csrf}


def post(client: Any, headers: dict[str, str], path: str, body: Any, key: str = "") -> Any:
    sent = {**headers, "Idempotency-Key": key or f"sd-{next(_keys)}"}
    return client.post(path, json=body, headers=sent)


PROBLEM = {
    "type": "missing_proof",
    "summary": "无犯罪记录证明开不出来",
    "description": "原单位已注销，派出所要求原单位出函。",
    "centre_code": "C-GC",
}


def count(desk: Desk, table: Any) -> int:
    with desk.container.read() as uow:
        return int(uow.conn.execute(select(func.count()).select_from(table)).scalar_one())


def test_raising_takes_an_idempotency_key_and_a_replay_raises_nothing_new(
    desk: Desk, client: Any
) -> None:
    citizen = as_user(desk, client, desk.world.citizen)
    missing = client.post(HARD, json=PROBLEM, headers=citizen)
    assert missing.status_code == 428 and missing.json()["code"] == "idempotency_key_required"
    first = post(client, citizen, HARD, PROBLEM, key="raise-1")
    assert first.status_code == 201, first.text
    assert first.json() == {
        "number": "BC000001",
        "status": "open",
        "version": 1,
        "owner_id": None,
        "due_on": "2026-11-23",
    }
    again = post(client, citizen, HARD, PROBLEM, key="raise-1")
    assert again.headers.get("Idempotent-Replayed") == "true" and again.json() == first.json()
    assert count(desk, hard_cases) == 1


def test_bad_input_is_a_stable_code_with_chinese_messages_and_changes_nothing(
    desk: Desk, client: Any
) -> None:
    citizen = as_user(desk, client, desk.world.citizen)
    wrong = post(client, citizen, HARD, {**PROBLEM, "type": "bogus", "summary": ""})
    assert wrong.status_code == 422 and wrong.json()["code"] == "validation_failed"
    assert set(wrong.json()["fields"]) == {"type", "summary"}
    nowhere = post(client, citizen, HARD, {**PROBLEM, "centre_code": "C-NOPE"})
    assert nowhere.status_code == 422
    assert nowhere.json()["fields"] == {"centre_code": "找不到该服务中心"}
    unknown = post(client, citizen, ASK, {"item_code": "NOPE-0001", "question": "能办吗？"})
    assert unknown.status_code == 404 and unknown.json()["code"] == "item_not_found"
    assert "NOPE-0001" in unknown.json()["message"]
    assert count(desk, hard_cases) == 0


def test_a_citizen_sees_only_their_own_escalations(desk: Desk, client: Any) -> None:
    mine = post(client, as_user(desk, client, desk.world.citizen), HARD, PROBLEM).json()
    theirs = post(client, as_user(desk, client, desk.world.other_citizen), HARD, PROBLEM).json()
    as_user(desk, client, desk.world.citizen)
    listed = client.get(HARD).json()
    assert [r["number"] for r in listed] == [mine["number"]]
    assert listed[0]["person_name"] is None  # their own list needs no name
    hidden = client.get(f"{HARD}/{theirs['number']}")
    assert hidden.status_code == 404 and hidden.json()["code"] == "hard_case_not_found"
    own = client.get(f"{HARD}/{mine['number']}").json()
    assert own["person"] is None and own["type_label"] == "证明材料难以取得"


def test_the_centre_resolves_it_and_the_person_answers_the_follow_up(
    desk: Desk, client: Any
) -> None:
    number = post(client, as_user(desk, client, desk.world.citizen), HARD, PROBLEM).json()["number"]
    clerk = as_user(desk, client, desk.world.clerk)
    [row] = client.get(HARD).json()
    assert row["person_name"] == "张**" and row["status_label"] == "待分派"
    reads = count(desk, data_access_log)
    detail = client.get(f"{HARD}/{number}").json()
    assert detail["person"]["name"] == "张小明" and detail["person"]["phone"] == "13800138000"
    assert "*" in detail["person"]["number"]
    assert count(desk, data_access_log) == reads + 1  # staff reading the person: logged

    taken = post(client, clerk, f"{HARD}/{number}/owner", {"version": 1})
    assert taken.status_code == 200 and taken.json()["owner_id"] == desk.world.clerk
    stale = post(client, clerk, f"{HARD}/{number}/notes", {"body": "已联系", "version": 1})
    assert stale.status_code == 409 and stale.json()["code"] == "stale_version"
    noted = post(client, clerk, f"{HARD}/{number}/notes", {"body": "已联系", "version": 2})
    assert noted.json()["version"] == 3
    done = post(
        client,
        clerk,
        f"{HARD}/{number}/resolve",
        {"outcome": "solved", "resolution": "已协调出具证明。", "version": 3},
    )
    assert done.status_code == 200 and done.json()["status"] == "resolved"
    again = post(
        client,
        clerk,
        f"{HARD}/{number}/resolve",
        {"outcome": "solved", "resolution": "x", "version": 4},
    )
    assert again.status_code == 409 and again.json()["code"] == "hard_case_step_refused"

    citizen = as_user(desk, client, desk.world.citizen)
    answered = post(client, citizen, f"{HARD}/{number}/feedback", {"solved": True})
    assert answered.status_code == 200, answered.text
    shown = client.get(f"{HARD}/{number}").json()
    assert shown["feedback_solved"] is True
    assert [e["kind"] for e in shown["events"]] == [
        "raised",
        "assigned",
        "note",
        "resolved",
        "feedback",
    ]
    other = as_user(desk, client, desk.world.other_citizen)
    refused = post(client, other, f"{HARD}/{number}/feedback", {"solved": False})
    assert refused.status_code == 404


def test_statistics_are_for_the_centre_manager_and_the_leader(desk: Desk, client: Any) -> None:
    post(client, as_user(desk, client, desk.world.citizen), HARD, PROBLEM)
    as_user(desk, client, desk.manager)
    figures = client.get(f"{HARD}/stats").json()
    assert figures["all"]["total"] == 1 and figures["all"]["open"] == 1
    assert figures["by_type"] == [
        {
            "key": "missing_proof",
            "label": "证明材料难以取得",
            "total": 1,
            "open": 1,
            "overdue": 0,
            "resolved": 0,
            "on_time": 0,
        }
    ]
    assert [c["key"] for c in figures["by_centre"]] == ["C-GC"]
    wrong = client.get(f"{HARD}/stats", params={"since": "2026-12-01", "until": "2026-11-01"})
    assert wrong.status_code == 422 and set(wrong.json()["fields"]) == {"until"}
    as_user(desk, client, desk.world.clerk)
    assert client.get(f"{HARD}/stats").status_code == 403


def test_a_question_is_answered_published_and_shown_on_the_items_faq(
    desk: Desk, client: Any
) -> None:
    citizen = as_user(desk, client, desk.world.citizen)
    asked = post(client, citizen, ASK, {"item_code": "SCJGJ-0001", "question": "周末能办吗？"})
    assert asked.status_code == 201 and asked.json()["due_on"] == "2026-11-19"
    number = asked.json()["number"]

    reviewer = as_user(desk, client, desk.world.reviewer)
    [row] = client.get(ASK).json()
    assert row["asker_name"] == "张**" and row["status_label"] == "待答复"
    body = {"answer": "周六上午可以。", "version": 1}
    answered = post(client, reviewer, f"{ASK}/{number}/answer", body)
    assert answered.status_code == 200 and answered.json()["status"] == "answered"
    refused = post(client, reviewer, f"{ASK}/{number}/faq", {})
    assert refused.status_code == 403  # publishing is the chief's

    chief = as_user(desk, client, desk.world.chief)
    published = post(client, chief, f"{ASK}/{number}/faq", {"question": "周末能办理吗？"})
    assert published.status_code == 201, published.text
    twice = post(client, chief, f"{ASK}/{number}/faq", {})
    assert twice.status_code == 409 and twice.json()["code"] == "faq_already_published"

    client.cookies.clear()
    [faq] = client.get("/api/v1/items/SCJGJ-0001/faqs").json()
    assert (faq["question"], faq["answer"]) == ("周末能办理吗？", "周六上午可以。")
    guide = client.get("/items/SCJGJ-0001")
    assert "常见问题" in guide.text and "周末能办理吗？" in guide.text

    chief = as_user(desk, client, desk.world.chief)
    gone = post(client, chief, f"/api/v1/faqs/{faq['id']}/withdraw", {})
    assert gone.status_code == 200
    assert client.get("/api/v1/items/SCJGJ-0001/faqs").json() == []


def test_a_refused_step_reads_in_english_without_a_chinese_word_in_it(
    desk: Desk, client: Any
) -> None:
    number = post(client, as_user(desk, client, desk.world.citizen), HARD, PROBLEM).json()["number"]
    manager = as_user(desk, client, desk.manager)
    answer = client.post(
        f"{HARD}/{number}/resolve",
        json={"outcome": "solved", "resolution": "好", "version": 1},
        headers={**manager, "Idempotency-Key": "en-1", "Accept-Language": "en"},
    )
    assert answer.status_code == 409 and answer.json()["code"] == "hard_case_step_refused"
    assert answer.json()["message"] == (
        "The problem is “Waiting for an owner”: you cannot resolve it now."
    )


def test_consultation_statistics_are_for_the_leader_and_the_centre_manager(
    desk: Desk, client: Any
) -> None:
    citizen = as_user(desk, client, desk.world.citizen)
    number = post(client, citizen, ASK, {"item_code": "SCJGJ-0001", "question": "要带章吗？"})
    number = number.json()["number"]
    post(client, citizen, ASK, {"item_code": "SCJGJ-0001", "question": "能代办吗？"})
    reviewer = as_user(desk, client, desk.world.reviewer)
    post(client, reviewer, f"{ASK}/{number}/answer", {"answer": "不用。", "version": 1})
    chief = as_user(desk, client, desk.world.chief)
    assert post(client, chief, f"{ASK}/{number}/faq", {}).status_code == 201

    leader = make_staff(desk.container, Role.LEADER).user_id
    as_user(desk, client, leader)
    figures = client.get(f"{ASK}/stats").json()
    assert figures["all"] == {
        "key": "all",
        "label": "合计",
        "total": 2,
        "open": 1,
        "answered": 1,
        "on_time": 1,
        "on_time_rate": 1.0,
        "mean_answer_days": 0.0,
        "overdue": 0,
        "faq": 1,
    }
    assert [(t["key"], t["total"]) for t in figures["by_item"]] == [("SCJGJ-0001", 2)]
    assert [(t["key"], t["label"]) for t in figures["by_channel"]] == [("online", "网上咨询")]
    assert [(t["key"], t["total"]) for t in figures["by_status"]] == [("open", 1), ("answered", 1)]
    page = client.get("/centre/questions/stats")
    assert page.status_code == 200 and 'id="on-time-rate">100.0%<' in page.text
    wrong = client.get(f"{ASK}/stats", params={"since": "2026-12-01", "until": "2026-11-01"})
    assert wrong.status_code == 422 and set(wrong.json()["fields"]) == {"until"}

    as_user(desk, client, desk.manager)  # asked online: no centre of theirs took them down
    assert client.get(f"{ASK}/stats").json()["all"]["total"] == 0
    as_user(desk, client, desk.world.clerk)
    assert client.get(f"{ASK}/stats").status_code == 403
    assert client.get("/centre/questions/stats").status_code == 403
