"""Drill: fail over to the synchronous standby during load; the app finds the new primary itself.

    .venv/bin/python bench/drills/failover.py --duration 60 --rate 20

The drill's cluster gets a streaming standby on loopback (``pg_basebackup -R``) that every
commit waits for: ``synchronous_standby_names = 'standby1'`` and ``synchronous_commit = on``,
so a commit is acknowledged only once the standby has flushed it to disk, and a promotion
replays every record flushed.  (``remote_apply`` would also wait for the standby to replay it,
which matters only to reads on the standby.)  The app and the worker connect with one URL
naming both servers, ``?host=<primary>&host=<standby>&target_session_attrs=read-write``: libpq
tries them in turn and keeps the one that takes writes, so nothing restarts or reconfigures the
app.  At 40% of ``--duration`` the drill fences the primary (``pg_ctl stop -m immediate``, as
if it crashed; it stays down) and promotes the standby (``pg_ctl promote``).  Prints how long
each step took, the time to the first acknowledged submit after the promotion, the errors
during the switch and the lost-writes check on the new primary: every acknowledged submit is
there, once, under its idempotency key.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass, field

import psycopg
from cluster import Cluster, throwaway_cluster, throwaway_standby
from loadgen import Run
from stack import (
    DATABASE,
    Stack,
    Summary,
    check_writes,
    errors_between,
    load,
    report,
    stack_on,
)

STANDBY = "standby1"
SYNCHRONOUS_COMMIT = "on"
FAULT = "failover"


@dataclass
class Switch:
    """What the fault saw: the standbys streaming at that moment, and when (seconds after the
    fault began) the primary was down and the standby promoted."""

    replication: list[tuple[str, str]] = field(default_factory=list)
    fenced: float = 0.0
    promoted: float = 0.0


def drill(duration: float, rate: float, seed: int = 1, keep: bool = False) -> Summary:
    with (
        throwaway_cluster(keep=keep) as primary,
        throwaway_standby(primary, STANDBY, keep=keep) as standby,
    ):
        _synchronous(primary, STANDBY)
        url = both_servers(primary, standby)
        with stack_on(primary, keep, app_url=lambda _url: url) as s:
            s.standbys.append(standby)
            switch = Switch()

            def failover() -> None:
                started = time.perf_counter()
                switch.replication = _replication(primary)
                primary.stop("immediate")  # fenced: it stays down
                switch.fenced = time.perf_counter() - started
                standby.promote()
                switch.promoted = time.perf_counter() - started

            run = load(s, rate, duration, [(duration * 0.4, FAULT, failover)], seed)
            summary = _summary(s, run, switch, primary, standby, url)
    report(summary)
    return summary


def both_servers(primary: Cluster, standby: Cluster) -> str:
    """``TONGBAN_DATABASE_URL`` naming the primary, then the standby; libpq keeps the first that
    takes writes (``target_session_attrs=read-write``)."""
    hosts = f"host=127.0.0.1:{primary.port}&host=127.0.0.1:{standby.port}"
    return f"postgresql+psycopg://postgres@/{DATABASE}?{hosts}&target_session_attrs=read-write"


def _synchronous(primary: Cluster, name: str) -> None:
    """Every commit on ``primary`` waits for standby ``name`` to flush it; returns once the
    standby is streaming as the synchronous one.  Set after the base backup, so the standby's
    copy of the configuration has no synchronous standby to wait for once it is promoted."""
    with psycopg.connect(primary.libpq(), autocommit=True) as conn:
        conn.execute(f"ALTER SYSTEM SET synchronous_standby_names = '{name}'")
        conn.execute(f"ALTER SYSTEM SET synchronous_commit = '{SYNCHRONOUS_COMMIT}'")
        conn.execute("SELECT pg_reload_conf()")
        for _ in range(600):
            if (name, "sync") in _replication(primary):
                return
            time.sleep(0.1)
    raise RuntimeError(f"{name} did not become the synchronous standby: {_replication(primary)}")


def _replication(primary: Cluster) -> list[tuple[str, str]]:
    """(application_name, sync_state) of each standby streaming from ``primary``."""
    with psycopg.connect(primary.libpq(), autocommit=True) as conn:
        rows = conn.execute("SELECT application_name, sync_state FROM pg_stat_replication")
        return [(str(r[0]), str(r[1])) for r in rows.fetchall()]


def _in_recovery(cluster: Cluster) -> bool:
    with psycopg.connect(cluster.libpq(), autocommit=True) as conn:
        row = conn.execute("SELECT pg_is_in_recovery()").fetchone()
        return bool(row and row[0])


def _summary(
    s: Stack, run: Run, switch: Switch, primary: Cluster, standby: Cluster, url: str
) -> Summary:
    # The lost-writes check reads the new primary: the old one is fenced.
    writes = check_writes(standby.url(DATABASE), run)
    summary = Summary("failover to the synchronous standby", run, writes)
    start = run.events.get(FAULT, 0.0)
    fenced, promoted = start + switch.fenced, start + switch.promoted
    failed = [o.end for o in run.outcomes if not o.ok and o.end >= start]
    last_error = max(failed) if failed else None
    window = errors_between(run, start, last_error if last_error is not None else start)
    acks_after = sorted(a.at for a in run.acks if a.at > promoted)
    first_ok = min((o.end for o in run.outcomes if o.ok and o.end > start), default=None)
    replication = switch.replication
    summary.figures["replication"] = (
        f"synchronous_standby_names = '{STANDBY}', synchronous_commit = {SYNCHRONOUS_COMMIT}; "
        f"at the fault: {replication}"
    )
    summary.figures["app's TONGBAN_DATABASE_URL"] = url
    summary.figures["fence issued at"] = f"{start:.1f} s (pg_ctl stop -m immediate of the primary)"
    summary.figures["fence took"] = f"{fenced - start:.2f} s"
    summary.figures["promotion took (pg_ctl promote -w)"] = f"{promoted - fenced:.2f} s"
    summary.figures["first success of any request after the fence"] = (
        f"{first_ok - start:.2f} s after it" if first_ok is not None else "never"
    )
    summary.figures["time to first acknowledged submit after the promotion"] = (
        f"{acks_after[0] - promoted:.2f} s (from the fence {acks_after[0] - start:.2f} s)"
        if acks_after
        else "none"
    )
    summary.figures["submits acknowledged before the fence / during the switch / after"] = (
        f"{sum(1 for a in run.acks if a.at <= start)} / "
        f"{sum(1 for a in run.acks if start < a.at <= promoted)} / {len(acks_after)}"
    )
    summary.figures["last error after the fence"] = (
        f"{last_error - start:.2f} s after it" if last_error is not None else "none"
    )
    summary.figures["errors during the switch"] = (
        ", ".join(f"{k}×{v}" for k, v in sorted(window.items())) or "none"
    )
    summary.figures["errors during the switch (count)"] = str(sum(window.values()))
    summary.invariants["the standby was synchronous at the fault"] = (
        STANDBY,
        "sync",
    ) in replication
    summary.invariants["the old primary stayed down (fenced)"] = not (
        primary.data / "postmaster.pid"
    ).exists()
    summary.invariants["the standby is the primary now"] = not _in_recovery(standby)
    summary.invariants["submits acknowledged after the promotion"] = bool(acks_after)
    summary.invariants["no errors before the failover"] = not errors_between(run, 0, start)
    summary.invariants["app and worker never restarted, running at the end"] = (
        s.app.alive() and s.worker.alive() and s.app.starts == 1 and s.worker.starts == 1
    )
    return summary


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--duration", type=float, default=60, help="seconds of load")
    parser.add_argument("--rate", type=float, default=20, help="requests a second (open loop)")
    parser.add_argument("--seed", type=int, default=1, help="the request mix's random seed")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directories")
    args = parser.parse_args(sys.argv[1:])
    return 0 if drill(args.duration, args.rate, args.seed, args.keep).passed else 1


if __name__ == "__main__":
    raise SystemExit(main())
