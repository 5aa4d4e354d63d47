"""The operator drills of ``bench/drills/`` in a very short mode: each starts its own throwaway
PostgreSQL cluster, ``tongban serve --workers 2`` and ``tongban worker``, puts a few seconds of
open-loop load on them, breaks what it breaks, and must report 0 lost writes and its own
invariants.  Nothing is asserted on time: the figures are printed, not checked.

They need the PostgreSQL server binaries (initdb, pg_ctl, pg_dump, pg_restore), not a running
server: without them they are skipped with the reason, except under CI (``CI=true``), where
they fail.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from tests.conftest import IN_CI

DRILLS = Path(__file__).resolve().parents[2] / "bench" / "drills"
DURATION = 6.0
RATE = 4.0
FAILOVER_DURATION = 20.0
"""Long enough for submits on both sides of the switch (the fault comes at 40%)."""

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def drills() -> Iterator[dict[str, ModuleType]]:
    sys.path.insert(0, str(DRILLS))
    try:
        import cluster

        try:
            cluster.find_bindir()
        except cluster.ClusterUnavailable as missing:
            if IN_CI:
                pytest.fail(f"CI must run the drills: {missing}")
            pytest.skip(str(missing))
        import backup_restore
        import failover
        import kill9
        import mixed_load
        import pg_restart

        yield {
            "mixed": mixed_load,
            "kill9": kill9,
            "restart": pg_restart,
            "backup": backup_restore,
            "failover": failover,
        }
    finally:
        sys.path.remove(str(DRILLS))


def _passed(summary: Any, capsys: pytest.CaptureFixture[str]) -> None:
    printed = capsys.readouterr().out
    assert summary.writes.acknowledged > 0, printed
    assert summary.writes.lost == 0, printed
    assert summary.writes.duplicated == 0, printed
    assert summary.writes.key_mismatch == 0, printed
    failed = [k for k, v in summary.invariants.items() if not v]
    assert not failed, printed
    assert "lost writes 0; PASS" in printed


def _in_thread(run: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """A drill runs its own event loop (``asyncio.run``); this thread may already have one
    running (Playwright's, from a browser test earlier in the same process), so the drill gets
    a thread of its own."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(run, *args, **kwargs).result()


def test_mixed_load(drills: dict[str, ModuleType], capsys: pytest.CaptureFixture[str]) -> None:
    summary = _in_thread(drills["mixed"].drill, DURATION, RATE)
    _passed(summary, capsys)
    kinds = {o.kind for o in summary.run.outcomes}
    assert kinds == {"submit", "accept", "list_api", "list_page", "guide", "read"}


def test_kill9(drills: dict[str, ModuleType], capsys: pytest.CaptureFixture[str]) -> None:
    summary = _in_thread(drills["kill9"].drill, DURATION, RATE)
    _passed(summary, capsys)
    assert summary.invariants["app process replaced"]
    assert summary.invariants["app and worker running at the end"]


def test_postgresql_restart(
    drills: dict[str, ModuleType], capsys: pytest.CaptureFixture[str]
) -> None:
    summary = _in_thread(drills["restart"].drill, DURATION, RATE, mode="fast")
    _passed(summary, capsys)
    assert summary.invariants["served again after the restart"]
    assert "pg_ctl restart -m fast done" in summary.run.events


def test_backup_restore(drills: dict[str, ModuleType], capsys: pytest.CaptureFixture[str]) -> None:
    summary = _in_thread(drills["backup"].drill, DURATION, RATE)
    _passed(summary, capsys)
    assert summary.invariants["equal row counts in every table"]
    assert summary.invariants["audit verify passes on the restored copy"]


def test_failover_to_the_synchronous_standby(
    drills: dict[str, ModuleType], capsys: pytest.CaptureFixture[str]
) -> None:
    summary = _in_thread(drills["failover"].drill, FAILOVER_DURATION, RATE)
    _passed(summary, capsys)
    assert summary.invariants["the standby was synchronous at the fault"]
    assert summary.invariants["the old primary stayed down (fenced)"]
    assert summary.invariants["the standby is the primary now"]
    assert summary.invariants["submits acknowledged after the promotion"]
