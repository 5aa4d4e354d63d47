"""The whole 秒批 chain over HTTP on PostgreSQL against the cases bench's bare baseline.

    TONGBAN_BENCH_POSTGRES_URL=postgresql+psycopg://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python bench/smart_bench.py

One request is ``POST /api/v1/smart/MZJ-0004/apply`` (高龄津贴申领, a fresh ``Idempotency-Key``
each): the form filled from the applicant's identity, single-use consent grants, the materials
taken from the e-licence library, predicates and licence data read through the personal data
space, the rules in force, and — all passing — the case accepted, approved, its result issued
and delivered electronically, and the e-licence signed (SD-JWT VC) and stored, in one
transaction.  The PDF is rendered on download, not here (see ``licence_pdf_bench.py``).

The bench (re)creates its own database ``tongban_bench_smart`` (dropped at the end) and sets up,
through the services, the departments, the calendar, the demo item MZJ-0004 with its demo rule
set, 32 citizens aged over 80 with a Nanhai household (an e-ID and a household register each)
and a session each.  Then, as ``cases_bench.py`` does, it serves tongban and the baseline
(``cases_baseline_app.py``: FastAPI + psycopg inserting one case row and one audit row) with
2 worker processes each, and 32 clients run: warm-ups, baseline, smart apply, baseline again.
The ratio uses the faster baseline phase.  Figures only: nothing passes or fails on time.

    .venv/bin/python bench/smart_bench.py --in-process [--decisions 200]

``--in-process`` measures one decision instead, without HTTP: the same world on SQLite (and on
PostgreSQL when ``TONGBAN_BENCH_POSTGRES_URL`` is set, in a database of its own named after the
process), then ``approval.apply`` called directly, one decision at a time, each in its own unit
of work as the route runs it.  Per decision it counts the SQL statements the use case sends
(``BEGIN`` aside; not the request's session read nor its idempotency key) and this process's
CPU time, and it prints the statements of the last decision by kind and table.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import cases_baseline_app as baseline
from cases_bench import (
    CLIENTS,
    EXAMPLE_2027,
    WORKERS,
    Phase,
    Request,
    Server,
    _clients,
    _free_port,
    _machine_rows,
    print_phases,
    run_phase,
)
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
from sqlalchemy import event, func, select
from sqlalchemy.engine import make_url

from tongban.adapters.db import migrate
from tongban.adapters.db.async_reader import libpq_dsn
from tongban.adapters.db.tables import cases
from tongban.adapters.db.tables_licences import licences as licences_table
from tongban.adapters.db.tables_rules import automated_decisions
from tongban.bootstrap import Container, build_container
from tongban.config import Settings
from tongban.demo.departments import DEPARTMENTS
from tongban.demo.items import HAND_WRITTEN_ITEMS
from tongban.demo.rules import rule_files
from tongban.domain.shared.identity import IdType, resident_id_check_char
from tongban.services.catalogue import items as catalogue
from tongban.services.licences import library as licences
from tongban.services.network import structure as network
from tongban.services.people import accounts as people
from tongban.services.people import sessions
from tongban.services.platform import calendar, calendar_import
from tongban.services.platform.context import Actor
from tongban.services.smart import approval
from tongban.services.smart import rules as rule_sets
from tongban.web.deps import CSRF_HEADER
from tongban.web.idempotency import HEADER as IDEMPOTENCY_HEADER

DATABASE = "tongban_bench_smart"
ITEM = "MZJ-0004"
TARGET_RATIO = 0.35
TARGET_P99_MS = 150.0
HOUSEHOLD = "广东省佛山市南海区桂城街道南海大道北1号"


@dataclass
class World:
    container: Container
    citizens: list[tuple[str, str]]  # (session token, CSRF token), one per client
    user_ids: list[int]


def _elder_id(n: int) -> str:
    first17 = f"440605{date(1930, 1, 1) + timedelta(days=7 * n):%Y%m%d}{n % 1000:03d}"
    return first17 + resident_id_check_char(first17)


def build_world(url: str, data_dir: Path) -> World:
    """The item, its rule set and 32 eligible elders with their licences, through the services."""
    settings = Settings(
        data_dir=data_dir, database_url=url, log_level="WARNING", clock_start=BENCH_START
    )
    container = build_container(settings)
    migrate.upgrade(container.engine)
    configure_nanhai(container)
    with container.uow() as uow:
        network.upsert_departments(uow, SYSTEM, DEPARTMENTS)
    with container.uow() as uow:
        calendar.seed_official(uow, SYSTEM, 2026, 2026, source=container.official_schedules)
        if 2027 not in set(calendar.load_calendar(uow.conn).years):
            notice = EXAMPLE_2027.read_text(encoding="utf-8")
            calendar_import.import_notice(
                uow, SYSTEM, notice, EXAMPLE_2027.name, allow_example=True
            )
    with container.uow() as uow:
        catalogue.publish_spec(uow, SYSTEM, next(i for i in HAND_WRITTEN_ITEMS if i.code == ITEM))
    spec = next(f.spec for f in rule_files() if f.item_code == ITEM)
    with container.uow() as uow:
        draft = rule_sets.save_draft(uow, SYSTEM, ITEM, spec)
    with container.uow() as uow:
        rule_sets.publish(uow, SYSTEM, ITEM, draft.version, expected_lock=draft.lock_version)
    keys = container.keys  # created here, before the servers' workers load them
    ids: list[int] = []
    for n in range(CLIENTS):
        number = _elder_id(n)
        born = f"{number[6:10]}-{number[10:12]}-{number[12:14]}"
        with container.uow() as uow:
            ids.append(
                people.create_citizen(
                    uow, SYSTEM, IdType.RESIDENT_ID, number, "陈伯", "13800138000"
                )
            )
        with container.uow() as uow, uow.atomic():
            licences.issue(
                uow, SYSTEM, keys, type_code="id_card", holder_id=number, holder_name="陈伯",
                fields={"sex": "男", "ethnicity": "汉", "birth_date": born, "address": HOUSEHOLD},
            )  # fmt: skip
            licences.issue(
                uow, SYSTEM, keys, type_code="hukou", holder_id=number, holder_name="陈伯",
                fields={"household_head": "陈伯", "relation": "户主", "household_type": "非农业",
                        "household_address": HOUSEHOLD, "birth_date": born},
            )  # fmt: skip
    with container.uow() as uow:
        now = container.clock.now()
        citizens = [sessions.create_session(uow.conn, uid, now=now, hours=2) for uid in ids]
        uow.commit()
    return World(container, citizens, ids)


def _body() -> dict[str, Any]:
    form = {"phone": "13800138000", "birth_date": "1940-01-01", "bank_account": "6217001234567890"}
    return {"form": form, "consent": True}


def _measure(app: Server, base: Server, world: World, args: argparse.Namespace) -> list[Phase]:
    groups = {"app": app.group, "baseline": base.group, "load": os.getpgrp()}
    phases: list[Phase] = []

    def smart(i: int, c: int) -> tuple[str, dict[str, Any], dict[str, str]]:
        headers = {CSRF_HEADER: world.citizens[c][1], IDEMPOTENCY_HEADER: str(uuid.uuid4())}
        return f"/api/v1/smart/{ITEM}/apply", _body(), headers

    def plain(i: int, c: int) -> tuple[str, dict[str, Any], dict[str, str]]:
        return "/cases", {"item_code": ITEM, "form": _body()["form"], "materials": []}, {}

    def go(name: str, url: str, who: list[tuple[str, str]] | None, request: Request,
           total: int) -> Phase:  # fmt: skip
        phase = run_phase(
            name, lambda: _clients(url, who), request, total=total, limit=args.phase_limit,
            ok=201, groups=groups,
        )  # fmt: skip
        phases.append(phase)
        print(f"  {name}: {phase.requests} requests in {phase.seconds:.1f} s", flush=True)
        return phase

    print("running", flush=True)
    go("smart warm-up", app.url, world.citizens, smart, args.warmup)
    go("baseline warm-up", base.url, None, plain, args.warmup)
    go("baseline 1", base.url, None, plain, args.requests)
    go("smart apply", app.url, world.citizens, smart, args.requests)
    go("baseline 2", base.url, None, plain, args.requests)
    return phases


def summary(phases: list[Phase]) -> None:
    base = max((p for p in phases if p.name.startswith("baseline")), key=lambda p: p.rps)
    rows = []
    for p in phases:
        if p.name.startswith("baseline"):
            continue
        f = Figures.of(p.latencies)
        ratio = p.rps / base.rps if base.rps else 0.0
        rows.append(
            [p.name, f"{p.rps:.1f}", f"{base.rps:.1f}", f"{ratio:.0%}",
             "met" if ratio >= TARGET_RATIO else "MISSED", f"{f.median:.1f}", f"{f.p99:.1f}",
             "met" if f.p99 < TARGET_P99_MS else "MISSED"]
        )  # fmt: skip
    print_table(
        ["request", "req/s", "baseline req/s", "÷ baseline", "≥ 35%", "median ms", "p99 ms",
         "< 150 ms"],
        rows,
        title=f"Summary (against the faster baseline phase, '{base.name}')",
    )  # fmt: skip


def verify(container: Container, smart: list[Phase]) -> None:
    answered = sum(p.statuses["201"] for p in smart)
    with container.read() as uow:
        conn = uow.conn
        by_status = dict(
            conn.execute(select(cases.c.status, func.count()).group_by(cases.c.status)).all()
        )
        decided = dict(
            conn.execute(
                select(automated_decisions.c.outcome, func.count()).group_by(
                    automated_decisions.c.outcome
                )
            ).all()
        )
        issued = conn.execute(
            select(func.count()).where(licences_table.c.type_code == "longevity_allowance")
        ).scalar_one()
    print("\nCheck (reported, not asserted)")
    print(f"  apply answers 201: {answered}; cases by status: {by_status}")
    print(f"  automated decisions: {decided}; e-licences issued (高龄津贴资格): {issued}")
    chained = answered == sum(decided.values()) == issued == by_status.get("delivered", 0)
    print(f"  every 201 = one decision + one signed licence + one delivered case: "
          f"{'yes' if chained else 'NO'}")  # fmt: skip


@contextlib.contextmanager
def bench_database(server_url: str) -> Iterator[str]:
    url = _fresh_postgres(server_url, DATABASE)
    try:
        yield url
    finally:
        _drop_postgres(server_url, DATABASE)


def run(args: argparse.Namespace) -> None:
    server_url = postgres_url()
    if not server_url:
        print(f"smart bench: {SKIPPED_POSTGRES}")
        return
    load_before = " ".join(f"{v:.2f}" for v in os.getloadavg())
    started = time.perf_counter()
    with (
        CpuMeter() as whole,
        tempfile.TemporaryDirectory(prefix="tongban-bench-smart-") as tmp,
        bench_database(server_url) as url,
    ):
        world = build_world(url, Path(tmp))
        libpq = libpq_dsn(make_url(url))
        baseline.create_tables(libpq)
        print(f"set up in {time.perf_counter() - started:.1f} s")
        env = app_env(url, tmp, **{baseline.DSN_ENV: libpq})
        app_port, base_port = _free_port(), _free_port()
        uvicorn = [
            *(sys.executable, "-m", "uvicorn", "--host", "127.0.0.1"),
            *("--workers", str(WORKERS), "--log-level", "info"),
            *("--timeout-worker-healthcheck", "60"),
        ]
        app = Server(
            "uvicorn tongban.asgi:create_app",
            [*uvicorn, "tongban.asgi:create_app", "--factory", "--port", str(app_port)],
            env,
            Path(tmp) / "app.log",
        )
        base = Server(
            "baseline",
            [*uvicorn, "cases_baseline_app:app", "--app-dir", str(Path(__file__).parent),
             "--port", str(base_port)],
            env,
            Path(tmp) / "baseline.log",
        )  # fmt: skip
        try:
            app.start(app_port, "/healthz", wait=300)
            base.start(base_port, "/docs", wait=300)
            phases = _measure(app, base, world, args)
        finally:
            app.stop()
            base.stop()
        measured = [p for p in phases if "warm-up" not in p.name]
        print_phases(measured, {p.name: 201 for p in measured})
        print("\nwarm-up: " + "; ".join(
            f"{p.name} {p.requests} requests, errors {p.errors(201)}"
            for p in phases if "warm-up" in p.name
        ))  # fmt: skip
        summary(measured)
        verify(world.container, [p for p in phases if p.name.startswith("smart")])
        machine = _machine_rows(world.container, load_before)
        world.container.engine.dispose()
    print_table(["machine", ""], machine, title="Machine")
    print(f"\ncommand: {command_line()}")
    print(f"whole run: {time.perf_counter() - started:.0f} s; {whole.describe()}")


# --- one decision, in process ------------------------------------------------------------------

SKIPPED_VERBS = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")
_TABLE = re.compile(r"^(?:SELECT .*? FROM|INSERT INTO|UPDATE|DELETE FROM)\s+(\w+)", re.S)


def _kind(statement: str) -> str:
    """``INSERT data_grants``: the verb and the first table a statement names."""
    verb = statement.split(None, 1)[0].upper()
    found = _TABLE.match(" ".join(statement.split()))
    return f"{verb} {found.group(1) if found else '…'}"


@dataclass
class PerDecision:
    engine: str
    statements: list[int]
    cpu_ms: list[float]
    wall_ms: list[float]
    last: list[str]
    outcomes: Counter[str]


def decide_in_process(world: World, label: str, decisions: int, warmup: int) -> PerDecision:
    """``decisions`` 秒批 decisions through ``approval.apply``, after ``warmup`` untimed ones."""
    container = world.container
    with container.read() as uow:
        principals = [sessions.load_principal(uow.conn, uid) for uid in world.user_ids]
    seen: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if not statement.lstrip().upper().startswith(SKIPPED_VERBS):
            seen.append(statement)

    figures = PerDecision(label, [], [], [], [], Counter())
    event.listen(container.engine, "before_cursor_execute", count)
    try:
        for n in range(warmup + decisions):
            actor = Actor(
                at=container.clock.now(),
                principal=principals[n % len(principals)],
                request_id=f"bench-{n}",
            )
            seen.clear()
            cpu, wall = time.process_time(), time.perf_counter()
            with container.uow() as uow:
                decision = approval.apply(
                    uow, actor, container.keys, ITEM, _body()["form"], consent=True
                )
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
            if n < warmup:
                continue
            figures.statements.append(len(seen))
            figures.cpu_ms.append(cpu * 1000)
            figures.wall_ms.append(wall * 1000)
            figures.outcomes[decision.outcome.value] += 1
            figures.last = list(seen)
    finally:
        event.remove(container.engine, "before_cursor_execute", count)
    return figures


def print_per_decision(results: list[PerDecision], *, show_sql: bool = False) -> None:
    rows = []
    for r in results:
        cpu, wall = (
            Figures.of([c / 1000 for c in r.cpu_ms]),
            Figures.of([w / 1000 for w in r.wall_ms]),
        )
        spread = f"{min(r.statements)}–{max(r.statements)}"
        rows.append(
            [r.engine, str(len(r.statements)), f"{statistics.median(r.statements):g}", spread,
             f"{cpu.median:.1f}", f"{cpu.p95:.1f}", f"{wall.median:.1f}",
             ", ".join(f"{k} {v}" for k, v in sorted(r.outcomes.items()))]
        )  # fmt: skip
    print_table(
        ["engine", "decisions", "SQL statements (median)", "min–max", "CPU ms median",
         "CPU ms p95", "wall ms median", "outcomes"],
        rows,
        title="One 秒批 decision in process (approval.apply, its own unit of work)",
    )  # fmt: skip
    for r in results:
        kinds = Counter(_kind(s) for s in r.last)
        print_table(
            ["statement", "times"],
            [[k, str(v)] for k, v in sorted(kinds.items())],
            title=f"{r.engine}: the last decision's {len(r.last)} statements",
        )
        if show_sql:
            for n, statement in enumerate(r.last, 1):
                print(f"{n:3}. {' '.join(statement.split())[:240]}")


def run_in_process(args: argparse.Namespace) -> None:
    load_before = " ".join(f"{v:.2f}" for v in os.getloadavg())
    server_url = postgres_url()
    results: list[PerDecision] = []
    with CpuMeter() as whole, tempfile.TemporaryDirectory(prefix="tongban-bench-smart-") as tmp:
        engines = [("SQLite", f"sqlite:///{Path(tmp) / 'sqlite' / 'bench.db'}", None)]
        if server_url:
            engines.append(("PostgreSQL", "", f"{DATABASE}_{os.getpid()}"))
        else:
            print(f"smart bench: {SKIPPED_POSTGRES}")
        for label, url, database in engines:
            data_dir = Path(tmp) / label.lower()
            data_dir.mkdir(parents=True, exist_ok=True)
            if database is not None:
                assert server_url is not None
                url = _fresh_postgres(server_url, database)
            try:
                world = build_world(url, data_dir)
                results.append(decide_in_process(world, label, args.decisions, args.warmup_calls))
                world.container.engine.dispose()
            finally:
                if database is not None and server_url is not None:
                    _drop_postgres(server_url, database)
    print_per_decision(results, show_sql=args.sql)
    load_after = " ".join(f"{v:.2f}" for v in os.getloadavg())
    print(f"\nload average before: {load_before}; after: {load_after}")
    print(f"command: {command_line()}")
    print(whole.describe())


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--requests", type=int, default=1000, help="per measured phase")
    parser.add_argument("--warmup", type=int, default=160, help="per server, untimed")
    parser.add_argument("--phase-limit", type=float, default=30.0, help="seconds per phase")
    parser.add_argument(
        "--in-process", action="store_true", help="per decision, without HTTP (see above)"
    )
    parser.add_argument(
        "--sql", action="store_true", help="print the last decision's statements, --in-process"
    )
    parser.add_argument("--decisions", type=int, default=200, help="measured, --in-process")
    parser.add_argument("--warmup-calls", type=int, default=32, help="untimed, --in-process")
    args = parser.parse_args()
    if args.in_process:
        run_in_process(args)
    else:
        run(args)


if __name__ == "__main__":
    main()
