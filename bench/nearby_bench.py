"""The nearest open centre for an item, and the 15-minute circle, on the full demo, per engine.

    .venv/bin/python bench/nearby_bench.py [--nearby-rate 50] [--nearby-runs 5]
    TONGBAN_BENCH_POSTGRES_URL=postgresql+psycopg://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python bench/nearby_bench.py [--nearby-http]

The database is the full demo (``common.databases``): 300 centres, 2,155 items, the 13,219-cell
population grid and the gazetteer.

**Nearest open centre** (target: p99 under 5 ms over 300 centres).  Open loop: calls are
scheduled at a fixed rate (``--nearby-rate``, 50 a second, below what one thread can serve of
each series, the baseline's 7 ms of CPU a call included), and
each is timed from its *scheduled* start, so a call that runs long delays the next ones and
that wait is counted (no coordinated omission).  Each call is what the route does without
HTTP: a read-only unit of work and ``nearest_open.nearest_open_centre`` for one of 200 places
of the gazetteer (every fifth by its address, the others by coordinates), cycling through a
high-frequency item, a town-only item and "any item".  In the same run, at the same rate and
over the same places: the baseline, ``queries.nearest_centres`` (the nearest centres with no
item and no opening hours, which reads the centres table on every call), and the floor, one
``SELECT`` of the network's version in a unit of work.  Each run measures the three
interleaved, ``--nearby-runs`` times; the table gives every run and the medians.
``--nearby-http`` adds the same three over HTTP against ``tongban serve`` (one worker), the
client an asyncio loop on the same machine.

**The 15-minute circle for all 7 towns** (target: under 2 s, cached, recomputed when a centre
changes).  Per run: a community centre is moved 100 m and written back through
``upsert_centres`` (the network's version moves), then timed: the first read (snapshot of
centres, grid and gazetteer rebuilt, then the circle of the centres handling a community item),
a second item at other levels (circle only), and 200 cached reads.  Beside it, the baseline:
the same circle measured cell by cell to every centre, without the bucket index.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from cases_bench import Server, _free_port
from common import (
    BENCH_START,
    SYSTEM,
    BenchDatabase,
    CpuMeter,
    Figures,
    app_env,
    command_line,
    databases,
    machine,
    print_table,
)

from tongban.domain.catalogue.model import Level
from tongban.domain.network.circle import is_covered
from tongban.domain.network.geo import haversine_km, walking_minutes_exact
from tongban.services.catalogue import handling as catalogue
from tongban.services.nearby import circle, nearest_open
from tongban.services.network import queries, snapshot
from tongban.services.network import structure as network
from tongban.services.network.state import network_version

NEAREST_TARGET_MS = 5.0
CIRCLE_TARGET_MS = 2000.0
PLACES = 200


@dataclass(frozen=True)
class Query:
    item: str | None
    address: str
    lat: float | None
    lon: float | None


def sample_queries(db: BenchDatabase) -> list[Query]:
    """200 places spread over the gazetteer; items cycling community, town-only, any."""
    with db.container.read() as uow:
        network_ = snapshot.snapshot(uow.conn)
        community = catalogue.names_handled_at(uow.conn, Level.COMMUNITY)[0][0]
        every = {c for c, _ in catalogue.names_handled_at(uow.conn, Level.TOWN)}
        town_only = sorted(
            every - {c for c, _ in catalogue.names_handled_at(uow.conn, Level.COMMUNITY)}
        )[0]
    places = network_.gazetteer.places
    step = max(1, len(places) // PLACES)
    items = (community, town_only, None)
    found: list[Query] = []
    for n, place in enumerate(places[::step][:PLACES]):
        lat, lon = place.point()
        if n % 5 == 0:
            found.append(Query(items[n % 3], place.town + place.name, None, None))
        else:
            found.append(Query(items[n % 3], "", lat, lon))
    return found


# --------------------------------------------------------------------------- open loop


@dataclass
class OpenLoop:
    """Latencies from each call's scheduled start, and how far behind the schedule it ran."""

    name: str
    latencies: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    late: int = 0
    """Calls that started later than 1 ms after their scheduled time."""
    meter: CpuMeter = field(default_factory=CpuMeter)

    def figures(self) -> Figures:
        return Figures.of(self.latencies)


def open_loop(name: str, call: Callable[[int], object], *, rate: float, calls: int) -> OpenLoop:
    """``calls`` calls of ``call(i)`` scheduled ``1/rate`` apart, in this thread."""
    result = OpenLoop(name)
    interval = 1 / rate
    with result.meter:
        start = time.perf_counter() + 0.01
        for i in range(calls):
            due = start + i * interval
            while (now := time.perf_counter()) < due:
                if due - now > 0.002:
                    time.sleep(due - now - 0.001)
            if now - due > 0.001:
                result.late += 1
            cpu = time.process_time()
            call(i)
            result.cpu.append(time.process_time() - cpu)
            result.latencies.append(time.perf_counter() - due)
    return result


def in_process_calls(
    db: BenchDatabase, sample: Sequence[Query]
) -> dict[str, Callable[[int], object]]:
    container = db.container

    def nearest_open_centre(i: int) -> object:
        q = sample[i % len(sample)]
        with container.read() as uow:
            return nearest_open.nearest_open_centre(
                uow.conn, at=BENCH_START, item=q.item, address=q.address, lat=q.lat, lon=q.lon
            )

    points = []
    with container.read() as uow:
        gazetteer = snapshot.snapshot(uow.conn).gazetteer
    for q in sample:
        if q.lat is None or q.lon is None:
            found = gazetteer.locate(q.address)
            points.append((found.latitude, found.longitude))
        else:
            points.append((q.lat, q.lon))

    def baseline(i: int) -> object:
        lat, lon = points[i % len(points)]
        with container.read() as uow:
            return queries.nearest_centres(uow.conn, lat, lon, limit=5)

    def floor(_i: int) -> object:
        with container.read() as uow:
            return network_version(uow.conn)

    return {"nearest open centre": nearest_open_centre, "baseline: nearest_centres": baseline,
            "floor: one SELECT": floor}  # fmt: skip


def _warm(calls: dict[str, Callable[[int], object]], n: int = 200) -> None:
    for call in calls.values():
        for i in range(n):
            call(i)


def run_nearest(db: BenchDatabase, *, rate: float, calls: int, runs: int) -> list[list[OpenLoop]]:
    sample = sample_queries(db)
    measured = in_process_calls(db, sample)
    _warm(measured)
    return [
        [open_loop(name, call, rate=rate, calls=calls) for name, call in measured.items()]
        for _ in range(runs)
    ]


# --------------------------------------------------------------------------- over HTTP


async def _http_open_loop(url: str, paths: Sequence[str], *, rate: float, calls: int) -> OpenLoop:
    result = OpenLoop(paths[0].split("?")[0])
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=30) as client:
        for path in paths[:50]:  # warm the connections and the server's caches
            await client.get(path)

        async def one(i: int, due: float) -> None:
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            response = await client.get(paths[i % len(paths)])
            if response.status_code != 200:
                raise RuntimeError(f"{paths[i % len(paths)]}: {response.status_code}")
            result.latencies.append(time.perf_counter() - due)

        with result.meter:
            start = time.perf_counter() + 0.05
            await asyncio.gather(*(one(i, start + i / rate) for i in range(calls)))
    return result


def run_http(db: BenchDatabase, *, rate: float, calls: int, runs: int) -> list[list[OpenLoop]]:
    sample = sample_queries(db)
    url = db.container.settings.database_url
    with tempfile.TemporaryDirectory(prefix="tongban-bench-nearby-") as tmp:
        port = _free_port()
        tongban_cli = str(Path(sys.executable).parent / "tongban")
        server = Server(
            "tongban serve",
            [tongban_cli, "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "1"],
            app_env(url, tmp),
            Path(tmp) / "app.log",
        )
        server.start(port, "/healthz", wait=120)
        try:
            open_paths = []
            for q in sample:
                params: dict[str, Any] = {"item": q.item} if q.item else {}
                params |= {"address": q.address} if q.address else {"lat": q.lat, "lon": q.lon}
                open_paths.append("/api/v1/centres/nearest-open?" + str(httpx.QueryParams(params)))
            base_paths = [
                f"/api/v1/centres/nearest?lat={q.lat}&lon={q.lon}"
                for q in sample
                if q.lat is not None
            ]
            rounds = []
            for _ in range(runs):
                rounds.append([
                    asyncio.run(_http_open_loop(server.url, p, rate=rate, calls=calls))
                    for p in (open_paths, base_paths, ["/healthz"])
                ])  # fmt: skip
        finally:
            server.stop()
    return rounds


# --------------------------------------------------------------------------- the circle


@dataclass(frozen=True)
class CircleRun:
    after_change_ms: float
    second_item_ms: float
    cached: Figures
    naive_ms: float | None
    share: float


def _move(db: BenchDatabase, run: int) -> None:
    """Move one community centre 100 m north and back in turn: a real change every run."""
    with db.container.uow() as uow:
        centre = queries.centre(uow.conn, "C-DZ-003")
        step = 0.0009 if run % 2 == 0 else -0.0009
        moved = centre.model_copy(update={"latitude": round(centre.latitude + step, 6)})
        network.upsert_centres(uow, SYSTEM, [moved])


def naive_circle(db: BenchDatabase, levels: frozenset[Level]) -> tuple[float, float]:
    """Seconds to measure every cell to every centre; and the district's covered share."""
    with db.container.read() as uow:
        network_ = snapshot.snapshot(uow.conn)
    started = time.perf_counter()
    points = [(c.latitude, c.longitude) for c in network_.centres if c.level in levels]
    covered = total = 0
    for cell in network_.cells:
        nearest = min(haversine_km(cell.latitude, cell.longitude, lat, lon) for lat, lon in points)
        total += cell.population
        if is_covered(walking_minutes_exact(nearest)):
            covered += cell.population
    return time.perf_counter() - started, covered / total


def run_circle(db: BenchDatabase, *, runs: int, naive: bool) -> list[CircleRun]:
    with db.container.read() as uow:
        community = catalogue.names_handled_at(uow.conn, Level.COMMUNITY)[0][0]
    results = []
    for run in range(runs):
        _move(db, run)
        with db.container.read() as uow:
            started = time.perf_counter()
            _scope, first = circle.service_circle(uow.conn, community)
            after_change = time.perf_counter() - started
            started = time.perf_counter()
            circle.circle(uow.conn, frozenset({Level.TOWN}))
            second = time.perf_counter() - started
            cached = []
            for _ in range(200):
                started = time.perf_counter()
                circle.service_circle(uow.conn, community)
                cached.append(time.perf_counter() - started)
        naive_ms = None
        if naive:
            seconds, share = naive_circle(db, first.levels)
            assert abs(share - first.district.share) < 1e-9, "the index and the naive way disagree"
            naive_ms = seconds * 1000
        results.append(
            CircleRun(after_change * 1000, second * 1000, Figures.of(cached), naive_ms,
                      first.district.share)
        )  # fmt: skip
    return results


# --------------------------------------------------------------------------- printing


def _ms(value: float) -> str:
    return f"{value:.2f}"


def print_nearest(engine: str, rounds: list[list[OpenLoop]], rate: float, how: str) -> None:
    rows = []
    for n, measured in enumerate(rounds, start=1):
        for loop in measured:
            f = loop.figures()
            cpu = statistics.median(loop.cpu) * 1000 if loop.cpu else None
            rows.append([
                str(n), loop.name, str(f.count), _ms(f.median), _ms(f.p95), _ms(f.p99), _ms(f.max),
                "-" if cpu is None else _ms(cpu), str(loop.late), loop.meter.others_cell(),
            ])  # fmt: skip
    print_table(
        ["run", "series", "n", "median ms", "p95 ms", "p99 ms", "max ms", "CPU median ms",
         "late starts", "others' CPU"],
        rows,
        title=f"{engine}: nearest open centre, {how}, open loop at {rate:.0f}/s",
    )  # fmt: skip
    names = [loop.name for loop in rounds[0]]
    medians = []
    for i, name in enumerate(names):
        p99s = [r[i].figures().p99 for r in rounds]
        meds = [r[i].figures().median for r in rounds]
        target = f"{statistics.median(p99s) / NEAREST_TARGET_MS:.2f}" if i == 0 else "-"
        medians.append([name, _ms(statistics.median(meds)), _ms(statistics.median(p99s)), target])
    print_table(
        ["series", "median of medians ms", "median of p99s ms", "p99 ÷ 5 ms"],
        medians,
        title=f"{engine}: medians over {len(rounds)} runs ({how})",
    )


def print_circle(engine: str, runs: list[CircleRun]) -> None:
    rows = [
        [str(n), _ms(r.after_change_ms), _ms(r.second_item_ms), _ms(r.cached.median),
         _ms(r.cached.p99), "-" if r.naive_ms is None else f"{r.naive_ms:.0f}",
         f"{r.share * 100:.2f}%"]
        for n, r in enumerate(runs, start=1)
    ]  # fmt: skip
    rows.append([
        "median", _ms(statistics.median(r.after_change_ms for r in runs)),
        _ms(statistics.median(r.second_item_ms for r in runs)),
        _ms(statistics.median(r.cached.median for r in runs)),
        _ms(statistics.median(r.cached.p99 for r in runs)),
        "-" if runs[0].naive_ms is None
        else f"{statistics.median(r.naive_ms or 0 for r in runs):.0f}",
        "",
    ])  # fmt: skip
    print_table(
        ["run", "after a centre change ms", "second item ms", "cached median ms",
         "cached p99 ms", "baseline: naive ms", "district share"],
        rows,
        title=f"{engine}: the 15-minute circle, 7 towns (target {CIRCLE_TARGET_MS:.0f} ms)",
    )  # fmt: skip


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--nearby-rate", type=float, default=50, help="calls a second")
    parser.add_argument("--nearby-calls", type=int, default=600, help="calls a series")
    parser.add_argument("--nearby-runs", type=int, default=5, help="runs of each figure")
    parser.add_argument("--nearby-http", action="store_true", help="also over HTTP")


@dataclass(frozen=True)
class NearbyFigures:
    engine: str
    nearest: list[list[OpenLoop]]
    circle: list[CircleRun]

    @property
    def nearest_p99(self) -> float:
        """The median over the runs of the nearest open centre's p99, in ms."""
        return statistics.median(r[0].figures().p99 for r in self.nearest)

    @property
    def nearest_median(self) -> float:
        return statistics.median(r[0].figures().median for r in self.nearest)

    @property
    def circle_ms(self) -> float:
        """The median over the runs of the first read after a centre change, in ms."""
        return statistics.median(r.after_change_ms for r in self.circle)


def run_all(dbs: Sequence[BenchDatabase], args: argparse.Namespace) -> list[NearbyFigures]:
    results = []
    for db in dbs:
        load = " ".join(f"{v:.2f}" for v in os.getloadavg())
        print(f"\n{db.label}: load average before {load}", flush=True)
        rounds = run_nearest(
            db, rate=args.nearby_rate, calls=args.nearby_calls, runs=args.nearby_runs
        )
        print_nearest(db.label, rounds, args.nearby_rate, "in process")
        if args.nearby_http:
            http = run_http(
                db, rate=args.nearby_rate / 2, calls=args.nearby_calls // 2, runs=args.nearby_runs
            )
            print_nearest(db.label, http, args.nearby_rate / 2, "over HTTP")
        runs = run_circle(db, runs=args.nearby_runs, naive=db is dbs[0])
        print_circle(db.label, runs)
        load = " ".join(f"{v:.2f}" for v in os.getloadavg())
        print(f"{db.label}: load average after {load}", flush=True)
        results.append(NearbyFigures(db.label, rounds, runs))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    add_arguments(parser)
    args = parser.parse_args()
    started = time.perf_counter()
    with CpuMeter() as whole, databases() as dbs:
        run_all(dbs, args)
        machine_rows = machine(dbs)
    print_table(["machine", ""], [list(r) for r in machine_rows], title="Machine")
    print(f"\ncommand: {command_line()}")
    print(f"whole run: {time.perf_counter() - started:.0f} s; {whole.describe()}")


if __name__ == "__main__":
    main()
