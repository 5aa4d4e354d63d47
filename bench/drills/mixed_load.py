"""Drill: open-loop mixed load from every role, nothing broken on purpose.

    .venv/bin/python bench/drills/mixed_load.py --duration 600 --rate 20

A throwaway PostgreSQL cluster, ``tongban serve --workers 2`` and ``tongban worker`` on it; the
paced generator (``loadgen.py``) at ``--rate`` requests a second for ``--duration`` seconds.
Prints req/s, p50/p95/p99 by request kind, errors by kind, the generator's CPU and the
lost-writes check (every acknowledged submit in the database exactly once).
"""

from __future__ import annotations

from stack import Summary, arguments, check_writes, load, report, stack


def drill(duration: float, rate: float, seed: int = 1, keep: bool = False) -> Summary:
    with stack(keep) as s:
        run = load(s, rate, duration, [], seed)
        summary = Summary("mixed load", run, check_writes(s.url, run))
        summary.invariants["app and worker still running"] = s.app.alive() and s.worker.alive()
        summary.invariants["every request answered"] = len(run.outcomes) == run.scheduled
        summary.invariants["submits acknowledged"] = bool(run.acks)
        summary.invariants["no errors"] = not summary.errors
    report(summary)
    return summary


def main() -> int:
    args = arguments((__doc__ or "").splitlines()[0])
    return 0 if drill(args.duration, args.rate, args.seed, args.keep).passed else 1


if __name__ == "__main__":
    raise SystemExit(main())
