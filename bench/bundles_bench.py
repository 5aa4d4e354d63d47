"""Submit an 8-item bundle (开餐馆) over HTTP on PostgreSQL, 16 concurrent clients.

    TONGBAN_BENCH_POSTGRES_URL=postgresql+psycopg://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python bench/bundles_bench.py

The bench (re)creates its own database ``tongban_bench_bundles`` on that server (dropped at the
end), migrates it and sets up, through the services, the 28 demo departments, two centres, the
working calendar, the eight published items of 开餐馆 and the demo bundles, one citizen and one
session per client.  Then ``tongban serve --workers 2`` serves it on loopback.

16 clients (asyncio + httpx, one connection and one session each) warm the server up, then run:
``POST /api/v1/bundles/KCG/applications`` (8 sub-cases in one transaction, a fresh
``Idempotency-Key`` each), then, as the baseline in the same run, ``POST /api/v1/cases`` for one
of the same items (one case).  Each phase is a fixed number of requests or 30 s, whichever ends
first.  Target: the bundle's p99 under 200 ms.  Figures only: nothing here passes or fails.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import os
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from cases_bench import _centre, _cpu_seconds, _free_port, _machine_rows, serve_app
from common import (
    BENCH_START,
    SKIPPED_POSTGRES,
    SYSTEM,
    CpuMeter,
    Figures,
    _drop_postgres,
    _fresh_postgres,
    app_env,
    command_line,
    configure_nanhai,
    postgres_url,
    print_table,
)
from sqlalchemy import func, insert, select

from tongban.adapters.db import migrate
from tongban.adapters.db.tables import cases, centres
from tongban.adapters.db.tables_bundles import bundle_applications, bundle_cases
from tongban.bootstrap import Container, build_container
from tongban.config import Settings
from tongban.demo import bundles as demo_bundles
from tongban.demo.departments import DEPARTMENTS
from tongban.demo.items import HAND_WRITTEN_ITEMS
from tongban.domain.catalogue.model import Level
from tongban.domain.shared.identity import (
    IdType,
    credit_code_check_char,
    organisation_code_check_char,
    resident_id_check_char,
)
from tongban.services.catalogue import items as catalogue
from tongban.services.network import structure as network
from tongban.services.people import accounts as people
from tongban.services.people import sessions
from tongban.services.platform import calendar, calendar_import
from tongban.web.deps import CSRF_HEADER, SESSION_COOKIE
from tongban.web.idempotency import HEADER as IDEMPOTENCY_HEADER

DATABASE = "tongban_bench_bundles"
CLIENTS = 16
WORKERS = 2
TARGET_P99_MS = 200.0
BUNDLE = demo_bundles.OPEN_RESTAURANT
SINGLE_ITEM = "SCJGJ-0012"
EXAMPLE_2027 = Path(calendar.__file__).parents[2] / "demo" / "data" / "calendar-2027-example.csv"


def _resident_id(n: int) -> str:
    first17 = f"44060519{80 + n % 20:02d}0101{n % 1000:03d}"
    return first17 + resident_id_check_char(first17)


def _credit_code(n: int) -> str:
    body = f"MA{n % 1_000_000:06d}"
    first17 = "91440605" + body + organisation_code_check_char(body)
    return first17 + credit_code_check_char(first17)


FORM: dict[str, Any] = {
    "enterprise_name": "佛山市南海区小明餐饮有限公司",
    "credit_code": _credit_code(1),
    "company_type": "有限责任公司",
    "registered_capital": "50",
    "legal_rep": "张小明",
    "legal_rep_id": _resident_id(1),
    "premises_address": "桂城街道南海大道 1 号",
    "business_scope": "餐饮服务",
    "contact_name": "张小明",
    "phone": "13800138000",
    "food_items": "热食类食品制售",
    "area": "80",
}
MATERIALS = [m.name for m in BUNDLE.materials if m.shared_from is None]
SINGLE_FORM = {
    **{k: FORM[k] for k in ("enterprise_name", "credit_code", "contact_name", "phone")},
    **{k: FORM[k] for k in ("premises_address", "food_items", "area")},
    "business_form": "餐饮服务经营者",
}


# --------------------------------------------------------------------------- set-up


@dataclass
class World:
    container: Container
    citizens: list[tuple[str, str]]  # (session token, CSRF token), one per client


def build_world(url: str, data_dir: Path) -> World:
    settings = Settings(
        data_dir=data_dir, database_url=url, log_level="WARNING", clock_start=BENCH_START
    )
    container = build_container(settings)
    migrate.upgrade(container.engine)
    configure_nanhai(container)
    with container.uow() as uow:
        network.upsert_departments(uow, SYSTEM, DEPARTMENTS)
    with container.uow() as uow:  # reference data: inserted as the tests do
        district = uow.conn.execute(
            insert(centres)
            .values(_centre("C-NH", "南海区行政服务中心", Level.DISTRICT, ""))
            .returning(centres.c.id)
        ).scalar_one()
        town = _centre("C-GC", "桂城街道行政服务中心", Level.TOWN, "桂城街道")
        uow.conn.execute(insert(centres).values(parent_id=district, **town))
        uow.commit()
    with container.uow() as uow:
        calendar.seed_official(uow, SYSTEM, 2026, 2026, source=container.official_schedules)
        if 2027 not in set(calendar.load_calendar(uow.conn).years):
            notice = EXAMPLE_2027.read_text(encoding="utf-8")
            calendar_import.import_notice(
                uow, SYSTEM, notice, EXAMPLE_2027.name, allow_example=True
            )
    specs = {s.code: s for s in HAND_WRITTEN_ITEMS}
    with container.uow() as uow, uow.atomic():
        for code in BUNDLE.item_codes:
            catalogue.publish_spec(uow, SYSTEM, specs[code])
    demo_bundles.load(container, SYSTEM, "small")
    ids = []
    for n in range(CLIENTS):
        with container.uow() as uow:
            ids.append(
                people.create_citizen(
                    uow, SYSTEM, IdType.RESIDENT_ID, _resident_id(100 + n), "张小明", "13800138000"
                )
            )
    with container.uow() as uow:
        now = container.clock.now()
        citizens = [sessions.create_session(uow.conn, uid, now=now, hours=2) for uid in ids]
        uow.commit()
    return World(container, citizens)


# --------------------------------------------------------------------------- load


@dataclass
class Phase:
    name: str
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    statuses: Counter[str] = field(default_factory=Counter)
    cpu: dict[str, float] = field(default_factory=dict)
    meter: CpuMeter = field(default_factory=CpuMeter)

    @property
    def rps(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0


Request = Callable[[int], tuple[str, dict[str, Any]]]


async def _drive(url: str, world: World, request: Request, total: int, limit: float) -> Phase:
    phase = Phase("")
    counter = itertools.count()
    deadline = time.monotonic() + limit
    clients = [
        httpx.AsyncClient(
            base_url=url,
            cookies={SESSION_COOKIE: token},
            timeout=30,
            limits=httpx.Limits(max_connections=1, max_keepalive_connections=1),
        )
        for token, _csrf in world.citizens
    ]

    async def worker(c: int) -> None:
        while time.monotonic() < deadline:
            i = next(counter)
            if i >= total:
                return
            path, body = request(i)
            headers = {CSRF_HEADER: world.citizens[c][1], IDEMPOTENCY_HEADER: str(uuid.uuid4())}
            started = time.perf_counter()
            try:
                answer = await clients[c].post(path, json=body, headers=headers)
                phase.statuses[str(answer.status_code)] += 1
            except httpx.HTTPError as exc:
                phase.statuses[type(exc).__name__] += 1
            phase.latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    try:
        await asyncio.gather(*(worker(c) for c in range(CLIENTS)))
    finally:
        for client in clients:
            await client.aclose()
    phase.seconds = time.perf_counter() - started
    return phase


def run_phase(
    name: str, url: str, world: World, request: Request, total: int, limit: float, groups: Any
) -> Phase:
    before = _cpu_seconds(groups)
    with CpuMeter() as meter:
        phase = asyncio.run(_drive(url, world, request, total, limit))
    after = _cpu_seconds(groups)
    phase.name, phase.meter = name, meter
    phase.cpu = {k: max(0.0, after[k] - before[k]) for k in after}
    print(f"  {name}: {len(phase.latencies)} requests in {phase.seconds:.1f} s", flush=True)
    return phase


def bundle_request(i: int) -> tuple[str, dict[str, Any]]:
    form = {**FORM, "enterprise_name": f"佛山市南海区小明餐饮{i}号有限公司"}
    return f"/api/v1/bundles/{BUNDLE.code}/applications", {"form": form, "materials": MATERIALS}


def single_request(i: int) -> tuple[str, dict[str, Any]]:
    form = {**SINGLE_FORM, "enterprise_name": f"佛山市南海区小明餐饮{i}号有限公司"}
    return "/api/v1/cases", {"item_code": SINGLE_ITEM, "form": form, "materials": []}


# --------------------------------------------------------------------------- printing


def report(phases: list[Phase]) -> None:
    rows = []
    for p in phases:
        f = Figures.of(p.latencies)
        bad = {k: v for k, v in p.statuses.items() if k != "201"}
        errors = ", ".join(f"{k}×{v}" for k, v in sorted(bad.items())) or "none"
        n = max(len(p.latencies), 1)
        rows.append(
            [p.name, str(len(p.latencies)), errors, f"{p.rps:.1f}", f"{f.median:.1f}",
             f"{f.p95:.1f}", f"{f.p99:.1f}", f"{f.max:.1f}",
             f"{p.cpu.get('app', 0) * 1000 / n:.1f}", f"{p.cpu.get('postgres', 0) * 1000 / n:.1f}",
             p.meter.others_cell()]
        )  # fmt: skip
    print_table(
        ["phase", "requests", "errors", "req/s", "median ms", "p95 ms", "p99 ms", "max ms",
         "app CPU ms/req", "postgres CPU ms/req", "others % CPUs"],
        rows,
        title=f"Phases ({CLIENTS} concurrent clients, {WORKERS} server processes)",
    )  # fmt: skip
    bundle = next(p for p in phases if p.name == "bundle (8 items)")
    single = next(p for p in phases if p.name == "single case")
    fb, fs = Figures.of(bundle.latencies), Figures.of(single.latencies)
    print_table(
        ["figure", "value"],
        [
            ["bundle p99 ms", f"{fb.p99:.1f} ({'met' if fb.p99 < TARGET_P99_MS else 'MISSED'} "
             f"< {TARGET_P99_MS:.0f} ms)"],
            ["bundle median ms", f"{fb.median:.1f}"],
            ["bundles/s", f"{bundle.rps:.1f} ({bundle.rps * len(BUNDLE.items):.0f} sub-cases/s)"],
            ["single case median ms / req/s", f"{fs.median:.1f} / {single.rps:.1f}"],
            ["bundle median ÷ single-case median", f"{fb.median / fs.median:.2f}"],
            ["bundle sub-cases/s ÷ single cases/s",
             f"{bundle.rps * len(BUNDLE.items) / single.rps:.2f}"],
        ],
        title="Summary",
    )  # fmt: skip


def verify(container: Container, phases: list[Phase]) -> None:
    bundles_ok = sum(p.statuses["201"] for p in phases if p.name.startswith("bundle"))
    singles_ok = sum(p.statuses["201"] for p in phases if p.name.startswith("single"))
    # (the warm-up phases are named after what they send, so they count too)
    with container.read() as uow:
        conn = uow.conn
        applications = conn.execute(select(func.count()).select_from(bundle_applications))
        links = conn.execute(select(func.count()).select_from(bundle_cases)).scalar_one()
        total = conn.execute(select(func.count()).select_from(cases)).scalar_one()
        count = applications.scalar_one()
    whole = count == bundles_ok and links == 8 * count and total == links + singles_ok
    print("\nCheck (reported, not asserted)")
    print(f"  bundle answers 201: {bundles_ok}; applications stored: {count}; sub-cases: {links}")
    print(f"  single-case answers 201: {singles_ok}; cases in the database: {total}")
    print(f"  every 201 bundle created exactly its 8 sub-cases: {'yes' if whole else 'NO'}")


# --------------------------------------------------------------------------- main


@contextlib.contextmanager
def bench_database(server_url: str) -> Iterator[str]:
    url = _fresh_postgres(server_url, DATABASE)
    try:
        yield url
    finally:
        _drop_postgres(server_url, DATABASE)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--requests", type=int, default=1000, help="per measured phase")
    parser.add_argument("--warmup", type=int, default=160, help="untimed, first")
    parser.add_argument("--phase-limit", type=float, default=30.0, help="seconds per phase")
    args = parser.parse_args()
    server_url = postgres_url()
    if not server_url:
        print(f"bundles bench: {SKIPPED_POSTGRES}")
        return
    load_before = " ".join(f"{v:.2f}" for v in os.getloadavg())
    started = time.perf_counter()
    with (
        tempfile.TemporaryDirectory(prefix="tongban-bench-bundles-") as tmp,
        bench_database(server_url) as url,
    ):
        world = build_world(url, Path(tmp))
        print(f"set up in {time.perf_counter() - started:.1f} s", flush=True)
        env = app_env(url, tmp)
        port = _free_port()
        app = serve_app(
            env, port, tmp, workers=WORKERS, wait=120, log_level="warning", health_check=90
        )
        try:
            print(f"app served by: {app.label} --workers {WORKERS}", flush=True)
            groups = {"app": app.group, "load": os.getpgrp()}
            limit = args.phase_limit
            phases = [
                run_phase("bundle warm-up", app.url, world, bundle_request, args.warmup, limit,
                          groups),
                run_phase("single warm-up", app.url, world, single_request, args.warmup, limit,
                          groups),
                run_phase("bundle (8 items)", app.url, world, bundle_request, args.requests,
                          limit, groups),
                run_phase("single case", app.url, world, single_request, args.requests, limit,
                          groups),
            ]  # fmt: skip
        finally:
            app.stop()
        report([p for p in phases if "warm-up" not in p.name])
        verify(world.container, phases)
        machine = _machine_rows(world.container, load_before)
        world.container.engine.dispose()
    print_table(["machine", ""], machine, title="Machine")
    print(f"\ncommand: {command_line()}")
    print(f"whole run: {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
