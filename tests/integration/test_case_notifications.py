"""Case notifications (C18) on both databases: written with the change, once, and delivered by
the worker to the in-app inbox and the SMS adapter; personal data never in the text."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import select

from tests.factories import make_staff
from tests.integration.test_cases import (
    PREMISES,
    World,
    at,
    at_window,
    build_world,
    issue,
    online,
    step,
    upload_scan,
)
from tongban.adapters.db.tables import inbox_messages, outbox
from tongban.adapters.sms import LogSms
from tongban.bootstrap import Container
from tongban.domain.cases.values import Performer
from tongban.domain.errors import StaleVersion
from tongban.domain.people.model import Role
from tongban.services.cases import lifecycle as svc
from tongban.services.cases import notify as cases_notify
from tongban.services.cases import repository as repo
from tongban.services.platform import outbox as outbox_service

ID_NUMBER = "11010519491231002X"


@pytest.fixture
def world(container: Container) -> World:
    return build_world(container)


def messages(world: World, number: str) -> list[Any]:
    """The outbox rows about case ``number``, oldest first."""
    with world.container.read() as uow:
        query = select(outbox).where(outbox.c.dedup_key.like(f"case:{number}:%"))
        return list(uow.conn.execute(query.order_by(outbox.c.id)).all())


def keys(world: World, number: str) -> list[str]:
    return [row.dedup_key for row in messages(world, number)]


def test_submission_tells_the_applicant_in_app_and_by_sms_in_the_same_transaction(
    world: World,
) -> None:
    ref = online(world)
    rows = messages(world, ref.number)
    # seq 1 is the draft, 2 and 3 the two files, 4 the submission: one in-app message, one SMS.
    assert [(r.kind, r.dedup_key) for r in rows] == [
        ("inbox", f"case:{ref.number}:4:inbox"),
        ("sms", f"case:{ref.number}:4:sms"),
    ]
    inbox, sms = rows[0].payload, rows[1].payload
    assert inbox["user_id"] == world.citizen and inbox["title"] == "申请已提交"
    assert ref.number in inbox["body"] and "“个体工商户设立登记”" in inbox["body"]
    assert sms["phone"] == "13800138000"
    assert sms["text"].startswith("【通办】") and ref.number in sms["text"]


def test_every_step_that_concerns_the_applicant_is_told_once(world: World) -> None:
    ref = at_window(world, materials=["经营者身份证明"])
    ref = step(
        world,
        svc.accept_with_missing_materials,
        world.clerk,
        ref,
        "2026-11-02",
        [PREMISES],
        "本人承诺按期补交",
        date(2026, 11, 9),
    )
    ref = upload_scan(world, ref, PREMISES, "2026-11-03")
    ref = step(world, svc.start_review, world.reviewer, ref, "2026-11-03")
    ref = step(world, svc.propose_decision, world.reviewer, ref, "2026-11-03", True, "符合条件")
    ref = step(world, issue, world.reviewer, ref, "2026-11-04", "营业执照")
    ref = step(world, svc.deliver, None, ref, "2026-11-04")
    applicant = [r.payload for r in messages(world, ref.number) if r.kind == "inbox"]
    titles = [p["title"] for p in applicant if p["user_id"] == world.citizen]
    assert titles == ["申请已提交", "办件已容缺受理", "办理结果已出具", "取件码", "办理结果已送达"]
    accepted = next(p for p in applicant if p["title"] == "办件已容缺受理")
    assert "2026-11-09" in accepted["body"] and PREMISES in accepted["body"]
    assert (
        len([r for r in messages(world, ref.number) if r.kind == "sms"]) == 5
    )  # each title above, the pickup code included, also by SMS


def test_reasons_are_shown_with_the_id_number_masked(world: World) -> None:
    ref = at_window(world)
    reasons = f"申请人 {ID_NUMBER} 已有同名字号"
    step(world, svc.refuse_acceptance, world.clerk, ref, "2026-11-02", reasons)
    texts = [str(r.payload) for r in messages(world, ref.number)]
    assert texts and all(ID_NUMBER not in text for text in texts)
    sms = [r.payload["text"] for r in messages(world, ref.number) if r.kind == "sms"]
    assert "不予受理" in sms[-1] and "110105********002X" in sms[-1]


def test_a_failed_change_leaves_no_message_behind(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    ref = online(world)
    before = keys(world, ref.number)

    def broken_save(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the database went away mid-save")

    monkeypatch.setattr(repo, "save", broken_save)
    with pytest.raises(RuntimeError):
        step(world, svc.accept, world.clerk, ref, "2026-11-02")
    assert keys(world, ref.number) == before


def test_a_retried_transition_never_doubles_a_message(world: World) -> None:
    ref = at_window(world)
    step(world, svc.accept, world.clerk, ref, "2026-11-02")
    with pytest.raises(StaleVersion):  # the client retries with the version it had
        step(world, svc.accept, world.clerk, ref, "2026-11-02")
    accepted_keys = [k for k in keys(world, ref.number) if k.startswith(f"case:{ref.number}:3:")]
    assert sorted(accepted_keys) == [f"case:{ref.number}:3:inbox", f"case:{ref.number}:3:sms"]
    # Queuing the same pending events twice (a retried transaction) stores nothing new.
    with world.container.uow() as uow:
        case = repo.get(uow.conn, ref.number)
        case.terminate(by=Performer(None, "system"), at=at("2026-11-03"), reasons="逾期")
        before = len(messages_in(uow.conn, ref.number))
        cases_notify.notify(uow.conn, case, at("2026-11-03"))
        first = len(messages_in(uow.conn, ref.number))
        assert first == before + 2
        cases_notify.notify(uow.conn, case, at("2026-11-03"))
        assert len(messages_in(uow.conn, ref.number)) == first


def messages_in(conn: Any, number: str) -> list[Any]:
    query = select(outbox.c.id).where(outbox.c.dedup_key.like(f"case:{number}:%"))
    return list(conn.execute(query).all())


def test_a_rejection_proposal_tells_the_section_chiefs_and_a_correction_the_reviewers(
    world: World,
) -> None:
    other_chief = make_staff(world.container, Role.SECTION_CHIEF, department_code="RSJ").user_id
    ref = at_window(world)
    ref = step(world, svc.accept, world.clerk, ref, "2026-11-02")
    ref = step(world, svc.start_review, world.reviewer, ref, "2026-11-02")
    ref = step(world, svc.request_correction, world.reviewer, ref, "2026-11-03", "缺图", ["照片"])
    ref = step(world, svc.supply_correction, world.citizen, ref, "2026-11-04")
    ref = step(world, svc.propose_decision, world.reviewer, ref, "2026-11-05", False, "场所不符")
    staff = [
        (r.payload["user_id"], r.payload["title"])
        for r in messages(world, ref.number)
        if r.kind == "inbox" and r.payload["user_id"] != world.citizen
    ]
    assert staff == [(world.reviewer, "补正材料已提交"), (world.chief, "待签发：拟不予许可")]
    assert all(user != other_chief for user, _ in staff)


def test_a_signed_rejection_tells_the_applicant_with_the_reasons(world: World) -> None:
    ref = at_window(world)
    ref = step(world, svc.accept, world.clerk, ref, "2026-11-02")
    ref = step(world, svc.start_review, world.reviewer, ref, "2026-11-02")
    ref = step(world, svc.propose_decision, world.reviewer, ref, "2026-11-05", False, "场所不符")
    ref = step(world, svc.sign_off_rejection, world.chief, ref, "2026-11-06", "同意")
    told = [
        r.payload
        for r in messages(world, ref.number)
        if r.kind == "inbox" and r.payload["user_id"] == world.citizen
    ]
    assert told[-1]["title"] == "办件不予许可" and "场所不符" in told[-1]["body"]
    assert any(
        r.kind == "sms" and "不予许可" in r.payload["text"] for r in messages(world, ref.number)
    )


def test_the_worker_delivers_them_to_the_inbox_and_the_sms_adapter(world: World) -> None:
    sms = LogSms()
    world.container.sms = sms
    ref = at_window(world)
    step(world, svc.accept, world.clerk, ref, "2026-11-02")
    batch = outbox_service.deliver(world.container, "worker-1", at("2026-11-02", 11))
    assert batch.failed == 0 and batch.sent >= 4
    with world.container.read() as uow:
        inbox = uow.conn.execute(
            select(inbox_messages.c.title, inbox_messages.c.link)
            .where(inbox_messages.c.user_id == world.citizen)
            .order_by(inbox_messages.c.id)
        ).all()
    assert [row.title for row in inbox] == ["申请已提交", "办件已受理"]
    assert inbox[0].link == f"/my/cases/{ref.number}"
    assert [phone for phone, _ in sms.sent] == ["13800138000", "13800138000"]
    assert all(ref.number in text for _, text in sms.sent)
    again = outbox_service.deliver(world.container, "worker-1", at("2026-11-02", 12))
    assert again.claimed == 0 and len(sms.sent) == 2
