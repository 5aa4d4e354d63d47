"""Post-approval supervision (批后监管) on both databases: approvals of listed items open
inspection tasks, draws are replayable, inspections conclude with closure, a rectification
order on the calendar or revocation (then the licence fails online and offline), one of two
concurrent changes wins, and each person sees only what is theirs."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import pytest
from sqlalchemy import func, select, update

from tests.integration.supervision_fixtures import DAY, Supervised, supervised
from tests.integration.test_cases import world
from tongban.adapters.db.tables import data_access_log, outbox
from tongban.adapters.db.tables_supervision import inspection_tasks, supervision_draws
from tongban.domain.errors import PermissionDenied, StaleVersion, ValidationFailed
from tongban.domain.supervision.errors import (
    ClosureWithFailures,
    RevocationReasonRequired,
    TaskClosed,
    TaskNotFound,
    UnknownChecklistEntry,
)
from tongban.domain.supervision.model import Outcome, TaskStatus
from tongban.services.licences import library, revocations
from tongban.services.platform import calendar as working_days
from tongban.services.supervision import draws, queries, tasks

__all__ = ["supervised", "world"]
ALL_PASS = {"C1": "pass", "C2": "pass", "M1": "pass", "L1": "pass", "L2": "pass"}


def _findings(results: dict[str, str]) -> dict[str, dict[str, str]]:
    return {
        code: {"result": r, "note": "" if r != "fail" else "现场不符"}
        for code, r in results.items()
    }


def task_rows(s: Supervised) -> list[object]:
    with s.world.container.read() as uow:
        return list(uow.conn.execute(select(inspection_tasks).order_by(inspection_tasks.c.id)))


def drawn(s: Supervised) -> tuple[str, int, int]:
    """One approval, one draw: the task's number, its inspector and its version."""
    s.place()
    s.approve()
    s.draw()
    row = task_rows(s)[-1]
    return row.number, row.inspector_id, row.lock_version


def test_an_approval_opens_a_task_only_for_an_item_on_the_supervision_list(
    supervised: Supervised,
) -> None:
    s = supervised
    s.approve()
    assert task_rows(s) == []  # not on the list: nothing to inspect
    setting = s.place(days=10)
    assert [e.code for e in setting.checklist] == ["C1", "C2", "M1", "L1", "L2"]
    case_number, licence_id = s.approve("阿强粉店")
    [task] = task_rows(s)
    with s.world.container.read() as uow:
        due = working_days.deadline(uow.conn, date.fromisoformat(DAY), 10)
    assert task.case_number == case_number and task.licence_id == licence_id
    assert task.status == TaskStatus.PENDING.value and task.due_on == due
    assert task.subject_name == "阿强粉店" and len(task.checklist) == 5


def test_a_draw_replays_and_a_changed_pool_is_detected(supervised: Supervised) -> None:
    s = supervised
    s.place()
    for name in ("甲店", "乙店", "丙店"):
        s.approve(name)
    made = s.draw(size=2)
    assert len(made.picked) == 2
    rows = task_rows(s)
    assert sorted(r.status for r in rows) == ["assigned", "assigned", "pending"]
    assert {r.inspector_id for r in rows if r.inspector_id} <= set(s.inspectors)
    with s.world.container.read() as uow:
        record = uow.conn.execute(select(supervision_draws)).one()
        assert len(record.seed) == 64 and draws.replay_draw(uow.conn, made.number).ok
    tampered = [*record.subject_pool[:2], {"key": "JC999999", "licence": None, "item": "X"}]
    with s.world.container.uow() as uow:
        uow.conn.execute(update(supervision_draws).values(subject_pool=tampered))
        uow.commit()
    with s.world.container.read() as uow:
        found = draws.replay_draw(uow.conn, made.number)
    assert not found.ok and not found.subject_pool_ok and found.inspector_pool_ok


def test_a_rectification_order_sets_its_deadline_on_the_official_calendar(
    supervised: Supervised,
) -> None:
    s = supervised
    number, inspector, version = drawn(s)
    after = s.findings(inspector, number, _findings({**ALL_PASS, "L2": "fail"}), version)
    with pytest.raises(ClosureWithFailures):
        s.conclude(inspector, number, Outcome.CLOSURE, after.lock_version)
    ordered = s.conclude(
        inspector, number, Outcome.RECTIFICATION, after.lock_version, rectify_days=5
    )
    with s.world.container.read() as uow:
        due = working_days.deadline(uow.conn, date.fromisoformat(DAY), 5)
    assert ordered.status == TaskStatus.RECTIFYING.value and ordered.due_on == due
    assert ordered.rectifications == 1 and ordered.findings == {}
    # The re-inspection finds it put right and closes it.
    again = s.findings(inspector, number, _findings(ALL_PASS), ordered.lock_version)
    closed = s.conclude(inspector, number, Outcome.CLOSURE, again.lock_version)
    assert closed.status == TaskStatus.CLOSED.value and closed.outcome == "closure"


def test_revocation_makes_the_licence_fail_online_and_against_the_revocation_list(
    supervised: Supervised,
) -> None:
    s = supervised
    number, inspector, version = drawn(s)
    keys = s.world.container.keys
    now = s.actor(None).at
    with s.world.container.read() as uow:
        licence = library.get(uow.conn, task_rows(s)[-1].licence_id)
        before = revocations.check_list(
            revocations.signed_list(uow.conn, keys, now), keys.jwks(), now
        )
    offline = library.verify_credential(
        licence.credential, keys.jwks(), None, today=date.fromisoformat(DAY),
        revocations=before.for_verifier(),
    )  # fmt: skip
    assert offline.ok
    after = s.findings(inspector, number, _findings({**ALL_PASS, "C2": "fail"}), version)
    done = s.conclude(inspector, number, Outcome.REVOCATION, after.lock_version, reason="无证经营")
    assert done.status == TaskStatus.REVOKED.value
    with s.world.container.read() as uow:
        online = library.verify_credential(
            licence.credential, keys, library.status_of(uow.conn), today=date.fromisoformat(DAY)
        )
        signed = revocations.signed_list(uow.conn, keys, now)
    assert not online.ok and online.code == "revoked"
    listed = revocations.check_list(signed, keys.jwks(), now)
    offline = library.verify_credential(
        licence.credential, keys.jwks(), None, today=date.fromisoformat(DAY),
        revocations=listed.for_verifier(),
    )  # fmt: skip
    assert not offline.ok and offline.code == "revoked"
    # A list changed in transit, or past its next update, is refused.
    forged = dict(signed, payload=before_payload(s, now))
    with pytest.raises(revocations.BadRevocationList) as bad:
        revocations.check_list(forged, keys.jwks(), now)
    assert bad.value.code == "bad_signature"
    later = listed.next_update.replace(microsecond=0) + (listed.next_update - listed.issued_at)
    with pytest.raises(revocations.BadRevocationList) as stale:
        revocations.check_list(signed, keys.jwks(), later)
    assert stale.value.code == "revocation_list_stale"


def before_payload(s: Supervised, now: object) -> str:
    """The payload of an empty list: swapped into a signed one, it breaks the signature."""
    import base64
    import json

    body = {"iss": "urn:tongban:440605", "issued_at": "x", "next_update": "y", "revoked": []}
    raw = json.dumps(body).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def test_of_two_changes_to_one_task_read_at_the_same_version_one_wins(
    supervised: Supervised,
) -> None:
    s = supervised
    number, inspector, version = drawn(s)
    s.findings(inspector, number, _findings({"C1": "pass"}), version)
    with pytest.raises(StaleVersion):
        s.findings(inspector, number, _findings({"C1": "fail"}), version)
    [row] = task_rows(s)
    assert row.findings == {"C1": {"result": "pass", "note": ""}}


def test_an_inspector_sees_only_their_tasks_and_another_departments_head_nothing(
    supervised: Supervised,
) -> None:
    s = supervised
    s.place()
    s.approve("甲店")
    s.approve("乙店")
    s.draw(size=1)
    picked = next(r for r in task_rows(s) if r.inspector_id is not None)
    other = next(i for i in s.inspectors if i != picked.inspector_id)
    with s.world.container.read() as uow:
        own = queries.tasks_for(uow.conn, s.actor(picked.inspector_id).principal)
        none = queries.tasks_for(uow.conn, s.actor(other).principal)
        heads = queries.tasks_for(uow.conn, s.actor(s.world.chief).principal)
        elsewhere = queries.tasks_for(uow.conn, s.actor(s.other_head).principal)
    assert [t["number"] for t in own] == [picked.number] and none == [] and elsewhere == []
    assert len(heads) == 2 and all("*" in t["subject"] or "店" in t["subject"] for t in heads)
    for stranger in (other, s.other_head):
        with pytest.raises(TaskNotFound), s.world.container.uow() as uow:
            queries.task_detail(uow.conn, s.actor(stranger), picked.number)
    with pytest.raises(PermissionDenied):
        s.findings(s.world.chief, picked.number, _findings({"C1": "pass"}), picked.lock_version)
    with s.world.container.uow() as uow:
        seen = queries.task_detail(uow.conn, s.actor(picked.inspector_id), picked.number)
        uow.commit()
    assert seen.subject_name in ("甲店", "乙店")
    with s.world.container.read() as uow:
        logged = uow.conn.execute(
            select(data_access_log.c.subject_id, data_access_log.c.purpose)
        ).all()
    assert (picked.subject_id, "批后监管现场检查") in [tuple(r) for r in logged]


def test_bad_input_is_refused_clearly_and_changes_nothing(supervised: Supervised) -> None:
    s = supervised
    number, inspector, version = drawn(s)
    with pytest.raises(UnknownChecklistEntry) as unknown:
        s.findings(inspector, number, _findings({"Z9": "pass"}), version)
    assert unknown.value.code == "checklist_entry_unknown" and "Z9" in unknown.value.message
    with pytest.raises(ValidationFailed):
        s.findings(inspector, number, {"C1": {"result": "maybe"}}, version)
    after = s.findings(inspector, number, _findings(ALL_PASS), version)
    with pytest.raises(RevocationReasonRequired) as no_reason:
        s.conclude(inspector, number, Outcome.REVOCATION, after.lock_version, reason="  ")
    assert no_reason.value.code == "revocation_reason_required"
    [row] = task_rows(s)
    assert row.lock_version == after.lock_version and row.status == "assigned"
    with s.world.container.read() as uow:
        assert library.get(uow.conn, row.licence_id).status_on(date(2026, 11, 3)).value == "valid"
    closed = s.conclude(inspector, number, Outcome.CLOSURE, after.lock_version)
    with pytest.raises(TaskClosed) as finished:
        s.findings(inspector, number, _findings({"C1": "fail"}), closed.lock_version)
    assert finished.value.code == "inspection_task_closed"
    assert task_rows(s)[0].lock_version == closed.lock_version


def test_overdue_tasks_alert_the_department_head_once(supervised: Supervised) -> None:
    s = supervised
    drawn(s)
    [row] = task_rows(s)
    late = date.fromordinal(row.due_on.toordinal() + 1)
    for _ in range(2):
        with s.world.container.uow() as uow:
            assert tasks.alert_overdue(uow, s.actor(None), late) == 1
    with s.world.container.read() as uow:
        sent = (
            uow.conn.execute(
                select(outbox.c.payload).where(outbox.c.dedup_key.like("inspection:%:overdue:%"))
            )
            .scalars()
            .all()
        )
    assert sorted(p["user_id"] for p in sent) == sorted([s.world.chief, row.inspector_id])


def test_the_figures_count_tasks_inspections_and_outcomes_by_item(supervised: Supervised) -> None:
    s = supervised
    number, inspector, version = drawn(s)
    after = s.findings(inspector, number, _findings(ALL_PASS), version)
    s.conclude(inspector, number, Outcome.CLOSURE, after.lock_version)
    s.approve("乙店")
    with s.world.container.read() as uow:
        [row] = queries.figures(uow.conn, start=date(2026, 11, 1), end=date(2026, 11, 30))
        empty = queries.figures(uow.conn, start=date(2026, 12, 1), end=date(2026, 12, 31))
        count = uow.conn.execute(select(func.count()).select_from(inspection_tasks)).scalar()
    assert count == 2 and empty == []
    assert (row["created"], row["inspected"], row["on_time"]) == (2, 1, 1)
    assert (row["closure"], row["rectification"], row["revocation"]) == (1, 0, 0)


def test_two_changes_to_one_task_at_the_same_moment_never_both_win(
    supervised: Supervised,
) -> None:
    """Two threads, two connections, the version read before either: on both databases exactly
    one change is written every time (the inspector's two devices; the other inspector of the
    department does not even see the task)."""
    s = supervised
    number, inspector, _ = drawn(s)
    other = next(i for i in s.inspectors if i != inspector)
    actor = s.actor(inspector)
    barrier = threading.Barrier(2)

    def record(result: str, version: int) -> str:
        barrier.wait(timeout=10)  # meet before beginning (SQLite's BEGIN IMMEDIATE)
        with s.world.container.uow() as uow:
            try:
                tasks.record_findings(uow, actor, number, _findings({"C1": result}), version)
            except StaleVersion as lost:
                return lost.code
            return result

    with ThreadPoolExecutor(max_workers=2) as pool:
        for trial in range(12):
            version = task_rows(s)[0].lock_version
            outcomes = list(pool.map(record, ["pass", "na"], [version, version]))
            assert outcomes.count("stale_version") == 1, f"trial {trial}: {outcomes}"
            [won] = [o for o in outcomes if o != "stale_version"]
            row = task_rows(s)[0]
            assert row.lock_version == version + 1 and row.findings["C1"]["result"] == won
    with pytest.raises(TaskNotFound):  # not theirs: they do not even see it
        s.findings(other, number, _findings({"C1": "pass"}), task_rows(s)[0].lock_version)
