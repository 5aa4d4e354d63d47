"""Review steps through the JSON API on both databases: the plan set by the catalogue admin, a
case run step by step to approval, one winner of two claims, other departments refused."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import insert

from tests.factories import Person, make_staff, sign_in
from tests.integration.test_cases import ITEM
from tests.integration.test_cases_api import Api, build_api, submit
from tongban.adapters.db.tables import departments
from tongban.bootstrap import Container
from tongban.domain.people.model import Role
from tongban.web.deps import CSRF_HEADER
from tongban.web.idempotency import HEADER

API = "/api/v1"
PLAN = {
    "stages": [
        [{"name": "受理审查", "role": "reviewer", "department_code": "SCJGJ", "budget_days": 1}],
        [
            {"name": "现场核查", "role": "reviewer", "department_code": "SCJGJ", "budget_days": 2},
            {"name": "社保核查", "role": "reviewer", "department_code": "RSJ", "budget_days": 3},
        ],
    ]
}


class Client:
    """A signed-in person calling ``/api/v1`` with a fresh Idempotency-Key per write."""

    def __init__(self, app: FastAPI, container: Container, user_id: int) -> None:
        self.user_id = user_id
        self.client = TestClient(app)
        self.csrf = sign_in(container, self.client, Person(user_id, "", None, Role.CITIZEN))

    def send(self, method: str, path: str, body: dict[str, Any], key: str | None = None) -> Any:
        headers = {CSRF_HEADER: self.csrf, HEADER: key or uuid.uuid4().hex}
        return self.client.request(method, API + path, json=body, headers=headers)

    def get(self, path: str) -> Any:
        return self.client.get(API + path)


def put_plan(app: FastAPI, api: Api) -> None:
    admin = make_staff(api.world.container, Role.CATALOGUE_ADMIN).user_id
    answer = Client(app, api.world.container, admin).send("PUT", f"/items/{ITEM}/review-plan", PLAN)
    assert answer.status_code == 200, answer.text
    assert [[s["name"] for s in stage] for stage in answer.json()["stages"]] == [
        ["受理审查"],
        ["现场核查", "社保核查"],
    ]


@pytest.fixture
def api(app: FastAPI, container: Container) -> Api:
    built = build_api(app, container)
    put_plan(app, built)
    return built


def people(app: FastAPI, api: Api) -> tuple[Client, Client, Client]:
    c = api.world.container
    return (
        Client(app, c, api.world.reviewer),
        Client(app, c, api.world.chief),
        Client(app, c, api.world.other_reviewer),
    )


def under_review(api: Api) -> str:
    case = submit(api)
    number: str = case["number"]
    case = api.reviewer.act(number, "accept", case["version"])
    api.reviewer.act(number, "start-review", case["version"])
    return number


def steps_of(who: Client, number: str) -> dict[str, Any]:
    answer = who.get(f"/cases/{number}/steps")
    assert answer.status_code == 200, answer.text
    return {s["name"]: s for s in answer.json()}


def act(who: Client, number: str, step: int, action: str, **body: Any) -> dict[str, Any]:
    answer = who.send("POST", f"/cases/{number}/steps/{step}/{action}", body)
    assert answer.status_code == 200, answer.text
    result: dict[str, Any] = answer.json()
    return result


def test_a_case_runs_through_claim_and_complete_to_approval(app: FastAPI, api: Api) -> None:
    reviewer, chief, rsj = people(app, api)
    n = under_review(api)
    first = steps_of(reviewer, n)
    assert (first["受理审查"]["status"], first["现场核查"]["status"]) == ("active", "pending")
    assert first["受理审查"]["overdue"] is False and first["受理审查"]["due_on"] is not None
    mine = reviewer.get("/review/steps").json()
    assert [s["name"] for s in mine] == ["受理审查"]
    claimed = act(reviewer, n, first["受理审查"]["id"], "claim")
    assert claimed["assignee_id"] == reviewer.user_id and claimed["case_status"] == "under_review"
    done = act(reviewer, n, first["受理审查"]["id"], "complete", outcome="approve", reasons="齐全")
    assert (done["step_status"], done["case_status"]) == ("done", "under_review")
    second = steps_of(chief, n)
    assert second["现场核查"]["status"] == second["社保核查"]["status"] == "active"
    # The chief gives 现场核查 to the reviewer; the RSJ reviewer takes 社保核查 from their list.
    given = act(chief, n, second["现场核查"]["id"], "assign", assignee_id=reviewer.user_id)
    assert given["assignee_id"] == reviewer.user_id
    assert [s["name"] for s in rsj.get("/review/steps").json()] == ["社保核查"]
    act(rsj, n, second["社保核查"]["id"], "claim")
    act(rsj, n, second["社保核查"]["id"], "complete", outcome="approve")
    last = act(reviewer, n, second["现场核查"]["id"], "complete", outcome="approve", reasons="无误")
    assert last["case_status"] == "approved" and last["case_status_label"]
    final = steps_of(reviewer, n)
    assert {s["status"] for s in final.values()} == {"done"}
    assert {s["outcome"] for s in final.values()} == {"approve"}
    assert reviewer.get("/review/steps").json() == []


def test_a_rejecting_step_proposes_rejection(app: FastAPI, api: Api) -> None:
    reviewer, _chief, _rsj = people(app, api)
    n = under_review(api)
    first = steps_of(reviewer, n)["受理审查"]
    done = act(reviewer, n, first["id"], "complete", outcome="reject", reasons="场所不符")
    assert done["case_status"] == "rejection_proposed"


def test_a_second_claim_gets_409_and_a_replayed_key_does_not(app: FastAPI, api: Api) -> None:
    reviewer, chief, _rsj = people(app, api)
    n = under_review(api)
    step = steps_of(reviewer, n)["受理审查"]["id"]
    path = f"/cases/{n}/steps/{step}/claim"
    key = uuid.uuid4().hex
    first = reviewer.send("POST", path, {}, key)
    again = reviewer.send("POST", path, {}, key)
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()
    second = chief.send("POST", path, {})
    assert (second.status_code, second.json()["code"]) == (409, "step_already_claimed")
    pending = steps_of(reviewer, n)["现场核查"]["id"]
    not_open = reviewer.send("POST", f"/cases/{n}/steps/{pending}/claim", {})
    assert (not_open.status_code, not_open.json()["code"]) == (409, "step_not_open")
    taken = chief.send("POST", f"/cases/{n}/steps/{step}/complete", {"outcome": "approve"})
    assert taken.status_code == 403


def test_a_step_needs_its_own_case_and_a_real_outcome(app: FastAPI, api: Api) -> None:
    reviewer, _chief, _rsj = people(app, api)
    n = under_review(api)
    other = under_review(api)
    step = steps_of(reviewer, n)["受理审查"]["id"]
    wrong = reviewer.send("POST", f"/cases/{other}/steps/{step}/claim", {})
    assert (wrong.status_code, wrong.json()["code"]) == (404, "step_not_found")
    missing = reviewer.send("POST", f"/cases/{n}/steps/999999/claim", {})
    assert (missing.status_code, missing.json()["code"]) == (404, "step_not_found")
    bad = reviewer.send("POST", f"/cases/{n}/steps/{step}/complete", {"outcome": "maybe"})
    assert bad.status_code == 422
    no_key = reviewer.client.post(
        f"{API}/cases/{n}/steps/{step}/claim", json={}, headers={CSRF_HEADER: reviewer.csrf}
    )
    assert no_key.status_code == 428


def test_a_reviewer_of_another_department_is_refused(app: FastAPI, api: Api) -> None:
    reviewer, _chief, _rsj = people(app, api)
    c = api.world.container
    with c.engine.begin() as conn:  # a department with no step in the plan
        conn.execute(insert(departments).values(code="MZJ", name="区民政局", short_name=""))
    mzj = Client(app, c, make_staff(c, Role.REVIEWER, department_code="MZJ").user_id)
    n = under_review(api)
    step = steps_of(reviewer, n)["受理审查"]["id"]
    assert mzj.get(f"/cases/{n}/steps").status_code in (403, 404)
    claim = mzj.send("POST", f"/cases/{n}/steps/{step}/claim", {})
    assert claim.status_code in (403, 404)
    complete = mzj.send("POST", f"/cases/{n}/steps/{step}/complete", {"outcome": "approve"})
    assert complete.status_code in (403, 404)
    assign = mzj.send("POST", f"/cases/{n}/steps/{step}/assign", {"assignee_id": mzj.user_id})
    assert assign.status_code == 403
    assert mzj.get("/review/steps").json() == []
    assert steps_of(reviewer, n)["受理审查"]["assignee_id"] is None


def test_a_department_with_a_step_sees_the_case_but_acts_only_on_its_own_step(
    app: FastAPI, api: Api
) -> None:
    reviewer, _chief, rsj = people(app, api)
    n = under_review(api)
    steps = steps_of(rsj, n)  # 联审: RSJ has 社保核查 on SCJGJ's case, so it may read the case
    assert set(steps) == {"受理审查", "现场核查", "社保核查"}
    assert rsj.client.get(f"/review/cases/{n}").status_code == 200
    scjg_step = steps["受理审查"]["id"]
    taken = rsj.send("POST", f"/cases/{n}/steps/{scjg_step}/claim", {})
    assert taken.status_code == 403
    assert steps_of(reviewer, n)["受理审查"]["assignee_id"] is None


def test_the_plan_is_checked_and_only_the_catalogue_admin_sets_it(app: FastAPI, api: Api) -> None:
    reviewer, _chief, _rsj = people(app, api)
    refused = reviewer.send("PUT", f"/items/{ITEM}/review-plan", PLAN)
    assert refused.status_code == 403
    admin = Client(
        app, api.world.container, make_staff(api.world.container, Role.CATALOGUE_ADMIN).user_id
    )
    unknown = admin.send("PUT", "/items/NOPE-0001/review-plan", PLAN)
    assert (unknown.status_code, unknown.json()["code"]) == (404, "item_not_found")
    stray = {"stages": [[{**PLAN["stages"][0][0], "department_code": "NOPE"}]]}
    assert admin.send("PUT", f"/items/{ITEM}/review-plan", stray).status_code in (404, 422)
    twice = {"stages": [[PLAN["stages"][0][0], PLAN["stages"][0][0]]]}
    assert admin.send("PUT", f"/items/{ITEM}/review-plan", twice).status_code == 422


def test_the_review_page_shows_the_steps_and_completes_one(app: FastAPI, api: Api) -> None:
    reviewer, _chief, _rsj = people(app, api)
    n = under_review(api)
    first = steps_of(reviewer, n)["受理审查"]["id"]
    page = reviewer.client.get(f"/review/cases/{n}")
    assert page.status_code == 200
    assert all(name in page.text for name in ("审查环节", "受理审查", "现场核查", "社保核查"))
    assert f'name="step" value="{first}"' in page.text
    form = {"csrf_token": reviewer.csrf, "step": str(first)}
    claimed = reviewer.client.post(
        f"/review/cases/{n}/claim-step", data=form, follow_redirects=False
    )
    assert claimed.status_code == 303, claimed.text
    empty = reviewer.client.post(
        f"/review/cases/{n}/complete-step", data={**form, "outcome": "reject"}
    )
    assert empty.status_code == 422
    done = reviewer.client.post(
        f"/review/cases/{n}/complete-step",
        data={**form, "outcome": "approve", "reasons": "齐全"},
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text
    assert steps_of(reviewer, n)["受理审查"]["status"] == "done"
