"""Cases through the JSON API on both databases: every channel, every step, every refusal.

People act through their own HTTP clients with real sessions; every write carries an
``Idempotency-Key``, and the case's lock ``version`` as last read.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import event, func, select

from tests.factories import Person, sign_in
from tests.integration.test_cases import (
    FORM,
    ID_PROOF,
    ITEM,
    PREMISES,
    SCAN,
    World,
    build_world,
)
from tongban.adapters.db.tables import case_events, cases, data_access_log, users
from tongban.bootstrap import Container
from tongban.domain.people.model import Role
from tongban.services.cases.audit import verify
from tongban.web.deps import CSRF_HEADER
from tongban.web.idempotency import HEADER, REPLAYED_HEADER

CASES = "/api/v1/cases"


class Caller:
    """One person's HTTP client: their session cookie, CSRF token and a fresh key per write."""

    def __init__(self, app: FastAPI, container: Container, user_id: int) -> None:
        self.client = TestClient(app)
        self.csrf = sign_in(container, self.client, Person(user_id, "", None, Role.CITIZEN))

    def post(self, path: str, body: dict[str, Any], key: str | None = "new") -> Any:
        headers = {CSRF_HEADER: self.csrf}
        if key is not None:
            headers[HEADER] = uuid.uuid4().hex if key == "new" else key
        return self.client.post(CASES + path, json=body, headers=headers)

    def upload(self, number: str, material: str, content: bytes = SCAN) -> Any:
        """One material's file, as ``POST /cases/{number}/materials`` takes it."""
        headers = {CSRF_HEADER: self.csrf, HEADER: uuid.uuid4().hex}
        return self.client.post(
            f"{CASES}/{number}/materials",
            data={"material": material},
            files={"file": (f"{material}.pdf", content, "application/pdf")},
            headers=headers,
        )

    def get(self, path: str = "", **params: Any) -> Any:
        return self.client.get(CASES + path, params=params)

    def act(self, number: str, action: str, version: int, **fields: Any) -> dict[str, Any]:
        """Take one step that must succeed; returns the CaseOut."""
        answer = self.post(f"/{number}/{action}", {"version": version, **fields})
        assert answer.status_code == 200, answer.text
        body: dict[str, Any] = answer.json()
        return body


@dataclass
class Api:
    world: World
    citizen: Caller
    other_citizen: Caller
    clerk: Caller
    reviewer: Caller
    chief: Caller

    def count(self, table: Any) -> int:
        with self.world.container.read() as uow:
            return int(uow.conn.execute(select(func.count()).select_from(table)).scalar_one())


def build_api(app: FastAPI, container: Container) -> Api:
    world = build_world(container)
    return Api(
        world,
        *(
            Caller(app, container, uid)
            for uid in (
                world.citizen,
                world.other_citizen,
                world.clerk,
                world.reviewer,
                world.chief,
            )
        ),
    )


@pytest.fixture
def api(app: FastAPI, container: Container) -> Api:
    return build_api(app, container)


def online_body(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "item_code": ITEM,
        "form": FORM,
        "materials": [ID_PROOF, PREMISES],
        "delivery": {"method": "pickup", "pickup_centre_code": "C-NH"},
    }
    body.update(changes)
    return body


def submit(api: Api, **changes: Any) -> dict[str, Any]:
    """网上申请 as an API client makes it: a draft, each material's file uploaded to it, then
    the submission (online a material merely listed is refused)."""
    body = online_body(**changes)
    materials = body.pop("materials")
    draft = api.citizen.post("/drafts", {**body, "materials": []})
    assert draft.status_code == 201, draft.text
    number, version = draft.json()["number"], draft.json()["version"]
    for material in materials:
        uploaded = api.citizen.upload(number, material)
        assert uploaded.status_code == 201, uploaded.text
        version += 1
    answer = api.citizen.post(f"/{number}/submit", {"version": version})
    assert answer.status_code == 200, answer.text
    submitted: dict[str, Any] = answer.json()
    return submitted


def test_an_online_application_runs_from_submission_to_archive(api: Api) -> None:
    case = submit(api)
    # the draft, one version per material's file, and the submission
    assert (case["status"], case["version"], case["status_label"]) == ("submitted", 4, "已提交")
    n = case["number"]
    case = api.reviewer.act(n, "accept", case["version"])
    detail = api.citizen.get(f"/{n}").json()
    assert detail["clock"]["state"] in ("normal", "yellow")
    assert detail["clock"]["deadline"] is not None and detail["clock"]["days_used"] == 0
    assert detail["applicant"]["masked"] is False and detail["form"] == {**FORM, "area": 35}
    case = api.reviewer.act(n, "start-review", case["version"])
    case = api.reviewer.act(n, "propose-decision", case["version"], approve=True, reasons="符合")
    case = api.reviewer.act(n, "issue-result", case["version"], reference="营业执照")
    case = api.clerk.act(n, "deliver", case["version"], method="electronic")
    case = api.clerk.act(n, "archive", case["version"])
    assert case["status"] == "archived"
    timeline = api.citizen.get(f"/{n}/timeline").json()
    # Two files, and issuing a pickup result also issues the pickup code (its own audit entry).
    assert [e["seq"] for e in timeline] == list(range(1, 12))
    files = [e["detail"]["material"] for e in timeline if e["type"] == "CaseMaterialFileReceived"]
    assert files == [ID_PROOF, PREMISES]
    assert timeline[-1]["type"] == "CaseArchived"
    [mine] = api.citizen.get().json()
    assert (mine["number"], mine["status"]) == (n, "archived")


def test_a_window_clerk_accepts_with_missing_materials_and_no_result_issues_until_they_arrive(
    api: Api,
) -> None:
    with api.world.container.read() as uow:
        id_number = uow.conn.execute(
            select(users.c.id_number).where(users.c.id == api.world.citizen)
        ).scalar_one()
    body = online_body(materials=[ID_PROOF], id_type="resident_id", id_number=id_number)
    answer = api.clerk.post("/window", body)
    assert answer.status_code == 201, answer.text
    case = answer.json()
    n = case["number"]
    supply_by = (api.world.container.clock.today() + timedelta(days=7)).isoformat()
    case = api.clerk.act(
        n,
        "accept-with-missing-materials",
        case["version"],
        missing=[PREMISES],
        commitment="本人承诺七日内补交场所证明",
        supply_by=supply_by,
    )
    assert case["status"] == "accepted"
    detail = api.clerk.get(f"/{n}").json()
    assert detail["missing_materials"] == [PREMISES] and detail["channel"] == "window"
    assert detail["accepting_centre_code"] == "C-GC"
    case = api.reviewer.act(n, "start-review", case["version"])
    case = api.reviewer.act(n, "propose-decision", case["version"], approve=True)
    refused = api.reviewer.post(f"/{n}/issue-result", {"version": case["version"]})
    assert (refused.status_code, refused.json()["code"]) == (409, "materials_outstanding")
    # The applicant's word is not the material; the file is, and supplies it.
    said = api.citizen.post(
        f"/{n}/supply-missing-materials", {"version": case["version"], "names": [PREMISES]}
    )
    assert (said.status_code, said.json()["code"]) == (422, "material_file_required")
    assert api.citizen.upload(n, PREMISES).status_code == 201
    assert api.clerk.get(f"/{n}").json()["missing_materials"] == []
    case = api.reviewer.act(n, "issue-result", case["version"] + 1, reference="许可证")
    assert case["status"] == "result_issued"


def test_a_mail_in_application_is_registered_by_applicant_id(api: Api) -> None:
    answer = api.clerk.post("/mail", online_body(applicant_id=api.world.citizen))
    assert answer.status_code == 201, answer.text
    assert api.citizen.get(f"/{answer.json()['number']}").json()["channel"] == "mail"


def test_a_correction_round_trip_stops_the_clock_and_resumes_review(api: Api) -> None:
    case = submit(api)
    n = case["number"]
    case = api.clerk.act(n, "accept", case["version"])
    case = api.reviewer.act(n, "start-review", case["version"])
    case = api.reviewer.act(
        n, "request-correction", case["version"], reasons="照片模糊", needed=[PREMISES]
    )
    detail = api.citizen.get(f"/{n}").json()
    assert detail["status"] == "correction_requested"
    assert detail["correction_needed"] == [PREMISES]
    assert detail["clock"]["stopped"] is True and detail["clock"]["deadline"] is None
    ticked = {"version": case["version"], "materials": [PREMISES]}
    said = api.citizen.post(f"/{n}/supply-correction", ticked)
    assert (said.status_code, said.json()["code"]) == (422, "material_file_required")
    assert api.citizen.upload(n, PREMISES).status_code == 201
    case = api.citizen.act(n, "supply-correction", case["version"] + 1, note="已上传清晰照片")
    assert case["status"] == "under_review"
    assert api.citizen.get(f"/{n}").json()["clock"]["stopped"] is False


def test_a_rejection_waits_for_the_chiefs_sign_off_and_may_be_sent_back(api: Api) -> None:
    case = submit(api)
    n = case["number"]
    case = api.clerk.act(n, "accept", case["version"])
    case = api.reviewer.act(n, "start-review", case["version"])
    case = api.reviewer.act(n, "propose-decision", case["version"], approve=False, reasons="不符")
    assert case["status"] == "rejection_proposed"
    assert api.reviewer.post(f"/{n}/sign-off", {"version": case["version"]}).status_code == 403
    assert [c["number"] for c in api.chief.get(queue="sign_off").json()] == [n]
    case = api.chief.act(n, "send-back", case["version"], note="理由不充分")
    assert case["status"] == "under_review"
    case = api.reviewer.act(n, "propose-decision", case["version"], approve=False, reasons="不符")
    case = api.chief.act(n, "sign-off", case["version"], note="同意")
    assert case["status"] == "rejected"
    assert api.chief.get(queue="sign_off").json() == []


def test_bad_input_gets_a_clear_error_with_a_stable_code_and_changes_nothing(api: Api) -> None:
    submitted = submit(api)
    case = api.clerk.act(submitted["number"], "accept", submitted["version"])
    n = case["number"]
    before = (api.count(cases), api.count(case_events))
    unknown = api.citizen.post("", online_body(item_code="NOPE-0001", materials=[]))
    assert (unknown.status_code, unknown.json()["code"]) == (404, "item_not_found")
    ticked = api.citizen.post("", online_body())
    assert (ticked.status_code, ticked.json()["code"]) == (422, "material_file_required")
    assert set(ticked.json()["fields"]) == {"materials"}
    bad_form = {"area": "三十", "owner_id": "123"}
    wrong = api.citizen.post("", online_body(form=bad_form, materials=[]))
    assert (wrong.status_code, wrong.json()["code"]) == (422, "validation_failed")
    assert set(wrong.json()["fields"]) == {"form.shop_name", "form.area", "form.owner_id"}
    shapeless = api.citizen.post("", {"form": []})
    assert (shapeless.status_code, shapeless.json()["code"]) == (422, "validation_failed")
    stale = api.reviewer.post(f"/{n}/start-review", {"version": submitted["version"]})
    assert (stale.status_code, stale.json()["code"]) == (409, "stale_version")
    illegal = api.clerk.post(f"/{n}/accept", {"version": case["version"]})
    assert (illegal.status_code, illegal.json()["code"]) == (409, "illegal_transition")
    keyless = api.citizen.post("", online_body(), key=None)
    assert (keyless.status_code, keyless.json()["code"]) == (428, "idempotency_key_required")
    keyless_step = api.reviewer.post(f"/{n}/start-review", case, key=None)
    assert keyless_step.status_code == 428
    missing_case = api.clerk.post("/NH20000101-000009/accept", {"version": 1})
    assert (missing_case.status_code, missing_case.json()["code"]) == (404, "case_not_found")
    for answer in (unknown, ticked, wrong, stale, illegal, keyless):
        assert any("\u4e00" <= ch <= "\u9fff" for ch in answer.json()["message"])
    assert (api.count(cases), api.count(case_events)) == before


def test_a_repeated_post_with_the_same_key_returns_the_first_answer_and_creates_one_case(
    api: Api,
) -> None:
    body = online_body(materials=[])
    first = api.citizen.post("", body, key="same-key-1")
    again = api.citizen.post("", body, key="same-key-1")
    assert (first.status_code, again.status_code) == (201, 201)
    assert first.json() == again.json() and again.headers.get(REPLAYED_HEADER) == "true"
    assert api.count(cases) == 1
    n, version = first.json()["number"], first.json()["version"]
    step = api.clerk.post(f"/{n}/precheck", {"version": version}, key="precheck-1")
    repeat = api.clerk.post(f"/{n}/precheck", {"version": version}, key="precheck-1")
    assert (step.status_code, repeat.status_code, step.json()) == (200, 200, repeat.json())
    reused = api.citizen.post(
        "", online_body(form={**FORM, "area": "40"}, materials=[]), key="same-key-1"
    )
    assert (reused.status_code, reused.json()["code"]) == (422, "idempotency_key_reused")
    with api.world.container.read() as uow:
        prechecked = uow.conn.execute(
            select(func.count()).where(case_events.c.type == "CasePrechecked")
        ).scalar()
        assert verify(uow.conn).ok
    assert (api.count(cases), prechecked) == (1, 1)


def test_a_citizen_gets_not_found_for_anothers_case(api: Api) -> None:
    case = submit(api)
    n, version = case["number"], case["version"]
    for path in (f"/{n}", f"/{n}/timeline"):
        answer = api.other_citizen.get(path)
        assert (answer.status_code, answer.json()["code"]) == (404, "case_not_found")
    withdraw = api.other_citizen.post(f"/{n}/withdraw", {"version": version})
    assert (withdraw.status_code, withdraw.json()["code"]) == (404, "case_not_found")
    assert api.other_citizen.get().json() == []
    assert api.citizen.act(n, "withdraw", version, reason="填错了")["status"] == "withdrawn"


def test_a_citizens_step_loads_their_case_once(api: Api) -> None:
    """Finding only one's own case is part of loading it for the step, not a read before it."""
    case = submit(api)
    n = case["number"]
    loads: list[str] = []

    def seen(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        text = " ".join(statement.split())
        if text.startswith("SELECT") and " FROM cases " in text:
            loads.append(text)

    engine = api.world.container.engine
    event.listen(engine, "before_cursor_execute", seen)
    try:
        api.citizen.act(n, "withdraw", case["version"], reason="填错了")
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert len(loads) == 1


def test_lists_mask_personal_data_and_a_clerks_full_read_is_logged(api: Api) -> None:
    n = submit(api, delivery={"method": "pickup", "pickup_centre_code": "C-GC"})["number"]
    with api.world.container.read() as uow:
        person = uow.conn.execute(select(users).where(users.c.id == api.world.citizen)).one()
    [row] = api.clerk.get().json()
    applicant = row["applicant"]
    assert applicant["masked"] is True and row["number"] == n
    assert applicant["id_number"] != person.id_number and "*" in applicant["id_number"]
    assert applicant["id_number"][:6] == person.id_number[:6]
    assert applicant["phone"] == person.phone[:3] + "****" + person.phone[-4:]
    assert applicant["name"].startswith(person.name[0]) and applicant["name"] != person.name
    assert api.count(data_access_log) == 0
    detail = api.clerk.get(f"/{n}").json()
    assert detail["applicant"]["id_number"] == person.id_number
    with api.world.container.read() as uow:
        logged = uow.conn.execute(select(data_access_log)).one()
    assert (logged.subject_id, logged.actor_id) == (api.world.citizen, api.world.clerk)
    api.citizen.get(f"/{n}")  # the applicant reading their own case is not logged
    assert api.count(data_access_log) == 1


def test_drafts_are_saved_then_submitted_by_their_applicant(api: Api) -> None:
    answer = api.citizen.post("/drafts", online_body(form={"area": "x"}, materials=[]))
    assert answer.status_code == 201 and answer.json()["status"] == "draft"
    n = answer.json()["number"]
    incomplete = api.citizen.post(f"/{n}/submit", {"version": 1})
    assert (incomplete.status_code, incomplete.json()["code"]) == (422, "validation_failed")
    ticked = api.citizen.post("/drafts", online_body())
    assert (ticked.status_code, ticked.json()["code"]) == (422, "material_file_required")
    complete = api.citizen.post("/drafts", online_body(materials=[])).json()
    assert api.citizen.upload(complete["number"], ID_PROOF).status_code == 201
    submitted = api.citizen.act(complete["number"], "submit", 2)
    assert (submitted["status"], submitted["version"]) == ("submitted", 3)
    detail = api.citizen.get(f"/{complete['number']}").json()
    assert detail["materials"] == [ID_PROOF]  # the one with its file; none by a tick
    assert api.citizen.get(f"/{n}").json()["submitted_at"] is None


def test_a_mailed_licence_result_over_the_api_needs_the_address_parts_and_the_licence(
    api: Api,
) -> None:
    from tests.factories import credit_code
    from tests.integration.test_cases import publish_item
    from tongban.domain.licences.model import looks_like_licence_id

    publish_item(api.world.container, result_licence_type="business_licence")
    bad = {"method": "mail", "address": "南海", "phone": "0757-86280000"}
    refused = api.citizen.post("", {**online_body(delivery=bad), "materials": []})
    assert refused.status_code == 422
    assert set(refused.json()["fields"]) == {"address", "phone"}  # a mobile, a full address
    # Recipient and mobile left out: the applicant's real-name account supplies them.
    case = submit(api, delivery={"method": "mail", "address": "佛山市南海区桂城街道南海大道1号"})
    n = case["number"]
    case = api.clerk.act(n, "accept", case["version"])
    case = api.reviewer.act(n, "start-review", case["version"])
    case = api.reviewer.act(n, "propose-decision", case["version"], approve=True)
    without = api.reviewer.post(f"/{n}/issue-result", {"version": case["version"]})
    assert (without.status_code, without.json()["code"]) == (422, "result_licence_required")
    licence = {
        "holder_id": credit_code(),
        "holder_name": "小明奶茶",
        "fields": {
            "entity_type": "个体工商户",
            "legal_representative": "张小明",
            "registered_capital": "5万元",
            "established_on": "2026-11-16",
            "address": "佛山市南海区桂城街道南海大道1号",
            "business_scope": "饮品店经营",
        },
    }
    case = api.reviewer.act(n, "issue-result", case["version"], licence=licence)
    assert case["status"] == "result_issued"  # in the courier's hands
    detail = api.citizen.get(f"/{n}").json()
    assert looks_like_licence_id(detail["result_reference"])  # the licence is the result
    assert api.count(cases) == 1
