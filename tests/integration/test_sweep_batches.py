"""Sweeps in batches: keyset pages in short transactions, one bad row set aside, a crash
mid-page resumed without doing a row twice, and two workers sharing a sweep on PostgreSQL."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.integration.test_cases import World, at, build_world, online, step
from tongban.adapters.db.tables import case_events, cases, job_runs, outbox, sweep_failures
from tongban.bootstrap import Container
from tongban.domain.cases.status import CaseStatus
from tongban.services.cases import lifecycle as svc
from tongban.services.cases import sweeps as cases_sweeps
from tongban.worker import Sweep, Worker

S = CaseStatus
SWEEP_DAY = "2026-11-10"
"""Cases filed on 2 November and untouched are deemed accepted from this day."""


@pytest.fixture
def world(container: Container) -> World:
    container.settings.sweep_batch_size = 2  # several pages out of a handful of cases
    return build_world(container)


def filed(world: World, count: int) -> list[str]:
    return [online(world, "2026-11-02").number for _ in range(count)]


def deemed_events(world: World) -> dict[str, int]:
    """How many CaseDeemedAccepted events each case has."""
    with world.container.read() as uow:
        rows = uow.conn.execute(
            select(cases.c.number, func.count(case_events.c.seq))
            .join(case_events, case_events.c.case_id == cases.c.id)
            .where(case_events.c.type == "CaseDeemedAccepted")
            .group_by(cases.c.number)
        ).all()
    return {number: count for number, count in rows}


def statuses(world: World) -> dict[str, S]:
    with world.container.read() as uow:
        rows = uow.conn.execute(select(cases.c.number, cases.c.status)).all()
    return {number: S(status) for number, status in rows}


def test_a_bad_row_is_recorded_and_never_stops_the_rest(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    numbers = filed(world, 5)
    bad = numbers[2]
    real = svc.deem_accepted

    def broken_on_one(uow: Any, actor: Any, number: str, version: int) -> Any:
        result = real(uow, actor, number, version)  # its writes roll back with the savepoint
        if number == bad:
            raise RuntimeError(f"corrupt row {number}")
        return result

    monkeypatch.setattr(svc, "deem_accepted", broken_on_one)
    assert cases_sweeps.deemed_acceptance(world.container, at(SWEEP_DAY)) == 4
    assert statuses(world)[bad] is S.SUBMITTED
    assert {n for n, s in statuses(world).items() if s is S.ACCEPTED} == set(numbers) - {bad}
    assert bad not in deemed_events(world)
    with world.container.read() as uow:
        failures = uow.conn.execute(select(sweep_failures)).all()
        bad_id = uow.conn.execute(select(cases.c.id).where(cases.c.number == bad)).scalar_one()
    assert [(f.sweep, f.row_key) for f in failures] == [("case_deemed_acceptance", str(bad_id))]
    assert "RuntimeError" in failures[0].error
    # The next run tries the row again; once it is mended it goes through.
    monkeypatch.setattr(svc, "deem_accepted", real)
    assert cases_sweeps.deemed_acceptance(world.container, at(SWEEP_DAY, 11)) == 1
    assert deemed_events(world) == dict.fromkeys(numbers, 1)


class Crash(BaseException):
    """The process dies (kill -9 as far as the database sees it: nothing more is committed)."""


def test_a_crash_mid_page_loses_only_that_page_and_the_next_run_does_no_row_twice(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    numbers = filed(world, 5)  # pages of 2: [0 1] [2 3] [4]
    real = svc.deem_accepted
    calls: list[str] = []

    def crash_on_the_fourth(uow: Any, actor: Any, number: str, version: int) -> Any:
        calls.append(number)
        if len(calls) == 4:  # the second row of the second page
            raise Crash()
        return real(uow, actor, number, version)

    monkeypatch.setattr(svc, "deem_accepted", crash_on_the_fourth)
    with pytest.raises(Crash):
        cases_sweeps.deemed_acceptance(world.container, at(SWEEP_DAY))
    # The first page committed; the second rolled back whole (its first row too).
    assert deemed_events(world) == dict.fromkeys(numbers[:2], 1)
    assert [statuses(world)[n] for n in numbers[2:]] == [S.SUBMITTED] * 3
    monkeypatch.setattr(svc, "deem_accepted", real)
    assert cases_sweeps.deemed_acceptance(world.container, at(SWEEP_DAY, 11)) == 3
    assert deemed_events(world) == dict.fromkeys(numbers, 1)
    assert cases_sweeps.deemed_acceptance(world.container, at(SWEEP_DAY, 12)) == 0


def test_clock_alerts_page_through_every_case_once(world: World) -> None:
    """A sweep that changes no state (alerts): each alert goes out once, however many pages."""
    refs = [online(world, "2026-11-02") for _ in range(5)]
    for ref in refs:
        step(world, svc.accept, world.clerk, ref, "2026-11-02")
    container = world.container
    first = cases_sweeps.clock_alerts(container, at("2026-11-20"))
    assert first == 5
    with container.read() as uow:
        before = uow.conn.execute(select(func.count()).select_from(outbox)).scalar_one()
    assert cases_sweeps.clock_alerts(container, at("2026-11-20", 11)) == 5
    with container.read() as uow:
        after = uow.conn.execute(select(func.count()).select_from(outbox)).scalar_one()
    assert after == before  # dedup keys: the second run sends nothing


@pytest.mark.postgres
@pytest.mark.parametrize("engine", ["postgresql"], indirect=True)
def test_two_workers_share_a_sweep_without_doing_a_row_twice(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Worker A holds its first page (FOR UPDATE) until worker B has handled a row: B's pages
    skip A's locked rows, and neither handles a case the other did."""
    numbers = filed(world, 12)
    real = svc.deem_accepted
    done: dict[str, list[str]] = {"a": [], "b": []}
    a_holds_a_page, b_did_one = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def recording(uow: Any, actor: Any, number: str, version: int) -> Any:
        me = threading.current_thread().name
        result = real(uow, actor, number, version)
        done[me].append(number)
        if me == "a" and len(done["a"]) == 1:
            a_holds_a_page.set()
            b_did_one.wait(timeout=60)
        if me == "b":
            b_did_one.set()
        return result

    def run(name: str) -> None:
        try:
            if name == "b":
                a_holds_a_page.wait(timeout=60)
            cases_sweeps.deemed_acceptance(world.container, at(SWEEP_DAY))
        except BaseException as error:  # reported below
            errors.append(error)
        finally:
            b_did_one.set()  # never leave A waiting

    monkeypatch.setattr(svc, "deem_accepted", recording)
    threads = [threading.Thread(target=run, args=(n,), name=n) for n in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert done["a"] and done["b"], done
    assert not set(done["a"]) & set(done["b"])
    assert sorted(done["a"] + done["b"]) == sorted(numbers)
    assert deemed_events(world) == dict.fromkeys(numbers, 1)


def test_a_second_worker_joins_a_shared_sweep_in_progress_once(container: Container) -> None:
    ran: list[str] = []
    sweep = Sweep(
        "joinable",
        lambda _c, _now: ran.append("ran"),
        interval=timedelta(minutes=30),
        lease=timedelta(minutes=15),
        shared=True,
    )
    leader = Worker(container, worker_id="w1", sweeps={sweep.name: sweep})
    helper = Worker(container, worker_id="w2", sweeps={sweep.name: sweep})
    now = container.clock.now()
    with container.engine.begin() as conn:  # w1 is in the middle of its run
        conn.execute(
            job_runs.insert().values(
                name=sweep.name,
                last_started_at=now,
                locked_by="w1",
                locked_until=now + sweep.lease,
            )
        )
    assert helper.run_sweep(sweep) is True
    assert helper.run_sweep(sweep) is False  # the same run: joined once
    assert ran == ["ran"]
    unshared = Sweep(sweep.name, sweep.run, sweep.interval, sweep.lease, shared=False)
    assert helper.run_sweep(unshared) is False
    assert leader.run_sweep(sweep) is False  # its own lease is not due again


def test_the_purge_deletes_in_pages_and_keeps_what_is_not_due(container: Container) -> None:
    from tongban.worker import purge_old_rows

    container.settings.sweep_batch_size = 2
    now = container.clock.now()
    long_ago = now - timedelta(days=40)
    with container.engine.begin() as conn:
        for i, status in enumerate(["sent"] * 5 + ["failed", "pending"]):
            conn.execute(
                outbox.insert().values(
                    kind="sms",
                    payload={"phone": "13800000000", "text": str(i)},
                    status=status,
                    created_at=long_ago,
                    available_at=long_ago,
                    sent_at=long_ago if status == "sent" else None,
                )
            )
    purge_old_rows(container, now)
    with container.read() as uow:
        left = uow.conn.execute(select(outbox.c.status).order_by(outbox.c.id)).scalars().all()
    assert left == ["failed", "pending"]
