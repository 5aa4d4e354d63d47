"""Drill: restart PostgreSQL during load (``pg_ctl restart -m fast``, or ``immediate``).

    .venv/bin/python bench/drills/pg_restart.py --duration 60 --rate 20 [--mode immediate]

The mixed load of ``mixed_load.py`` against the drill's own cluster; at 40% of ``--duration``
the drill restarts that cluster (never any other server) and waits until it accepts connections
again.  ``fast`` rolls back open transactions and checkpoints; ``immediate`` stops without a
checkpoint, so the start replays the WAL as after a crash.  Prints how long the restart took,
the time to recover (from the restart's start to the first success after the cluster is back),
the errors in the window (from the restart until the last error) and the lost-writes check: a
submit acknowledged before the restart must be there after it.
"""

from __future__ import annotations

import argparse
import sys

from loadgen import Run
from stack import Stack, Summary, check_writes, errors_between, load, report, stack


def drill(
    duration: float, rate: float, seed: int = 1, keep: bool = False, mode: str = "fast"
) -> Summary:
    with stack(keep) as s:
        fault = f"pg_ctl restart -m {mode}"
        run = load(s, rate, duration, [(duration * 0.4, fault, lambda: s.cluster.restart(mode))])
        summary = _summary(s, run, fault)
    report(summary)
    return summary


def _summary(s: Stack, run: Run, fault: str) -> Summary:
    summary = Summary(f"PostgreSQL restart ({fault})", run, check_writes(s.url, run))
    start = run.events.get(fault, 0.0)
    done = run.events.get(fault + " done", start)
    failed = [o.end for o in run.outcomes if not o.ok and o.end >= start]
    last_error = max(failed) if failed else None
    after = [o.end for o in run.outcomes if o.ok and o.end > done]
    first_ok = min(after) if after else None
    window = errors_between(run, start, last_error if last_error is not None else start)
    summary.figures["restart issued at"] = f"{start:.1f} s"
    summary.figures["pg_ctl restart took"] = f"{done - start:.2f} s"
    summary.figures["time to recover (first success after pg_ctl returned, from the restart)"] = (
        f"{first_ok - start:.2f} s" if first_ok is not None else "never"
    )
    summary.figures["last error after the restart"] = (
        f"{last_error - start:.2f} s after it was issued" if last_error is not None else "none"
    )
    summary.figures["errors in the window"] = (
        ", ".join(f"{k}×{v}" for k, v in sorted(window.items())) or "none"
    )
    summary.figures["errors in the window (count)"] = str(sum(window.values()))
    summary.invariants["served again after the restart"] = first_ok is not None
    summary.invariants["app and worker running at the end"] = s.app.alive() and s.worker.alive()
    summary.invariants["submits acknowledged"] = bool(run.acks)
    summary.invariants["no errors before the restart"] = not errors_between(run, 0, start)
    return summary


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--duration", type=float, default=60, help="seconds of load")
    parser.add_argument("--rate", type=float, default=20, help="requests a second (open loop)")
    parser.add_argument("--seed", type=int, default=1, help="the request mix's random seed")
    parser.add_argument("--mode", choices=["fast", "immediate"], default="fast")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args(sys.argv[1:])
    summary = drill(args.duration, args.rate, args.seed, args.keep, args.mode)
    return 0 if summary.passed else 1


if __name__ == "__main__":
    raise SystemExit(main())
