"""What every batched sweep must pass, as helpers: watch the rows a sweep handles (and break
one), read the failures it set aside, and run it in two workers at once.

They spy on ``batches.handle_one``, the one place every batched sweep hands a row to its
handler, so the sweep's own query, key, locks and handler run unchanged.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import Row, select

from tongban.adapters.db.tables import sweep_failures
from tongban.bootstrap import Container
from tongban.services.platform import batches
from tongban.services.platform.unit_of_work import UnitOfWork


@dataclass
class RowSpy:
    """The rows a sweep changed, as (worker thread, row key); ``bad``: the key of a row whose
    handling raises after its writes (they roll back with the row's savepoint)."""

    handled: list[tuple[str, str]] = field(default_factory=list)
    bad: str | None = None
    after_row: Callable[[str], None] | None = None


def watch_rows(monkeypatch: pytest.MonkeyPatch) -> RowSpy:
    spy = RowSpy()
    real = batches.handle_one

    def spying(
        uow: UnitOfWork,
        sweep: str,
        row: Row[Any],
        row_key: object,
        handle: Callable[[UnitOfWork, Row[Any]], bool],
        now: datetime,
    ) -> bool | None:
        def watched(uow: UnitOfWork, row: Row[Any]) -> bool:
            result = handle(uow, row)
            if str(row_key) == spy.bad:
                raise RuntimeError(f"corrupt row {row_key}")
            if result:  # a row reached again after another worker did it changes nothing
                spy.handled.append((threading.current_thread().name, str(row_key)))
                if spy.after_row is not None:
                    spy.after_row(str(row_key))
            return result

        outcome: bool | None = real(uow, sweep, row, row_key, watched, now)
        return outcome

    monkeypatch.setattr(batches, "handle_one", spying)
    return spy


def failures(container: Container) -> list[tuple[str, str]]:
    """The rows set aside in ``sweep_failures``: (sweep, row key)."""
    with container.read() as uow:
        rows = uow.conn.execute(
            select(sweep_failures.c.sweep, sweep_failures.c.row_key).order_by(sweep_failures.c.id)
        ).all()
    return [(sweep, key) for sweep, key in rows]


def in_two_workers(
    monkeypatch: pytest.MonkeyPatch, run: Callable[[], object]
) -> dict[str, list[str]]:
    """Run a sweep in workers "a" and "b" at once: A holds its first page (FOR UPDATE) until B
    has changed a row, so B's pages must skip A's locked rows.  Returns the keys each changed."""
    spy = watch_rows(monkeypatch)
    done: dict[str, list[str]] = {"a": [], "b": []}
    a_holds_a_page, b_did_one = threading.Event(), threading.Event()
    waited: list[bool] = []
    errors: list[BaseException] = []

    def after_row(key: str) -> None:
        me = threading.current_thread().name
        done[me].append(key)
        if me == "a" and len(done["a"]) == 1:
            a_holds_a_page.set()
            waited.append(b_did_one.wait(timeout=30))
        if me == "b":
            b_did_one.set()

    def worker(name: str) -> None:
        try:
            if name == "b":
                a_holds_a_page.wait(timeout=30)
            run()
        except BaseException as error:  # reported below
            errors.append(error)
        finally:
            b_did_one.set()  # never leave A waiting

    spy.after_row = after_row
    threads = [threading.Thread(target=worker, args=(n,), name=n) for n in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert waited == [True], "B was held up by A's page instead of skipping it"
    return done
