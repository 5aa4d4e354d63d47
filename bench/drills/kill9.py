"""Drill: ``kill -9`` of one app process and of ``tongban worker`` during load.

    .venv/bin/python bench/drills/kill9.py --duration 60 --rate 20

The mixed load of ``mixed_load.py``; at 40% of ``--duration`` the drill sends SIGKILL to one of
the two app processes of ``tongban serve --workers 2`` (uvicorn's supervisor starts a new one)
and to ``tongban worker`` (the drill starts it again at once, as systemd's ``Restart=always``
would).  Prints the errors in the window (from the kill until the new app process answers, plus
5 s), how long uvicorn took to replace the process, and the lost-writes check.
"""

from __future__ import annotations

import os
import signal

from loadgen import Run
from stack import (
    APP_WORKERS,
    Stack,
    Summary,
    arguments,
    check_writes,
    errors_between,
    load,
    report,
    stack,
    wait_for,
)


def drill(duration: float, rate: float, seed: int = 1, keep: bool = False) -> Summary:
    with stack(keep) as s:
        state: dict[str, object] = {}

        def kill() -> None:
            before = s.app_workers()
            victim = before[0]
            state["victim"], state["before"] = victim, before
            os.kill(victim, signal.SIGKILL)
            old_worker = s.worker.pid
            s.worker.kill9()
            s.restart_worker()
            state["worker"] = (old_worker, s.worker.pid)

            def replaced() -> bool:
                now = s.app_workers()
                return len(now) >= APP_WORKERS and victim not in now

            state["replaced_in"] = wait_for(replaced, 60)
            state["after"] = s.app_workers()

        run = load(s, rate, duration, [(duration * 0.4, "kill -9", kill)], seed)
        summary = _summary(s, run, state)
    report(summary)
    return summary


def _summary(s: Stack, run: Run, state: dict[str, object]) -> Summary:
    summary = Summary("kill -9", run, check_writes(s.url, run))
    start = run.events.get("kill -9", 0.0)
    replaced = state.get("replaced_in")
    window_end = start + (float(replaced) if isinstance(replaced, float) else 60.0) + 5
    window = errors_between(run, start, window_end)
    summary.figures["app process killed"] = f"pid {state.get('victim')} at {start:.1f} s"
    summary.figures["new app process started by uvicorn in"] = (
        f"{replaced:.1f} s" if isinstance(replaced, float) else "NOT replaced within 60 s"
    )
    summary.figures["app processes before / after"] = (
        f"{state.get('before')} / {state.get('after')}"
    )
    summary.figures["tongban worker pid killed / restarted"] = str(state.get("worker"))
    summary.figures[f"errors in the window ({start:.1f}-{window_end:.1f} s)"] = (
        ", ".join(f"{k}×{v}" for k, v in sorted(window.items())) or "none"
    )
    summary.figures["errors in the window (count)"] = str(sum(window.values()))
    summary.invariants["app process replaced"] = isinstance(replaced, float)
    summary.invariants["app and worker running at the end"] = s.app.alive() and s.worker.alive()
    summary.invariants["submits acknowledged"] = bool(run.acks)
    summary.invariants["served after the window"] = window_end >= run.duration or any(
        o.ok and o.due > window_end for o in run.outcomes
    )
    outside = sum(summary.errors.values()) - sum(window.values())
    summary.invariants["no errors outside the window"] = outside == 0
    return summary


def main() -> int:
    args = arguments((__doc__ or "").splitlines()[0])
    return 0 if drill(args.duration, args.rate, args.seed, args.keep).passed else 1


if __name__ == "__main__":
    raise SystemExit(main())
