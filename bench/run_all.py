"""Every benchmark on one full-catalogue database per engine, then one summary table.

    make bench                                   # SQLite only
    TONGBAN_BENCH_POSTGRES_URL=postgresql+psycopg://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python bench/run_all.py        # SQLite and PostgreSQL

On PostgreSQL it then runs ``cases_bench`` too (submit and accept over HTTP with 2 server
processes and 32 clients against a bare FastAPI + psycopg baseline), which prints its own
phases, ratios and summary; without ``TONGBAN_BENCH_POSTGRES_URL`` that part is skipped.

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
import guide_bench
import nearby_bench
import search_bench
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


def _plain(engine: str, what: str, median: float, p99: float, target: float) -> list[str]:
    """A row of a figure with its own table above (medians over its runs; no CPU columns)."""
    return [engine, what, "-", f"{median:.2f}", f"{p99:.2f}", f"{target:.0f}",
            f"{p99 / target:.2f}", "-", "-", "-"]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    search_bench.add_arguments(parser)
    guide_bench.add_arguments(parser)
    cases_bench.add_arguments(parser)
    nearby_bench.add_arguments(parser)
    args = parser.parse_args()
    started = time.perf_counter()
    with CpuMeter() as whole, databases() as dbs:
        searches = search_bench.run_all(dbs, rounds=args.search_rounds, warmup=args.search_warmup)
        guides = guide_bench.run_all(
            dbs, sample=args.guide_sample, rounds=args.guide_rounds, warmup=args.guide_warmup
        )
        nearby = nearby_bench.run_all(dbs, args)
        machine_rows = machine(dbs)
    rows: list[list[str]] = []
    for s, g in zip(searches, guides, strict=True):
        rows += [
            _row(s.engine, "search_items (in-process)", s.search, search_bench.TARGET_MS),
            _row(g.engine, "guide: services + render", g.handler, guide_bench.TARGET_MS),
            _row(g.engine, "guide: TestClient GET", g.request, guide_bench.TARGET_MS),
            _row(g.engine, "search page: TestClient GET", g.search_request, None),
            _row(g.engine, "TestClient GET, empty route", g.floor, None),
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
    if not postgres_url():
        print(f"\n{SKIPPED_POSTGRES}")
    print_table(["machine", ""], [list(r) for r in machine_rows], title="Machine")
    print(f"\ncommand: {command_line()}")
    print(f"whole run: {time.perf_counter() - started:.0f} s; {whole.describe()}")
    if postgres_url():
        print("\n" + "=" * 100 + "\nCases over HTTP (PostgreSQL): bench/cases_bench.py\n")
        cases_bench.run(args)


if __name__ == "__main__":
    main()
