"""The rollups equal a recomputation from the raw rows after any mix of filings and steps,
on both engines; ``metrics verify`` finds a difference put in by hand and ``rebuild`` repairs it."""

from __future__ import annotations

import importlib
from datetime import date
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, update
from typer.testing import CliRunner

from tests.integration.test_cases import (
    PREMISES,
    World,
    at_window,
    build_world,
    issue,
    online,
    step,
    upload_scan,
)
from tongban.adapters.db.tables import cases
from tongban.adapters.db.tables_indicators import (
    indicator_case_daily,
    indicator_case_facts,
    indicator_case_monthly,
    indicator_case_town_monthly,
)
from tongban.bootstrap import Container
from tongban.domain.cases.status import CaseStatus, DeliveryMethod
from tongban.domain.errors import DomainError
from tongban.services.cases import lifecycle as svc
from tongban.services.cases.lifecycle import CaseRef
from tongban.services.indicators import ledger, metrics

DAYS = ["2026-11-02", "2026-11-03", "2026-11-04", "2026-11-05", "2026-11-06"]

# One step of a case's life: (who acts, the use case, extra arguments).
STEPS: dict[CaseStatus, list[tuple[str, Any, tuple[Any, ...]]]] = {
    CaseStatus.SUBMITTED: [
        ("reviewer", svc.accept, ()),
        ("reviewer", svc.refuse_acceptance, ("不属于本部门事项",)),
    ],
    CaseStatus.ACCEPTED: [("reviewer", svc.start_review, ())],
    CaseStatus.UNDER_REVIEW: [
        ("reviewer", svc.propose_decision, (True, "符合条件")),
        ("reviewer", svc.propose_decision, (False, "不符合条件")),
    ],
    CaseStatus.REJECTION_PROPOSED: [("chief", svc.sign_off_rejection, ("同意",))],
    CaseStatus.APPROVED: [("reviewer", issue, ("营业执照",))],
}


def _file(world: World, how: str, day: str) -> CaseRef:
    if how == "online":
        return online(world, day, delivery_method=DeliveryMethod.ELECTRONIC)
    return at_window(world, day)


def _advance(world: World, ref: CaseRef, choice: int, day: str) -> CaseRef:
    options = STEPS.get(ref.status, [])
    if not options:
        return ref
    who, fn, args = options[choice % len(options)]
    try:
        return step(world, fn, getattr(world, who), ref, day, *args)
    except DomainError:  # a step the rules refuse changes nothing, the rollup neither
        return ref


def assert_rollup_equals_recomputation(container: Container) -> metrics.Report:
    with container.read() as uow:
        report = metrics.verify(uow.conn)
    assert report.differences == []
    return report


_WORLDS: dict[int, World] = {}
"""One world per database: the examples of one run add to the same cases."""

PLAN = st.lists(
    st.tuples(
        st.sampled_from(["online", "window"]),
        st.integers(0, len(DAYS) - 1),
        st.lists(st.integers(0, 3), max_size=5),
    ),
    min_size=1,
    max_size=4,
)


@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(plan=PLAN)
def test_after_random_filings_and_steps_the_rollup_equals_the_raw_rows(
    container: Container, plan: list[tuple[str, int, list[int]]]
) -> None:
    world = _WORLDS.get(id(container))
    if world is None or world.container is not container:
        world = _WORLDS[id(container)] = build_world(container)
    for how, first_day, choices in plan:
        ref = _file(world, how, DAYS[first_day])
        for offset, choice in enumerate(choices):
            day = DAYS[min(first_day + (offset + 1) // 2, len(DAYS) - 1)]
            ref = _advance(world, ref, choice, day)
    report = assert_rollup_equals_recomputation(container)
    assert report.cases >= len(plan)


def test_verify_finds_a_difference_put_in_by_hand_and_rebuild_repairs_it(
    container: Container, monkeypatch: Any
) -> None:
    world = build_world(container)
    ref = at_window(world, "2026-11-02")
    ref = step(world, svc.accept, world.reviewer, ref, "2026-11-02")
    online(world, "2026-11-03", delivery_method=DeliveryMethod.ELECTRONIC)
    assert_rollup_equals_recomputation(container)
    with container.uow() as uow:
        ledger.fold(uow.conn)  # the case writes' ledger rows into the rollups edited below
        uow.conn.execute(update(indicator_case_daily).values(cases_received=99))
        uow.conn.execute(update(indicator_case_facts).values(visits=7))
        uow.conn.execute(update(indicator_case_monthly).values(cases_online=5))
        uow.conn.execute(update(indicator_case_town_monthly).values(cases_finished=4))
        uow.commit()
    with container.read() as uow:
        report = metrics.verify(uow.conn)
    found = {(d.table, d.measure, d.stored) for d in report.differences}
    assert ("indicator_case_daily", "cases_received", 99) in found
    assert ("indicator_case_facts", "visits", 7) in found
    assert ("indicator_case_monthly", "cases_online", 5) in found
    assert ("indicator_case_town_monthly", "cases_finished", 4) in found

    cli = importlib.import_module("tongban.cli.app")
    monkeypatch.setattr(cli, "container", lambda: container)
    app = cli.app

    runner = CliRunner()
    refused = runner.invoke(app, ["metrics", "verify"])
    assert refused.exit_code == 1, refused.output
    assert "cases_received" in refused.output
    rebuilt = runner.invoke(app, ["metrics", "rebuild"])
    assert rebuilt.exit_code == 0, rebuilt.output
    assert "2 个办件" in rebuilt.output
    checked = runner.invoke(app, ["metrics", "verify"])
    assert checked.exit_code == 0, checked.output
    with container.read() as uow:
        received = uow.conn.execute(select(indicator_case_daily.c.cases_received)).scalars().all()
    assert sorted(received) == [1, 1]


def test_verify_in_sql_counts_working_days_around_a_clock_stop_as_the_replay_does(
    container: Container,
) -> None:
    world = build_world(container)
    ref = online(world, "2026-11-02", delivery_method=DeliveryMethod.ELECTRONIC)
    ref = step(world, svc.accept, world.clerk, ref, "2026-11-02")
    ref = step(world, svc.start_review, world.reviewer, ref, "2026-11-02")
    ref = step(
        world, svc.request_correction, world.reviewer, ref, "2026-11-03", "照片模糊", [PREMISES]
    )
    ref = upload_scan(world, ref, PREMISES, "2026-11-05")
    ref = step(world, svc.supply_correction, world.citizen, ref, "2026-11-05")
    ref = step(world, svc.propose_decision, world.reviewer, ref, "2026-11-06", True, "符合条件")
    with container.read() as uow:
        in_sql = metrics.verify(uow.conn)
        replayed = metrics.verify_in_python(uow.conn)
        used = uow.conn.execute(select(indicator_case_facts.c.working_days_used)).scalar_one()
    assert in_sql.differences == [] == replayed.differences
    assert used == 2  # 3 Nov counted, 4–5 Nov stopped, 6 Nov counted
    with container.uow() as uow:
        uow.conn.execute(update(indicator_case_facts).values(working_days_used=4))
        uow.commit()
    with container.read() as uow:
        in_sql = metrics.verify(uow.conn)
    assert {(d.table, d.measure, d.stored, d.expected) for d in in_sql.differences} >= {
        ("indicator_case_facts", "working_days_used", 4, 2)
    }


def test_verify_in_sql_counts_a_case_accepted_before_the_calendar_as_the_replay_does(
    container: Container,
) -> None:
    """The test calendar starts on 1 January 2026.  Accepted on 31 December 2025, every day
    after acceptance is known and counted; accepted on 30 December, 31 December is not, and
    the case counts 0 working days, in SQL as in the replay through the aggregate."""
    world = build_world(container)
    accepted: dict[str, int] = {}
    for day in ("2025-12-31", "2025-12-30", "2026-11-02"):
        ref = online(world, "2026-11-02", delivery_method=DeliveryMethod.ELECTRONIC)
        ref = step(world, svc.accept, world.clerk, ref, "2026-11-02")
        ref = step(world, svc.start_review, world.reviewer, ref, "2026-11-02")
        ref = step(world, svc.propose_decision, world.reviewer, ref, "2026-11-06", True, "符合")
        with container.uow() as uow:
            accepted[day] = uow.conn.execute(
                update(cases)
                .where(cases.c.number == ref.number)
                .values(accepted_on=date.fromisoformat(day))
                .returning(cases.c.id)
            ).scalar_one()
            uow.commit()
    with container.read() as uow:
        in_sql = metrics.verify(uow.conn)
        replayed = metrics.verify_in_python(uow.conn)
    expected = {
        int(d.key): d.expected
        for d in replayed.differences
        if (d.table, d.measure) == ("indicator_case_facts", "working_days_used")
    }
    # stored: 4 working days (3 to 6 November); expected from 31 December: all of 2026 to then
    assert expected[accepted["2025-12-30"]] == 0
    assert isinstance(expected[accepted["2025-12-31"]], int)
    assert expected[accepted["2025-12-31"]] > 200
    assert accepted["2026-11-02"] not in expected
    assert sorted(in_sql.differences, key=repr) == sorted(replayed.differences, key=repr)
