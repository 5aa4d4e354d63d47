"""The case rollups' ledger: a case write appends to ``indicator_case_pending`` and leaves the
rollups alone until ``ledger.fold`` moves the rows, exactly (the rollups then equal the
recount from the raw rows), once each even when two folds run at once (PostgreSQL); ``verify``
counts the unfolded rows as stored; a read of the figures folds first (both engines)."""

from __future__ import annotations

import threading
from datetime import date
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Connection, func, insert, select

from tests.integration.indicator_fixtures import MONTH, District, build_district
from tests.integration.test_cases import World, at_window, build_world, online, step
from tests.integration.test_indicator_rollups import DAYS, _advance, _file
from tongban.adapters.db.tables_indicators import (
    CASE_DAILY_MEASURES,
    indicator_case_daily,
    indicator_case_monthly,
    indicator_case_pending,
    indicator_case_town_monthly,
)
from tongban.bootstrap import Container
from tongban.domain.cases.status import DeliveryMethod
from tongban.domain.indicators.model import Period
from tongban.services.cases import facts as case_facts
from tongban.services.cases import lifecycle as svc
from tongban.services.indicators import dashboard, figures, ledger, metrics
from tongban.services.indicators.access import DISTRICT


def _count(conn: Connection, table: Any) -> int:
    return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def _nonzero(rows: dict[Any, dict[str, int]]) -> dict[Any, dict[str, int]]:
    """Rows with a count other than zero (a fold may leave a row at zero, as the upserts did)."""
    return {k: v for k, v in rows.items() if any(v.values())}


def _assert_rollups_equal_the_recount(conn: Connection) -> None:
    rolled = case_facts.rollup_of(case_facts.recompute(conn))
    assert _nonzero(case_facts.stored_rollup(conn)) == _nonzero(rolled)
    assert _nonzero(case_facts.stored_rollup(conn, monthly=True)) == _nonzero(
        case_facts.by_month(rolled)
    )
    towns = case_facts.towns_of(conn, (key[3] for key in rolled))
    assert _nonzero(case_facts.stored_town_rollup(conn)) == _nonzero(
        case_facts.by_town_month(rolled, towns)
    )


def test_a_case_write_leaves_a_ledger_row_and_the_rollups_move_only_when_folded(
    container: Container,
) -> None:
    world = build_world(container)
    ref = at_window(world, "2026-11-02")
    step(world, svc.accept, world.reviewer, ref, "2026-11-02")
    with container.read() as uow:
        assert _count(uow.conn, indicator_case_pending) >= 1
        for table in (indicator_case_daily, indicator_case_monthly, indicator_case_town_monthly):
            assert _count(uow.conn, table) == 0
        pending = case_facts.pending_rollup(uow.conn)
    assert sum(row["cases_received"] for row in pending.values()) == 1

    with container.uow() as uow:
        moved = ledger.fold(uow.conn)
        uow.commit()
    assert moved >= 1
    with container.read() as uow:
        assert _count(uow.conn, indicator_case_pending) == 0
        assert case_facts.stored_rollup(uow.conn) == pending
        _assert_rollups_equal_the_recount(uow.conn)
        received = uow.conn.execute(select(indicator_case_town_monthly.c.cases_received))
        assert received.scalars().all() == [1]


_WORLDS: dict[int, World] = {}

PLAN = st.lists(
    st.tuples(
        st.sampled_from(["online", "window"]),
        st.integers(0, len(DAYS) - 1),
        st.lists(st.integers(0, 3), max_size=4),
        st.booleans(),  # fold after this case's steps
    ),
    min_size=1,
    max_size=4,
)


@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(plan=PLAN, batch=st.integers(1, 4))
def test_folding_at_any_point_in_any_batch_size_gives_the_recount_exactly(
    container: Container, plan: list[tuple[str, int, list[int], bool]], batch: int
) -> None:
    world = _WORLDS.get(id(container))
    if world is None or world.container is not container:
        world = _WORLDS[id(container)] = build_world(container)
    for how, first_day, choices, fold_now in plan:
        ref = _file(world, how, DAYS[first_day])
        for offset, choice in enumerate(choices):
            day = DAYS[min(first_day + (offset + 1) // 2, len(DAYS) - 1)]
            ref = _advance(world, ref, choice, day)
        if fold_now:
            with container.uow() as uow:
                ledger.fold_batch(uow.conn, batch)  # one batch: some rows may stay pending
                uow.commit()
        with container.read() as uow:  # whatever is folded so far, verify counts the rest
            assert metrics.verify(uow.conn).differences == []
    with container.uow() as uow:
        ledger.fold(uow.conn, batch=batch)
        uow.commit()
    with container.read() as uow:
        assert _count(uow.conn, indicator_case_pending) == 0
        _assert_rollups_equal_the_recount(uow.conn)


def test_verify_counts_the_unfolded_rows_as_stored_both_ways(container: Container) -> None:
    world = build_world(container)
    ref = at_window(world, "2026-11-02")
    ref = step(world, svc.accept, world.reviewer, ref, "2026-11-02")
    online(world, "2026-11-03", delivery_method=DeliveryMethod.ELECTRONIC)
    with container.uow() as uow:
        ledger.fold_batch(uow.conn, 1)  # the oldest row folded, the others pending
        uow.commit()
    step(world, svc.start_review, world.reviewer, ref, "2026-11-03")
    at_window(world, "2026-11-03")
    with container.read() as uow:
        assert _count(uow.conn, indicator_case_pending) >= 2
        assert _count(uow.conn, indicator_case_daily) >= 1
        in_sql = metrics.verify(uow.conn)
        replayed = metrics.verify_in_python(uow.conn)
    assert in_sql.differences == []
    assert replayed.differences == []
    assert in_sql.cases == replayed.cases == 3


def _ledger_rows(count: int) -> list[dict[str, Any]]:
    """``count`` ledger rows over a few keys and two months (every measure counts)."""
    rows = []
    for n in range(count):
        key = {
            "day": date(2026, 10 + n % 2, 1 + n % 3),
            "item_code": f"ITEM-{n % 4}",
            "department_code": "SCJGJ",
            "centre_code": "",
            "channel": "online",
        }
        rows.append(key | {m: 1 + (n + i) % 3 for i, m in enumerate(CASE_DAILY_MEASURES)})
    return rows


def _sums(rows: list[dict[str, Any]]) -> dict[Any, dict[str, int]]:
    out: dict[Any, dict[str, int]] = {}
    for row in rows:
        key = (row["day"], row["item_code"], row["department_code"], "", "online")
        total = out.setdefault(key, dict.fromkeys(CASE_DAILY_MEASURES, 0))
        for m in CASE_DAILY_MEASURES:
            total[m] += row[m]
    return out


@pytest.mark.postgres
@pytest.mark.parametrize("engine", ["postgresql"], indirect=True)
def test_two_folds_at_once_move_every_ledger_row_exactly_once(container: Container) -> None:
    rows = _ledger_rows(600)
    with container.engine.begin() as conn:
        conn.execute(insert(indicator_case_pending), rows)
    start = threading.Barrier(2)
    moved: list[int] = []
    failed: list[BaseException] = []

    def fold() -> None:
        try:
            start.wait()
            moved.append(ledger.fold_committed(container, batch=25))
        except BaseException as error:  # reported below, in the test's own thread
            failed.append(error)

    threads = [threading.Thread(target=fold) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failed == []
    assert sum(moved) == len(rows)
    with container.read() as uow:
        assert _count(uow.conn, indicator_case_pending) == 0
        assert case_facts.stored_rollup(uow.conn) == _sums(rows)
        assert case_facts.stored_rollup(uow.conn, monthly=True) == case_facts.by_month(_sums(rows))


@pytest.mark.postgres
@pytest.mark.parametrize("engine", ["postgresql"], indirect=True)
def test_verify_finds_no_difference_while_cases_are_written_and_folded(
    container: Container,
) -> None:
    """One snapshot: the raw rows, the rollups and the ledger are read by one statement, so a
    case written or a batch folded meanwhile is counted on both sides or on neither."""
    world = build_world(container)
    for day in DAYS[:3]:
        at_window(world, day)
    stop = threading.Event()
    failed: list[BaseException] = []

    def fold() -> None:
        try:
            while not stop.is_set():
                ledger.fold_committed(container, batch=1)
        except BaseException as error:  # reported below, in the test's own thread
            failed.append(error)

    def write() -> None:
        try:
            for day in DAYS:
                ref = at_window(world, day)
                step(world, svc.accept, world.reviewer, ref, day)
        except BaseException as error:
            failed.append(error)

    folder, writer = threading.Thread(target=fold), threading.Thread(target=write)
    folder.start()
    writer.start()
    reports = []
    try:
        while writer.is_alive() or not reports:
            with container.read() as uow:
                reports.append(metrics.verify(uow.conn))
    finally:
        writer.join()
        stop.set()
        folder.join()
    assert failed == []
    assert [r.differences for r in reports] == [[] for _ in reports]
    with container.read() as uow:
        assert metrics.verify(uow.conn).differences == []


@pytest.fixture
def district(container: Container) -> District:
    return build_district(container)


def _volume(district: District) -> tuple[float | None, float | None]:
    """November's 办件量 as the dashboard's trend and as the figures API give it."""
    with district.container.read() as uow:
        found = dashboard.build(uow.conn, DISTRICT, period=Period.MONTH, at=MONTH, today=MONTH)
    trend = next(t for t in found.trends if t.spec.code == "volume")
    with district.container.read() as uow:
        alone = figures.figure(uow.conn, DISTRICT, "volume", period=Period.MONTH, at=MONTH)
    return trend.points[-1].value, alone.value


def test_a_read_of_the_dashboard_sees_a_case_submitted_just_before(district: District) -> None:
    assert _volume(district) == (4, 4)
    at_window(district.desk.world, "2026-11-06")
    with district.container.read() as uow:
        assert _count(uow.conn, indicator_case_pending) >= 1  # no worker ran
    assert _volume(district) == (5, 5)
    with district.container.read() as uow:
        assert _count(uow.conn, indicator_case_pending) == 0


def test_a_read_that_finds_another_read_folding_waits_for_it_then_reads_without_a_second_fold(
    district: District, monkeypatch: pytest.MonkeyPatch
) -> None:
    """At most one read of a process folds on a connection of its own at a time (else a busy
    pool's every connection could be a reader waiting for a second): another waits at most
    ``FOLD_WAIT``, then reads the rollups as they are, taking no second connection."""
    assert _volume(district) == (4, 4)
    at_window(district.desk.world, "2026-11-06")
    monkeypatch.setattr(ledger, "FOLD_WAIT", 0.05)
    opened: list[object] = []
    engine = district.container.engine
    real_connect = type(engine).connect

    def counting(self: Any, *args: Any, **kwargs: Any) -> Any:
        opened.append(self)
        return real_connect(self, *args, **kwargs)

    assert ledger._folding.acquire(blocking=False)  # another read of this process is folding
    try:
        with district.container.read() as uow:
            monkeypatch.setattr(type(engine), "connect", counting)
            found = figures.figure(uow.conn, DISTRICT, "volume", period=Period.MONTH, at=MONTH)
            monkeypatch.setattr(type(engine), "connect", real_connect)
        assert found.value == 4  # read as last folded
        assert opened == []
        with district.container.read() as uow:
            assert _count(uow.conn, indicator_case_pending) >= 1
    finally:
        ledger._folding.release()
    assert _volume(district) == (5, 5)  # the next read folds
