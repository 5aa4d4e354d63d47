"""The proxy-service centre's dashboard over HTTP on PostgreSQL, over the demo's ~400 projects.

    TONGBAN_BENCH_POSTGRES_URL=postgresql+psycopg://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python bench/projects_bench.py

The bench (re)creates its own database ``tongban_bench_projects`` on that server (dropped at the
end), migrates it and loads the demo at full scale: the catalogue, centres and people, then the
proxy-service part (about 400 projects, about 3,800 亿元, their roadmaps and the ~2,500 cases
their agents filed).  ``--all-parts`` loads every later demo part too.  It then runs
``VACUUM ANALYZE`` and starts ``tongban serve`` (``--workers``, default 1) on loopback, signed
in as the district leader (who sees every project).

Measured, one after another, each as ``--requests`` requests after an untimed warm-up:
``GET /healthz`` (the framework's floor, the baseline of the ratios), the dashboard's JSON
(``GET /api/v1/projects/dashboard``) and its page (``GET /proxy-centre``), each with one
client in sequence and with ``--clients`` concurrent clients; then the dashboard recomputed in
process without its cache (the cost of the first request after a write).  Target: p99 under
50 ms.

Figures only: nothing here passes or fails on time.  The load generator shares the machine
with the server and PostgreSQL; the machine's load average is printed before and after.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
from cases_bench import Server, _free_port
from common import (
    BENCH_START,
    SKIPPED_POSTGRES,
    _drop_postgres,
    _fresh_postgres,
    app_env,
    command_line,
    configure_nanhai,
    postgres_url,
    print_table,
)
from sqlalchemy import func, select, text

from tongban.adapters.db import migrate
from tongban.adapters.db.tables import cases, users
from tongban.adapters.db.tables_projects import projects
from tongban.bootstrap import build_container
from tongban.config import Settings
from tongban.demo import loader
from tongban.services.people import sessions
from tongban.services.projects import dashboard as project_dashboard
from tongban.services.projects.access import project_scope
from tongban.web.deps import SESSION_COOKIE

DATABASE = "tongban_bench_projects"
WORKERS = 1
"""One server process by default: the figures are then the cost of one request, not of how
well two processes share two cores (``--workers 2`` is there for a machine with cores to spare)."""
TARGET_P99_MS = 50.0
PATHS = (
    ("baseline /healthz", "/healthz"),
    ("dashboard JSON", "/api/v1/projects/dashboard"),
    ("dashboard page", "/proxy-centre"),
)


@contextlib.contextmanager
def bench_database(server_url: str) -> Iterator[str]:
    url = _fresh_postgres(server_url, DATABASE)
    try:
        yield url
    finally:
        _drop_postgres(server_url, DATABASE)


def build(url: str, data_dir: Path, all_parts: bool) -> tuple[str, dict[str, str]]:
    """The demo on ``url``; returns the leader's session token and the data's figures."""
    settings = Settings(
        data_dir=data_dir, database_url=url, log_level="WARNING", clock_start=BENCH_START
    )
    container = build_container(settings)
    migrate.upgrade(container.engine)
    configure_nanhai(container)
    started = time.perf_counter()
    if not all_parts:
        loader.EXTRA_PARTS = ("projects",)
    loader.load_demo(container, "full")
    loaded = time.perf_counter() - started
    with container.engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE"))
    with container.uow() as uow:
        conn = uow.conn
        leader = conn.execute(select(users.c.id).where(users.c.username == "leader")).scalar_one()
        token, _csrf = sessions.create_session(conn, leader, now=container.clock.now(), hours=4)
        figures = {
            "projects": str(conn.execute(select(func.count()).select_from(projects)).scalar()),
            "investment (亿元)": str(
                (conn.execute(select(func.sum(projects.c.investment_wan))).scalar() or 0) / 10000
            ),
            "cases (all)": str(conn.execute(select(func.count()).select_from(cases)).scalar()),
            "demo load (s)": f"{loaded:.1f}",
        }
        uow.commit()
    container.engine.dispose()
    return token, figures


def recomputed(url: str, data_dir: Path, rounds: int) -> list[float]:
    """Milliseconds of ``compute_dashboard`` in process, no cache: what a request costs right
    after a write (the served dashboard is reused until the next write or for 60 s)."""
    container = build_container(
        Settings(data_dir=data_dir, database_url=url, clock_start=BENCH_START)
    )
    values: list[float] = []
    try:
        with container.read() as uow:
            leader = uow.conn.execute(
                select(users.c.id).where(users.c.username == "leader")
            ).scalar_one()
            principal = sessions.load_principal(uow.conn, leader)
            scope = project_scope(uow.conn, principal)
            for n in range(rounds + 10):
                began = time.perf_counter()
                project_dashboard.compute_dashboard(
                    uow.conn, scope, container.clock.today(), container.clock.now()
                )
                if n >= 10:
                    values.append((time.perf_counter() - began) * 1000)
    finally:
        container.engine.dispose()
    return values


def timed(url: str, path: str, token: str, requests: int, clients: int) -> list[float]:
    """Latencies (ms) of ``requests`` GETs spread over ``clients`` threads, one connection each."""
    latencies: list[float] = []
    lock = threading.Lock()
    share = requests // clients

    def work() -> None:
        mine: list[float] = []
        with httpx.Client(base_url=url, cookies={SESSION_COOKIE: token}, timeout=30) as client:
            for _ in range(share):
                began = time.perf_counter()
                response = client.get(path)
                mine.append((time.perf_counter() - began) * 1000)
                if response.status_code != 200:
                    raise RuntimeError(f"{path}: {response.status_code} {response.text[:200]}")
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=work) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies


def p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--requests", type=int, default=400, help="per measured series")
    parser.add_argument("--warmup", type=int, default=40, help="per path, untimed")
    parser.add_argument("--clients", type=int, default=4, help="of the concurrent series")
    parser.add_argument("--all-parts", action="store_true", help="load every demo part")
    parser.add_argument("--workers", type=int, default=WORKERS, help="server processes")
    args = parser.parse_args()
    server_url = postgres_url()
    if not server_url:
        print(f"projects bench: {SKIPPED_POSTGRES}")
        return
    print(command_line())
    load_before = " ".join(f"{v:.2f}" for v in os.getloadavg())
    with (
        tempfile.TemporaryDirectory(prefix="tongban-bench-projects-") as tmp,
        bench_database(server_url) as url,
    ):
        token, figures = build(url, Path(tmp), args.all_parts)
        print_table(["data", "value"], [[k, v] for k, v in figures.items()], "the demo")
        env = app_env(url, tmp)
        port = _free_port()
        tongban_cli = str(Path(sys.executable).parent / "tongban")
        app = Server(
            "tongban serve",
            [tongban_cli, "serve", "--host", "127.0.0.1", "--port", str(port),
             "--workers", str(args.workers)],
            env,
            Path(tmp) / "app.log",
        )  # fmt: skip
        rows = []
        try:
            app.start(port, "/healthz")
            for _label, path in PATHS:
                timed(app.url, path, token, args.warmup, 1)
            floor = 0.0
            for clients in (1, args.clients):
                for label, path in PATHS:
                    values = timed(app.url, path, token, args.requests, clients)
                    median = statistics.median(values)
                    if path == "/healthz":
                        floor = median
                    rows.append(
                        [
                            label,
                            str(clients),
                            str(len(values)),
                            f"{median:.1f}",
                            f"{p99(values):.1f}",
                            f"{median / floor:.1f}" if floor else "—",
                        ]
                    )
        finally:
            app.stop()
        values = recomputed(url, Path(tmp), args.requests // 4)
        rows.append(
            [
                "recomputed, in process",
                "1",
                str(len(values)),
                f"{statistics.median(values):.1f}",
                f"{p99(values):.1f}",
                "—",
            ]
        )
    print_table(
        ["series", "clients", "requests", "median ms", "p99 ms", "× floor"],
        rows,
        f"centre dashboard over HTTP (target p99 < {TARGET_P99_MS:.0f} ms)",
    )
    load_after = " ".join(f"{v:.2f}" for v in os.getloadavg())
    print(f"load average before: {load_before}; after: {load_after}; cores: {os.cpu_count()}")


if __name__ == "__main__":
    main()
