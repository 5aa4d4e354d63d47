"""History at scale (``demo.history_rows``): the rows the case aggregate would write, built from
templates — the same rows for the same seed, hash chains that ``audit verify`` accepts, rollups
that ``metrics verify`` (in SQL, and replayed in Python) finds equal, the seed's figures kept."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, func, select

from tests.clock import TEST_START
from tongban.adapters.db.tables import case_events, cases, users
from tongban.adapters.db.tables_evaluation import (
    ratings,
    rectification_callbacks,
    rectifications,
)
from tongban.adapters.db.tables_indicators import (
    indicator_case_daily,
    indicator_case_facts,
    indicator_case_monthly,
    indicator_case_town_monthly,
    indicator_rating_daily,
    indicator_rating_town_monthly,
)
from tongban.bootstrap import Container
from tongban.demo import history, history_rows
from tongban.demo.loader import load_demo
from tongban.services.cases import audit
from tongban.services.catalogue.stats import catalogue_figures
from tongban.services.indicators import metrics

TODAY = TEST_START.date()
_ROLLUPS = (
    indicator_case_daily,
    indicator_case_monthly,
    indicator_case_town_monthly,
    indicator_rating_daily,
    indicator_rating_town_monthly,
)
_TABLES = (
    cases, case_events, ratings, rectifications, rectification_callbacks, indicator_case_facts,
    users, *_ROLLUPS,
)  # fmt: skip


def _rows(conn: Connection) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the tables the history writes (the rollups without their surrogate ids)."""
    found: dict[str, list[tuple[Any, ...]]] = {}
    for table in _TABLES:
        columns = [c for c in table.c if not (table in _ROLLUPS and c.name == "id")]
        found[table.name] = sorted((tuple(row) for row in conn.execute(select(*columns))), key=repr)
    return found


def _generated(
    container: Container, module: Any, seed: int, **jobs: int
) -> dict[str, list[tuple[Any, ...]]]:
    with container.engine.connect() as conn:
        transaction = conn.begin()
        module.generate(conn, cases_wanted=400, seed=seed, years=2, today=TODAY, **jobs)
        found = _rows(conn)
        transaction.rollback()
    return found


def test_the_row_path_writes_exactly_the_rows_the_aggregate_writes(container: Container) -> None:
    load_demo(container, "small")
    by_aggregate = _generated(container, history, 5)
    by_rows = _generated(container, history_rows, 5)
    for table, rows in by_aggregate.items():
        assert by_rows[table] == rows, table
    assert len(by_rows["case_events"]) > 5 * len(by_aggregate["cases"]) // 2
    assert _generated(container, history_rows, 6)["cases"] != by_rows["cases"]


def test_two_worker_processes_write_exactly_the_rows_one_process_writes(
    container: Container,
) -> None:
    load_demo(container, "small")
    alone = _generated(container, history_rows, 7, jobs=1)
    # 400 cases in two processes: slices of about 50 cases (whole days), built side by side
    together = _generated(container, history_rows, 7, jobs=2)
    assert len(alone["cases"]) >= 400 and len(alone["ratings"]) > 100  # with the demo's own
    for table, rows in alone.items():
        assert together[table] == rows, table


def test_the_row_path_passes_the_chain_check_verify_and_keeps_the_seed_figures(
    container: Container,
) -> None:
    load_demo(container, "small")
    with container.read() as uow:
        before = catalogue_figures(uow.conn)
    with container.uow() as uow, uow.atomic():
        summary = history_rows.generate(uow.conn, cases_wanted=3000, seed=1, years=3, today=TODAY)
    assert summary.cases == 3000 and summary.ratings > 1000
    with container.read() as uow:
        conn = uow.conn
        chains = audit.verify(conn)
        report = metrics.verify(conn)
        replayed = metrics.verify_in_python(conn)
        after = catalogue_figures(conn)
        smart = conn.execute(select(func.sum(indicator_case_daily.c.cases_smart))).scalar_one()
        # a 1-working-day item (social security: 5 legal days cut to 1) is decided in a day
        one_day = conn.execute(
            select(
                func.sum(indicator_case_facts.c.finished),
                func.sum(indicator_case_facts.c.on_time),
                func.sum(indicator_case_facts.c.working_days_used),
            ).where(indicator_case_facts.c.promised_days == 1)
        ).one()
    assert chains.ok and chains.entries >= summary.events
    assert report.differences == [] and replayed.differences == []
    assert (report.cases, report.rollup_rows, report.rating_rows) == (
        replayed.cases,
        replayed.rollup_rows,
        replayed.rating_rows,
    )
    assert after == before  # the seed's catalogue figures (可网办率, 秒批 items) stay as they are
    assert smart > 0
    finished, on_time, used = one_day
    assert finished > 0 and on_time >= 0.95 * finished and used <= 1.1 * finished


def test_verify_in_sql_reports_a_broken_row_as_the_replay_does(container: Container) -> None:
    load_demo(container, "small")
    with container.uow() as uow, uow.atomic():
        history_rows.generate(uow.conn, cases_wanted=300, seed=2, years=1, today=TODAY)
        conn = uow.conn
        first = conn.execute(select(func.min(indicator_case_facts.c.case_id))).scalar_one()
        conn.execute(
            indicator_case_facts.update()
            .where(indicator_case_facts.c.case_id == first)
            .values(working_days_used=40, channel="mail")
        )
        conn.execute(
            indicator_rating_daily.update()
            .where(
                indicator_rating_daily.c.id
                == select(func.min(indicator_rating_daily.c.id)).scalar_subquery()
            )
            .values(ratings_total=99)
        )
        conn.execute(indicator_case_monthly.delete().where(indicator_case_monthly.c.id < 3))
    with container.read() as uow:
        in_sql = metrics.verify(uow.conn)
        replayed = metrics.verify_in_python(uow.conn)
    assert in_sql.differences and sorted(in_sql.differences, key=repr) == sorted(
        replayed.differences, key=repr
    )
