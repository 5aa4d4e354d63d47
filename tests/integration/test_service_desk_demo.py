"""The service desk's demo: loaded through the services once, relative to the day it is loaded,
with something on every page (an overdue escalation, one awaiting the person's answer, an
overdue question, an FAQ on a guide), and a second load changes nothing."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Connection, func, select

from tests.calendar_fixtures import seed_test_calendar
from tongban.adapters.db.tables import users
from tongban.adapters.db.tables_service_desk import consultations, hard_cases, item_faqs
from tongban.bootstrap import Container
from tongban.demo import loader
from tongban.domain.people.model import Principal
from tongban.services.people.sessions import load_principal
from tongban.services.service_desk import consultation_queries, hard_case_queries


def staff(conn: Connection, username: str) -> Principal:
    user_id = conn.execute(select(users.c.id).where(users.c.username == username)).scalar_one()
    return load_principal(conn, user_id)


def test_the_demo_has_work_on_every_service_desk_page_and_loads_once(
    container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(loader, "EXTRA_PARTS", ("service_desk",))
    seed_test_calendar(container)
    summary = loader.load_demo(container, "small")
    assert summary.extras["service_desk"] == 16
    today = date(2026, 11, 16)  # the tests' clock: the demo counts back from it
    with container.read() as uow:
        conn = uow.conn
        rows = hard_case_queries.hard_case_list(conn, staff(conn, "manager.guicheng"), today)
        questions = consultation_queries.question_list(conn, staff(conn, "reviewer.scjg"), today)
        faqs = consultation_queries.faqs_for_item(conn, "SCJGJ-0001")
    assert len(rows) == 5
    assert sum(r.overdue for r in rows) == 1
    assert {r.status.value for r in rows} == {"open", "in_progress", "resolved"}
    assert [r.feedback_solved for r in rows if r.status.value == "resolved"].count(None) == 1
    assert len(questions) == 3 and sum(q.overdue for q in questions) == 1
    assert [f.question for f in faqs] == ["个体工商户必须起名称（字号）吗？"]

    again = loader.load_demo(container, "small")
    assert again.extras["service_desk"] == 0
    with container.read() as uow:
        counts = [
            uow.conn.execute(select(func.count()).select_from(t)).scalar()
            for t in (hard_cases, consultations, item_faqs)
        ]
    assert counts == [5, 3, 1]
