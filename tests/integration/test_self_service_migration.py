# ruff: noqa: F811  (the ``holder`` and ``kiosk`` fixtures are imported)
"""Migration 0015 on both databases, with cases in them: the channel CHECK is replaced without
losing a case or an audit entry (SQLite rebuilds the table under its foreign keys), and going
back below it is refused while a case filed at a kiosk exists."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text, update
from sqlalchemy.exc import IntegrityError

from tests.integration.data_space_fixtures import holder  # noqa: F401
from tests.integration.kiosk_fixtures import ITEM, Kiosk, at, kiosk  # noqa: F401
from tongban.adapters.db import migrate
from tongban.adapters.db.tables import case_events, cases
from tongban.services.self_service import filing


def counts(world: Kiosk) -> tuple[int, int]:
    with world.container.read() as uow:
        conn = uow.conn
        return (
            int(conn.execute(select(func.count()).select_from(cases)).scalar_one()),
            int(conn.execute(select(func.count()).select_from(case_events)).scalar_one()),
        )


def test_the_channel_check_moves_with_every_case_kept(kiosk: Kiosk) -> None:
    kiosk.card(at(0))
    with kiosk.container.uow() as uow:
        filed = filing.file_application(
            uow, kiosk.as_device(at(1)), ITEM, {"phone": "13800138000"}, keys=kiosk.container.keys
        )
    before = counts(kiosk)
    engine = kiosk.container.engine
    head = migrate.current(engine)
    with pytest.raises(RuntimeError, match="filed at kiosks"):
        migrate.downgrade(engine, "0014")
    assert migrate.current(engine) == head and counts(kiosk) == before  # nothing undone

    with engine.begin() as conn:  # as if it had come in online
        conn.execute(update(cases).where(cases.c.number == filed.number).values(channel="online"))
    migrate.downgrade(engine, "0014")
    assert counts(kiosk) == before
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(text("UPDATE cases SET channel = 'self_service'"))
    migrate.upgrade(engine)
    assert counts(kiosk) == before
    with engine.begin() as conn:
        conn.execute(text("UPDATE cases SET channel = 'self_service'"))
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(text("UPDATE cases SET channel = 'fax'"))
