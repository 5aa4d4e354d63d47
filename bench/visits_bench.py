"""Queue numbers and appointments (issue 13): call-next with 500 waiting, booking under contention.

    .venv/bin/python bench/visits_bench.py                       # SQLite only
    TONGBAN_BENCH_POSTGRES_URL=postgresql+psycopg://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python bench/visits_bench.py                   # SQLite and PostgreSQL

Each engine gets a database of its own (SQLite in a temporary directory; on PostgreSQL the
bench (re)creates ``tongban_bench_visits`` and drops it at the end), migrated, with the demo's
departments, the district and town centres with their demo window layouts (桂城 C-GC: 80
windows, ``demo.centres.town_layout``), the official calendar (every year the schedules cover,
as the demo loader seeds it), one published item (the cases bench's SCJGJ-0001, served by
group B, 企业开办专区, 12 windows) and, through the services, 4 clerks of C-GC and the citizens
who book.  Every action is dated on a logical clock that starts at ``BENCH_START`` (Monday
2026-11-16 09:30, the centre open) and moves 0.25 s per action.  ``bench/run_all.py`` runs the
same on its full-catalogue databases.

**Call next** (``queue.call_next``, one unit of work per call, as the route runs it).  The
clerk at the entrance desk takes 500 tickets across the centre's groups (A 10 : B 4 : C 3 :
D 2 : H 1 : W 1; of every ten, one booked on time, one priority, eight walk-ins); 4 clerks open
windows 1 (A, the priority window), 2 (A), the first B and the first C window.  Each clerk is a
thread; each call checks a connection out of the engine's pool, as a request does.

- Capacity: a short closed burst (200 calls), every clerk calling back to back.  The open-loop
  rate is a fixed share (``--visits-load``, 50%) of the median of three such bursts made once
  per engine after a warm-up; it is the same for every run, and printed.  Each run measures
  the capacity again (call next and baseline), for the ratio, and prints the open-loop rate
  as a share of it: on a shared machine the capacity moves, and a run whose rate came near
  its capacity built a backlog (a large start lag) rather than measuring the call.
- Latency, open loop: call ``i`` is due at ``t0 + i / rate`` and goes to clerk ``i mod 4``,
  who makes it at its due time or, if still busy with an earlier call, as soon as done; its
  latency counts from the due time (so a backlog shows, nothing is coordinated away).  The
  calls run in blocks of 50; after each block, outside the timed part, the entrance desk takes
  one ticket for each ticket called (same group, same class), so 450-500 wait throughout.
  Printed beside it: the start lag (start - due: the clerk still busy with an earlier call, or
  no CPU free to run the thread) and the call's own duration (end - start).
- CPU: the calling thread's CPU time per call (``time.thread_time``), this process's CPU per
  call over the timed blocks, and on PostgreSQL the CPU of the server's backends serving the
  bench's database per call (found by their process titles: the server may be shared).
- Baseline, the same run and the same arrival rate: a bare table ``bench_baseline_tickets``
  (id, lane, status, ord; index on lane, status, ord) with as many rows as ``queue_tickets``
  (the same waiting ones per lane = the clerk's group), and per call one transaction on a raw
  DB-API connection of the clerk's own: ``SELECT id ... WHERE lane = ? AND status = 'waiting'
  ORDER BY ord LIMIT 1`` (``FOR UPDATE SKIP LOCKED`` on PostgreSQL; SQLite after ``BEGIN
  IMMEDIATE``, the app's writer lock), ``UPDATE ... SET status = 'called' WHERE id = ? AND
  status = 'waiting'``, ``COMMIT``; refilled like the queue between blocks.  Its closed
  bursts make 5 times as many calls as the app's (it is that much faster).

**Booking under contention** (``appointments.book``).  50 threads, each with its own pooled
connection and a unit of work per booking, start at a barrier and book back to back into the
same 5 slots (thread ``c``'s ``j``-th booking goes to slot ``(c + j) mod 5``), 4 bookings a
thread, each by a different citizen (so one-booking-per-item never refuses).  With 3 places per
window the 5 slots hold 5 × 12 × 3 = 180 places for 200 requests: the last 20 must be refused
(``slot_full``).  Each run books 5 fresh slots.  After it, per slot: booked ≤ capacity and the
booked appointment rows = ``booked``, printed as VIOLATIONS (never raised), and again over
every slot at the end.  Baseline in the same run: 50 threads, 4 transactions each and on until
1 s has passed (a phase of a few milliseconds would time thread wake-ups): on PostgreSQL the
cases bench's bare endpoint (``cases_baseline_app.submit``: one case row and one audit row
over psycopg) called in process with a pool of 50 connections; on SQLite the same two inserts
on a raw connection per thread (``BEGIN IMMEDIATE``).  On SQLite the app's engine pool allows
15 connections (SQLAlchemy's default for a file database), so there some threads wait for a
connection as well as for the write lock.

Runs: a warm-up, then 3 runs of each measurement, interleaved; tables give each run and the
medians over runs.  Figures only: nothing passes or fails on time.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import os
import sqlite3
import statistics
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import cases_baseline_app as cases_baseline
from cases_bench import _item_spec
from common import (
    BENCH_START,
    POSTGRES_ENV,
    SKIPPED_POSTGRES,
    SYSTEM,
    BenchDatabase,
    CpuMeter,
    Figures,
    _drop_postgres,
    _fresh_postgres,
    command_line,
    machine,
    postgres_url,
    print_table,
)
from procfs import pids, process_stat, process_title
from sqlalchemy import event, func, select

from tongban.adapters.db import migrate
from tongban.adapters.db.async_reader import libpq_dsn
from tongban.adapters.db.tables import centres
from tongban.adapters.db.tables_visits import appointment_slots, appointments, queue_tickets
from tongban.bootstrap import Container, build_container
from tongban.config import Settings
from tongban.demo import centres as demo_centres
from tongban.demo.departments import DEPARTMENTS
from tongban.domain.catalogue.model import Channel, ServiceItemSpec
from tongban.domain.errors import ItemNotFound
from tongban.domain.people.model import Principal, Role, RoleAssignment
from tongban.domain.shared.clock import china_date
from tongban.domain.shared.identity import IdType, resident_id_check_char
from tongban.domain.visits.appointments import SlotFull
from tongban.domain.visits.queue import CallClass, PriorityReason
from tongban.services.catalogue import items as catalogue
from tongban.services.network import queries as network_queries
from tongban.services.network import structure as network
from tongban.services.people import accounts as people
from tongban.services.people.sessions import load_principal
from tongban.services.platform import calendar
from tongban.services.platform.context import Actor
from tongban.services.visits import appointments as booking
from tongban.services.visits import queue

DATABASE = "tongban_bench_visits"
CENTRE = f"C-{demo_centres.TOWNS[0].key}"
"""桂城街道行政服务中心 (C-GC): 80 windows in the demo's town layout."""
TARGET_P99_MS = 20.0
"""Issue 13: call-next with 500 tickets waiting, p99 under 20 ms on PostgreSQL."""
GROUP_MIX = ("A",) * 10 + ("B",) * 4 + ("C",) * 3 + ("D",) * 2 + ("H", "W")
REASONS = (
    PriorityReason.DISABLED,
    PriorityReason.PREGNANT,
    PriorityReason.GREEN_CHANNEL,
    PriorityReason.ELDERLY,
)
CLERK_WINDOWS = ("A", "A", "B", "C")
"""The groups of the clerks' windows: window 1 (A, priority), window 2 (A), first B, first C."""
TICK = timedelta(seconds=0.25)
BASELINE_TICKETS = "bench_baseline_tickets"
BASELINE_REPEAT = 5
"""The call-next baseline's closed bursts make 5 times as many calls as the app's: it is that
much faster, and a burst of a few milliseconds would time thread wake-ups more than calls."""
BASELINE_SECONDS = 1.0
"""The booking baseline's threads go on with their transactions for at least this long."""


# --------------------------------------------------------------------------- the world


@dataclass
class Clerk:
    principal: Principal
    window: int
    group: str


@dataclass
class World:
    label: str
    container: Container
    item: str
    booking_group: str
    clerks: list[Clerk]
    desk: Principal
    """The clerk at the entrance desk who takes the tickets (clerk 0's principal)."""
    citizens: list[Principal]
    ticks: Iterator[int] = field(default_factory=itertools.count)

    @property
    def database(self) -> str | None:
        """The PostgreSQL database's name (whose backends' CPU is counted); None on SQLite."""
        url = self.container.engine.url
        return url.database if url.get_backend_name() == "postgresql" else None

    def now(self) -> datetime:
        """The next instant of the logical clock (thread-safe: ``next`` on a count is atomic)."""
        return BENCH_START + next(self.ticks) * TICK

    def take_next_citizens(self, n: int) -> list[Principal]:
        taken, self.citizens = self.citizens[:n], self.citizens[n:]
        if len(taken) < n:
            raise RuntimeError("not enough citizens made for the booking runs")
        return taken


def _resident_id(n: int) -> str:
    first17 = f"440605{datetime(1960, 1, 1) + timedelta(days=n):%Y%m%d}{n % 1000:03d}"
    return first17 + resident_id_check_char(first17)


def _bookable(spec: ServiceItemSpec) -> ServiceItemSpec:
    """The item as booked at a centre: appointments (预约办) are one of its channels."""
    return spec.model_copy(update={"channels": (*spec.channels, Channel.APPOINTMENT)})


def _booked_item_spec() -> ServiceItemSpec:
    return _bookable(_item_spec())


def prepare(label: str, container: Container, citizens: int) -> World:
    """What the bench needs, through the services; what a full-catalogue database already has
    (departments, centres, the calendar, the item) is kept."""
    with container.read() as uow:
        has_centre = uow.conn.execute(select(centres.c.id).where(centres.c.code == CENTRE)).first()
        years = set(calendar.load_calendar(uow.conn).years)
    if has_centre is None:
        with container.uow() as uow:
            network.upsert_departments(uow, SYSTEM, DEPARTMENTS)
        with container.uow() as uow:
            network.upsert_centres(uow, SYSTEM, demo_centres.district_and_town_centres())
    if BENCH_START.year not in years:  # as the demo loader seeds it: every official year
        with container.uow() as uow:
            calendar.seed_official(uow, SYSTEM, source=container.official_schedules)
    spec = _booked_item_spec()
    with container.read() as uow:
        try:
            item = catalogue.published_item(uow.conn, spec.code)
        except ItemNotFound:
            item = None
    if item is None or Channel.APPOINTMENT not in item.spec.channels:
        with container.uow() as uow:  # a full-catalogue database: a new version that books
            catalogue.publish_spec(uow, SYSTEM, spec if item is None else _bookable(item.spec))
    with container.read() as uow:
        item = catalogue.published_item(uow.conn, spec.code)
        centre = network_queries.centre(uow.conn, CENTRE)
    group = centre.group_for(item.spec.department_code)
    assert group is not None, "the town centre serves the item"
    windows = []
    for code in CLERK_WINDOWS:
        taken = {w for w, _ in windows}
        found = next(w for w in centre.windows_of(code) if w.number not in taken)
        windows.append((found.number, code))
    clerk_ids = []
    with container.uow() as uow:
        for n in range(len(windows)):
            clerk_ids.append(
                people.create_staff(
                    uow, SYSTEM, f"bench.visits.{n}", "测试窗口人员", "Bench@2026-visits",
                    [RoleAssignment(Role.CLERK, centre_code=CENTRE)],
                )
            )  # fmt: skip
    citizen_ids = []
    with container.uow() as uow:
        for n in range(citizens):
            citizen_ids.append(
                people.create_citizen(
                    uow, SYSTEM, IdType.RESIDENT_ID, _resident_id(n), "张小明", "13800138000"
                )
            )
    with container.read() as uow:
        clerks = [
            Clerk(_principal(uow.conn, uid), number, code)
            for uid, (number, code) in zip(clerk_ids, windows, strict=True)
        ]
        booked_by = [_principal(uow.conn, uid) for uid in citizen_ids]
    world = World(label, container, item.code, group.code, clerks, clerks[0].principal, booked_by)
    for clerk in clerks:
        with container.uow() as uow:
            actor = Actor(principal=clerk.principal, request_id="bench-open", at=world.now())
            queue.open_window(uow, actor, CENTRE, clerk.window)
    return world


def _principal(conn: Any, user_id: int) -> Principal:
    found = load_principal(conn, user_id)
    assert found is not None
    return found


# --------------------------------------------------------------------------- timing


@dataclass
class Sample:
    latency: float  # end - due (open loop) or end - start (closed)
    lag: float  # start - due: how late the call began (its lane busy, or no CPU to run on)
    service: float  # end - start: the call itself
    cpu: float  # the calling thread's CPU seconds


@dataclass
class Series:
    """One measured series: the samples of its timed blocks, and the CPU meanwhile."""

    name: str
    database: str | None  # PostgreSQL: whose backends' CPU to count
    samples: list[Sample] = field(default_factory=list)
    seconds: float = 0.0  # timed blocks only
    errors: Counter[str] = field(default_factory=Counter)
    own_cpu: float = 0.0  # this process, seconds, timed blocks only
    postgres_cpu: float = 0.0
    _machine_total: float = 0.0
    _machine_busy: float = 0.0

    @property
    def calls(self) -> int:
        return len(self.samples)

    @property
    def rate(self) -> float:
        return self.calls / self.seconds if self.seconds else 0.0

    def wall(self) -> Figures:
        return Figures.of([s.latency for s in self.samples])

    def cpu(self) -> Figures:
        return Figures.of([s.cpu for s in self.samples])

    def lag(self) -> Figures:
        return Figures.of([s.lag for s in self.samples])

    def service(self) -> Figures:
        return Figures.of([s.service for s in self.samples])

    def meter(self) -> CpuMeter:
        meter = CpuMeter()
        if self._machine_total > 0:
            meter.own = 100 * self.own_cpu / self._machine_total
            others = self._machine_busy - self.own_cpu
            meter.others = max(0.0, 100 * others / self._machine_total)
        return meter

    @contextlib.contextmanager
    def block(self) -> Iterator[None]:
        """Counts the CPU of one timed block into the series (reading /proc for the postgres
        processes' CPU happens outside this process's count)."""
        pg0 = _backend_seconds(self.database)
        machine0, own0 = CpuMeter._machine(), time.process_time()
        yield
        own1, machine1 = time.process_time(), CpuMeter._machine()
        pg1 = _backend_seconds(self.database)
        self.own_cpu += own1 - own0
        self.postgres_cpu += _grown(pg0, pg1)
        if machine0 is not None and machine1 is not None:
            self._machine_total += machine1[0] - machine0[0]
            self._machine_busy += (machine1[0] - machine0[0]) - (machine1[1] - machine0[1])


def _backend_seconds(database: str | None) -> dict[int, float]:
    """CPU seconds so far of each PostgreSQL backend serving ``database`` (by its process
    title, ``postgres: ... user database host(port) state``); none for SQLite.  The server is
    shared with other people's test databases: only this bench's backends are counted."""
    if database is None:
        return {}
    marker = f" {database} "
    found: dict[int, float] = {}
    for pid in pids():
        title = process_title(pid)
        if title is None or not title.startswith("postgres:") or marker not in title:
            continue
        stat = process_stat(pid)
        if stat is not None:
            found[pid] = stat.cpu_seconds
    return found


def _grown(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU seconds the backends used in between (a backend that exited meanwhile: lost)."""
    return sum(max(0.0, t - before.get(pid, 0.0)) for pid, t in after.items())


Call = Callable[[], object]


def run_block(series: Series, lanes: Sequence[Call], calls: int, rate: float | None) -> None:
    """``calls`` calls spread over the lanes (call ``i`` to lane ``i mod lanes``), one thread a
    lane.  ``rate`` None: closed loop, back to back, timed from the first call's start to the
    last one's end.  Else open loop: call ``i`` is due at ``t0 + i / rate`` and its latency
    counts from then."""
    k = len(lanes)
    results: list[list[Sample]] = [[] for _ in lanes]
    spans: list[tuple[float, float]] = []  # per lane: first start, last end (list.append: atomic)
    errors: list[str] = []
    starts = threading.Barrier(k + 1)
    t0 = 0.0

    def lane(c: int) -> None:
        call, mine = lanes[c], results[c]
        starts.wait()
        first = last = time.perf_counter()
        for i in range(c, calls, k):
            due = t0 + i / rate if rate else time.perf_counter()
            delay = due - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            begun, cpu = time.perf_counter(), time.thread_time()
            if i == c:
                first = begun
            try:
                call()
            except Exception as error:  # counted and shown, never hidden
                errors.append(type(error).__name__)
                continue
            last = ended = time.perf_counter()
            cpu = time.thread_time() - cpu
            mine.append(Sample(ended - due, max(0.0, begun - due), ended - begun, cpu))
        spans.append((first, last))

    threads = [threading.Thread(target=lane, args=(c,)) for c in range(k)]
    for t in threads:
        t.start()
    with series.block():
        started = time.perf_counter()
        t0 = started + (0.005 if rate else 0.0)  # the first call due just after the release
        starts.wait()
        for t in threads:
            t.join()
        ended = time.perf_counter()
    if rate:
        series.seconds += ended - started
    else:
        series.seconds += max(e for _, e in spans) - min(b for b, _ in spans)
    for mine in results:
        series.samples += mine
    series.errors.update(errors)


# --------------------------------------------------------------------------- call next


@dataclass(frozen=True)
class Kind:
    """What a ticket is taken as: its group and its class."""

    group: str
    booked: bool
    reason: PriorityReason | None


def _kind_of(n: int) -> Kind:
    group = GROUP_MIX[n % len(GROUP_MIX)]
    if n % 10 == 3:
        return Kind(group, True, None)
    if n % 10 == 7:
        return Kind(group, False, REASONS[(n // 10) % len(REASONS)])
    return Kind(group, False, None)


def _ticket_kind(ticket: queue.Ticket) -> Kind:
    reason = PriorityReason(ticket.priority_reason) if ticket.priority_reason else None
    booked = ticket.call_class is CallClass.BOOKED
    return Kind(ticket.group_code, booked, reason)


def take_tickets(world: World, kinds: Sequence[Kind]) -> None:
    """The entrance desk takes one ticket of each kind (one transaction: set-up, untimed)."""
    with world.container.uow() as uow:
        for kind in kinds:
            actor = Actor(principal=world.desk, request_id="bench-take", at=world.now())
            queue.take_ticket(
                uow, actor, CENTRE, group_code=kind.group, priority_reason=kind.reason,
                booked_on_time=kind.booked,
            )  # fmt: skip


class Baseline:
    """The bare SELECT ... UPDATE of a waiting row, on raw DB-API connections (one a lane)."""

    def __init__(self, container: Container) -> None:
        self.engine = container.engine
        self.postgres = self.engine.dialect.name == "postgresql"
        self.mark = "%s" if self.postgres else "?"
        self.ord = itertools.count(1_000_000)

    def connect(self) -> Any:
        if self.postgres:
            import psycopg

            return psycopg.connect(libpq_dsn(self.engine.url))
        conn = sqlite3.connect(
            self.engine.url.database or "", timeout=30, isolation_level=None,
            check_same_thread=False,
        )  # fmt: skip
        for pragma in ("journal_mode=WAL", "busy_timeout=30000", "synchronous=NORMAL"):
            conn.execute(f"PRAGMA {pragma}")
        return conn

    def create(self) -> None:
        """The table, filled like ``queue_tickets``: a row per ticket, lane = its group."""
        conn = self.connect()
        try:
            self._begin(conn)
            key = "integer PRIMARY KEY" if not self.postgres else "bigserial PRIMARY KEY"
            conn.execute(
                f"CREATE TABLE {BASELINE_TICKETS} (id {key}, lane varchar(1) NOT NULL,"
                " status varchar(10) NOT NULL, ord integer NOT NULL)"
            )
            conn.execute(
                f"CREATE INDEX ix_{BASELINE_TICKETS}_waiting ON {BASELINE_TICKETS}"
                " (lane, status, ord)"
            )
            conn.execute(
                f"INSERT INTO {BASELINE_TICKETS} (lane, status, ord)"
                " SELECT group_code, status, id FROM queue_tickets ORDER BY id"
            )
            self._commit(conn)
        finally:
            conn.close()

    def _begin(self, conn: Any) -> None:
        if not self.postgres:  # psycopg begins by itself
            conn.execute("BEGIN IMMEDIATE")

    def _commit(self, conn: Any) -> None:
        if self.postgres:
            conn.commit()
        else:
            conn.execute("COMMIT")

    def call(self, conn: Any, lane: str) -> Call:
        m = self.mark
        pick = (
            f"SELECT id FROM {BASELINE_TICKETS} WHERE lane = {m} AND status = 'waiting'"
            " ORDER BY ord LIMIT 1" + (" FOR UPDATE SKIP LOCKED" if self.postgres else "")
        )
        take = (
            f"UPDATE {BASELINE_TICKETS} SET status = 'called' WHERE id = {m} AND status = 'waiting'"
        )

        def one() -> None:
            self._begin(conn)
            row = conn.execute(pick, (lane,)).fetchone()
            if row is None:
                raise RuntimeError("no baseline row waiting")
            conn.execute(take, (row[0],))
            self._commit(conn)

        return one

    def refill(self, lanes: Counter[str]) -> None:
        conn = self.connect()
        try:
            self._begin(conn)
            for lane, n in sorted(lanes.items()):
                for _ in range(n):
                    conn.execute(
                        f"INSERT INTO {BASELINE_TICKETS} (lane, status, ord)"
                        f" VALUES ({self.mark}, 'waiting', {self.mark})",
                        (lane, next(self.ord)),
                    )
            self._commit(conn)
        finally:
            conn.close()

    def size(self) -> tuple[int, int]:
        conn = self.connect()
        try:
            rows = conn.execute(
                f"SELECT count(*), sum(CASE WHEN status = 'waiting' THEN 1 ELSE 0 END)"
                f" FROM {BASELINE_TICKETS}"
            ).fetchone()
            if self.postgres:
                conn.rollback()
            return int(rows[0]), int(rows[1])
        finally:
            conn.close()


def _statements(world: World, call: Call, caller: CallNext) -> str:
    """The SQL one call next sends, by kind (``BEGIN``/``COMMIT`` aside), untimed."""
    seen: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        verb = statement.lstrip().split(None, 1)[0].upper()
        if verb not in ("BEGIN", "COMMIT", "ROLLBACK"):
            seen.append(verb)

    event.listen(world.container.engine, "before_cursor_execute", count)
    try:
        call()
    finally:
        event.remove(world.container.engine, "before_cursor_execute", count)
    caller.refill()
    kinds = ", ".join(f"{k} {v}" for k, v in sorted(Counter(seen).items()))
    return f"one call next sends {len(seen)} SQL statements ({kinds})"


def _queue_size(world: World) -> tuple[int, int]:
    with world.container.read() as uow:
        total = uow.conn.execute(select(func.count()).select_from(queue_tickets)).scalar_one()
        waiting = uow.conn.execute(
            select(func.count()).where(queue_tickets.c.status == "waiting")
        ).scalar_one()
    return int(total), int(waiting)


class CallNext:
    """The clerks' lanes: ``queue.call_next`` in a unit of work of its own, as the route."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.called: list[queue.Ticket] = []  # list.append is atomic

    def lane(self, clerk: Clerk) -> Call:
        world = self.world

        def one() -> None:
            actor = Actor(principal=clerk.principal, request_id="bench-call", at=world.now())
            with world.container.uow() as uow:
                self.called.append(queue.call_next(uow, actor))

        return one

    def lanes(self) -> list[Call]:
        return [self.lane(c) for c in self.world.clerks]

    def refill(self) -> None:
        called, self.called = self.called, []
        take_tickets(self.world, [_ticket_kind(t) for t in called])


@dataclass
class QueueRun:
    capacity: Series
    base_capacity: Series
    loop: Series
    base_loop: Series


@dataclass
class QueueResult:
    engine: str
    rate: float
    first_capacity: float
    runs: list[QueueRun]
    sizes: list[str]


def bench_queue(world: World, args: argparse.Namespace) -> QueueResult:
    waiting, block, burst = args.visits_waiting, args.visits_block, args.visits_burst
    take_tickets(world, [_kind_of(n) for n in range(waiting)])
    caller = CallNext(world)
    lanes = caller.lanes()
    base = Baseline(world.container)
    base.create()
    base_conns = [base.connect() for _ in world.clerks]
    base_lanes = [
        base.call(conn, c.group) for conn, c in zip(base_conns, world.clerks, strict=True)
    ]

    def calls(name: str, total: int, rate: float | None) -> Series:
        """Call next ``total`` times in blocks, the entrance desk refilling after each."""
        series = Series(name, world.database)
        for done in range(0, total, block):
            run_block(series, lanes, min(block, total - done), rate)
            caller.refill()
        return series

    def bare(name: str, total: int, rate: float | None) -> Series:
        """The baseline ``total`` times in blocks; after each, every lane gets back the rows
        it marked called (call i went to lane i mod k)."""
        series = Series(name, world.database)
        for done in range(0, total, block):
            n = min(block, total - done)
            run_block(series, base_lanes, n, rate)
            base.refill(Counter(world.clerks[i % len(world.clerks)].group for i in range(n)))
        return series

    def sizes() -> str:
        (q_total, q_waiting), (b_total, b_waiting) = _queue_size(world), base.size()
        return (
            f"queue_tickets {q_total} rows, {q_waiting} waiting; "
            f"{BASELINE_TICKETS} {b_total} rows, {b_waiting} waiting"
        )

    try:
        print(f"{world.label}: {sizes()}; warming up", flush=True)
        calls("warm-up", burst, None)
        bare("warm-up", burst * BASELINE_REPEAT, None)
        # The machine is shared and its load moves: the capacity the rate is set from is the
        # median of three bursts, not one that may have been lucky.
        bursts = [calls("capacity", burst, None).rate for _ in range(3)]
        first = statistics.median(bursts)
        rate = round(first * args.visits_load, 1)
        print(
            f"{world.label}: call-next capacity {first:.0f}/s (closed, {len(lanes)} clerks; "
            f"median of {', '.join(f'{b:.0f}' for b in bursts)}); open loop at {rate:.1f}/s "
            f"({args.visits_load:.0%})",
            flush=True,
        )
        runs = []
        for r in range(args.visits_runs):
            load = " ".join(f"{v:.2f}" for v in os.getloadavg())
            run = QueueRun(
                capacity=calls("call next", burst, None),
                base_capacity=bare("baseline", burst * BASELINE_REPEAT, None),
                loop=calls("call next", args.visits_calls, rate),
                base_loop=bare("baseline", args.visits_calls, rate),
            )
            runs.append(run)
            print(
                f"  run {r + 1}: load average {load}; call next p99 {run.loop.wall().p99:.1f} ms,"
                f" baseline p99 {run.base_loop.wall().p99:.1f} ms",
                flush=True,
            )
        after = [sizes(), _statements(world, lanes[0], caller)]
    finally:
        for conn in base_conns:
            conn.close()
    return QueueResult(world.label, rate, first, runs, after)


def _med(values: Sequence[float]) -> float:
    return statistics.median(values)


def _times(a: float, b: float) -> str:
    return f"{a / b:.1f}×" if b else "-"


def _share(a: float, b: float) -> str:
    return f"{a / b:.0%}" if b else "-"


def _ms(v: float) -> str:
    return f"{v:.2f}"


def _series_cells(s: Series, postgres: bool) -> list[str]:
    w, c, lag, service = s.wall(), s.cpu(), s.lag(), s.service()
    n = s.calls or 1
    return [
        str(s.calls), _ms(w.median), _ms(w.p95), _ms(w.p99), _ms(w.max), _ms(lag.p99),
        _ms(service.median), _ms(service.p99), _ms(c.median), _ms(c.p99), _ms(1000 * s.own_cpu / n),
        _ms(1000 * s.postgres_cpu / n) if postgres else "-", s.meter().others_cell(),
        str(sum(s.errors.values())),
    ]  # fmt: skip


QUEUE_HEADERS = [
    "run", "series", "calls", "median ms", "p95 ms", "p99 ms", "max ms", "start lag p99",
    "call median", "call p99", "CPU ms median", "CPU ms p99", "process CPU ms/call",
    "postgres CPU ms/call", "others' CPU", "errors",
]  # fmt: skip


def print_queue(result: QueueResult) -> None:
    postgres = result.engine == "PostgreSQL"
    rows = []
    for r, run in enumerate(result.runs, 1):
        rows.append([str(r), "call next", *_series_cells(run.loop, postgres)])
        rows.append([str(r), "baseline", *_series_cells(run.base_loop, postgres)])
    print_table(
        QUEUE_HEADERS, rows,
        title=f"{result.engine}: call next, open loop at {result.rate:.1f} calls/s "
        f"(latency from the due time; CPU = the calling thread's; 4 clerks)",
    )  # fmt: skip
    cap_rows = []
    for r, run in enumerate(result.runs, 1):
        cap_rows.append(
            [str(r), f"{run.capacity.rate:.0f}", f"{run.base_capacity.rate:.0f}",
             _share(run.capacity.rate, run.base_capacity.rate),
             _share(result.rate, run.capacity.rate)]
        )  # fmt: skip
    print_table(
        ["run", "call next /s", "baseline /s", "÷ baseline", "open-loop rate ÷ this"], cap_rows,
        title=f"{result.engine}: capacity, closed burst of 4 clerks calling back to back "
        f"(the open-loop rate is {result.rate:.1f}/s, {result.rate / result.first_capacity:.0%} "
        f"of the median of three earlier bursts, {result.first_capacity:.0f}/s)",
    )  # fmt: skip
    s = queue_summary(result)
    print_table(
        ["medians of runs", "call next", "baseline", "÷ baseline"],
        [
            ["capacity /s", f"{s['cap']:.0f}", f"{s['base_cap']:.0f}",
             _share(s["cap"], s["base_cap"])],
            ["median ms", _ms(s["median"]), _ms(s["base_median"]),
             _times(s["median"], s["base_median"])],
            ["p99 ms", _ms(s["p99"]), _ms(s["base_p99"]), _times(s["p99"], s["base_p99"])],
            ["CPU ms/call (thread, median)", _ms(s["cpu"]), _ms(s["base_cpu"]),
             _times(s["cpu"], s["base_cpu"])],
        ],
        title=f"{result.engine}: medians over {len(result.runs)} runs "
        f"(p99 target {TARGET_P99_MS:.0f} ms on PostgreSQL)",
    )  # fmt: skip
    for size in result.sizes:
        print(f"  after the runs: {size}")


def queue_summary(result: QueueResult) -> dict[str, float]:
    runs = result.runs
    return {
        "cap": _med([r.capacity.rate for r in runs]),
        "base_cap": _med([r.base_capacity.rate for r in runs]),
        "median": _med([r.loop.wall().median for r in runs]),
        "base_median": _med([r.base_loop.wall().median for r in runs]),
        "p99": _med([r.loop.wall().p99 for r in runs]),
        "base_p99": _med([r.base_loop.wall().p99 for r in runs]),
        "cpu": _med([r.loop.cpu().median for r in runs]),
        "base_cpu": _med([r.base_loop.cpu().median for r in runs]),
    }


def summary_figures(result: QueueResult, baseline: bool = False) -> tuple[Figures, Figures, Any]:
    """Wall and CPU figures for ``run_all``'s summary: medians over runs of each percentile,
    the count of all calls; and the CPU meter of the median run (by p99)."""
    series = [r.base_loop if baseline else r.loop for r in result.runs]

    def combined(pick: Callable[[Series], Figures]) -> Figures:
        figs = [pick(s) for s in series]
        return Figures(
            count=sum(f.count for f in figs),
            median=_med([f.median for f in figs]),
            p95=_med([f.p95 for f in figs]),
            p99=_med([f.p99 for f in figs]),
            max=max(f.max for f in figs),
        )

    middle = sorted(series, key=lambda s: s.wall().p99)[len(series) // 2]
    return combined(Series.wall), combined(Series.cpu), middle.meter()


# --------------------------------------------------------------------------- booking


@dataclass
class BookingPhase:
    name: str
    requests: int = 0
    ok: int = 0
    refused: int = 0
    errors: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0
    own_cpu: float = 0.0
    postgres_cpu: float = 0.0
    meter: CpuMeter = field(default_factory=CpuMeter)
    violations: int | None = None
    first_error: str = ""
    places: int = 0
    check: str = ""

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def ok_per_second(self) -> float:
        return self.ok / self.seconds if self.seconds else 0.0


def _contend(
    phase: BookingPhase,
    work: Sequence[Sequence[Call]],
    database: str | None,
    min_seconds: float = 0.0,
) -> BookingPhase:
    """One thread per list of calls, all released at once; each call returns (done), or raises
    ``SlotFull`` (refused) or anything else (counted by kind).  With ``min_seconds``, a thread
    done with its list before then goes through it again, until then."""
    lock = threading.Lock()
    gate = threading.Barrier(len(work) + 1)
    deadline = 0.0

    def client(calls: Sequence[Call]) -> None:
        gate.wait()
        ok = refused = 0
        bad: Counter[str] = Counter()
        while True:
            for call in calls:
                try:
                    call()
                    ok += 1
                except SlotFull:
                    refused += 1
                except Exception as error:
                    bad[type(error).__name__] += 1
                    phase.first_error = phase.first_error or f"{type(error).__name__}: {error}"
            if time.perf_counter() >= deadline:
                break
        with lock:
            phase.ok += ok
            phase.refused += refused
            phase.errors.update(bad)

    threads = [threading.Thread(target=client, args=(calls,)) for calls in work]
    for t in threads:
        t.start()
    pg0 = _backend_seconds(database)
    with CpuMeter() as meter:
        own = time.process_time()
        started = time.perf_counter()
        deadline = started + min_seconds
        gate.wait()
        for t in threads:
            t.join()
        phase.seconds = time.perf_counter() - started
        phase.own_cpu = time.process_time() - own
    phase.postgres_cpu = _grown(pg0, _backend_seconds(database))
    phase.meter = meter
    phase.requests = phase.ok + phase.refused + sum(phase.errors.values())
    return phase


def _violations(rows: Sequence[Any], held: dict[int, int]) -> int:
    """Slots booked beyond their capacity or whose booked appointment rows differ from
    ``booked``."""
    return sum(1 for r in rows if r.booked > r.capacity or held.get(r.id, 0) != r.booked)


class Bookings:
    def __init__(self, world: World, args: argparse.Namespace) -> None:
        self.world = world
        self.clients, self.attempts = args.visits_clients, args.visits_attempts
        self.rules = booking.Rules(
            slot_minutes=30, places_per_window=args.visits_places, days_ahead=14
        )
        settings = world.container.settings
        # A container of its own whose pool gives every client thread its own connection.
        wide = settings.model_copy(update={"db_pool_size": self.clients + 4})
        self.container = build_container(wide)
        self.free_slots = self._offered(args.visits_slots * (args.visits_runs + 1))
        self.slots_per_run = args.visits_slots
        self.postgres = self.container.engine.dialect.name == "postgresql"
        self.base_serial = itertools.count(1)
        self._base_conns: list[Any] = []
        if self.postgres:
            dsn = libpq_dsn(self.container.engine.url)
            cases_baseline.create_tables(dsn)
            cases_baseline._pool = cases_baseline.Pool(dsn, self.clients)
        else:
            self._sqlite_baseline_tables()

    def close(self) -> None:
        for conn in self._base_conns:
            conn.close()
        self._empty_baseline_pool()
        if self.postgres:
            cases_baseline._pool = None
        self.container.engine.dispose()

    # The server allows 100 connections, shared with other people's test databases: the app's
    # pool and the baseline's (50 each) are never open together.  Each is filled before its
    # phase, so that no phase times opening connections.

    def _empty_baseline_pool(self) -> None:
        pool = cases_baseline._pool
        while pool is not None and not pool.idle.empty():
            pool.idle.get_nowait().close()

    def _fill_app_pool(self) -> None:
        self._empty_baseline_pool()
        held = [self.container.engine.connect() for _ in range(self.clients)]
        for conn in held:
            conn.close()  # back to the pool, which keeps them (pool size = clients + 4)

    def _fill_baseline_pool(self) -> None:
        self.container.engine.dispose()
        pool = cases_baseline._pool
        if pool is None:
            return
        import psycopg

        while pool.idle.qsize() < self.clients:
            pool.idle.put(psycopg.connect(pool.dsn))

    def _offered(self, n: int) -> list[datetime]:
        """The first ``n`` slots the centre offers for the item from the bench's start on."""
        found: list[datetime] = []
        with self.container.read() as uow:
            day = china_date(BENCH_START)
            while len(found) < n:
                found += [
                    s.starts_at
                    for s in booking.slots(
                        uow.conn, self.rules, CENTRE, self.world.item, day, BENCH_START
                    )
                ]
                day += timedelta(days=1)
                if day > china_date(BENCH_START) + timedelta(days=self.rules.days_ahead):
                    raise RuntimeError("not enough slots within the booking horizon")
        return found[:n]

    def capacity_per_slot(self) -> int:
        with self.container.read() as uow:
            centre = network_queries.centre(uow.conn, CENTRE)
        return self.rules.places_per_window * len(centre.windows_of(self.world.booking_group))

    # -- the measured request

    def book_phase(self, name: str) -> tuple[BookingPhase, list[datetime]]:
        slots, self.free_slots = (
            self.free_slots[: self.slots_per_run],
            self.free_slots[self.slots_per_run :],
        )
        who = self.world.take_next_citizens(self.clients * self.attempts)
        if self.postgres:
            self._fill_app_pool()
        container, rules, item = self.container, self.rules, self.world.item

        def one(principal: Principal, starts_at: datetime) -> Call:
            def call() -> None:
                actor = Actor(principal=principal, request_id="bench-book", at=BENCH_START)
                with container.uow() as uow:
                    booking.book(uow, actor, rules, CENTRE, item, starts_at)

            return call

        work = [
            [
                one(who[c * self.attempts + j], slots[(c + j) % len(slots)])
                for j in range(self.attempts)
            ]
            for c in range(self.clients)
        ]
        phase = _contend(BookingPhase(name), work, self.world.database)
        self._verify(phase, slots)
        if phase.ok == 0:  # a figure of refusals measures nothing: stop and say why
            raise SystemExit(f"booking: not one request booked; first error: {phase.first_error}")
        return phase, slots

    def _verify(self, phase: BookingPhase, slots: list[datetime]) -> None:
        with self.container.read() as uow:
            conn = uow.conn
            rows = conn.execute(
                select(appointment_slots.c.id, appointment_slots.c.capacity,
                       appointment_slots.c.booked)
                .join(centres, appointment_slots.c.centre_id == centres.c.id)
                .where(centres.c.code == CENTRE, appointment_slots.c.starts_at.in_(slots))
            ).all()  # fmt: skip
            held = dict(
                conn.execute(
                    select(appointments.c.slot_id, func.count())
                    .where(
                        appointments.c.slot_id.in_([r.id for r in rows]),
                        appointments.c.status == "booked",
                    )
                    .group_by(appointments.c.slot_id)
                ).all()
            )
        phase.violations = _violations(rows, held)
        phase.places = sum(r.capacity for r in rows)
        booked = sum(r.booked for r in rows)
        full = phase.ok == booked == min(phase.places, phase.requests)
        phase.check = (
            f"{len(rows)} slots, {phase.places} places, booked {booked} "
            f"(rows {sum(held.values())}); every place taken and each success a row: "
            f"{'yes' if full else 'NO'}"
        )

    def verify_all(self) -> tuple[int, int]:
        """(slots, violations) over every slot of the database, after all the runs."""
        with self.container.read() as uow:
            conn = uow.conn
            rows = conn.execute(
                select(appointment_slots.c.id, appointment_slots.c.capacity,
                       appointment_slots.c.booked)
            ).all()  # fmt: skip
            held = dict(
                conn.execute(
                    select(appointments.c.slot_id, func.count())
                    .where(appointments.c.status == "booked")
                    .group_by(appointments.c.slot_id)
                ).all()
            )
        return len(rows), _violations(rows, held)

    # -- the baseline

    def _sqlite_baseline_tables(self) -> None:
        conn = self._sqlite_connect()
        conn.executescript(
            "CREATE TABLE IF NOT EXISTS bench_baseline_cases (id integer PRIMARY KEY,"
            " number text UNIQUE, applicant_id integer NOT NULL, item_code text NOT NULL,"
            " form text NOT NULL, materials text NOT NULL, status text NOT NULL,"
            " version integer NOT NULL, submitted_at text NOT NULL DEFAULT CURRENT_TIMESTAMP);"
            "CREATE TABLE IF NOT EXISTS bench_baseline_case_events (id integer PRIMARY KEY,"
            " case_id integer NOT NULL REFERENCES bench_baseline_cases (id),"
            " seq integer NOT NULL, type text NOT NULL, detail text NOT NULL,"
            " at text NOT NULL DEFAULT CURRENT_TIMESTAMP);"
        )
        conn.close()

    def _sqlite_connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(
            self.container.engine.url.database or "", timeout=30, isolation_level=None,
            check_same_thread=False,
        )  # fmt: skip
        for pragma in ("journal_mode=WAL", "foreign_keys=ON", "busy_timeout=30000",
                       "synchronous=NORMAL"):  # fmt: skip
            conn.execute(f"PRAGMA {pragma}")
        return conn

    def baseline_phase(self, name: str) -> BookingPhase:
        if self.postgres:
            self._fill_baseline_pool()
        body = {"item_code": self.world.item, "form": {"shop_name": "小明奶茶", "area": "35"},
                "materials": ["经营者身份证明"]}  # fmt: skip

        def endpoint() -> Call:
            def call() -> None:
                cases_baseline.submit(cases_baseline.ApplicationIn.model_validate(body))

            return call

        def sqlite_insert(conn: sqlite3.Connection) -> Call:
            def call() -> None:
                parsed = cases_baseline.ApplicationIn.model_validate(body)
                conn.execute("BEGIN IMMEDIATE")
                try:
                    case_id = conn.execute(
                        "INSERT INTO bench_baseline_cases (number, applicant_id, item_code, form,"
                        " materials, status, version) VALUES (?, 1, ?, ?, ?, 'submitted', 1)"
                        " RETURNING id",
                        (f"BL-{next(self.base_serial):08d}", parsed.item_code,
                         json.dumps(parsed.form, ensure_ascii=False),
                         json.dumps(parsed.materials, ensure_ascii=False)),
                    ).fetchone()[0]  # fmt: skip
                    conn.execute(
                        "INSERT INTO bench_baseline_case_events (case_id, seq, type, detail)"
                        " VALUES (?, 1, 'CaseSubmitted', ?)",
                        (case_id, json.dumps({"channel": "online"})),
                    )
                    conn.execute("COMMIT")
                except BaseException:
                    conn.execute("ROLLBACK")
                    raise

            return call

        work: list[list[Call]] = []
        for c in range(self.clients):
            if self.postgres:
                work.append([endpoint()] * self.attempts)
            else:
                if len(self._base_conns) <= c:
                    self._base_conns.append(self._sqlite_connect())
                work.append([sqlite_insert(self._base_conns[c])] * self.attempts)
        return _contend(BookingPhase(name), work, self.world.database, BASELINE_SECONDS)


@dataclass
class BookingResult:
    engine: str
    capacity_per_slot: int
    runs: list[tuple[BookingPhase, BookingPhase]]  # (booking, baseline)
    warmup: tuple[BookingPhase, BookingPhase]
    all_slots: tuple[int, int]  # every slot of the database: (slots, violations)


def bench_booking(world: World, args: argparse.Namespace) -> BookingResult:
    bookings = Bookings(world, args)
    try:
        per_slot = bookings.capacity_per_slot()
        print(
            f"{world.label}: booking, {bookings.clients} clients × {bookings.attempts} on "
            f"{bookings.slots_per_run} slots of {per_slot} places (warm-up, then "
            f"{args.visits_runs} runs)",
            flush=True,
        )
        warm = (bookings.book_phase("warm-up")[0], bookings.baseline_phase("warm-up"))
        runs = []
        for r in range(args.visits_runs):
            load = " ".join(f"{v:.2f}" for v in os.getloadavg())
            base = bookings.baseline_phase("baseline")
            booked, _ = bookings.book_phase("book")
            runs.append((booked, base))
            print(
                f"  run {r + 1}: load average {load}; book {booked.rps:.0f} req/s, "
                f"baseline {base.rps:.0f} req/s; VIOLATIONS = {booked.violations}",
                flush=True,
            )
        every = bookings.verify_all()
    finally:
        bookings.close()
    return BookingResult(world.label, per_slot, runs, warm, every)


def print_booking(result: BookingResult) -> None:
    postgres = result.engine == "PostgreSQL"
    rows = []

    def row(run: str, p: BookingPhase) -> list[str]:
        n = p.requests or 1
        errors = ", ".join(f"{k}×{v}" for k, v in sorted(p.errors.items())) or "0"
        return [
            run, p.name, str(p.requests), str(p.ok),
            str(p.refused) if p.name != "baseline" else "-", errors,
            f"{p.seconds:.2f}", f"{p.rps:.0f}",
            f"{p.ok_per_second:.0f}", _ms(1000 * p.own_cpu / n),
            _ms(1000 * p.postgres_cpu / n) if postgres else "-", p.meter.others_cell(),
            "-" if p.violations is None else str(p.violations),
        ]  # fmt: skip

    for r, (booked, base) in enumerate(result.runs, 1):
        rows.append(row(str(r), booked))
        rows.append(row(str(r), base))
    print_table(
        ["run", "phase", "requests", "done", "refused slot_full", "errors", "seconds", "req/s",
         "done/s", "process CPU ms/req", "postgres CPU ms/req", "others' CPU", "VIOLATIONS"],
        rows,
        title=f"{result.engine}: booking under contention ({result.capacity_per_slot} places a "
        "slot), against the bare insert baseline",
    )  # fmt: skip
    for r, (booked, _) in enumerate(result.runs, 1):
        print(f"  run {r}: {booked.check}")
    warm = result.warmup[0]
    print(f"  warm-up: {warm.check}; VIOLATIONS = {warm.violations}")
    for phase in [*(p for pair in result.runs for p in pair), *result.warmup]:
        if phase.first_error:
            print(f"  {phase.name}: first error: {phase.first_error[:300]}")
    slots, bad = result.all_slots
    print(f"  every slot of the database after the runs: {slots} slots, VIOLATIONS = {bad}")
    s = booking_summary(result)
    print_table(
        ["medians of runs", "book", "baseline", "÷ baseline"],
        [
            ["req/s", f"{s['rps']:.0f}", f"{s['base_rps']:.0f}", f"{s['ratio']:.0%}"],
            ["bookings done/s", f"{s['ok_rps']:.0f}", "", ""],
            ["process CPU ms/req", _ms(s["cpu"]), _ms(s["base_cpu"]),
             _times(s["cpu"], s["base_cpu"])],
        ],
        title=f"{result.engine}: booking, medians over {len(result.runs)} runs; "
        f"VIOLATIONS = {s['violations']:.0f} (the runs' slots, the warm-up's and all slots)",
    )  # fmt: skip


def booking_summary(result: BookingResult) -> dict[str, float]:
    runs = result.runs
    return {
        "rps": _med([b.rps for b, _ in runs]),
        "ok_rps": _med([b.ok_per_second for b, _ in runs]),
        "base_rps": _med([base.rps for _, base in runs]),
        "ratio": _med([b.rps / base.rps if base.rps else 0.0 for b, base in runs]),
        "cpu": _med([1000 * b.own_cpu / b.requests for b, _ in runs]),
        "base_cpu": _med([1000 * base.own_cpu / base.requests for _, base in runs]),
        "violations": sum(b.violations or 0 for b, _ in [*runs, result.warmup])
        + result.all_slots[1],
    }


# --------------------------------------------------------------------------- running


@dataclass
class VisitsResult:
    engine: str
    queue: QueueResult
    booking: BookingResult


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add = parser.add_argument
    add("--visits-runs", type=int, default=3, help="measured runs of each figure")
    add("--visits-waiting", type=int, default=500, help="tickets waiting at the centre")
    add("--visits-calls", type=int, default=1000, help="open-loop calls per run")
    add("--visits-burst", type=int, default=200, help="calls per closed capacity burst")
    add("--visits-block", type=int, default=50, help="calls between two refills")
    add("--visits-load", type=float, default=0.5, help="open-loop rate ÷ capacity")
    add("--visits-clients", type=int, default=50, help="booking threads")
    add("--visits-slots", type=int, default=5, help="slots booked per run")
    add("--visits-attempts", type=int, default=4, help="bookings per thread and run")
    add("--visits-places", type=int, default=3, help="places per window and slot")


def citizens_needed(args: argparse.Namespace) -> int:
    return args.visits_clients * args.visits_attempts * (args.visits_runs + 1)


def run_engine(label: str, container: Container, args: argparse.Namespace) -> VisitsResult:
    started = time.perf_counter()
    world = prepare(label, container, citizens_needed(args))
    print(f"{label}: visits world set up in {time.perf_counter() - started:.1f} s", flush=True)
    return VisitsResult(label, bench_queue(world, args), bench_booking(world, args))


def run_all(dbs: Sequence[BenchDatabase], args: argparse.Namespace) -> list[VisitsResult]:
    """The visits figures on ``run_all``'s databases (one per engine); prints its tables."""
    results = [run_engine(db.label, db.container, args) for db in dbs]
    print_results(results)
    return results


def print_results(results: Sequence[VisitsResult]) -> None:
    print("\n" + "=" * 100 + "\nVisits: call next and booking (bench/visits_bench.py)")
    for r in results:
        print_queue(r.queue)
    for r in results:
        print_booking(r.booking)
    rows = []
    for r in results:
        q, b = queue_summary(r.queue), booking_summary(r.booking)
        rows.append(
            [r.engine, f"{r.queue.rate:.1f}", _ms(q["median"]), _ms(q["p99"]),
             f"{q['p99'] / TARGET_P99_MS:.2f}", _ms(q["cpu"]), _share(q["cap"], q["base_cap"]),
             f"{b['rps']:.0f}", f"{b['base_rps']:.0f}", f"{b['ratio']:.0%}",
             f"{b['violations']:.0f}"]
        )  # fmt: skip
    print_table(
        ["engine", "call-next rate /s", "median ms", "p99 ms", "p99 ÷ 20 ms", "CPU ms/call",
         "capacity ÷ baseline", "book req/s", "baseline req/s", "÷ baseline", "VIOLATIONS"],
        rows,
        title="Visits summary (medians over runs)",
    )  # fmt: skip


@contextlib.contextmanager
def _own_databases() -> Iterator[list[tuple[str, Container]]]:
    """A migrated, empty database per engine (SQLite always; PostgreSQL when configured)."""
    server = postgres_url()
    with tempfile.TemporaryDirectory(prefix="tongban-bench-visits-") as tmp:
        made: list[tuple[str, Container]] = []
        created = False
        try:
            engines = [("SQLite", f"sqlite:///{Path(tmp) / 'sqlite' / 'bench.db'}")]
            if server:
                engines.append(("PostgreSQL", _fresh_postgres(server, DATABASE)))
                created = True
            else:
                print(SKIPPED_POSTGRES)
            for label, url in engines:
                settings = Settings(
                    data_dir=Path(tmp) / label.lower(), database_url=url, log_level="WARNING",
                    clock_start=BENCH_START,
                )  # fmt: skip
                container = build_container(settings)
                migrate.upgrade(container.engine)
                made.append((label, container))
            yield made
        finally:
            for _, container in made:
                container.engine.dispose()
            if server and created:
                _drop_postgres(server, DATABASE)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    add_arguments(parser)
    args = parser.parse_args()
    load_before = " ".join(f"{v:.2f}" for v in os.getloadavg())
    started = time.perf_counter()
    with CpuMeter() as whole, _own_databases() as dbs:
        results = [run_engine(label, container, args) for label, container in dbs]
        versions = []
        for label, container in dbs:
            with container.read() as uow:
                if label == "PostgreSQL":
                    v = uow.conn.exec_driver_sql("SHOW server_version").scalar_one()
                    versions.append(BenchDatabase(label, container, 0, 0, f"PostgreSQL {v}"))
        machine_rows = machine(versions)
    print_results(results)
    rows = [list(r) for r in machine_rows if r[0] != "load average"]
    rows.append(["load average before", load_before])
    rows.append(["load average after", " ".join(f"{v:.2f}" for v in os.getloadavg())])
    print_table(["machine", ""], rows, title="Machine")
    print(f"\ncommand: {command_line()}")
    print(f"whole run: {time.perf_counter() - started:.0f} s; {whole.describe()}")
    if not postgres_url():
        print(f"\n{SKIPPED_POSTGRES} ({POSTGRES_ENV})")


if __name__ == "__main__":
    main()
