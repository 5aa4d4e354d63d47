"""Post-approval supervision over HTTP and on its pages: an inspector records findings and
revokes with Idempotency-Keys, the public verifier then says revoked, the signed revocation
list names the licence, the public record of draws masks persons, and bad input is a clear
error with a stable code."""

from __future__ import annotations

import itertools
from typing import Any

from tests.factories import Person, sign_in
from tests.integration.supervision_fixtures import Supervised, supervised
from tests.integration.test_case_pages import post as form_post
from tests.integration.test_cases import world
from tongban.domain.people.model import Role
from tongban.services.licences import revocations

__all__ = ["supervised", "world"]
API = "/api/v1/supervision"
_keys = itertools.count(1)


def as_user(s: Supervised, client: Any, user_id: int) -> dict[str, str]:
    client.cookies.clear()
    csrf = sign_in(s.world.container, client, Person(user_id, f"u{user_id}", None, Role.INSPECTOR))
    return {"X-CSRF-Token": csrf}


def post(client: Any, headers: dict[str, str], path: str, body: Any, key: str = "") -> Any:
    sent = {**headers, "Idempotency-Key": key or f"sv-{next(_keys)}"}
    return client.post(f"{API}/{path}", json=body, headers=sent)


def test_an_inspector_revokes_over_the_api_and_the_licence_then_fails_verification(
    supervised: Supervised, client: Any
) -> None:
    s = supervised
    chief = as_user(s, client, s.world.chief)
    placed = post(client, chief, "items", {"item_code": "SCJGJ-0001", "inspect_within_days": 10})
    assert placed.status_code == 201, placed.text
    assert [e["code"] for e in placed.json()["checklist"]] == ["C1", "C2", "M1", "L1", "L2"]
    _, licence_id = s.approve("张记小馆")
    drawn = post(client, chief, "draws", {"department_code": "SCJGJ", "sample_size": 3})
    assert drawn.status_code == 201, drawn.text
    [pick] = drawn.json()["picked"]
    number, inspector = pick["subject"], pick["inspector_id"]

    me = as_user(s, client, inspector)
    [listed] = client.get(f"{API}/tasks", headers=me).json()
    assert listed["number"] == number and listed["status"] == "assigned"
    detail = client.get(f"{API}/tasks/{number}", headers=me).json()
    assert detail["subject_name"] == "张记小馆" and detail["licence_id"] == licence_id
    version = detail["version"]

    unknown = post(client, me, f"tasks/{number}/findings",
                   {"version": version, "findings": {"X1": {"result": "pass"}}})  # fmt: skip
    assert unknown.status_code == 422 and unknown.json()["code"] == "checklist_entry_unknown"
    findings = {c: {"result": "pass"} for c in ("C1", "M1", "L1", "L2")}
    findings["C2"] = {"result": "fail", "note": "消防通道堵塞"}
    body = {"version": version, "findings": findings}
    saved = post(client, me, f"tasks/{number}/findings", body, key="f-1")
    again = post(client, me, f"tasks/{number}/findings", body, key="f-1")
    assert saved.status_code == 200 and again.headers.get("Idempotent-Replayed") == "true"
    version = saved.json()["version"]
    no_reason = post(client, me, f"tasks/{number}/conclusion",
                     {"version": version, "outcome": "revocation"})  # fmt: skip
    assert no_reason.json()["code"] == "revocation_reason_required"
    revoked = post(client, me, f"tasks/{number}/conclusion",
                   {"version": version, "outcome": "revocation", "reason": "拒不整改"})  # fmt: skip
    assert revoked.status_code == 200 and revoked.json()["status"] == "revoked"

    client.cookies.clear()
    checked = client.post(
        "/api/v1/licences/verify", json={"credential": _credential(s, licence_id)}
    )
    assert checked.json()["code"] == "revoked"
    signed = client.get("/.well-known/licence-revocations.json").json()
    now = s.world.container.clock.now()
    assert licence_id in revocations.check_list(signed, s.world.container.keys, now).revoked
    page = client.get("/supervision/draws")
    assert page.status_code == 200 and number in page.text and "张记小馆" in page.text
    public = client.get(f"{API}/draws").json()
    assert public[0]["results"][0]["status"] == "revoked"
    assert "*" in public[0]["results"][0]["inspector"]
    replay = client.get(f"{API}/draws/{drawn.json()['number']}/replay").json()
    assert replay["ok"] is True


def _credential(s: Supervised, licence_id: str) -> str:
    from tongban.services.licences import library

    with s.world.container.read() as uow:
        return library.get(uow.conn, licence_id).credential


def test_the_pages_show_an_inspector_their_task_and_take_findings_and_a_decision(
    supervised: Supervised, client: Any
) -> None:
    s = supervised
    s.place()
    s.approve("李家粉店")
    made = s.draw()
    [pick] = made.picked
    number = pick["subject"]
    csrf = sign_in(
        s.world.container, client, Person(pick["inspector_id"], "i", None, Role.INSPECTOR)
    )
    listing = client.get("/supervision/tasks")
    assert listing.status_code == 200 and number in listing.text
    page = client.get(f"/supervision/tasks/{number}")
    assert page.status_code == 200 and "李家粉店" in page.text and 'name="result.C1"' in page.text
    version = page.text.split('name="version" value="')[1].split('"')[0]
    fields = {f"result.{c}": "pass" for c in ("C1", "C2", "M1", "L1", "L2")}
    sent = form_post(
        client, f"/supervision/tasks/{number}/findings", csrf, version=version, **fields
    )
    assert sent.status_code == 303, sent.text
    page = client.get(sent.headers["location"])
    version = page.text.split('name="version" value="')[1].split('"')[0]
    refused = form_post(client, f"/supervision/tasks/{number}/conclusion", csrf,
                        version=version, outcome="revocation", reason="")  # fmt: skip
    assert refused.status_code == 422 and "注销电子证照须写明理由" in refused.text
    done = form_post(client, f"/supervision/tasks/{number}/conclusion", csrf,
                     version=version, outcome="closure")  # fmt: skip
    assert done.status_code == 303
    assert "合格办结" in client.get(done.headers["location"]).text
    client.cookies.clear()
    sign_in(s.world.container, client, Person(s.leader, "l", None, Role.LEADER))
    figures = client.get("/supervision/figures?since=2026-11-01&until=2026-11-30")
    assert figures.status_code == 200 and "个体工商户设立登记" in figures.text
