"""Independent inserts sent together keep each insert's rows in order and write all or none."""

from __future__ import annotations

import pytest
from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError

from tests.clock import TEST_START
from tests.statements import counting
from tongban.adapters.db.tables import audit_log, outbox
from tongban.bootstrap import Container
from tongban.services.platform.together import (
    finish_with,
    holding,
    write_returning,
    write_together,
)


def _audit(action: str) -> dict[str, object]:
    return {
        "at": TEST_START,
        "actor_id": None,
        "action": action,
        "object_type": "test",
        "object_key": action,
        "detail": {"n": action},
        "request_id": "r",
    }


def _message(key: str) -> dict[str, object]:
    return {
        "kind": "sms",
        "payload": {"to": "13800138000", "text": "好"},
        "dedup_key": key,
        "status": "pending",
        "attempts": 0,
        "created_at": TEST_START,
        "available_at": TEST_START,
        "request_id": "r",
    }


def test_rows_keep_their_order_and_postgresql_gets_one_statement(container: Container) -> None:
    actions = ["a", "b", "c", "d"]
    with counting(container.engine) as sent, container.uow() as uow:
        write_together(
            uow.conn,
            [
                (insert(outbox), [_message("k1"), _message("k2")]),
                (insert(audit_log), [_audit(a) for a in actions]),
            ],
        )
        uow.commit()
    with container.read() as uow:
        stored = uow.conn.execute(select(audit_log.c.action).order_by(audit_log.c.id)).scalars()
        details = uow.conn.execute(select(audit_log.c.detail).order_by(audit_log.c.id)).scalars()
        keys = uow.conn.execute(select(outbox.c.dedup_key).order_by(outbox.c.id)).scalars()
        assert list(stored) == actions and list(keys) == ["k1", "k2"]
        assert [d["n"] for d in details] == actions
    expected = 1 if container.engine.dialect.name == "postgresql" else 2
    assert len(sent) == expected, sent.listing()


def test_a_failing_insert_writes_nothing_of_the_others(container: Container) -> None:
    with container.uow() as uow:
        write_together(uow.conn, [(insert(outbox), [_message("twice")])])
        uow.commit()
    with pytest.raises(IntegrityError), container.uow() as uow:
        write_together(
            uow.conn,
            [(insert(audit_log), [_audit("x")]), (insert(outbox), [_message("twice")])],
        )
        uow.commit()
    with container.read() as uow:
        assert uow.conn.execute(select(audit_log.c.id)).first() is None


_ANSWER = (
    update(outbox)
    .where(outbox.c.dedup_key == bindparam("k_key"))
    .values(attempts=bindparam("k_attempts"), payload=bindparam("k_payload"))
)


def _answered(container: Container) -> tuple[list[str], list[tuple[int, dict[str, object]]]]:
    with container.read() as uow:
        actions = uow.conn.execute(select(audit_log.c.action).order_by(audit_log.c.id)).scalars()
        answers = uow.conn.execute(select(outbox.c.attempts, outbox.c.payload)).all()
        return list(actions), [(a, p) for a, p in answers]


def test_a_held_write_goes_with_the_statement_that_ends_the_block(container: Container) -> None:
    with container.uow() as uow:
        write_together(uow.conn, [(insert(outbox), [_message("answer")])])
        uow.commit()
    with counting(container.engine) as sent, container.uow() as uow:
        with holding(uow.conn):
            write_together(uow.conn, [(insert(audit_log), [_audit("a"), _audit("b")])])
            params = {"k_key": "answer", "k_attempts": 7, "k_payload": {"to": "好"}}
            assert finish_with(uow.conn, _ANSWER, params) == 1
        uow.commit()
    assert _answered(container) == (["a", "b"], [(7, {"to": "好"})])
    expected = 1 if container.engine.dialect.name == "postgresql" else 2
    assert len(sent) == expected, sent.listing()


def test_a_held_write_is_sent_before_any_other_statement(container: Container) -> None:
    with container.uow() as uow, holding(uow.conn):
        write_together(uow.conn, [(insert(audit_log), [_audit("seen")])])
        read = uow.conn.execute(select(audit_log.c.action)).scalars().all()
        uow.commit()
    assert read == ["seen"]
    assert _answered(container) == (["seen"], [])


def test_a_held_write_is_dropped_with_a_rollback(container: Container) -> None:
    with pytest.raises(RuntimeError), container.uow() as uow, uow.atomic(), holding(uow.conn):
        write_together(uow.conn, [(insert(audit_log), [_audit("undone")])])
        raise RuntimeError("the use case failed")
    assert _answered(container) == ([], [])


def test_an_insert_returning_its_rows_takes_the_others_along(container: Container) -> None:
    returning = insert(audit_log).returning(audit_log.c.id, audit_log.c.action)
    with container.uow() as uow, holding(uow.conn):
        write_together(uow.conn, [(insert(outbox), [_message("held")])])  # sent first
        with counting(container.engine) as sent:
            rows = write_returning(
                uow.conn,
                (returning, [_audit("a"), _audit("b")]),
                [(insert(outbox), [_message("k1"), _message("k2")])],
            )
        uow.commit()
    assert sorted(r.action for r in rows) == ["a", "b"]
    with container.read() as uow:
        stored = uow.conn.execute(select(audit_log.c.id, audit_log.c.action)).all()
        keys = uow.conn.execute(select(outbox.c.dedup_key).order_by(outbox.c.id)).scalars()
        assert sorted((r.id, r.action) for r in rows) == sorted((s.id, s.action) for s in stored)
        assert list(keys) == ["held", "k1", "k2"]
    if container.engine.dialect.name == "postgresql":  # the held write, then one statement
        assert len(sent) == 2 and "outbox" in sent[1] and "audit_log" in sent[1], sent.listing()
    else:  # nothing held; each insert on its own, the returning one first
        assert len(sent) == 2 and "audit_log" in sent[0], sent.listing()
