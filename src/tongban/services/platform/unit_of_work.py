"""One use case, one transaction: the unit of work around a database connection.

A service opens a ``UnitOfWork``, reads and writes through repositories built on
``uow.conn``, writes its audit entry on the same connection, and commits once.  Anything that
must only happen after the commit (an SMS, a cache refresh) is registered with
``after_commit`` and runs only if the commit succeeded.
"""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from typing import Any, Protocol, Self

from sqlalchemy import Connection, Engine

from tongban.adapters.db.engine import READ_ONLY


class UnitOfWork:
    """A transaction on ``engine``; rolled back unless ``commit`` is called.

    A ``read_only`` unit of work is for pages and queries that change nothing: on SQLite it
    does not take the write lock, so reads never queue behind writes; it cannot commit.
    """

    def __init__(self, engine: Engine, *, read_only: bool = False) -> None:
        self.engine = engine
        self.read_only = read_only
        self._conn: Connection | None = None
        self._after_commit: list[Callable[[], None]] = []
        self._after_end: list[Callable[[], None]] = []
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

    def __enter__(self) -> Self:
        self._conn = self.engine.connect()
        if self.read_only:
            self._conn.execution_options(**{READ_ONLY: True})
        self._conn.begin()
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
        try:
            if conn.in_transaction():
                conn.rollback()
        finally:
            conn.close()
            self._run_after_end()

    def commit(self) -> None:
        if self.read_only:
            raise RuntimeError("a read-only unit of work cannot commit")
        self.conn.commit()
        self.memo = {}
        callbacks, self._after_commit = self._after_commit, []
        for callback in callbacks:
            callback()
        self._run_after_end()
        self.conn.begin()

    def rollback(self) -> None:
        self.conn.rollback()
        self.memo = {}
        self._after_commit = []
        self._run_after_end()
        self.conn.begin()

    def after_commit(self, callback: Callable[[], None]) -> None:
        self._after_commit.append(callback)

    def after_end(self, callback: Callable[[], None]) -> None:
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
