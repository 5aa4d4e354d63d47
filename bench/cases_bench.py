"""Submit and accept over HTTP on PostgreSQL against a bare FastAPI + psycopg baseline.

    TONGBAN_BENCH_POSTGRES_URL=postgresql+psycopg://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python bench/cases_bench.py

The bench (re)creates its own database ``tongban_bench_cases`` on that server (dropped at the
end), migrates it and sets up, through the services, the departments and centres, the working
calendar (the official schedule plus the example 2027 notice, as the tests do), one published
item with a one-day promised limit, a three-field form and no materials (online a material is
an uploaded file, not measured here), one citizen per client and one clerk, and a session for
each client.  Then it starts two servers on loopback, each with 2 worker
processes: ``tongban serve --workers 2`` and the baseline ``cases_baseline_app.py`` (FastAPI +
psycopg inserting one case row and one audit row, nothing else; its two bare tables live in the
schema ``bench_baseline`` of the same database).

32 clients (asyncio + httpx, one connection and one session each) first warm both servers up,
then run, back to back: baseline, submit (``POST /api/v1/cases``, a fresh ``Idempotency-Key``
each), accept (``POST /api/v1/cases/{number}/accept`` once on every case the submit phase
created, with its version), baseline again.  Each phase is a fixed number of requests (2,000)
or 30 s, whichever ends first.  The ratios use the faster of the two baseline phases.

Figures only: nothing here passes or fails on time.  The load generator shares the machine with
both servers and PostgreSQL, so every phase also says how much CPU each of them used.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import os
import platform
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import cases_baseline_app as baseline
import httpx
from common import (
    BENCH_START,
    SKIPPED_POSTGRES,
    SYSTEM,
    CpuMeter,
    Figures,
    _cpu_model,
    _drop_postgres,
    _fresh_postgres,
    app_env,
    command_line,
    configure_nanhai,
    postgres_url,
    print_table,
)
from procfs import processes
from sqlalchemy import func, insert, select
from sqlalchemy.engine import make_url

import tongban
from tongban.adapters.db import migrate
from tongban.adapters.db.async_reader import libpq_dsn
from tongban.adapters.db.tables import case_events, cases, centres, departments, idempotency_keys
from tongban.bootstrap import Container, build_container
from tongban.config import Settings
from tongban.domain.catalogue.model import Level, ServiceItemSpec
from tongban.domain.people.model import Role, RoleAssignment
from tongban.domain.shared.identity import IdType, resident_id_check_char
from tongban.services.catalogue import items as catalogue
from tongban.services.people import accounts as people
from tongban.services.people import sessions
from tongban.services.platform import calendar, calendar_import
from tongban.web.deps import CSRF_HEADER, SESSION_COOKIE
from tongban.web.idempotency import HEADER as IDEMPOTENCY_HEADER

DATABASE = "tongban_bench_cases"
CLIENTS = 32
WORKERS = 2
TARGET_RATIO = 0.40
TARGET_P99_MS = 100.0
ITEM = "SCJGJ-0001"
FORM = {"shop_name": "小明奶茶", "area": "35", "owner_id": "11010519491231002X"}
EXAMPLE_2027 = Path(tongban.__file__).parent / "demo" / "data" / "calendar-2027-example.csv"
BENCH_DIR = Path(__file__).resolve().parent


# --------------------------------------------------------------------------- reference data


@dataclass
class World:
    container: Container
    citizens: list[tuple[str, str]]  # (session token, CSRF token), one per client
    clerks: list[tuple[str, str]]  # one clerk, one session per client


def _item_spec() -> ServiceItemSpec:
    return ServiceItemSpec.model_validate(
        {
            "code": ITEM,
            "name": "个体工商户设立登记",
            "department_code": "SCJGJ",
            "level": "district",
            "handled_at": ["town", "community"],
            "kind": "promised",
            "audience": "enterprise",
            "category": "市场准入",
            "legal_limit_days": 15,
            "promised_limit_days": 1,
            "legal_basis": ["《促进个体工商户发展条例》"],
            "channels": ["online", "window"],
            "fully_online": True,
            "visits": 0,
            # Online each material is an uploaded file, which this bench does not measure:
            # the item asks none, so a submitted case can be accepted as it is.
            "materials": [],
            "result_name": "营业执照",
            "keywords": ["个体户"],
            "needs": ["开奶茶店"],
            "form": [
                {"name": "shop_name", "label": "字号名称"},
                {"name": "area", "label": "经营面积（平方米）", "type": "number"},
                {"name": "owner_id", "label": "经营者身份证号", "type": "id_number"},
            ],
        }
    )


def _resident_id(n: int) -> str:
    first17 = f"440605{date(1980, 1, 1) + timedelta(days=n):%Y%m%d}{n % 1000:03d}"
    return first17 + resident_id_check_char(first17)


def _centre(code: str, name: str, level: Level, town: str) -> dict[str, Any]:
    return {
        "code": code,
        "name": name,
        "level": level.value,
        "town": town,
        "latitude": 23.04,
        "longitude": 113.15,
        "opening_hours": "周一至周五 09:00-12:00, 14:00-17:30",
        "accessibility": [],
    }


def build_world(url: str, data_dir: Path) -> World:
    settings = Settings(
        data_dir=data_dir, database_url=url, log_level="WARNING", clock_start=BENCH_START
    )
    container = build_container(settings)
    migrate.upgrade(container.engine)
    configure_nanhai(container)
    with container.uow() as uow:  # reference data has no service: inserted as the tests do
        conn = uow.conn
        for code, name in (("SCJGJ", "区市场监督管理局"), ("RSJ", "区人力资源和社会保障局")):
            conn.execute(insert(departments).values(code=code, name=name, short_name=""))
        district = conn.execute(
            insert(centres)
            .values(_centre("C-NH", "南海区行政服务中心", Level.DISTRICT, ""))
            .returning(centres.c.id)
        ).scalar_one()
        town = _centre("C-GC", "桂城街道行政服务中心", Level.TOWN, "桂城街道")
        conn.execute(insert(centres).values(parent_id=district, **town))
        uow.commit()
    with container.uow() as uow:
        calendar.seed_official(uow, SYSTEM, 2026, 2026, source=container.official_schedules)
        if 2027 not in set(calendar.load_calendar(uow.conn).years):
            notice = EXAMPLE_2027.read_text(encoding="utf-8")
            calendar_import.import_notice(
                uow, SYSTEM, notice, EXAMPLE_2027.name, allow_example=True
            )
    with container.uow() as uow:
        catalogue.publish_spec(uow, SYSTEM, _item_spec())
    citizen_ids: list[int] = []
    for n in range(CLIENTS):
        with container.uow() as uow:
            citizen_ids.append(
                people.create_citizen(
                    uow, SYSTEM, IdType.RESIDENT_ID, _resident_id(n), "张小明", "13800138000"
                )
            )
    with container.uow() as uow:
        clerk = people.create_staff(
            uow, SYSTEM, "bench.clerk", "测试窗口人员", "Bench@2026-clerk",
            [RoleAssignment(Role.CLERK, centre_code="C-GC")],
        )  # fmt: skip
    with container.uow() as uow:
        now = container.clock.now()
        citizens = [sessions.create_session(uow.conn, uid, now=now, hours=2) for uid in citizen_ids]
        clerks = [sessions.create_session(uow.conn, clerk, now=now, hours=2) for _ in citizens]
        uow.commit()
    return World(container, citizens, clerks)


# --------------------------------------------------------------------------- servers


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """A child process (its own process group) serving HTTP on loopback."""

    def __init__(self, label: str, argv: list[str], env: dict[str, str], log: Path) -> None:
        self.label = label
        self.url = ""
        self.argv = argv
        self.env = env
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, port: int, probe: str, wait: float = 60) -> None:
        self.url = f"http://127.0.0.1:{port}"
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(
                self.argv,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                if httpx.get(self.url + probe, timeout=1).status_code < 500:
                    return
            except httpx.HTTPError:
                time.sleep(0.2)
        tail = self.log.read_text(errors="replace")[-2000:]
        raise RuntimeError(f"{self.label} did not start within {wait:.0f} s:\n{tail}")

    @property
    def group(self) -> int | None:
        return None if self.process is None else self.process.pid

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)


def serve_app(
    env: dict[str, str],
    port: int,
    tmp: str,
    *,
    workers: int = WORKERS,
    wait: float = 60,
    log_level: str = "info",
    health_check: int = 60,
) -> Server:
    """``tongban serve`` on ``port``, started.  On a crowded box a worker may take longer than
    uvicorn's 5 s health check to import the app: uvicorn kills and restarts it, forever.
    ``tongban serve`` has no option for that timeout, so if it is not up within ``wait``
    seconds the same factory is served by uvicorn directly, with ``health_check`` seconds."""
    app = Server(
        "tongban serve",
        [str(Path(sys.executable).parent / "tongban"), "serve", "--host", "127.0.0.1",
         "--port", str(port), "--workers", str(workers)],
        env,
        Path(tmp) / "app.log",
    )  # fmt: skip
    try:
        app.start(port, "/healthz", wait=wait)
    except RuntimeError:
        app.stop()
    except BaseException:
        app.stop()
        raise
    else:
        return app
    app = Server(
        "uvicorn tongban.asgi:create_app",
        [sys.executable, "-m", "uvicorn", "tongban.asgi:create_app", "--factory",
         "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers),
         "--log-level", log_level, "--timeout-worker-healthcheck", str(health_check)],
        env,
        Path(tmp) / "app-uvicorn.log",
    )  # fmt: skip
    try:
        app.start(port, "/healthz", wait=300)
    except BaseException:
        app.stop()
        raise
    return app


# --------------------------------------------------------------------------- CPU by process


def _cpu_seconds(groups: dict[str, int | None]) -> dict[str, float]:
    """CPU seconds so far of each process group named, and of every ``postgres`` process."""
    totals = dict.fromkeys([*groups, "postgres"], 0.0)
    wanted = {pgid: name for name, pgid in groups.items() if pgid is not None}
    for process in processes():
        name = wanted.get(process.pgid)
        if name is not None:
            totals[name] += process.cpu_seconds
        elif process.name == "postgres":
            totals["postgres"] += process.cpu_seconds
    return totals


# --------------------------------------------------------------------------- load


@dataclass
class Phase:
    name: str
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    statuses: Counter[str] = field(default_factory=Counter)
    created: list[tuple[str, int]] = field(default_factory=list)  # (number, version) of 201/200
    cpu: dict[str, float] = field(default_factory=dict)  # seconds, by process group
    meter: CpuMeter = field(default_factory=CpuMeter)

    @property
    def requests(self) -> int:
        return len(self.latencies)

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def errors(self, ok: int) -> str:
        bad = {k: v for k, v in self.statuses.items() if k != str(ok)}
        return ", ".join(f"{k}×{v}" for k, v in sorted(bad.items())) or "none"


# One request: (path, JSON body, extra headers) for request number i sent by client c.
Request = Callable[[int, int], tuple[str, dict[str, Any], dict[str, str]]]


async def _run(
    make_clients: Callable[[], list[httpx.AsyncClient]],
    request: Request,
    total: int,
    limit: float,
    ok: int,
) -> tuple[Phase, float]:
    clients = make_clients()  # bound to this loop: opened and closed in it
    try:
        return await _drive(clients, request, total, limit, ok)
    finally:
        for client in clients:
            await client.aclose()


async def _drive(
    clients: list[httpx.AsyncClient], request: Request, total: int, limit: float, ok: int
) -> tuple[Phase, float]:
    phase = Phase("")
    counter = itertools.count()
    deadline = time.monotonic() + limit

    async def worker(c: int, client: httpx.AsyncClient) -> None:
        while time.monotonic() < deadline:
            i = next(counter)
            if i >= total:
                return
            path, body, headers = request(i, c)
            started = time.perf_counter()
            try:
                answer = await client.post(path, json=body, headers=headers)
            except httpx.HTTPError as exc:
                phase.latencies.append(time.perf_counter() - started)
                phase.statuses[type(exc).__name__] += 1
                continue
            phase.latencies.append(time.perf_counter() - started)
            phase.statuses[str(answer.status_code)] += 1
            if answer.status_code == ok:
                data = answer.json()
                phase.created.append((data["number"], data["version"]))

    started = time.perf_counter()
    await asyncio.gather(*(worker(c, client) for c, client in enumerate(clients)))
    return phase, time.perf_counter() - started


def run_phase(
    name: str,
    clients: Callable[[], list[httpx.AsyncClient]],
    request: Request,
    *,
    total: int,
    limit: float,
    ok: int,
    groups: dict[str, int | None],
) -> Phase:
    before = _cpu_seconds(groups)
    with CpuMeter() as meter:
        phase, seconds = asyncio.run(_run(clients, request, total, limit, ok))
    after = _cpu_seconds(groups)
    phase.name, phase.seconds, phase.meter = name, seconds, meter
    phase.cpu = {k: max(0.0, after[k] - before[k]) for k in after}  # exited processes: lost
    return phase


def _clients(url: str, sessions_: list[tuple[str, str]] | None) -> list[httpx.AsyncClient]:
    made = []
    for c in range(CLIENTS):
        cookies = {SESSION_COOKIE: sessions_[c][0]} if sessions_ else None
        made.append(
            httpx.AsyncClient(
                base_url=url,
                cookies=cookies,
                timeout=30,
                limits=httpx.Limits(max_connections=1, max_keepalive_connections=1),
            )
        )
    return made


def _body(i: int, tag: str) -> dict[str, Any]:
    return {
        "item_code": ITEM,
        "form": {**FORM, "shop_name": f"店铺{tag}{i}"},
        "materials": [],
        "delivery": {"method": "pickup", "pickup_centre_code": "C-NH"},
    }


# --------------------------------------------------------------------------- printing


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f}"


def print_phases(phases: list[Phase], oks: dict[str, int]) -> None:
    rows = []
    for p in phases:
        f = Figures.of(p.latencies)
        rows.append(
            [p.name, str(p.requests), p.errors(oks[p.name]), f"{p.seconds:.1f}", f"{p.rps:.0f}",
             f"{f.median:.1f}", f"{f.p95:.1f}", f"{f.p99:.1f}", f"{f.max:.1f}"]
        )  # fmt: skip
    print_table(
        ["phase", "requests", "errors by status", "s", "req/s", "median ms", "p95 ms", "p99 ms",
         "max ms"],
        rows,
        title=f"Phases ({CLIENTS} concurrent clients, {WORKERS} server processes each)",
    )  # fmt: skip
    rows = []
    for p in phases:
        n = max(p.requests, 1)
        cpu = p.cpu
        rows.append(
            [p.name, _ms(cpu.get("app", 0) / n), _ms(cpu.get("baseline", 0) / n),
             _ms(cpu.get("postgres", 0) / n), _ms(cpu.get("load", 0) / n),
             f"{p.meter.own or 0:.0f}%", p.meter.others_cell()]
        )  # fmt: skip
    print_table(
        ["phase", "app CPU ms/req", "baseline CPU ms/req", "postgres CPU ms/req",
         "load gen CPU ms/req", "load gen % CPUs", "all others % CPUs"],
        rows,
        title="CPU per request by process group (all CPUs; 'all others' = servers, PostgreSQL "
        "and anyone else)",
    )  # fmt: skip


def _machine_rows(container: Container, load_before: str) -> list[list[str]]:
    with container.read() as uow:
        version = uow.conn.exec_driver_sql("SHOW server_version").scalar_one()
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    rows = [
        ["nproc", f"{cpus} ({_cpu_model()})"],
        ["python", f"{platform.python_implementation()} {platform.python_version()}"],
        ["postgresql", str(version)],
        ["platform", platform.platform()],
        ["load average before", load_before],
    ]
    with contextlib.suppress(OSError):
        rows.append(["load average after", " ".join(f"{v:.2f}" for v in os.getloadavg())])
    return rows


def verify(container: Container, submitted: list[Phase], accepted: list[Phase]) -> None:
    numbers = [n for p in submitted for n, _ in p.created]
    acks = sum(p.statuses["201"] for p in submitted)
    accepts = sum(p.statuses["200"] for p in accepted)
    with container.read() as uow:
        conn = uow.conn
        total = conn.execute(select(func.count()).select_from(cases)).scalar_one()
        found = conn.execute(select(func.count()).where(cases.c.number.in_(numbers))).scalar_one()
        by_status = dict(
            conn.execute(select(cases.c.status, func.count()).group_by(cases.c.status)).all()
        )
        events = conn.execute(select(func.count()).select_from(case_events)).scalar_one()
        keys = dict(
            conn.execute(
                select(idempotency_keys.c.status, func.count()).group_by(idempotency_keys.c.status)
            ).all()
        )
    print("\nCheck (reported, not asserted)")
    print(
        f"  submit answers 201: {acks}; distinct numbers among them: {len(set(numbers))}; "
        f"of those in the database: {found}; cases in the database: {total}"
    )
    one_each = acks == len(set(numbers)) == found == total
    print(f"  every 201 submit created exactly one case: {'yes' if one_each else 'NO'}")
    print(f"  accept answers 200: {accepts}; cases by status: {by_status}")
    print(f"  case events: {events}; idempotency keys by status: {keys}")


def summary(phases: list[Phase]) -> None:
    base = max((p for p in phases if p.name.startswith("baseline")), key=lambda p: p.rps)
    rows = []
    for p in phases:
        if p.name.startswith("baseline"):
            continue
        p99 = Figures.of(p.latencies).p99
        ratio = p.rps / base.rps if base.rps else 0.0
        rows.append(
            [p.name, f"{p.rps:.0f}", f"{base.rps:.0f}", f"{ratio:.0%}",
             "met" if ratio >= TARGET_RATIO else "MISSED", f"{p99:.1f}",
             "met" if p99 < TARGET_P99_MS else "MISSED"]
        )  # fmt: skip
    print_table(
        ["request", "req/s", "baseline req/s", "÷ baseline", "≥ 40%", "p99 ms", "< 100 ms"],
        rows,
        title=f"Summary (against the faster baseline phase, '{base.name}')",
    )  # fmt: skip


# --------------------------------------------------------------------------- main


@contextlib.contextmanager
def bench_database(server_url: str) -> Iterator[str]:
    url = _fresh_postgres(server_url, DATABASE)
    try:
        yield url
    finally:
        _drop_postgres(server_url, DATABASE)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--cases-requests", type=int, default=2000, help="per measured phase")
    parser.add_argument("--cases-warmup", type=int, default=320, help="per server, untimed")
    parser.add_argument(
        "--cases-phase-limit", type=float, default=30.0, help="seconds per phase at most"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    add_arguments(parser)
    run(parser.parse_args())


def run(args: argparse.Namespace) -> None:
    """The whole bench on its own database; prints, returns nothing.  Needs PostgreSQL."""
    server_url = postgres_url()
    if not server_url:
        print(f"cases bench: {SKIPPED_POSTGRES}")
        return
    load_before = " ".join(f"{v:.2f}" for v in os.getloadavg())
    started = time.perf_counter()
    with (
        CpuMeter() as whole,
        tempfile.TemporaryDirectory(prefix="tongban-bench-cases-") as tmp,
        bench_database(server_url) as url,
    ):
        world = build_world(url, Path(tmp))
        libpq = libpq_dsn(make_url(url))
        baseline.create_tables(libpq)
        print(f"set up in {time.perf_counter() - started:.1f} s")
        env = app_env(url, tmp, **{baseline.DSN_ENV: libpq})
        app_port, base_port = _free_port(), _free_port()
        base = Server(
            "baseline",
            [sys.executable, "-m", "uvicorn", "cases_baseline_app:app", "--app-dir",
             str(BENCH_DIR), "--host", "127.0.0.1", "--port", str(base_port), "--workers",
             str(WORKERS), "--log-level", "info", "--timeout-worker-healthcheck", "60"],
            env,
            Path(tmp) / "baseline.log",
        )  # fmt: skip
        app = serve_app(env, app_port, tmp)
        try:
            print(f"app served by: {app.label} --workers {WORKERS}", flush=True)
            base.start(base_port, "/docs", wait=300)
            phases = _measure(app, base, world, args)
        finally:
            app.stop()
            base.stop()
        restarts = {s.label: s.log.read_text(errors="replace").count(" died") for s in (app, base)}
        failures = _last_traceback(app.log)
        oks = {p.name: 200 if p.name.startswith("accept") else 201 for p in phases}
        measured = [p for p in phases if "warm-up" not in p.name]
        print_phases(measured, oks)
        print("\nwarm-up: " + "; ".join(
            f"{p.name} {p.requests} requests, errors {p.errors(oks[p.name])}"
            for p in phases if "warm-up" in p.name
        ))  # fmt: skip
        summary(measured)
        print(
            "worker processes restarted by uvicorn (health check missed under load): "
            + ", ".join(f"{k} {v}" for k, v in restarts.items())
        )
        if failures:
            print(f"\nthe app's last error (of {failures[0]} in its log):\n{failures[1]}")
        verify(
            world.container,
            [p for p in phases if p.name.startswith("submit")],
            [p for p in phases if p.name.startswith("accept")],
        )
        machine = _machine_rows(world.container, load_before)
        world.container.engine.dispose()
    print_table(["machine", ""], machine, title="Machine")
    print(f"\ncommand: {command_line()}")
    print(f"whole run: {time.perf_counter() - started:.0f} s; {whole.describe()}")


def _last_traceback(log: Path, lines: int = 25) -> tuple[int, str] | None:
    """How many tracebacks the app logged, and the end of the last one (None: no error)."""
    text = log.read_text(errors="replace") if log.exists() else ""
    count = text.count("Traceback (most recent call last)")
    if not count:
        return None
    last = text[text.rindex("Traceback (most recent call last)") :]
    return count, "\n".join(last.splitlines()[-lines:])


def _measure(app: Server, base: Server, world: World, args: argparse.Namespace) -> list[Phase]:
    groups = {"app": app.group, "baseline": base.group, "load": os.getpgrp()}
    phases: list[Phase] = []

    def submit(tag: str) -> Request:
        def make(i: int, c: int) -> tuple[str, dict[str, Any], dict[str, str]]:
            headers = {CSRF_HEADER: world.citizens[c][1], IDEMPOTENCY_HEADER: str(uuid.uuid4())}
            return "/api/v1/cases", _body(i, tag), headers

        return make

    def accept(targets: list[tuple[str, int]]) -> Request:
        def make(i: int, c: int) -> tuple[str, dict[str, Any], dict[str, str]]:
            number, version = targets[i]
            headers = {CSRF_HEADER: world.clerks[c][1], IDEMPOTENCY_HEADER: str(uuid.uuid4())}
            return f"/api/v1/cases/{number}/accept", {"version": version}, headers

        return make

    def plain_request(i: int, c: int) -> tuple[str, dict[str, Any], dict[str, str]]:
        return "/cases", _body(i, "b"), {}

    def go(name: str, url: str, who: list[tuple[str, str]] | None, request: Request,
           total: int, ok: int) -> Phase:  # fmt: skip
        phase = run_phase(
            name, lambda: _clients(url, who), request, total=total, limit=args.cases_phase_limit,
            ok=ok, groups=groups,
        )  # fmt: skip
        phases.append(phase)
        print(f"  {name}: {phase.requests} requests in {phase.seconds:.1f} s", flush=True)
        return phase

    print("running", flush=True)
    warm = go("submit warm-up", app.url, world.citizens, submit("w"), args.cases_warmup, 201)
    go("accept warm-up", app.url, world.clerks, accept(warm.created), len(warm.created), 200)
    go("baseline warm-up", base.url, None, plain_request, args.cases_warmup, 201)
    go("baseline 1", base.url, None, plain_request, args.cases_requests, 201)
    sub = go("submit", app.url, world.citizens, submit("m"), args.cases_requests, 201)
    go("accept", app.url, world.clerks, accept(sub.created), len(sub.created), 200)
    go("baseline 2", base.url, None, plain_request, args.cases_requests, 201)
    return phases


if __name__ == "__main__":
    main()
