"""The path table: CPU per request beside the bare baseline, and open-loop latency, on PostgreSQL.

    TONGBAN_BENCH_POSTGRES_URL=postgresql+psycopg://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python bench/paths_bench.py [--quick]

Paths: case submit (``POST /api/v1/cases``), accept (``POST /api/v1/cases/{n}/accept``) and the
秒批 decision (``POST /api/v1/smart/MZJ-0004/apply``), each served by ``tongban serve`` with 2
worker processes, and the bare baseline (``cases_baseline_app.py``: FastAPI + psycopg, two
inserts, 2 workers) in the same run.  Per path:

1. SQL statements per request: one request through the app in this process (the principal's
   session read and the idempotency key included), counted with a ``before_cursor_execute``
   listener.
2. CPU per request at a low open-loop rate: the app's processes, the PostgreSQL backends of the
   bench databases (``/proc/<pid>/stat`` of the pids in ``pg_stat_activity``, sampled every
   0.2 s: a backend that ends during a phase counts up to its last sample, and the PG column
   then says how many ended and at most how much of their CPU per request was not counted,
   ``open_loop.Backends``), the generator (this process, less the sampler's CPU), and the rest
   of the machine ("others").  The path's CPU capacity is
   cores × 1000 ÷ (app + PostgreSQL + generator CPU ms per request): the generator runs on the
   same cores, so what it uses is not there for the path (its CPU is printed apart and never
   counted as the app's).  That estimate is too high at load,
   so the path is then saturated (offered three times it for a quarter of a phase, 4–15 s):
   the capacity the phases are set from is the lower of what it served per second and
   cores × 1000 ÷ its CPU per request there (``_capacity_at_load``).
3. Open-loop latency at 25%, 50% and 75% of that capacity (60 s each, ``--quick`` 8 s), each
   phase's app + PostgreSQL + generator CPU as a share of all cores beside it (the load it
   really was), p50, p95 and p99 from each request's due time, and the baseline at the same
   rates beside it; the baseline is also driven by Debian's ``h2load --h1 --rps`` at the same
   rates, its own CPU recorded, as a check of this generator.

A phase counts only when the other processes of the machine used under 20% of all CPUs while
it ran: the table says which did not.  Figures only: nothing passes or fails on time.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cases_baseline_app as baseline
import cases_bench
import smart_bench
from common import (
    SKIPPED_POSTGRES,
    _drop_postgres,
    _fresh_postgres,
    app_env,
    command_line,
    postgres_url,
    print_table,
)
from fastapi.testclient import TestClient
from open_loop import Backends, Result, group_cpu, http_request, machine_busy, run_open_loop
from procfs import processes
from sqlalchemy import event
from sqlalchemy.engine import make_url

from tongban.adapters.db.async_reader import libpq_dsn
from tongban.web.deps import CSRF_HEADER, SESSION_COOKIE
from tongban.web.idempotency import HEADER as IDEMPOTENCY_HEADER

CORES = os.cpu_count() or 1
FRACTIONS = (0.25, 0.5, 0.75)
SATURATE = 3.0
"""The capacity at load is measured offering this many times the low-rate estimate."""
OTHERS_LIMIT = 20.0
"""A phase counts only when the rest of the machine used less than this % of all CPUs."""
CASES_DB, SMART_DB = "tongban_bench_paths_cases", "tongban_bench_paths_smart"
POOL = 8
"""Database connections per server process (app: ``TONGBAN_DB_POOL_SIZE`` plus its overflow of
4; baseline: the same 7), so that the bench leaves a shared server's connection slots to
others: 2 × 12 per server, 3 servers, opened as they are needed.  It also bounds the requests
an app process runs at once (its thread limiter is the pool size): with 3, submit served 213/s
saturated against 280/s with 8, its CPU not the limit (``--pool``)."""
PATHS = {"submit": "submit", "accept": "accept", "smart": "秒批 decision"}
"""The paths by their ``--paths`` names."""
BASE_BODY = {"item_code": cases_bench.ITEM, "form": {"x": 1}, "materials": []}


@dataclass
class Measured:
    """One open-loop phase with the CPU every party used meanwhile, per request."""

    label: str
    result: Result
    app_ms: float
    pg_ms: float
    generator_ms: float
    others_pct: float
    split: str = ""
    """The app's CPU in the phase by process, % of its total, busiest first (a worker that
    started or ended meanwhile is marked +/-): an uneven split means the connections, which
    stay with the worker that accepted them, were not shared evenly."""
    pg_ended: int = 0
    """The bench databases' backends that ended during the phase (counted to their last
    sample)."""
    pg_missed_ms: float = 0.0
    """At most this much of their CPU per request was not counted (``Backends.missed_at_most``)."""

    @property
    def pg(self) -> str:
        """The PostgreSQL CPU per request, and when backends ended, the bound of what was lost."""
        if not self.pg_ended:
            return f"{self.pg_ms:.1f}"
        return f"{self.pg_ms:.1f} (+≤{self.pg_missed_ms:.2f}, {self.pg_ended} ended)"

    @property
    def counts(self) -> bool:
        return self.others_pct < OTHERS_LIMIT

    @property
    def ok(self) -> int:
        return sum(v for k, v in self.result.statuses.items() if 200 <= k < 300)


@dataclass
class Path_:
    """A path under test: its server, its requests, its statements per request."""

    name: str
    url: str
    group: int
    make: Callable[[int], list[bytes]]
    statements: int | None = None


def measure(
    label: str, url: str, group: int, requests: list[bytes], rate: float, backends: Backends,
    others_groups: dict[str, int], keep: bool = False,
) -> Measured:  # fmt: skip
    groups = {"app": group, **others_groups}
    cpu0, pg0, busy0 = group_cpu(groups), backends.snapshot(), machine_busy()
    each0 = _by_process(group)
    result = run_open_loop(url, requests, rate, keep_bodies=keep)
    cpu1, pg1, busy1 = group_cpu(groups), backends.snapshot(), machine_busy()
    each1 = _by_process(group)
    n = max(1, len(result.latencies))
    app = cpu1["app"] - cpu0["app"]
    pg = Backends.used(pg0, pg1)
    # The backends' sampler runs in this process: its CPU is the meter's, not the generator's.
    result.generator_cpu = max(0.0, result.generator_cpu - Backends.sampler_used(pg0, pg1))
    # This process (generator and sampler) is in the "generator" group: counted once, there.
    ours = sum(cpu1[k] - cpu0[k] for k in groups) + pg
    if "generator" not in groups:
        ours += result.generator_cpu
    total, busy = busy1[0] - busy0[0], busy1[1] - busy0[1]
    others = max(0.0, 100 * (busy - ours) / total) if total > 0 else float("nan")
    return Measured(label, result, 1000 * app / n, 1000 * pg / n, 1000 * result.generator_cpu / n,
                    others, _split(each0, each1), Backends.ended(pg0, pg1),
                    1000 * Backends.missed_at_most(pg0, pg1) / n)  # fmt: skip


def _by_process(group: int) -> dict[int, float]:
    """CPU seconds so far of each process of ``group`` except its leader (the supervisor)."""
    return {p.pid: p.cpu_seconds for p in processes() if p.pgid == group and p.pid != group}


def _split(before: dict[int, float], after: dict[int, float]) -> str:
    used = {pid: cpu - before.get(pid, 0.0) for pid, cpu in after.items()}
    total = sum(used.values())
    if total <= 0:
        return "-"
    marks = {pid: "+" for pid in after if pid not in before}
    cells = [f"{100 * cpu / total:.0f}{marks.get(pid, '')}"
             for pid, cpu in sorted(used.items(), key=lambda kv: -kv[1])]  # fmt: skip
    cells += ["-" for pid in before if pid not in after]
    return "/".join(cells)


def h2load(url: str, rate: float, seconds: float, tmp: Path) -> tuple[list[float], float, int]:
    """The baseline driven by h2load at ``rate``: (latencies s, its CPU ms/request, requests)."""
    body = tmp / "baseline.json"
    body.write_text(json.dumps(BASE_BODY))
    log = tmp / "h2load.log"
    log.unlink(missing_ok=True)  # h2load appends to its log
    clients = max(1, min(32, round(rate / 5)))
    argv = ["h2load", "--h1", "-c", str(clients), "--rps", f"{rate / clients:.3f}",
            "-D", f"{seconds:.0f}", "-d", str(body), "-H", "Content-Type: application/json",
            "--log-file", str(log), f"{url}/cases"]  # fmt: skip
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(argv, check=True, capture_output=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    latencies = []
    for line in log.read_text().splitlines():
        parts = line.split("\t")
        if len(parts) >= 3 and parts[1].isdigit() and 200 <= int(parts[1]) < 300:
            latencies.append(int(parts[2]) / 1e6)
    return latencies, 1000 * cpu / max(1, len(latencies)), len(latencies)


def _pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


def count_statements(app: Any, engine: Any, send: Callable[[TestClient], Any]) -> int:
    """Statements one request sends through the app in this process (the third of three)."""
    client = TestClient(app)
    send(client)
    send(client)
    seen: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK")):
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        answer = send(client)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert answer.status_code < 300, answer.text
    return len(seen)


@contextlib.contextmanager
def database(server_url: str, name: str) -> Iterator[str]:
    url = _fresh_postgres(server_url, name)
    try:
        yield url
    finally:
        _drop_postgres(server_url, name)


def serve(label: str, url: str, tmp: Path, port: int, extra: dict[str, str]) -> cases_bench.Server:
    tongban_cli = str(Path(sys.executable).parent / "tongban")
    server = cases_bench.Server(
        label,
        [tongban_cli, "serve", "--host", "127.0.0.1", "--port", str(port), "--workers",
         str(cases_bench.WORKERS)],
        app_env(url, str(tmp), **extra),
        tmp / f"{label}.log",
    )  # fmt: skip
    server.start(port, "/healthz", wait=300)
    return server


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="8 s per rate instead of 60 s")
    parser.add_argument("--seconds", type=float, default=None, help="per rate (default 60)")
    parser.add_argument(
        "--pool", type=int, default=POOL, help=f"connections per process (default {POOL})"
    )
    parser.add_argument(
        "--paths", default=",".join(PATHS), help=f"which paths, comma-separated ({','.join(PATHS)})"
    )
    parser.add_argument("--no-h2load", action="store_true", help="skip the h2load check rows")
    args = parser.parse_args()
    only = {PATHS[key] for key in args.paths.split(",") if key}
    run(args.seconds or (8.0 if args.quick else 60.0), quick=args.quick, pool=args.pool,
        only=only, h2load=not args.no_h2load)  # fmt: skip


def run(
    seconds: float,
    *,
    quick: bool = False,
    pool: int = POOL,
    only: set[str] | None = None,
    h2load: bool = True,
) -> None:
    server_url = postgres_url()
    if not server_url:
        print(f"paths bench: {SKIPPED_POSTGRES}")
        return
    has_h2load = h2load and shutil.which("h2load") is not None
    started = time.perf_counter()
    load_before = " ".join(f"{v:.2f}" for v in os.getloadavg())
    admin = libpq_dsn(make_url(server_url))
    with (
        tempfile.TemporaryDirectory(prefix="tongban-bench-paths-") as tmp_name,
        database(server_url, CASES_DB) as cases_url,
        database(server_url, SMART_DB) as smart_url,
    ):
        tmp = Path(tmp_name)
        (tmp / "cases").mkdir()
        (tmp / "smart").mkdir()
        cases_world = cases_bench.build_world(cases_url, tmp / "cases")
        smart_world = smart_bench.build_world(smart_url, tmp / "smart")
        libpq = libpq_dsn(make_url(cases_url))
        baseline.create_tables(libpq)
        print(f"set up in {time.perf_counter() - started:.0f} s", flush=True)
        backends = Backends(admin, [CASES_DB, SMART_DB])
        servers: list[cases_bench.Server] = []
        try:
            app_port, smart_port, base_port = (cases_bench._free_port() for _ in range(3))
            env = {
                baseline.DSN_ENV: libpq,
                baseline.POOL_ENV: str(pool + 4),
                "TONGBAN_DB_POOL_SIZE": str(pool),
            }
            servers.append(serve("tongban-cases", cases_url, tmp / "cases", app_port, env))
            servers.append(serve("tongban-smart", smart_url, tmp / "smart", smart_port, env))
            base = cases_bench.Server(
                "baseline",
                [sys.executable, "-m", "uvicorn", "cases_baseline_app:app", "--app-dir",
                 str(cases_bench.BENCH_DIR), "--host", "127.0.0.1", "--port", str(base_port),
                 "--workers", str(cases_bench.WORKERS), "--log-level", "warning"],
                app_env(cases_url, str(tmp / "cases"), **env),
                tmp / "baseline.log",
            )  # fmt: skip
            base.start(base_port, "/docs", wait=300)
            servers.append(base)
            rows, cpu_rows = _run_paths(
                servers, cases_world, smart_world, backends, seconds, tmp, has_h2load, only
            )
        finally:
            for server in servers:
                server.stop()
            backends.close()
        cases_world.container.engine.dispose()
        smart_world.container.engine.dispose()
    print_table(
        ["path", "SQL stmts/req", "app CPU ms/req", "PG CPU ms/req", "generator CPU ms/req",
         "capacity at low rate req/s", "saturated: served/s", "app CPU ms/req there",
         "PG CPU ms/req there", "capacity req/s (phases)", "others' CPU", "counts"],
        cpu_rows,
        title=f"CPU per request (open loop at a low rate, then at load; {CORES} cores)",
    )  # fmt: skip
    print_table(
        ["path", "load", "rate/s", "n", "ok", "other statuses", "p50 ms", "p95 ms", "p99 ms",
         "app CPU ms/req", "PG CPU ms/req", "gen CPU ms/req", "app+PG+gen CPU of cores",
         "app CPU by worker %", "late", "others' CPU", "counts"],
        rows,
        title=f"Open-loop latency, {seconds:.0f} s per rate (from each request's due time)",
    )  # fmt: skip
    load_after = " ".join(f"{v:.2f}" for v in os.getloadavg())
    print(f"\nload average before: {load_before}; after: {load_after}")
    print(f"pool: {pool} connections per process, the requests an app process runs at once")
    print(f"command: {command_line()}; whole run {time.perf_counter() - started:.0f} s")
    if quick:
        print("--quick: short phases; the figures show the harness works, not the targets")


def _run_paths(
    servers: list[cases_bench.Server],
    cases_world: cases_bench.World,
    smart_world: smart_bench.World,
    backends: Backends,
    seconds: float,
    tmp: Path,
    has_h2load: bool,
    only: set[str] | None = None,
) -> tuple[list[list[str]], list[list[str]]]:
    app, smart, base = servers
    host = app.url.removeprefix("http://")
    citizens, clerks = cases_world.citizens, cases_world.clerks

    def submit(n: int) -> list[bytes]:
        out = []
        for i in range(n):
            token, csrf = citizens[i % len(citizens)]
            headers = {CSRF_HEADER: csrf, IDEMPOTENCY_HEADER: str(uuid.uuid4())}
            out.append(http_request(host, "POST", "/api/v1/cases", cases_bench._body(i, "p"),
                                    headers, {SESSION_COOKIE: token}))  # fmt: skip
        return out

    submitted: list[str] = []

    def accept(n: int) -> list[bytes]:
        while len(submitted) < n:  # cases to accept, filed at a moderate rate first
            made = run_open_loop(app.url, submit(n - len(submitted)), 40.0, keep_bodies=True)
            submitted.extend(json.loads(b)["number"] for b in made.bodies if b.startswith(b"{"))
        out = []
        for i in range(n):
            token, csrf = clerks[i % len(clerks)]
            headers = {CSRF_HEADER: csrf, IDEMPOTENCY_HEADER: str(uuid.uuid4())}
            out.append(http_request(host, "POST", f"/api/v1/cases/{submitted.pop()}/accept",
                                    {"version": 1}, headers, {SESSION_COOKIE: token}))  # fmt: skip
        return out

    smart_host = smart.url.removeprefix("http://")
    elders = smart_world.citizens

    def decide(n: int) -> list[bytes]:
        out = []
        for i in range(n):
            token, csrf = elders[i % len(elders)]
            headers = {CSRF_HEADER: csrf, IDEMPOTENCY_HEADER: str(uuid.uuid4())}
            target = f"/api/v1/smart/{smart_bench.ITEM}/apply"
            cookies = {SESSION_COOKIE: token}
            out.append(
                http_request(smart_host, "POST", target, smart_bench._body(), headers, cookies)
            )
        return out

    base_host = base.url.removeprefix("http://")

    def bare(n: int) -> list[bytes]:
        return [http_request(base_host, "POST", "/cases", BASE_BODY) for _ in range(n)]

    paths = [
        Path_("baseline", base.url, base.group or 0, bare, 2),
        Path_("submit", app.url, app.group or 0, submit),
        Path_("accept", app.url, app.group or 0, accept),
        Path_("秒批 decision", smart.url, smart.group or 0, decide),
    ]
    _count_statements(paths, cases_world, smart_world)
    others = {"generator": os.getpgrp(), **{s.label: s.group or 0 for s in servers}}
    calibrate = min(15.0, max(4.0, seconds / 4))
    cpu_rows, rows = [], []
    base_path = paths[0]
    for path in paths:
        if only is not None and path is not base_path and path.name not in only:
            continue
        probe_rate = 10.0
        run_open_loop(path.url, path.make(int(probe_rate * 2)), probe_rate)  # warm-up
        m = measure(path.name, path.url, path.group, path.make(int(probe_rate * 6)), probe_rate,
                    backends, {k: v for k, v in others.items() if v != path.group})  # fmt: skip
        per = m.app_ms + m.pg_ms + m.generator_ms
        capacity = CORES * 1000 / per if per > 0 else float("nan")
        print(f"  {path.name}: {per:.1f} ms CPU/request, capacity {capacity:.0f}/s", flush=True)
        if path is base_path:
            cpu_rows.append(_cpu_row(path, m, capacity, None, capacity))
            continue
        loaded, capacity_low = None, capacity
        if capacity == capacity:  # not NaN
            saturated, served, capacity = _capacity_at_load(
                path, capacity, backends, others, calibrate
            )
            loaded = (saturated, served)
        cpu_rows.append(_cpu_row(path, m, capacity_low, loaded, capacity))
        for fraction in FRACTIONS:
            rate = fraction * capacity
            n = max(20, int(rate * seconds))
            for who in (path, base_path):
                m = measure(who.name, who.url, who.group, who.make(n), rate, backends,
                            {k: v for k, v in others.items() if v != who.group})  # fmt: skip
                rows.append(_row(f"{path.name}: {who.name}" if who is base_path else who.name,
                                 fraction, m))  # fmt: skip
                print(f"    {rows[-1][0]} at {rate:.0f}/s: p99 {rows[-1][8]} ms, "
                      f"workers {m.split}", flush=True)  # fmt: skip
            if has_h2load:
                lat, cpu_ms, done = h2load(base_path.url, rate, seconds, tmp)
                percentiles = [f"{1000 * _pct(lat, p):.1f}" for p in (50, 95, 99)]
                rows.append([f"{path.name}: baseline (h2load)", f"{fraction:.0%}", f"{rate:.0f}",
                             str(done), str(done), "-", *percentiles, "-", "-", f"{cpu_ms:.2f}",
                             "-", "-", "-", "-", "-"])  # fmt: skip
    return rows, cpu_rows


def _capacity_at_load(
    path: Path_, capacity: float, backends: Backends, others: dict[str, int], seconds: float
) -> tuple[Measured, float, float]:
    """The path's capacity where it is busiest, not at the probe's low rate: (phase, served/s,
    capacity).

    A capacity taken from the CPU per request at 10/s is too high: the phases set from it
    queued (秒批 took 17.5 ms at 10/s and 24.4 ms at 44/s), and CPU is not the only limit (each
    app process runs as many requests at once as it has pooled connections, and a request
    waits for its commit to reach the disk).  So the path is offered ``SATURATE`` times the
    low-rate estimate, ``seconds`` worth of requests, open loop (the server meets more than it
    can serve, at most ``open_loop.MAX_CONNECTIONS`` at once); the capacity is the lower of
    what it served per second, first arrival to last answer, and cores × 1000 ÷ its CPU per
    request there.
    """
    requests = path.make(max(50, int(capacity * seconds)))
    rest = {k: v for k, v in others.items() if v != path.group}
    loaded = measure(path.name, path.url, path.group, requests, SATURATE * capacity, backends, rest)
    served = loaded.ok / loaded.result.seconds if loaded.result.seconds > 0 else 0.0
    per = loaded.app_ms + loaded.pg_ms + loaded.generator_ms
    by_cpu = CORES * 1000 / per if per > 0 else served
    print(f"    saturated: served {served:.0f}/s, {per:.1f} ms CPU/request (capacity by CPU "
          f"{by_cpu:.0f}/s)", flush=True)  # fmt: skip
    return loaded, served, min(served, by_cpu)


def _cpu_row(
    path: Path_,
    low: Measured,
    capacity_low: float,
    loaded: tuple[Measured, float] | None,
    capacity: float,
) -> list[str]:
    at_load = ["-", "-", "-"]
    counts, others = low.counts, low.others_pct
    if loaded is not None:
        m, served = loaded
        at_load = [f"{served:.0f}", f"{m.app_ms:.1f}", m.pg]
        counts, others = counts and m.counts, max(others, m.others_pct)
    return [path.name, str(path.statements), f"{low.app_ms:.1f}", low.pg,
            f"{low.generator_ms:.2f}", f"{capacity_low:.0f}", *at_load, f"{capacity:.0f}",
            f"{others:.0f}%", "yes" if counts else "NO"]  # fmt: skip


def _row(label: str, fraction: float, m: Measured) -> list[str]:
    r = m.result
    return [label, f"{fraction:.0%}", f"{r.rate:.0f}", str(len(r.latencies) + r.statuses[0]),
            str(m.ok), _others(r), *(f"{1000 * r.percentile(p):.1f}" for p in (50, 95, 99)),
            f"{m.app_ms:.1f}", m.pg, f"{m.generator_ms:.2f}",
            f"{r.rate * (m.app_ms + m.pg_ms + m.generator_ms) / (10 * CORES):.0f}%",
            m.split or "-", str(r.late_starts),
            f"{m.others_pct:.0f}%", "yes" if m.counts else "NO"]  # fmt: skip


def _others(r: Result) -> str:
    """The answers that were not 2xx, by status (0: no answer), and the requests sent again on
    a new connection because the server had closed an idle kept-alive one."""
    bad = sorted((k, v) for k, v in r.statuses.items() if not 200 <= k < 300)
    said = [f"{k}×{v}" for k, v in bad] + ([f"resent×{r.resent}"] if r.resent else [])
    return ", ".join(said) or "-"


def _count_statements(
    paths: list[Path_], cases_world: cases_bench.World, smart_world: smart_bench.World
) -> None:
    from tongban.web.app import build_app

    for path, world in ((paths[1], cases_world), (paths[2], cases_world), (paths[3], smart_world)):
        container = world.container
        app = build_app(container)
        if path.name == "秒批 decision":
            token, csrf = smart_world.citizens[0]
            target, body = f"/api/v1/smart/{smart_bench.ITEM}/apply", smart_bench._body()
        elif path.name == "submit":
            token, csrf = cases_world.citizens[0]
            target, body = "/api/v1/cases", cases_bench._body(0, "s")
        else:
            token, csrf = cases_world.clerks[0]
            numbers: list[str] = []
            citizen, citizen_csrf = cases_world.citizens[1]
            probe = TestClient(build_app(container))
            probe.cookies.set(SESSION_COOKIE, citizen)
            for i in range(3):
                made = probe.post("/api/v1/cases", json=cases_bench._body(i, "c"),
                                  headers={CSRF_HEADER: citizen_csrf,
                                           IDEMPOTENCY_HEADER: str(uuid.uuid4())})  # fmt: skip
                numbers.append(made.json()["number"])
            target, body = "", {"version": 1}

        def send(client: TestClient, token: str = token, csrf: str = csrf, target: str = target,
                 body: Any = body, numbers: list[str] | None = None if path.name != "accept"
                 else numbers) -> Any:  # fmt: skip
            client.cookies.set(SESSION_COOKIE, token)
            where = target or f"/api/v1/cases/{numbers.pop()}/accept"  # type: ignore[union-attr]
            headers = {CSRF_HEADER: csrf, IDEMPOTENCY_HEADER: str(uuid.uuid4())}
            return client.post(where, json=body, headers=headers)

        path.statements = count_statements(app, container.engine, send)


if __name__ == "__main__":
    main()
