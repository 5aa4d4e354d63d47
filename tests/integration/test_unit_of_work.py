"""The write path: a use case opens the transaction, a use case it calls joins it."""

from __future__ import annotations

import contextlib

import pytest
from sqlalchemy import func, select

from tests.clock import TEST_START
from tongban.adapters.db.tables import audit_log
from tongban.bootstrap import Container
from tongban.domain.errors import ValidationFailed
from tongban.services.platform import audit
from tongban.services.platform.context import Actor
from tongban.services.platform.unit_of_work import TransactionDoomed, UnitOfWork, atomic

ACTOR = Actor(request_id="test", at=TEST_START)


class Failed(Exception):
    pass


def committed(container: Container, text: str) -> int:
    """Rows another connection sees: only what has committed."""
    with container.read() as uow:
        query = select(func.count()).select_from(audit_log).where(audit_log.c.object_key == text)
        return int(uow.conn.execute(query).scalar_one())


@atomic
def write(uow: UnitOfWork, text: str) -> None:
    audit.record(uow.conn, ACTOR, "note.created", "note", text)


@atomic
def write_then_fail(uow: UnitOfWork, text: str) -> None:
    write(uow, text)
    raise ValidationFailed()


def test_a_use_case_called_by_another_joins_its_transaction(container: Container) -> None:
    seen: list[int] = []

    @atomic
    def outer(uow: UnitOfWork) -> None:
        write(uow, "inner")  # its own use case, nested: no commit of its own
        seen.append(committed(container, "inner"))
        write(uow, "outer")

    with container.uow() as uow:
        outer(uow)
    assert seen == [0]
    assert (committed(container, "inner"), committed(container, "outer")) == (1, 1)


def test_an_exception_in_the_outer_use_case_rolls_back_the_inner_ones_writes(
    container: Container,
) -> None:
    @atomic
    def outer(uow: UnitOfWork) -> None:
        write(uow, "inner")
        raise Failed()

    with container.uow() as uow, pytest.raises(Failed):
        outer(uow)
    assert committed(container, "inner") == 0


def test_a_nested_failure_caught_without_a_savepoint_dooms_the_whole_transaction(
    container: Container,
) -> None:
    @atomic
    def outer(uow: UnitOfWork) -> None:
        write(uow, "before")
        with contextlib.suppress(ValidationFailed):
            write_then_fail(uow, "half")

    with container.uow() as uow, pytest.raises(TransactionDoomed):
        outer(uow)
    assert (committed(container, "before"), committed(container, "half")) == (0, 0)


def test_a_savepoint_undoes_only_the_nested_block_that_failed(container: Container) -> None:
    @atomic
    def outer(uow: UnitOfWork) -> None:
        write(uow, "before")
        with contextlib.suppress(ValidationFailed), uow.atomic(savepoint=True):
            write_then_fail(uow, "undone")
        write(uow, "after")

    with container.uow() as uow:
        outer(uow)
    assert [committed(container, t) for t in ("before", "undone", "after")] == [1, 0, 1]


def test_after_commit_callbacks_run_once_and_only_after_the_outermost_commit(
    container: Container,
) -> None:
    calls: list[tuple[str, int]] = []

    @atomic
    def inner(uow: UnitOfWork) -> None:
        write(uow, "woken")
        uow.after_commit(lambda: calls.append(("wake", committed(container, "woken"))))

    @atomic
    def outer(uow: UnitOfWork) -> None:
        inner(uow)
        assert calls == []  # the inner use case returned; nothing has committed yet
        inner(uow)

    with container.uow() as uow:
        outer(uow)
        assert calls == [("wake", 2), ("wake", 2)]
        write(uow, "later")  # a new transaction: the callbacks are not run again
    assert calls == [("wake", 2), ("wake", 2)]


def test_after_commit_callbacks_of_work_that_rolled_back_never_run(container: Container) -> None:
    calls: list[str] = []

    @atomic
    def outer(uow: UnitOfWork) -> None:
        uow.after_commit(lambda: calls.append("kept"))
        with contextlib.suppress(Failed), uow.atomic(savepoint=True):
            uow.after_commit(lambda: calls.append("undone"))
            raise Failed()

    @atomic
    def failing(uow: UnitOfWork) -> None:
        uow.after_commit(lambda: calls.append("failed"))
        raise Failed()

    with container.uow() as uow:
        outer(uow)
        with pytest.raises(Failed):
            failing(uow)
    assert calls == ["kept"]


def test_a_use_case_may_not_commit_or_roll_back_in_the_middle(container: Container) -> None:
    with container.uow() as uow, uow.atomic():
        with pytest.raises(RuntimeError, match="outermost block commits"):
            uow.commit()
        with pytest.raises(RuntimeError, match="savepoint"):
            uow.rollback()


def test_a_durable_block_refuses_to_run_inside_another(container: Container) -> None:
    with container.uow() as uow:
        with uow.atomic(durable=True):
            write(uow, "durable")
        assert committed(container, "durable") == 1
        with (
            pytest.raises(RuntimeError, match="cannot run nested"),
            uow.atomic(),
            uow.atomic(durable=True),
        ):
            pass


def test_a_use_case_on_a_read_only_unit_of_work_cannot_commit(container: Container) -> None:
    with container.read() as uow, pytest.raises(RuntimeError, match="read-only"):
        write(uow, "nowhere")
    assert committed(container, "nowhere") == 0
