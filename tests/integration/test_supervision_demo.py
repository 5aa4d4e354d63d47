"""The supervision demo: loaded through the services once, relative to the day it is loaded —
three items on the list, tasks in every state, one draw that replays, one revoked licence that
fails verification — the same on every load, and a second load changes nothing."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest
from sqlalchemy import select

from tests.calendar_fixtures import seed_test_calendar
from tongban.adapters.db.tables_supervision import inspection_tasks
from tongban.bootstrap import Container
from tongban.demo import loader
from tongban.services.licences import library
from tongban.services.supervision import draws, items, queries


def test_the_demo_has_tasks_in_every_state_one_draw_and_one_revocation(
    container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(loader, "EXTRA_PARTS", ("supervision",))
    seed_test_calendar(container)
    summary = loader.load_demo(container, "small")
    assert summary.extras["supervision"] > 0
    today = date(2026, 11, 16)  # the tests' clock: the demo counts back from it
    with container.read() as uow:
        conn = uow.conn
        listed = [s.item_code for s in items.supervised_list(conn)]
        rows = conn.execute(select(inspection_tasks).order_by(inspection_tasks.c.id)).all()
        [published] = queries.public_draws(conn)
        replay = draws.replay_draw(conn, published["number"])
        [revoked] = [r for r in rows if r.status == "revoked"]
        status = library.status_of(conn)(revoked.licence_id)
    assert listed == ["SCJGJ-0001", "SCJGJ-0004", "SCJGJ-0012"]
    assert Counter(r.status for r in rows) == {
        "revoked": 1, "rectifying": 1, "closed": 1, "assigned": 2, "pending": 1,
    }  # fmt: skip
    assert all(r.due_on < today for r in rows if r.status == "assigned")  # overdue
    assert [r.due_on > today for r in rows if r.status == "rectifying"] == [True]
    assert replay.ok and status == "revoked" and len(published["results"]) == 5

    again = loader.load_demo(container, "small")
    assert again.extras["supervision"] == 0
    with container.read() as uow:
        assert len(uow.conn.execute(select(inspection_tasks)).all()) == 6
