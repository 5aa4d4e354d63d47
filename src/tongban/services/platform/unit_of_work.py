"""One use case, one transaction: the unit of work around a database connection.

A use case runs inside ``uow.atomic()`` (or is decorated ``@atomic``).  The outermost block on
a unit of work owns the transaction: it commits when it exits normally and rolls back when an
exception leaves it.  A block opened inside another joins it: a use case called by another
writes in the caller's transaction and commits with it, the way Django's ``transaction.atomic``
and zulip's ``do_*`` functions nest.

A nested block joins without a savepoint (no extra round trips), so an exception leaving it
dooms the whole transaction: the outermost block rolls back even if a caller in between caught
the error, and refuses to commit (``TransactionDoomed``).  A caller that must carry on after a
nested failure (the mail-delivery sweep, one parcel at a time) opens the nested block with
``savepoint=True``: the failure then undoes only that block's writes.

Anything that must happen only once the change is durable (sending the SMS log-in code from
the outbox at once) is registered with ``after_commit`` and runs once, after the outermost
commit; a rollback drops it.  ``durable=True`` marks a block that must commit as it exits, so
it refuses to run nested (the outbox claim under its lease).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import TracebackType
from typing import Any, Concatenate, ParamSpec, Protocol, Self, TypeVar

from sqlalchemy import Connection, Engine, NestedTransaction
from sqlalchemy.exc import OperationalError

from tongban.adapters.db.engine import READ_ONLY

log = logging.getLogger("tongban.db")

P = ParamSpec("P")
R = TypeVar("R")


class TransactionDoomed(RuntimeError):
    """A nested block failed and its error was swallowed: the transaction cannot commit."""


class UnitOfWork:
    """A connection, and the transaction use cases share on it; see the module docstring.

    Leaving the ``with`` block rolls back whatever is still uncommitted.  A ``read_only``
    unit of work is for pages and queries that change nothing: on SQLite it does not take the
    write lock, so reads never queue behind writes; it cannot commit.
    """

    def __init__(
        self, engine: Engine, *, read_only: bool = False, fallback: Engine | None = None
    ) -> None:
        self.engine = engine
        self.read_only = read_only
        self.fallback = fallback
        """Where to read instead when ``engine`` (a replica) cannot be reached."""
        self._conn: Connection | None = None
        self._depth = 0
        self._doomed = False
        self._after_commit: list[Callable[[], object]] = []
        self._after_end: list[Callable[[], object]] = []
        self.memo: dict[Any, Any] = {}
        """Values looked up in the current transaction, for use cases that need one several
        times (a holder's user id, say); emptied whenever the transaction ends."""

    @property
    def conn(self) -> Connection:
        if self._conn is None:
            raise RuntimeError("UnitOfWork used outside its 'with' block")
        return self._conn

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @property
    def doomed(self) -> bool:
        """True once an exception left a nested block: only a rollback can end the transaction."""
        return self._doomed

    def __enter__(self) -> Self:
        try:
            self._conn = self.engine.connect()
        except OperationalError:
            if self.fallback is None:
                raise
            log.warning("replica %s unreachable: reading the primary", self.engine.url.host)
            self.engine, self.fallback = self.fallback, None
            self._conn = self.engine.connect()
        if self.read_only:
            self._conn.execution_options(**{READ_ONLY: True})
        self._conn.begin()
        self._depth = 0
        self._doomed = False
        self._after_commit = []
        self.memo = {}
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        conn, self._conn = self._conn, None
        if conn is None:
            return
        self._depth = 0
        self._doomed = False
        self._after_commit = []
        self.memo = {}
        try:
            if conn.in_transaction():
                conn.rollback()
        finally:
            conn.close()
            self._run_after_end()

    # --- the use case's transaction ---------------------------------------------------------

    @contextmanager
    def atomic(self, *, savepoint: bool = False, durable: bool = False) -> Iterator[Self]:
        """The use case's transaction: opened by the outermost block, joined by nested ones.

        ``savepoint``: a nested block whose failure undoes only its own writes.
        ``durable``: the block must be the outermost (it commits on exit; nothing may defer it).
        """
        if self._doomed:
            raise TransactionDoomed("a nested block failed; the transaction can only roll back")
        if durable and self._depth:
            raise RuntimeError("a durable block commits as it exits: it cannot run nested")
        if self._depth == 0:
            with self._outermost():
                yield self
        elif savepoint:
            with self._savepoint():
                yield self
        else:
            with self._joined():
                yield self

    @contextmanager
    def _outermost(self) -> Iterator[None]:
        conn = self.conn
        if not conn.in_transaction():
            conn.begin()
        self._depth = 1
        try:
            yield
        except BaseException:
            self._depth = 0
            self._end(commit=False)
            raise
        self._depth = 0
        if self._doomed:
            self._end(commit=False)
            raise TransactionDoomed("a nested block failed and its error was swallowed")
        if self.read_only:
            self._end(commit=False)
            raise RuntimeError("a read-only unit of work cannot commit")
        self._end(commit=True)

    @contextmanager
    def _joined(self) -> Iterator[None]:
        self._depth += 1
        try:
            yield
        except BaseException:
            self._doomed = True
            raise
        finally:
            self._depth -= 1

    @contextmanager
    def _savepoint(self) -> Iterator[None]:
        nested = self.conn.begin_nested()
        mark = len(self._after_commit)
        self._depth += 1
        try:
            yield
        except BaseException:
            self._undo(nested, mark)
            raise
        else:
            if self._doomed:
                self._undo(nested, mark)
                raise TransactionDoomed("a nested block failed and its error was swallowed")
            nested.commit()
        finally:
            self._depth -= 1

    def _undo(self, nested: NestedTransaction, mark: int) -> None:
        """Roll back to the savepoint: its writes, its callbacks and its doom go with it."""
        nested.rollback()
        del self._after_commit[mark:]
        self._doomed = False
        self.memo = {}

    def _end(self, *, commit: bool) -> None:
        """End the database transaction; after a commit, run the after-commit callbacks."""
        callbacks, self._after_commit = self._after_commit, []
        self._doomed = False
        self.memo = {}
        try:
            if commit:
                self.conn.commit()
                for callback in callbacks:
                    callback()
            else:
                self.conn.rollback()
        finally:
            self._run_after_end()

    # --- outside any use case: scripts, tests ---------------------------------------------

    def commit(self) -> None:
        """Commit what was written outside any use case (a script's or a test's own rows).

        Inside an ``atomic`` block only the outermost block commits, so this refuses.
        """
        if self._depth:
            raise RuntimeError("commit inside an atomic block: the outermost block commits")
        if self.read_only:
            raise RuntimeError("a read-only unit of work cannot commit")
        self._end(commit=True)

    def rollback(self) -> None:
        """Roll back what was written outside any use case; refused inside an ``atomic`` block
        (raise instead, or open the nested block with ``savepoint=True``)."""
        if self._depth:
            raise RuntimeError("rollback inside an atomic block: raise, or use a savepoint")
        self._end(commit=False)

    # --- callbacks ---------------------------------------------------------------------------

    def after_commit(self, callback: Callable[[], object]) -> None:
        """Run ``callback`` once, after the outermost commit; dropped if the work rolls back
        (or the savepoint it was registered in does).  An error it raises reaches the caller
        of the outermost block, whose work has committed: catch what must not."""
        self._after_commit.append(callback)

    def after_end(self, callback: Callable[[], object]) -> None:
        """Run ``callback`` once the current transaction ends, committed or rolled back: for
        a record that must outlive the use case's own outcome (a refused data access)."""
        self._after_end.append(callback)

    def _run_after_end(self) -> None:
        callbacks, self._after_end = self._after_end, []
        for callback in callbacks:
            callback()


class UnitsOfWork(Protocol):
    """Where a sweep or a batch outside a request takes its units of work: the container."""

    def uow(self) -> UnitOfWork:
        """A unit of work for a use case that writes."""
        ...

    def read(self) -> UnitOfWork:
        """A read-only unit of work."""
        ...


def atomic(
    use_case: Callable[Concatenate[UnitOfWork, P], R],
) -> Callable[Concatenate[UnitOfWork, P], R]:
    """Decorate a use case taking the unit of work first: it runs in ``uow.atomic()``, so it
    commits when called outermost and joins its caller's transaction when nested."""

    @functools.wraps(use_case)
    def run(uow: UnitOfWork, /, *args: P.args, **kwargs: P.kwargs) -> R:
        with uow.atomic():
            return use_case(uow, *args, **kwargs)

    return run
