"""Counting the SQL statements a piece of code sends (round trips, not time: deterministic)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from sqlalchemy import Engine, event

NOT_COUNTED = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")


class Statements(list[str]):
    """The statements sent while counting, each on one line."""

    def without(self, *fragments: str) -> list[str]:
        """The statements that contain none of ``fragments`` (a request's session read, say)."""
        return [s for s in self if not any(f in s for f in fragments)]

    def listing(self) -> str:
        return "\n".join(f"{n:3}. {s[:160]}" for n, s in enumerate(self, 1))


@contextlib.contextmanager
def counting(engine: Engine) -> Iterator[Statements]:
    """Every statement ``engine`` sends inside the block (transaction control aside)."""
    seen = Statements()

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        text = " ".join(statement.split())
        if not text.upper().startswith(NOT_COUNTED):
            seen.append(text)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)
