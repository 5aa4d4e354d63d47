"""A clerk's queue reads the centre's open cases through the centre indexes, never every case.

At volume (bench/volume_bench.py, docs/scale.md) a town centre's closed cases outnumber its open
ones a thousand to one; a plan that filters the whole table costs seconds where an index costs
milliseconds.  The plan is what is checked here (with sequential scans priced out, the way a
large table prices them), never a time.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import event

from tests.integration.test_cases import at_window, build_world
from tongban.bootstrap import Container
from tongban.domain.cases.status import CaseStatus
from tongban.services.cases import queries
from tongban.services.people.sessions import load_principal
from tongban.services.platform.paging import PageRequest


def _plan_of_centre_queue(container: Container, user_id: int) -> tuple[list[str], list[str]]:
    """(the numbers the clerk's queue lists, the plan of its query on ``cases``)."""
    seen: list[tuple[str, Any]] = []

    def grab(_c: Any, _cur: Any, statement: str, parameters: Any, *_rest: Any) -> None:
        if "FROM cases" in statement:
            seen.append((statement, parameters))

    with container.read() as uow:
        clerk = load_principal(uow.conn, user_id)
        event.listen(container.engine, "before_cursor_execute", grab)
        try:
            page = queries.case_list(uow.conn, clerk, "centre", PageRequest(limit=50))
        finally:
            event.remove(container.engine, "before_cursor_execute", grab)
    statement, parameters = seen[-1]
    with container.engine.connect() as conn:
        conn.exec_driver_sql("SET enable_seqscan = off")
        plan = conn.exec_driver_sql("EXPLAIN " + statement, parameters).scalars().all()
        conn.rollback()
    return [r.number for r in page.rows], list(plan)


@pytest.mark.postgres
@pytest.mark.parametrize("engine", ["postgresql"], indirect=True)
def test_the_centre_queue_reads_the_centres_open_cases_by_index(container: Container) -> None:
    world = build_world(container)
    filed = [at_window(world) for _ in range(3)]
    with container.uow() as uow, uow.atomic():
        uow.conn.exec_driver_sql(
            "UPDATE cases SET status = %(closed)s WHERE number = %(number)s",
            {"closed": CaseStatus.DELIVERED.value, "number": filed[0].number},
        )
    listed, plan = _plan_of_centre_queue(container, world.clerk)
    assert sorted(listed) == sorted(r.number for r in filed[1:])  # the open ones, only
    text = "\n".join(plan)
    assert "Seq Scan on cases" not in text, text
    # the open statuses (or the centres) bound an index's range: closed cases are never read
    bounded = [line for line in plan if "Index Cond" in line and "status" in line]
    assert bounded, text
