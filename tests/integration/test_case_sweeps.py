"""The worker's case sweeps on both databases, with a calendar-aware ``now`` injected: clock
alerts once per colour, 容缺 reminders then termination, and deemed acceptance (第三十二条)."""

from __future__ import annotations

from datetime import date, timedelta
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
    online,
    step,
    upload_scan,
)
from tongban.adapters.db.tables import case_events, outbox
from tongban.bootstrap import Container
from tongban.domain.cases.status import CaseStatus
from tongban.domain.errors import StaleVersion
from tongban.domain.people.model import Role
from tongban.domain.shared.clock import FixedClock
from tongban.services.cases import lifecycle as svc
from tongban.services.cases import repository as repo
from tongban.services.cases import sweeps as cases_sweeps
from tongban.services.cases.audit import verify
from tongban.worker import SWEEPS, Worker

S = CaseStatus


@pytest.fixture
def world(container: Container) -> World:
    return build_world(container)


def alerts(world: World, number: str) -> list[tuple[int, str]]:
    with world.container.read() as uow:
        rows = uow.conn.execute(
            select(outbox.c.payload)
            .where(outbox.c.dedup_key.like(f"case:{number}:alert:%"))
            .order_by(outbox.c.id)
        ).all()
    return [(row.payload["user_id"], row.payload["title"]) for row in rows]


def outbox_keys(world: World, number: str) -> list[str]:
    with world.container.read() as uow:
        query = select(outbox.c.dedup_key).where(outbox.c.dedup_key.like(f"case:{number}:%"))
        return [str(k) for k in uow.conn.execute(query.order_by(outbox.c.id)).scalars()]


def load(world: World, number: str) -> Any:
    with world.container.read() as uow:
        return repo.get(uow.conn, number)


def last_event(world: World, number: str) -> Any:
    with world.container.read() as uow:
        case = repo.get(uow.conn, number)
        return uow.conn.execute(
            select(case_events)
            .where(case_events.c.case_id == case.id)
            .order_by(case_events.c.seq.desc())
            .limit(1)
        ).one()


def test_the_worker_runs_the_case_sweeps() -> None:
    expected = {
        "case_clock_alerts": (cases_sweeps.clock_alerts, timedelta(minutes=15)),
        "case_missing_materials": (cases_sweeps.missing_materials, timedelta(minutes=30)),
        "case_deemed_acceptance": (cases_sweeps.deemed_acceptance, timedelta(minutes=30)),
        "case_mail_deliveries": (cases_sweeps.mail_deliveries, timedelta(minutes=30)),
    }
    for name, (run, interval) in expected.items():
        sweep = SWEEPS[name]
        assert (sweep.name, sweep.run, sweep.interval) == (name, run, interval)
        assert sweep.lease > timedelta(0)


def test_clock_alerts_fire_once_per_colour(world: World) -> None:
    manager = make_staff(world.container, Role.CENTRE_MANAGER).user_id
    world.container.settings.case_yellow_days = 0  # yellow on the last day only
    ref = at_window(world)
    step(world, svc.accept, world.clerk, ref, "2026-11-02")  # 1 working day: due Tuesday 3rd
    sweep = cases_sweeps.clock_alerts
    assert sweep(world.container, at("2026-11-02", 15)) == 0
    assert alerts(world, ref.number) == []
    sweep(world.container, at("2026-11-03"))  # the last day: yellow
    sweep(world.container, at("2026-11-03", 15))
    yellow = [(world.reviewer, "办件即将到期"), (manager, "办件即将到期")]
    assert alerts(world, ref.number) == yellow
    sweep(world.container, at("2026-11-04"))  # past the deadline: red
    sweep(world.container, at("2026-11-05"))
    red = [(world.reviewer, "办件已超期"), (manager, "办件已超期")]
    assert alerts(world, ref.number) == yellow + red
    assert world.other_reviewer not in {user for user, _ in alerts(world, ref.number)}


def test_missing_materials_are_reminded_then_the_case_is_terminated_on_expiry(
    world: World,
) -> None:
    ref = at_window(world, materials=["经营者身份证明"])
    ref = step(
        world,
        svc.accept_with_missing_materials,
        world.clerk,
        ref,
        "2026-11-02",
        [PREMISES],
        "逾期未补交的，同意终止办理",
        date(2026, 11, 9),
    )
    sweep = cases_sweeps.missing_materials
    reminder = [f"case:{ref.number}:missing-reminder:2026-11-09:{k}" for k in ("inbox", "sms")]
    sweep(world.container, at("2026-11-04"))  # three working days before: too early
    assert not set(reminder) & set(outbox_keys(world, ref.number))
    sweep(world.container, at("2026-11-05"))  # two working days before: remind, once
    sweep(world.container, at("2026-11-06"))
    assert [k for k in outbox_keys(world, ref.number) if "reminder" in k] == reminder
    assert sweep(world.container, at("2026-11-09", 17)) == 0  # the last day still counts
    assert load(world, ref.number).status is S.ACCEPTED

    assert sweep(world.container, at("2026-11-10")) == 1
    case = load(world, ref.number)
    assert case.status is S.TERMINATED and "逾期未补交" in case.closing_reason
    event = last_event(world, ref.number)
    assert (event.type, event.role, event.actor_id) == ("CaseTerminated", "system", None)
    assert event.request_id == "sweep:missing_materials"
    assert f"case:{ref.number}:{event.seq}:sms" in outbox_keys(world, ref.number)
    assert sweep(world.container, at("2026-11-11")) == 0
    assert load(world, ref.number).version == case.version
    with world.container.read() as uow:
        assert verify(uow.conn, ref.number).ok


def test_supplied_missing_materials_are_never_terminated(world: World) -> None:
    ref = at_window(world, materials=["经营者身份证明"])
    ref = step(
        world,
        svc.accept_with_missing_materials,
        world.clerk,
        ref,
        "2026-11-02",
        [PREMISES],
        "承诺补交",
        date(2026, 11, 9),
    )
    upload_scan(world, ref, PREMISES, "2026-11-06")  # the applicant's file supplies it
    assert cases_sweeps.missing_materials(world.container, at("2026-11-10")) == 0
    assert load(world, ref.number).status is S.ACCEPTED


def test_a_case_is_deemed_accepted_after_five_working_days_and_never_before(world: World) -> None:
    ref = online(world, "2026-11-02")
    sweep = cases_sweeps.deemed_acceptance
    assert sweep(world.container, at("2026-11-09", 20)) == 0
    assert load(world, ref.number).status is S.SUBMITTED
    assert sweep(world.container, at("2026-11-10", 1)) == 1
    case = load(world, ref.number)
    assert (case.status, case.accepted_on, case.deadline) == (
        S.ACCEPTED,
        date(2026, 11, 2),
        date(2026, 11, 3),  # the promised working day counted from receipt, already past
    )
    event = last_event(world, ref.number)
    assert (event.type, event.role) == ("CaseDeemedAccepted", "system")
    assert "第三十二条" in event.detail["legal_basis"]
    assert f"case:{ref.number}:{event.seq}:inbox" in outbox_keys(world, ref.number)
    assert sweep(world.container, at("2026-11-11")) == 0
    assert load(world, ref.number).version == case.version
    with world.container.read() as uow:
        assert verify(uow.conn, ref.number).ok


def test_a_correction_requested_in_time_rules_out_deemed_acceptance(world: World) -> None:
    ref = online(world, "2026-11-02")
    ref = step(world, svc.request_correction, world.clerk, ref, "2026-11-09", "缺照片", ["照片"])
    ref = step(world, svc.supply_correction, world.citizen, ref, "2026-11-10")
    assert ref.status is S.SUBMITTED
    assert cases_sweeps.deemed_acceptance(world.container, at("2026-11-20")) == 0
    assert load(world, ref.number).status is S.SUBMITTED


def test_a_case_someone_acted_on_first_is_skipped_and_the_sweep_moves_on(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The sweep's page holds its cases' rows (FOR UPDATE on PostgreSQL, the write lock on
    SQLite), so a clerk acts before the page or after it; a stale version seen inside it (a
    case that moved meanwhile) skips that case, and the others are still deemed accepted."""
    first, second = online(world, "2026-11-02"), online(world, "2026-11-02")
    real = svc.deem_accepted

    def stale_first(uow: Any, actor: Any, number: str, version: int) -> Any:
        if number == first.number:
            raise StaleVersion(current=version + 1)
        return real(uow, actor, number, version)

    monkeypatch.setattr(svc, "deem_accepted", stale_first)
    assert cases_sweeps.deemed_acceptance(world.container, at("2026-11-10")) == 1
    assert load(world, first.number).status is S.SUBMITTED
    assert last_event(world, second.number).type == "CaseDeemedAccepted"


def test_a_worker_pass_applies_the_sweeps(world: World) -> None:
    ref = online(world, "2026-11-02")
    now = at("2026-11-10")
    world.container.clock = FixedClock(now)
    worker = Worker(world.container, worker_id="w1")
    report = worker.run_once()
    assert "case_deemed_acceptance" in report.sweeps
    assert load(world, ref.number).status is S.ACCEPTED


def test_a_supply_by_date_past_the_calendar_never_stops_the_reminders_for_the_others(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    """The calendar knows 2027 at most: a 容缺 case due to supply in 2028 is skipped, logged and
    reported to the catalogue admins, and the ordinary case next to it is still reminded."""
    admin = make_staff(world.container, Role.CATALOGUE_ADMIN).user_id
    accepted = []
    for supply_by in (date(2028, 3, 1), date(2026, 11, 9)):
        ref = at_window(world, materials=["经营者身份证明"])
        accepted.append(
            step(
                world,
                svc.accept_with_missing_materials,
                world.clerk,
                ref,
                "2026-11-02",
                [PREMISES],
                "逾期未补交的，同意终止办理",
                supply_by,
            )
        )
    unknown, normal = accepted

    caplog.set_level("WARNING", logger="tongban.sweeps")
    for _ in range(2):  # a second run reminds and reports nothing new
        assert cases_sweeps.missing_materials(world.container, at("2026-11-05")) == 0

    assert [k for k in outbox_keys(world, normal.number) if "reminder" in k] == [
        f"case:{normal.number}:missing-reminder:2026-11-09:{k}" for k in ("inbox", "sms")
    ]
    assert not [k for k in outbox_keys(world, unknown.number) if "reminder" in k]
    with world.container.read() as uow:
        reported = uow.conn.execute(
            select(outbox.c.dedup_key, outbox.c.payload).where(
                outbox.c.dedup_key.like("calendar-gap:%")
            )
        ).all()
    assert [row.dedup_key for row in reported] == [
        f"calendar-gap:case_missing_materials:{unknown.number}:2028-01-01:inbox:{admin}"
    ]
    payload = reported[0].payload
    assert payload["user_id"] == admin and "工作日历尚未包含 2028-01-01" in payload["body"]
    assert f"skipped case {unknown.number}" in caplog.text

    # Past the normal case's date it is terminated as committed, the other one still skipped.
    assert cases_sweeps.missing_materials(world.container, at("2026-11-10")) == 1
    assert load(world, normal.number).status is S.TERMINATED
    assert load(world, unknown.number).status is S.ACCEPTED
