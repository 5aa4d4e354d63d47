"""Every benchmark on one full-catalogue database per engine, then one summary table.

    make bench                                   # SQLite only
    TONGBAN_BENCH_POSTGRES_URL=postgresql+psycopg://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python bench/run_all.py        # SQLite and PostgreSQL

Then ``visits_bench`` on the same databases: call-next at a fixed arrival rate with about 500
tickets waiting at a town centre, beside a bare SELECT ... UPDATE at the same rate, and 50
threads booking 5 slots (requests per second beside a bare insert, and a check that no slot is
overbooked); it prints its own tables, and its call-next rows and booking figures join the
summary.

On PostgreSQL it then runs ``paths_bench`` (submit, accept and the 秒批 decision over HTTP with
2 server processes beside the bare FastAPI + psycopg baseline: CPU per request of the app, of
PostgreSQL and of the load generator, SQL statements per request, and open-loop latency at 25,
50 and 75% of each path's capacity); without ``TONGBAN_BENCH_POSTGRES_URL`` that part is
skipped.  ``--quick`` runs that table alone with short phases, in under 10 minutes.

Last ``federation_bench`` (跨城通办: hand-overs per second between two nodes, end to end to the
partner's acknowledgement, beside window submissions per second on one node in the same run,
and the delay from acceptance here to the case being there, p50/p99), on SQLite databases of its
own; ``--federation-cases 0`` skips it.

Then ``nearby_bench`` (the nearest open centre for an item, open loop, and the 15-minute circle
after a centre change), which prints its own tables first.

The summary gives, per engine, each figure the issue sets a target for, the target and the
ratio figure ÷ target (below 1 is inside the target), with the machine and the command.
Figures only: the run never fails on time.  The box may be shared and noisy, so each row says
how much CPU other processes (the PostgreSQL server among them) used while it was measured.
"""

from __future__ import annotations

import argparse
import time

import cases_bench
import federation_bench
import guide_bench
import nearby_bench
import paths_bench
import search_bench
import visits_bench
from common import (
    SKIPPED_POSTGRES,
    CpuMeter,
    Measured,
    command_line,
    databases,
    machine,
    postgres_url,
    print_table,
)


def _row(engine: str, what: str, measured: Measured, target: float | None) -> list[str]:
    wall, cpu = measured.wall, measured.cpu
    return [
        engine,
        what,
        str(wall.count),
        f"{wall.median:.2f}",
        f"{wall.p99:.2f}",
        "-" if target is None else f"{target:.0f}",
        "-" if target is None else f"{wall.p99 / target:.2f}",
        f"{cpu.median:.2f}",
        f"{cpu.p99:.2f}",
        measured.meter.others_cell(),
    ]


def _visits(v: visits_bench.VisitsResult, baseline: bool = False) -> Measured:
    """Call next (or its bare baseline) at the open-loop rate: each percentile the median over
    the runs, latency from the due time, CPU the calling thread's."""
    return Measured(*visits_bench.summary_figures(v.queue, baseline))


def _booking_row(v: visits_bench.VisitsResult) -> list[str]:
    b = visits_bench.booking_summary(v.booking)
    return [
        v.engine,
        f"{b['rps']:.0f}",
        f"{b['ok_rps']:.0f}",
        f"{b['base_rps']:.0f}",
        f"{b['ratio']:.0%}",
        f"{b['violations']:.0f}",
    ]


def _plain(engine: str, what: str, median: float, p99: float, target: float) -> list[str]:
    """A row of a figure with its own table above (medians over its runs; no CPU columns)."""
    return [engine, what, "-", f"{median:.2f}", f"{p99:.2f}", f"{target:.0f}",
            f"{p99 / target:.2f}", "-", "-", "-"]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    search_bench.add_arguments(parser)
    guide_bench.add_arguments(parser)
    cases_bench.add_arguments(parser)
    visits_bench.add_arguments(parser)
    nearby_bench.add_arguments(parser)
    parser.add_argument(
        "--quick", action="store_true", help="only the path table, 8 s per rate (see paths_bench)"
    )
    parser.add_argument("--path-seconds", type=float, default=60.0, help="per rate, path table")
    parser.add_argument(
        "--federation-cases",
        type=int,
        default=200,
        help="hand-overs for federation_bench (0: skip)",
    )
    args = parser.parse_args()
    if args.quick:
        quick()
        return
    started = time.perf_counter()
    with CpuMeter() as whole, databases() as dbs:
        searches = search_bench.run_all(dbs, rounds=args.search_rounds, warmup=args.search_warmup)
        guides = guide_bench.run_all(
            dbs, sample=args.guide_sample, rounds=args.guide_rounds, warmup=args.guide_warmup
        )
        visits = visits_bench.run_all(dbs, args)
        nearby = nearby_bench.run_all(dbs, args)
        machine_rows = machine(dbs)
    rows: list[list[str]] = []
    for s, g, v in zip(searches, guides, visits, strict=True):
        # The issue sets the call-next target for PostgreSQL; SQLite's row is for comparison.
        call_target = visits_bench.TARGET_P99_MS if v.engine == "PostgreSQL" else None
        rate, waiting = f"{v.queue.rate:.0f}/s", args.visits_waiting
        rows += [
            _row(s.engine, "search_items (in-process)", s.search, search_bench.TARGET_MS),
            _row(g.engine, "guide: services + render", g.handler, guide_bench.TARGET_MS),
            _row(g.engine, "guide: TestClient GET", g.request, guide_bench.TARGET_MS),
            _row(g.engine, "search page: TestClient GET", g.search_request, None),
            _row(g.engine, "TestClient GET, empty route", g.floor, None),
            _row(v.engine, f"call next, {waiting} waiting, {rate}", _visits(v), call_target),
            _row(v.engine, f"bare SELECT…UPDATE, {rate}", _visits(v, baseline=True), None),
        ]
    for n in nearby:
        rows += [
            _plain(n.engine, "nearest open centre (open loop)", n.nearest_median, n.nearest_p99,
                   nearby_bench.NEAREST_TARGET_MS),
            _plain(n.engine, "15-minute circle after a change", n.circle_ms, n.circle_ms,
                   nearby_bench.CIRCLE_TARGET_MS),
        ]  # fmt: skip
    print("\n" + "=" * 100)
    print_table(
        ["engine", "figure", "n", "median ms", "p99 ms", "target p99 ms", "p99 ÷ target",
         "CPU median", "CPU p99", "others' CPU"],
        rows,
        title="Summary (milliseconds; p99 ÷ target below 1 is inside the target)",
    )  # fmt: skip
    print(
        "CPU median / p99: this process's CPU time per call, all its threads: no waiting for a"
        "\n  CPU, no PostgreSQL server work.  others' CPU: share of all CPUs the other processes"
        "\n  (PostgreSQL server included) used while the row was measured."
    )
    print_table(
        ["engine", "book req/s", "bookings done/s", "baseline req/s", "÷ baseline", "VIOLATIONS"],
        [_booking_row(v) for v in visits],
        title=f"Booking under contention ({args.visits_clients} threads, {args.visits_slots} "
        "slots; medians over runs)",
    )
    if not postgres_url():
        print(f"\n{SKIPPED_POSTGRES}")
    print_table(["machine", ""], [list(r) for r in machine_rows], title="Machine")
    print(f"\ncommand: {command_line()}")
    print(f"whole run: {time.perf_counter() - started:.0f} s; {whole.describe()}")
    if postgres_url():
        print("\n" + "=" * 100 + "\nThe path table (PostgreSQL): bench/paths_bench.py\n")
        paths_bench.run(args.path_seconds)
    if args.federation_cases > 0:
        print("\n" + "=" * 100 + "\n跨城通办 hand-over: bench/federation_bench.py\n")
        federation_bench.run(args.federation_cases)


def quick() -> None:
    """``--quick``: the path table alone, short phases (under 10 minutes)."""
    started = time.perf_counter()
    paths_bench.run(8.0, quick=True)
    print(f"run_all --quick: {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
