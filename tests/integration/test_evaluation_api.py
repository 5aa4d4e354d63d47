"""好差评 over HTTP and on the pages: rating with an Idempotency-Key, stable codes with Chinese
messages for every refusal (nothing changed), the SMS link page without log-in, the rectification
flow through the API, statistics scoped to the department head, and the rater's phone read by
staff landing in the rater's access log."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from sqlalchemy import func, select, update

from tests.factories import Person, sign_in
from tests.integration.evaluation_fixtures import Ratings, build_ratings
from tongban.adapters.db.tables import cases, data_access_log
from tongban.adapters.db.tables_evaluation import ratings, rectifications
from tongban.domain.people.model import Role
from tongban.services.evaluation import links

_keys = itertools.count(1)
GOOD = {"level": "very_satisfied", "dimensions": {"efficiency": "satisfied"}, "comment": "很快"}


@pytest.fixture
def r(container: object) -> Ratings:
    return build_ratings(container)  # type: ignore[arg-type]


def as_user(r: Ratings, client: Any, user_id: int) -> dict[str, str]:
    client.cookies.clear()
    csrf = sign_in(r.container, client, Person(user_id, f"u{user_id}", None, Role.CITIZEN))
    return {"X-CSRF-Token": csrf}


def post(client: Any, headers: dict[str, str], path: str, body: Any, key: str = "") -> Any:
    return client.post(
        path, json=body, headers={**headers, "Idempotency-Key": key or f"ev-{next(_keys)}"}
    )


def count(r: Ratings, table: Any) -> int:
    with r.container.read() as uow:
        return int(uow.conn.execute(select(func.count()).select_from(table)).scalar_one())


def test_a_rating_takes_an_idempotency_key_and_every_refusal_has_its_code(
    r: Ratings, client: Any
) -> None:
    finished, unfinished = r.finished_case(), r.open_case()
    citizen = as_user(r, client, r.world.citizen)
    path = f"/api/v1/cases/{finished}/rating"
    assert client.post(path, json=GOOD, headers=citizen).status_code == 428
    first = post(client, citizen, path, GOOD, key="rate-1")
    assert first.status_code == 201, first.text
    assert first.json()["level"] == "very_satisfied" and first.json()["rectification"] is None
    again = post(client, citizen, path, GOOD, key="rate-1")
    assert again.headers.get("Idempotent-Replayed") == "true"
    second = post(client, citizen, path, GOOD)
    assert second.status_code == 409 and second.json()["code"] == "rating_exists"
    assert "只能评价一次" in second.json()["message"]
    early = post(client, citizen, f"/api/v1/cases/{unfinished}/rating", GOOD)
    assert early.status_code == 409 and early.json()["code"] == "case_not_finished"
    unknown = post(client, citizen, path, {"level": "great"})
    assert unknown.status_code == 422
    shown = client.get(path, headers=citizen).json()
    assert shown["level"] == "very_satisfied" and shown["editable"] is True

    other = as_user(r, client, r.world.other_citizen)
    theirs = post(client, other, path, GOOD)
    assert theirs.status_code == 403 and theirs.json()["code"] == "not_case_applicant"
    assert count(r, ratings) == 1

    citizen = as_user(r, client, r.world.citizen)
    edited = client.put(path, json={"level": "satisfied"}, headers=citizen)
    assert edited.status_code == 200, edited.text
    twice = client.put(path, json={"level": "very_satisfied"}, headers=citizen)
    assert twice.status_code == 409 and twice.json()["code"] == "rating_already_edited"


def test_a_poor_rating_goes_through_its_rectification_over_the_api(r: Ratings, client: Any) -> None:
    finished = r.finished_case()
    citizen = as_user(r, client, r.world.citizen)
    rated = post(client, citizen, f"/api/v1/cases/{finished}/rating", {"level": "dissatisfied"})
    number = rated.json()["rectification"]
    task = f"/api/v1/rectifications/{number}"
    early = post(client, citizen, f"{task}/re-rating", {"level": "satisfied"})
    assert early.status_code == 409 and early.json()["code"] == "re_rating_not_open"

    chief = as_user(r, client, r.chief)
    detail = client.get(task, headers=chief).json()
    assert detail["due_on"] == "2026-12-07" and detail["rater"]["phone"] == "13800138000"
    call = {"version": 1, "called_on": "2026-11-16", "outcome": "reached", "note": "已致电"}
    assert post(client, chief, f"{task}/callbacks", call).status_code == 201
    stale = post(client, chief, f"{task}/response", {"version": 1, "response": "已整改"})
    assert stale.status_code == 409 and stale.json()["code"] == "stale_version"
    answered = post(client, chief, f"{task}/response", {"version": 2, "response": "已整改"})
    assert answered.json()["status"] == "responded"
    rate = client.get("/api/v1/evaluation/callback-rate", headers=chief).json()
    assert rate == {"poor_real_name": 1, "called_back": 1, "rate": 1.0}
    with r.container.read() as uow:
        logged = (
            uow.conn.execute(
                select(data_access_log.c.purpose).where(
                    data_access_log.c.subject_id == r.world.citizen
                )
            )
            .scalars()
            .all()
        )
    assert "差评回访" in logged

    other = as_user(r, client, r.other_chief)
    assert client.get(task, headers=other).status_code == 404
    theirs = client.get("/api/v1/evaluation/stats", headers=other).json()
    assert theirs["all"]["total"] == 0
    citizen = as_user(r, client, r.world.citizen)
    closed = post(client, citizen, f"{task}/re-rating", {"level": "satisfied"})
    assert closed.status_code == 201 and closed.json()["status"] == "closed"
    chief = as_user(r, client, r.chief)
    mine = client.get("/api/v1/evaluation/stats", headers=chief).json()
    assert mine["all"]["total"] == 1 and mine["by_department"][0]["key"] == "SCJGJ"


def test_the_sms_link_page_rates_without_log_in_once(r: Ratings, client: Any) -> None:
    number = r.finished_case()
    with r.container.uow() as uow:
        uow.conn.execute(
            update(cases).where(cases.c.number == number).values(updated_at=r.actor(None).at)
        )
        uow.commit()
    r.run(links.invite_finished, None, r.container.secret_key, link_days=15)
    [sms] = [m for m in r.messages("sms") if "/rate/" in m["text"]]
    path = "/rate/" + sms["text"].split("/rate/")[1]
    client.cookies.clear()
    page = client.get(path)
    assert page.status_code == 200 and number in page.text
    csrf = client.cookies.get("tb_csrf") or ""
    done = client.post(path, data={"level": "satisfied", "csrf_token": csrf})
    assert done.status_code == 200, done.text
    assert "谢谢您的评价" in done.text
    used = client.get(path)
    assert used.status_code == 409 and "已经使用过" in used.text
    bad = client.get(path[:-3] + "abc")
    assert bad.status_code == 404 and "评价链接无效" in bad.text
    assert count(r, ratings) == 1 and count(r, rectifications) == 0


def test_the_department_head_works_on_a_task_and_reads_the_statistics_on_the_pages(
    r: Ratings, client: Any
) -> None:
    number = r.finished_case()
    citizen = as_user(r, client, r.world.citizen)
    rated = post(client, citizen, f"/api/v1/cases/{number}/rating", {"level": "very_dissatisfied"})
    task = rated.json()["rectification"]
    case_page = client.get(f"/my/cases/{number}/rating")
    assert case_page.status_code == 200 and "待整改" in case_page.text

    chief = as_user(r, client, r.chief)
    listed = client.get("/evaluation/rectifications")
    assert listed.status_code == 200 and task in listed.text
    page = client.get(f"/evaluation/rectifications/{task}")
    assert page.status_code == 200 and "登记回访" in page.text
    form = {"csrf_token": chief["X-CSRF-Token"], "version": "1", "called_on": "2026-11-16"}
    refused = client.post(
        f"/evaluation/rectifications/{task}/callback", data={**form, "outcome": "maybe"}
    )
    assert refused.status_code == 422 and "请选择回访结果" in refused.text
    done = client.post(
        f"/evaluation/rectifications/{task}/callback",
        data={**form, "outcome": "reached", "note": "已联系"},
        follow_redirects=False,
    )
    assert done.status_code == 303
    figures = client.get("/evaluation/stats")
    assert figures.status_code == 200 and "100.00%（1/1）" in figures.text
