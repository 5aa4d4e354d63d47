"""One asyncio connection per event loop, for the read every signed-in request makes first.

Every request reads its session (the session, the user, the roles: one SELECT) before its
route runs.  Through the engine that read is blocking, so it ran in the thread pool: a hand-off
to a worker thread and back for every request, besides the one the route itself takes.  On
PostgreSQL this reader makes the same SELECT with psycopg's asyncio connection on the event
loop instead, so the loop neither blocks nor hands off.

A few connections per event loop (``SIZE``, opened as needed, in autocommit: a single SELECT
needs no transaction), each used by one request at a time; more requests wait for one.  One
connection would do if every answer came at once, but on a busy machine an answer waits for
the database server to be scheduled, and requests would queue behind it.  A connection that
broke (a restarted server, an idle connection dropped) is replaced and the read tried once more.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg.conninfo import make_conninfo
from psycopg.rows import namedtuple_row
from sqlalchemy.engine import URL

log = logging.getLogger("tongban.db")

APPLICATION_NAME = "tongban-session-reader"
SIZE = 4
"""Connections per event loop (per app process) at most."""


def libpq_dsn(url: URL) -> str:
    """The libpq connection string of a ``postgresql+psycopg://`` SQLAlchemy URL, read as the
    engine reads it: several hosts (``?host=a:5432&host=b:5432&target_session_attrs=read-write``)
    become libpq's ``host=a,b port=5432,5432``, so these connections find the same server."""
    from sqlalchemy.dialects.postgresql.psycopg import PGDialect_psycopg

    _args, params = PGDialect_psycopg().create_connect_args(url)  # type: ignore[no-untyped-call]
    libpq = {str(k): v for k, v in params.items() if isinstance(v, str | int)}
    return make_conninfo("", **libpq)


@dataclass
class _LoopState:
    slots: asyncio.Semaphore = field(default_factory=lambda: asyncio.Semaphore(SIZE))
    idle: list[psycopg.AsyncConnection[Any]] = field(default_factory=list)


class AsyncReader:
    """Runs read-only statements on an asyncio psycopg connection of the running loop."""

    def __init__(self, dsn: str, connect_args: Mapping[str, Any] | None = None) -> None:
        self._dsn = dsn
        self._connect_args = dict(connect_args or {})
        """Extra psycopg arguments (``prepare_threshold=None`` behind a transaction pooler)."""
        self._loops: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _LoopState] = (
            weakref.WeakKeyDictionary()
        )

    def _state(self) -> _LoopState:
        loop = asyncio.get_running_loop()
        state = self._loops.get(loop)
        if state is None:
            state = self._loops[loop] = _LoopState()
        return state

    async def fetch_all(self, sql: str, params: Mapping[str, Any]) -> list[Any]:
        """The rows (named tuples) of ``sql`` with ``params`` (pyformat placeholders)."""
        state = self._state()
        async with state.slots:
            for attempt in (1, 2):
                conn = state.idle.pop() if state.idle else await self._connect()
                try:
                    cursor = await conn.execute(sql, params)
                    rows = await cursor.fetchall()
                except psycopg.OperationalError:
                    # The connection broke; a fresh one gets one more try.
                    await conn.close()
                    if attempt == 2:
                        raise
                    log.warning("session reader: connection lost, reconnecting")
                    continue
                state.idle.append(conn)
                return rows
        raise AssertionError("unreachable")

    async def _connect(self) -> psycopg.AsyncConnection[Any]:
        return await psycopg.AsyncConnection.connect(
            self._dsn,
            autocommit=True,
            row_factory=namedtuple_row,
            application_name=APPLICATION_NAME,
            **self._connect_args,
        )

    async def close(self) -> None:
        """Close the running loop's connections (at shutdown)."""
        state = self._loops.pop(asyncio.get_running_loop(), None)
        while state is not None and state.idle:
            await state.idle.pop().close()
