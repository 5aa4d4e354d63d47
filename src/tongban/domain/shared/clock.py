"""The one clock every reading of 'now' comes from, and China's date (the day clocks count on).

The container holds one ``Clock``; routes, services, the worker, the CLI and the demo loader take
the time from it.  ``SystemClock`` is the real time.  ``PinnedClock`` starts at a chosen instant
and runs on from there at the real pace, so that tests (and a demo shown "as of" a day) behave
the same on whatever day they run, without patching anything.
"""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Protocol

CHINA_TZ = timezone(timedelta(hours=8), "Asia/Shanghai")
"""Government-service days are dates in China (UTC+8, no daylight saving since 1991)."""


def china_date(at: datetime) -> date:
    """The date in China of an aware instant: the day a clock event counts on."""
    if at.tzinfo is None:
        raise ValueError("naive datetime: case events need timezone-aware instants")
    return at.astimezone(CHINA_TZ).date()


class Clock(Protocol):
    """Where the platform reads the current instant (timezone-aware, UTC)."""

    def now(self) -> datetime: ...

    def today(self) -> date:
        """Today's date in China."""
        ...


class SystemClock:
    """The real time."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def today(self) -> date:
        return china_date(self.now())


class PinnedClock:
    """Starts at ``start`` and advances with the real (monotonic) time from then on.

    ``set`` moves it to another instant and ``advance`` moves it on; it never runs backwards
    unless told to.
    """

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("a pinned clock needs a timezone-aware start")
        self._start = start.astimezone(UTC)
        self._origin = time.monotonic()

    def now(self) -> datetime:
        return self._start + timedelta(seconds=time.monotonic() - self._origin)

    def today(self) -> date:
        return china_date(self.now())

    def set(self, instant: datetime) -> None:
        if instant.tzinfo is None:
            raise ValueError("a pinned clock needs a timezone-aware instant")
        self._start = instant.astimezone(UTC)
        self._origin = time.monotonic()

    def advance(self, delta: timedelta) -> None:
        self._start += delta


class FixedClock:
    """Stands still at one instant until ``set`` or ``advance`` moves it: for tests that
    compare stored times with the exact instant the work ran at."""

    def __init__(self, instant: datetime) -> None:
        self._at = instant
        self.set(instant)

    def now(self) -> datetime:
        return self._at

    def today(self) -> date:
        return china_date(self._at)

    def set(self, instant: datetime) -> None:
        if instant.tzinfo is None:
            raise ValueError("a fixed clock needs a timezone-aware instant")
        self._at = instant.astimezone(UTC)

    def advance(self, delta: timedelta) -> None:
        self._at += delta
