"""跨城通办 withdrawal (``case.withdrawn``): the applicant withdraws at 南海's window a case
番禺 already has, or a clerk cancels a refused message of such a case; 番禺 withdraws its case
with the reason and acknowledges, and both sides show it withdrawn.  A case already decided
there cannot be withdrawn: refused, and cancelling that refusal lets the case go on."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.clock import SYSTEM
from tests.factories import make_staff, sign_in
from tests.integration.federation_fixtures import PANYU
from tests.integration.federation_pair import Pair
from tests.integration.test_federation_handover import (
    LEASE,
    World,
    actor,
    count,
    issue,
    pump,
)
from tongban.adapters.db.tables_federation import federation_sent
from tongban.domain.cases.status import CaseStatus
from tongban.domain.federation.errors import HandoverClosed, HandoverIncomplete
from tongban.domain.federation.handover import MaterialFile
from tongban.domain.people.model import Role
from tongban.services.cases import lifecycle
from tongban.services.cases import repository as repo
from tongban.services.federation import exchange_log, handover, messages, refusals
from tongban.services.platform import outbox
from tongban.web.app import build_app

pytestmark = pytest.mark.usefixtures("keep_logging")


@pytest.fixture
def world(pair: Pair) -> World:
    return World(pair)


def withdraw(world: World, ref: str, reason: str = "申请人已另行办理") -> str:
    side = world.pair.nanhai
    with side.uow() as uow:
        return handover.withdraw(uow, actor(side, world.clerk), side.node_keys, ref, reason)


def closing_reason(world: World, ref: str) -> Any:
    with world.pair.panyu.read() as uow:
        return repo.get(uow.conn, world.there(ref).number).closing_reason


def panyu_link(world: World, ref: str) -> Any:
    with world.pair.panyu.read() as uow:
        return handover.federated_case(uow.conn, ref)


def logs_verify(world: World) -> None:
    for side in (world.pair.nanhai, world.pair.panyu):
        with side.read() as uow:
            assert exchange_log.verify(uow.conn).ok


def test_the_applicant_withdraws_here_and_the_partner_withdraws_its_case(world: World) -> None:
    ref = world.hand_over()
    pump(world.pair)
    world.step(lifecycle.accept, ref)
    pump(world.pair)
    message_id = withdraw(world, ref, "申请人已另行办理")
    here = world.here(ref)
    assert (here["status"], here["remote_status"]) == ("withdrawn", "accepted")
    pump(world.pair)

    assert world.there(ref).status == CaseStatus.WITHDRAWN
    assert "申请人已另行办理" in closing_reason(world, ref)
    assert panyu_link(world, ref)["remote_status"] == "withdrawn"
    here = world.here(ref)
    assert (here["status"], here["remote_status"]) == ("withdrawn", "withdrawn")
    assert here["remote_detail"]["withdrawn_reason"] == "申请人已另行办理"
    assert [(m["type"], m["status"]) for m in here["sent"]] == [
        ("case.handover", "acknowledged"), ("case.withdrawn", "acknowledged"),
    ]  # fmt: skip
    assert here["sent"][1]["message_id"] == message_id
    # Not told back (the acknowledgement answers it), nothing refused on either side.
    assert count(world.pair.panyu, federation_sent) == 1
    for side in (world.pair.nanhai, world.pair.panyu):
        with side.read() as uow:
            assert refusals.unresolved(uow.conn) == []
    logs_verify(world)
    with pytest.raises(HandoverClosed):
        withdraw(world, ref)


def test_a_withdrawal_needs_a_reason_and_an_open_case(world: World) -> None:
    ref = world.hand_over()
    with pytest.raises(HandoverIncomplete):
        withdraw(world, ref, "  ")
    pump(world.pair)
    world.step(lifecycle.accept, ref)
    world.step(lifecycle.start_review, ref)
    world.step(lifecycle.propose_decision, ref, True, "符合条件")
    pump(world.pair)
    assert world.here(ref)["remote_status"] == "approved"
    with pytest.raises(HandoverClosed):
        withdraw(world, ref)
    assert count(world.pair.nanhai, federation_sent) == 1


def test_a_withdrawal_crossing_the_decision_is_refused_and_cancelled_the_case_goes_on(
    world: World,
) -> None:
    ref = world.hand_over()
    pump(world.pair)
    world.step(lifecycle.accept, ref)
    world.step(lifecycle.start_review, ref)
    world.step(lifecycle.propose_decision, ref, True, "符合条件")
    world.step(issue, ref)
    withdraw(world, ref)  # before 南海 heard of the decision
    for _ in range(2):  # 南海's withdrawal first, then 番禺's answers
        for side in (world.pair.nanhai, world.pair.panyu):
            outbox.deliver(side, "test-worker", side.clock.now())
    side = world.pair.nanhai
    with side.read() as uow:
        [refused] = refusals.unresolved(uow.conn)
    assert (refused["type"], refused["code"]) == ("case.withdrawn", "federation_cannot_apply")
    assert world.there(ref).status != CaseStatus.WITHDRAWN
    with side.uow() as uow:
        refusals.resolve(
            uow, actor(side, world.clerk), side.node_keys, refused["message_id"],
            refusals.CANCEL, "番禺已办结，撤回未成",
        )  # fmt: skip
    pump(world.pair)
    here = world.here(ref)
    assert here["status"] == "handed_over" and here["result_verified"] is True
    with side.uow() as uow:
        handover.collect_result(uow, actor(side, world.clerk), ref)
    logs_verify(world)


def test_cancelling_a_refused_correction_withdraws_the_case_there(world: World) -> None:
    pair = world.pair
    ref = world.hand_over()
    pump(pair)
    world.step(lifecycle.accept, ref)
    world.step(lifecycle.start_review, ref)
    world.step(lifecycle.request_correction, ref, "租赁合同页数不全", [LEASE])
    pump(pair)
    lease = MaterialFile(LEASE, b"lease, all pages").entry()
    lease["content"] = MaterialFile(LEASE, b"lease, altered").entry()["content"]
    side = pair.nanhai
    with side.uow() as uow:  # a correction whose upload was damaged on the way
        messages.send(
            uow, SYSTEM, side.node_keys, receiver=PANYU, case_ref=ref,
            type="case.correction_answered", item="PY-001",
            body={"note": "补齐", "materials": [lease]},
        )  # fmt: skip
    pump(pair)
    with side.read() as uow:
        [refused] = refusals.unresolved(uow.conn)
    assert refused["code"] == "federation_material_mismatch"
    with side.uow() as uow:
        new_id = refusals.resolve(
            uow, actor(side, world.clerk), side.node_keys, refused["message_id"],
            refusals.CANCEL, "申请人放弃补正",
        )  # fmt: skip
    pump(pair)
    assert world.there(ref).status == CaseStatus.WITHDRAWN
    assert "申请人放弃补正" in closing_reason(world, ref)
    here = world.here(ref)
    assert (here["status"], here["remote_status"]) == ("withdrawn", "withdrawn")
    sent = {m["message_id"]: (m["seq"], m["type"], m["status"]) for m in here["sent"]}
    assert sent[new_id] == (2, "case.withdrawn", "acknowledged")
    with side.read() as uow:
        assert refusals.unresolved(uow.conn) == []
        [done] = refusals.resolutions(uow.conn, ref)
        assert (done.action, done.new_message_id) == ("cancel", new_id)
    logs_verify(world)


def test_the_window_withdraws_through_the_case_page(world: World) -> None:
    pair = world.pair
    ref = world.hand_over()
    pump(pair)
    client = TestClient(build_app(pair.nanhai))
    csrf = sign_in(pair.nanhai, client, world.clerk_person)
    page = client.get(f"/federation/cases/{ref}")
    assert page.status_code == 200 and f"/federation/cases/{ref}/withdraw" in page.text
    done = client.post(
        f"/federation/cases/{ref}/withdraw",
        data={"csrf_token": csrf, "reason": "申请人改到番禺现场办理"},
        follow_redirects=False,
    )
    assert done.status_code == 303
    pump(pair)
    page = client.get(f"/federation/cases/{ref}")
    assert "申请人改到番禺现场办理" in page.text
    assert f"/federation/cases/{ref}/withdraw" not in page.text
    assert '<dd id="remote-status">withdrawn</dd>' in page.text
    again = client.post(
        f"/federation/cases/{ref}/withdraw", data={"csrf_token": csrf, "reason": "再次"}
    )
    assert again.status_code == 409
    reviewer = TestClient(build_app(pair.panyu))
    sign_in(pair.panyu, reviewer, world.reviewer_person)
    page = reviewer.get(f"/review/cases/{world.there(ref).number}")
    assert page.status_code == 200 and "申请人改到番禺现场办理" in page.text


def test_refusals_are_resolved_from_the_command_line(world: World) -> None:
    from typer.testing import CliRunner

    from tongban.cli.app import app

    pair = world.pair
    ref = world.hand_over()
    pump(pair)
    world.step(lifecycle.accept, ref)
    world.step(lifecycle.start_review, ref)
    world.step(lifecycle.propose_decision, ref, True, "符合条件")
    withdraw(world, ref)  # crosses the decision: refused there
    pump(pair)
    with pair.nanhai.read() as uow:
        [refused] = refusals.unresolved(uow.conn)
    env = {
        "TONGBAN_DATABASE_URL": pair.nanhai.engine.url.render_as_string(hide_password=False),
        "TONGBAN_DATA_DIR": str(pair.nanhai.settings.data_dir),
        "TONGBAN_SECRET_KEY": "cli-test-secret-" + "x" * 32,
        "COLUMNS": "200",
    }
    runner = CliRunner()
    listed = runner.invoke(app, ["node", "refused"], env=env)
    assert listed.exit_code == 0 and refused["message_id"] in listed.output
    no_reason = runner.invoke(app, ["node", "refused", "cancel", refused["message_id"]], env=env)
    assert no_reason.exit_code == 2 and "请说明撤销的原因" in no_reason.output
    unknown = runner.invoke(app, ["node", "refused", "resend", "no-such-message"], env=env)
    assert unknown.exit_code == 2
    done = runner.invoke(
        app, ["node", "refused", "cancel", refused["message_id"], "--note", "已办结"], env=env
    )
    assert done.exit_code == 0, done.output
    assert world.here(ref)["status"] == "handed_over"
    with pair.nanhai.read() as uow:
        assert refusals.unresolved(uow.conn) == []
        [resolution] = refusals.resolutions(uow.conn, ref)
    assert (resolution.action, resolution.by_user_id) == ("cancel", None)


def test_the_window_withdraws_through_the_api_once_per_key(world: World) -> None:
    pair = world.pair
    ref = world.hand_over()
    pump(pair)
    client = TestClient(build_app(pair.nanhai))
    csrf = sign_in(pair.nanhai, client, world.clerk_person)
    url = f"/api/v1/federation/cases/{ref}/withdraw"

    def post(key: str | None, body: Any) -> Any:
        headers = {"X-CSRF-Token": csrf, **({"Idempotency-Key": key} if key else {})}
        return client.post(url, json=body, headers=headers)

    assert post(None, {"reason": "申请人已另行办理"}).status_code == 428
    empty = post("w-0", {"reason": ""})
    assert empty.status_code == 422 and empty.json()["code"] == "validation_failed"
    blank = post("w-1", {"reason": "   "})
    assert blank.status_code == 422 and blank.json()["code"] == "federation_handover_incomplete"
    missing = client.post(
        "/api/v1/federation/cases/440605-20261116-99999/withdraw",
        json={"reason": "x"}, headers={"X-CSRF-Token": csrf, "Idempotency-Key": "w-2"},
    )  # fmt: skip
    assert missing.status_code == 404 and missing.json()["code"] == "federation_case_not_found"
    assert count(pair.nanhai, federation_sent) == 1  # nothing sent by the refusals

    done = post("w-3", {"reason": "申请人已另行办理"})
    assert done.status_code == 200, done.text
    body = done.json()
    assert (body["case_ref"], body["status"]) == (ref, "withdrawn")
    assert [m["type"] for m in body["sent"]] == ["case.handover", "case.withdrawn"]
    replay = post("w-3", {"reason": "申请人已另行办理"})
    assert replay.headers["Idempotent-Replayed"] == "true" and replay.json() == body
    assert count(pair.nanhai, federation_sent) == 2  # the retry sent nothing more
    closed = post("w-4", {"reason": "再次撤回"})
    assert closed.status_code == 409 and closed.json()["code"] == "federation_handover_closed"
    pump(pair)
    assert world.there(ref).status == CaseStatus.WITHDRAWN
    assert "申请人已另行办理" in closing_reason(world, ref)


def test_only_a_window_clerk_withdraws_through_the_api(world: World) -> None:
    pair = world.pair
    ref = world.hand_over()
    client = TestClient(build_app(pair.nanhai))
    auditor = make_staff(pair.nanhai, Role.AUDITOR)
    csrf = sign_in(pair.nanhai, client, auditor)
    assert client.get(f"/api/v1/federation/cases/{ref}").status_code == 200  # a reader
    refused = client.post(
        f"/api/v1/federation/cases/{ref}/withdraw",
        json={"reason": "申请人已另行办理"},
        headers={"X-CSRF-Token": csrf, "Idempotency-Key": "auditor-1"},
    )
    assert refused.status_code == 403 and refused.json()["code"] == "permission_denied"
    assert world.here(ref)["status"] == "handed_over"
