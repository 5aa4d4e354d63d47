"""The proxy-service demo: deterministic, idempotent, realistic, and its cases verify."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.clock import SYSTEM
from tongban.adapters.db.tables import case_events, cases
from tongban.adapters.db.tables_projects import project_steps, projects
from tongban.bootstrap import Container
from tongban.demo import loader
from tongban.demo import projects as demo
from tongban.demo.jurisdictions import NANHAI
from tongban.services.cases.audit import verify


def test_the_small_demo_loads_once_and_its_cases_verify(
    container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(loader, "EXTRA_PARTS", ("projects",))
    loader.load_demo(container, "small")
    with container.read() as uow:
        conn = uow.conn
        count, total = conn.execute(select(func.count(), func.sum(projects.c.investment_wan))).one()
        towns = set(conn.execute(select(projects.c.town)).scalars())
        filed = conn.execute(
            select(func.count())
            .select_from(project_steps)
            .where(project_steps.c.case_id.isnot(None))
        ).scalar_one()
        on_behalf = conn.execute(
            select(func.count()).select_from(case_events).where(case_events.c.role == "agent")
        ).scalar_one()
        assert verify(conn).ok
        before = conn.execute(select(func.count()).select_from(cases)).scalar_one()
    assert count == demo.PROJECTS["small"]
    # 3,800 亿元 over 400 projects, scaled to the small demo's share.
    assert abs(total - demo.TOTAL_WAN * count // 400) < count * 10
    assert towns <= {t["name"] for t in NANHAI["towns"]} and len(towns) >= 5
    assert filed > count and on_behalf >= 2 * filed
    assert demo.load(container, SYSTEM, "small") == 0
    with container.read() as uow:
        assert uow.conn.execute(select(func.count()).select_from(cases)).scalar_one() == before
