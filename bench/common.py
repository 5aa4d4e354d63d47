"""Shared set-up for the benchmarks: full-catalogue databases, timing figures and tables.

Each engine gets one database per run, built the way a deployment builds it: the Alembic
migrations, then ``load_demo(container, "full")`` (the 2,155-item Nanhai catalogue through the
real services).  SQLite lives in a temporary directory; PostgreSQL runs when
``TONGBAN_BENCH_POSTGRES_URL`` names a server whose user may create databases, and the bench
(re)creates its own database ``tongban_bench`` there and drops it afterwards.

Figures are milliseconds; nothing here ever passes or fails on time.
"""

from __future__ import annotations

import contextlib
import math
import os
import platform
import shlex
import sqlite3
import sys
import tempfile
import time
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from tongban.adapters.db import migrate
from tongban.adapters.db.tables import service_items
from tongban.bootstrap import Container, build_container
from tongban.config import Settings
from tongban.demo.jurisdictions import NANHAI
from tongban.demo.loader import load_demo
from tongban.domain.shared.clock import CHINA_TZ
from tongban.services.platform import jurisdiction
from tongban.services.platform.context import Actor

POSTGRES_ENV = "TONGBAN_BENCH_POSTGRES_URL"
BENCH_START = datetime(2026, 11, 16, 9, 30, tzinfo=CHINA_TZ)
"""Benchmarks run as of one fixed day (``TONGBAN_CLOCK_START``), whatever the date they run on,
so that the calendar they seed covers every deadline they compute."""
SYSTEM = Actor(request_id="bench", at=BENCH_START)
"""The system acting at the benchmarks' start, for their set-up."""
POSTGRES_DATABASE = "tongban_bench"
SKIPPED_POSTGRES = f"PostgreSQL skipped: {POSTGRES_ENV} is unset (set it to a server URL to run it)"


# --------------------------------------------------------------------------- databases


@dataclass
class BenchDatabase:
    """One engine's full-catalogue database and the container the app would build on it."""

    label: str
    container: Container
    items: int
    load_seconds: float
    server_version: str


def postgres_url() -> str | None:
    return os.environ.get(POSTGRES_ENV) or None


def _fresh_postgres(server_url: str, name: str) -> str:
    admin = create_engine(make_url(server_url), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f"CREATE DATABASE \"{name}\" ENCODING 'UTF8' TEMPLATE template0"))
    finally:
        admin.dispose()
    return make_url(server_url).set(database=name).render_as_string(hide_password=False)


def _drop_postgres(server_url: str, name: str) -> None:
    admin = create_engine(make_url(server_url), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


def configure_nanhai(container: Container) -> None:
    """The district every bench serves (``tongban init --preset nanhai``), once its tables exist."""
    with container.uow() as uow:
        if jurisdiction.configured(uow.conn) is None:
            jurisdiction.configure(uow, SYSTEM, NANHAI)


def _build(label: str, data_dir: Path, url: str) -> BenchDatabase:
    settings = Settings(
        data_dir=data_dir, database_url=url, log_level="WARNING", clock_start=BENCH_START
    )
    container = build_container(settings)
    started = time.perf_counter()
    migrate.upgrade(container.engine)
    load_demo(container, "full")
    if container.engine.dialect.name == "postgresql":
        # What autovacuum does on a live server soon after a bulk load; the bench does not wait.
        with container.engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE"))
    load_seconds = time.perf_counter() - started
    with container.read() as uow:
        published = select(func.count()).where(service_items.c.status == "published")
        items = uow.conn.execute(published).scalar_one()
        if uow.dialect == "sqlite":
            version = "SQLite " + uow.conn.exec_driver_sql("SELECT sqlite_version()").scalar_one()
        else:
            version = "PostgreSQL " + uow.conn.exec_driver_sql("SHOW server_version").scalar_one()
    print(f"{label}: {items} published items loaded in {load_seconds:.1f} s ({version})")
    return BenchDatabase(label, container, items, load_seconds, version)


@contextlib.contextmanager
def databases() -> Iterator[list[BenchDatabase]]:
    """The full-catalogue database of every configured engine, built once, removed after."""
    pg_url = postgres_url()
    with tempfile.TemporaryDirectory(prefix="tongban-bench-") as tmp:
        built: list[BenchDatabase] = []
        created = False
        try:
            sqlite_dir = Path(tmp) / "sqlite"
            built.append(_build("SQLite", sqlite_dir, f"sqlite:///{sqlite_dir / 'bench.db'}"))
            if pg_url:
                url = _fresh_postgres(pg_url, POSTGRES_DATABASE)
                created = True
                built.append(_build("PostgreSQL", Path(tmp) / "postgresql", url))
            else:
                print(SKIPPED_POSTGRES)
            yield built
        finally:
            for db in built:
                db.container.engine.dispose()
            if pg_url and created:
                _drop_postgres(pg_url, POSTGRES_DATABASE)


# --------------------------------------------------------------------------- timing


@dataclass(frozen=True)
class Figures:
    """Percentiles of a series of timings, in milliseconds (nearest-rank percentiles)."""

    count: int
    median: float
    p95: float
    p99: float
    max: float

    @classmethod
    def of(cls, seconds: Sequence[float]) -> Figures:
        if not seconds:
            raise ValueError("no timings")
        ordered = sorted(s * 1000 for s in seconds)
        n = len(ordered)

        def rank(p: float) -> float:
            return ordered[max(0, math.ceil(p / 100 * n) - 1)]

        middle = n // 2
        median = ordered[middle] if n % 2 else (ordered[middle - 1] + ordered[middle]) / 2
        return cls(count=n, median=median, p95=rank(95), p99=rank(99), max=ordered[-1])

    def cells(self) -> list[str]:
        return [str(self.count), *(f"{v:.2f}" for v in (self.median, self.p95, self.p99, self.max))]


FIGURE_HEADERS = ["n", "median ms", "p95 ms", "p99 ms", "max ms"]
MEASURED_HEADERS = [*FIGURE_HEADERS, "CPU median", "CPU p99", "others' CPU"]
"""Wall-clock figures, then this process's CPU time per call, then how busy the rest was."""


@dataclass
class Timings:
    """Wall-clock seconds per call, and this process's CPU seconds (all its threads) per call.

    On a shared box the wall clock includes waiting for a CPU; the CPU time does not (nor the
    PostgreSQL server's work), so the two together tell cost from noise.
    """

    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)

    def add(self, call: Callable[[], object]) -> None:
        wall, cpu = time.perf_counter(), time.process_time()
        call()
        self.cpu.append(time.process_time() - cpu)
        self.wall.append(time.perf_counter() - wall)

    def figures(self) -> tuple[Figures, Figures]:
        return Figures.of(self.wall), Figures.of(self.cpu)


def measure(calls: Sequence[Callable[[], object]], *, rounds: int, warmup: int) -> Timings:
    """Time every call ``rounds`` times, round-robin, after ``warmup`` untimed rounds."""
    for _ in range(warmup):
        for call in calls:
            call()
    timings = Timings()
    for _ in range(rounds):
        for call in calls:
            timings.add(call)
    return timings


class CpuMeter:
    """How busy the machine was while a figure was taken (Linux ``/proc/stat``; else unknown).

    ``own`` is this process (every thread); ``others`` is everything else on the machine: the
    PostgreSQL server, and whatever else shares the box.  Both in % of all CPUs.
    """

    def __init__(self) -> None:
        self.own: float | None = None
        self.others: float | None = None

    @staticmethod
    def _machine() -> tuple[float, float] | None:
        try:
            fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]
        except OSError:
            return None
        ticks = [int(f) for f in fields]
        hz = os.sysconf("SC_CLK_TCK")
        return sum(ticks) / hz, (ticks[3] + ticks[4]) / hz  # (all, idle + iowait) seconds

    def __enter__(self) -> CpuMeter:
        self._start = (self._machine(), os.times())
        return self

    def __exit__(self, *exc: object) -> None:
        machine0, times0 = self._start
        machine1, times1 = self._machine(), os.times()
        if machine0 is None or machine1 is None:
            return
        total = machine1[0] - machine0[0]
        if total <= 0:
            return
        busy = total - (machine1[1] - machine0[1])
        own = (times1.user - times0.user) + (times1.system - times0.system)
        self.own = 100 * own / total
        self.others = max(0.0, 100 * (busy - own) / total)

    def describe(self) -> str:
        if self.own is None or self.others is None:
            return "CPU use unknown"
        return f"CPU: this process {self.own:.0f}%, others {self.others:.0f}% of all CPUs"

    def others_cell(self) -> str:
        return "-" if self.others is None else f"{self.others:.0f}%"


@dataclass(frozen=True)
class Measured:
    """One measured series: wall clock, CPU time, and the machine's load meanwhile."""

    wall: Figures
    cpu: Figures
    meter: CpuMeter

    @classmethod
    def of(cls, timings: Timings, meter: CpuMeter) -> Measured:
        return cls(*timings.figures(), meter)

    def cells(self) -> list[str]:
        cpu = [f"{self.cpu.median:.2f}", f"{self.cpu.p99:.2f}"]
        return [*self.wall.cells(), *cpu, self.meter.others_cell()]


def run_series(calls: Sequence[Callable[[], object]], *, rounds: int, warmup: int) -> Measured:
    with CpuMeter() as meter:
        timings = measure(calls, rounds=rounds, warmup=warmup)
    return Measured.of(timings, meter)


# --------------------------------------------------------------------------- printing


def _width(value: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in value)


def _pad(value: str, width: int, right: bool) -> str:
    gap = " " * (width - _width(value))
    return gap + value if right else value + gap


def _numeric(cell: str) -> bool:
    return cell == "-" or cell.rstrip("%").replace(".", "", 1).isdigit()


def print_table(headers: Sequence[str], rows: Sequence[Sequence[str]], title: str = "") -> None:
    """A plain-text table; columns after the first whose cells all look numeric align right."""
    widths = [max(_width(str(r[i])) for r in [headers, *rows]) for i in range(len(headers))]

    def numeric(i: int) -> bool:
        cells = [str(r[i]) for r in rows]
        return i > 0 and all(_numeric(c) for c in cells)

    right = [numeric(i) for i in range(len(headers))]
    if title:
        print(f"\n{title}")
    print("  ".join(_pad(h, w, r) for h, w, r in zip(headers, widths, right, strict=True)).rstrip())
    print("  ".join("-" * w for w in widths))
    for row in rows:
        cells = (_pad(str(c), w, r) for c, w, r in zip(row, widths, right, strict=True))
        print("  ".join(cells).rstrip())


# --------------------------------------------------------------------------- the machine


def _cpu_model() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def machine(dbs: Sequence[BenchDatabase]) -> list[tuple[str, str]]:
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    rows = [
        ("nproc", f"{cpus} ({_cpu_model()})"),
        ("python", f"{platform.python_implementation()} {platform.python_version()}"),
        ("sqlite", sqlite3.sqlite_version),
    ]
    pg = [db.server_version for db in dbs if db.label == "PostgreSQL"]
    rows.append(("postgresql", pg[0].removeprefix("PostgreSQL ") if pg else "skipped"))
    rows.append(("platform", platform.platform()))
    with contextlib.suppress(OSError):
        rows.append(("load average", " ".join(f"{v:.2f}" for v in os.getloadavg())))
    return rows


def command_line() -> str:
    """The command as typed (relative interpreter, the PostgreSQL URL without its password)."""
    python = sys.executable
    with contextlib.suppress(ValueError):
        relative = os.path.relpath(python)
        if not relative.startswith(".."):
            python = relative
    args = [python, *sys.argv]
    env = ""
    url = postgres_url()
    if url:
        env = f"{POSTGRES_ENV}={make_url(url).render_as_string(hide_password=True)} "
    return env + " ".join(shlex.quote(a) for a in args)


def app_env(url: str, data_dir: str, **extra: str) -> dict[str, str]:
    """The environment of a ``tongban serve`` process under bench: its database and data
    directory, a fixed secret key, warnings only; ``extra`` adds variables."""
    return {
        **os.environ,
        "TONGBAN_DATABASE_URL": url,
        "TONGBAN_DATA_DIR": data_dir,
        "TONGBAN_SECRET_KEY": "bench-secret-" + "x" * 32,
        "TONGBAN_LOG_LEVEL": "WARNING",
        "TONGBAN_CLOCK_START": BENCH_START.isoformat(),
        **extra,
    }
