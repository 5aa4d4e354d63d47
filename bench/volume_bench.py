"""The case paths at volume: 100,000 cases, then the same database grown towards 20 million.

    TONGBAN_BENCH_POSTGRES_URL=postgresql+psycopg://postgres@127.0.0.1:5432/postgres \\
        nice -n 10 .venv/bin/python bench/volume_bench.py [--sizes 100000,2000000,20000000]
        [--rounds 30] [--open 20000] [--grow-minutes 60] [--min-free-gb 25] [--keep]

PostgreSQL only.  The bench (re)creates its database ``tongban_bench_volume``, migrates it
(``tongban migrate``'s code), loads the small demo (``tongban demo``: departments, centres,
people, calendar, catalogue) and then ``--templates`` cases of history with the demo's own
generator (``demo.history_rows``: items, channels, centres and towns in the demo's shares, three
years of seasons and holidays, hash-chained events, indicator facts).  Those cases are the
templates; every further case is a copy of one of them made by PostgreSQL itself, set-wise
(``INSERT … SELECT`` over ``generate_series``), with its events and its indicator fact:

- history: copies of the templates whose case is closed (delivered, withdrawn, not accepted),
  keeping their days, items, departments and centres, so the grown database has the same
  spread over three years of days, departments, items and centres, only denser;
- the working set: copies of the templates still open (submitted, accepted, under review),
  ``--open`` of them in all, made once: a district's open cases depend on how many it files a
  day and how long they take, not on how many years of history its database holds, so the
  growth adds closed history only;
- applicants: new citizens with each step, four cases each;
- case numbers: the template's day and sequence under a prefix of its own (``C<n>`` for the
  n-th copy of history, ``W<n>`` for the working set), unique and of the current format;
- not copied: the demo's ratings and rectification tasks (no measured path reads them), and the
  demo's two per cent of cases left ``rejected`` (a real rejection is issued and delivered, a
  closed case; left open they would pile up in the queues as the history grows).

The copied events keep their template's ``prev_hash`` and ``hash``: filler of the right width
that does not chain for the copy (``tongban audit verify`` would flag every copy; no measured
path verifies a chain).  Growing, the copies go in steps of ``--chunk`` cases, one transaction
each, with the indexes of ``cases`` and ``users`` and the foreign keys of the four tables off;
before each measurement the indexes are built again and the foreign keys put back ``NOT VALID``
(checked for every new row, as the measured writes need, not re-checked over the copies),
then ``ANALYZE``.  Tables are logged: the measured writes are real.

Measured at each size of ``--sizes`` (the first at least ``--templates + --open``), through
tongban's own services, in process: a clerk's centre queue (``queries.case_list``, first page
and a page after 90 % of it, 200 rows), a reviewer's department queue (the same), a citizen's
cases (four of them, the same citizen at every size), the case page's reads
(``case_context``, the page's own function: as its applicant, and as the clerk, which writes
the access log) and the accept transaction (``lifecycle.accept`` of a different submitted case
each time).  Medians and p95 of ``--rounds`` calls, wall and CPU; the ratio of each path to
its figure at the first size; the bytes per case; ``EXPLAIN (ANALYZE, BUFFERS)`` of each list
query at the largest size reached.

Growth stops, and the largest size reached is measured, when the free disk would fall under
``--min-free-gb`` or ``--grow-minutes`` have passed.  The database is dropped at the end unless
``--keep``.  Figures only: nothing here passes or fails on time (docs/scale.md, "At volume",
has the last run's).
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from common import (
    BENCH_START,
    MEASURED_HEADERS,
    SKIPPED_POSTGRES,
    Measured,
    _cpu_model,
    _drop_postgres,
    _fresh_postgres,
    command_line,
    postgres_url,
    print_table,
    run_series,
)
from sqlalchemy import Connection, event, select, text

from tongban.adapters.db import migrate
from tongban.adapters.db.tables import cases, users
from tongban.adapters.db.tables_indicators import indicator_case_facts
from tongban.bootstrap import Container, build_container
from tongban.config import Settings
from tongban.demo import history_rows
from tongban.demo.loader import load_demo
from tongban.demo.people import GUICHENG_CENTRE
from tongban.domain.people.model import Principal
from tongban.services.cases import lifecycle, queries
from tongban.services.people.sessions import load_principal
from tongban.services.platform.context import Actor
from tongban.services.platform.paging import MAX_LIMIT, PageRequest, Position
from tongban.web.pages.cases.citizen import case_context

DATABASE = "tongban_bench_volume"
GROWN = ("cases", "case_events", "indicator_case_facts", "users")
"""The tables the copies go to."""
KEPT_INDEXES = ("uq_case_events_case_seq",)
"""Kept during the load: the copies' events arrive in the order of this index (appended)."""
CLOSED = ("delivered", "withdrawn", "not_accepted", "terminated", "archived")
OPEN = ("submitted", "prechecked", "accepted", "under_review", "correction_requested")
CASE_COLUMNS = (
    "item_id, item_version, channel, status, lock_version, form, submitted_at, accepted_on, "
    "deadline, accepting_centre_id, department_id, pickup_centre_id, delivery_method, decision, "
    "priority, data, audit_seq, audit_head, created_at, updated_at"
)
EVENT_COLUMNS = (
    "seq, type, from_status, to_status, at, actor_id, role, centre_code, reason, detail, "
    "request_id, prev_hash, hash"
)
CASES_PER_CITIZEN = 4
SURNAMES = "李王张刘陈杨黄赵吴周徐孙马朱胡郭何林罗梁"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华"
SERIES = "generate_series(CAST(:lo AS bigint), CAST(:hi AS bigint)) AS g"
GB = 1024**3


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


# --------------------------------------------------------------------------- the load


@dataclass
class Templates:
    closed: int
    open: int
    first_case_id: int
    """Where the copies' ids start."""


def make_templates(container: Container, count: int) -> Templates:
    """The demo's own history, and the tables of its cases to copy."""
    started = time.perf_counter()
    summary = history_rows.load(container, cases_wanted=count, seed=1, years=3)
    took = time.perf_counter() - started
    log(f"templates: {summary.cases:,} cases, {summary.events:,} events by the demo generator "
        f"({summary.first_day} to {summary.last_day}) in {took:.0f} s")  # fmt: skip
    closed, open_ = ", ".join(f"'{s}'" for s in CLOSED), ", ".join(f"'{s}'" for s in OPEN)
    with container.engine.begin() as conn:
        for statement in (
            "CREATE SCHEMA volume",
            "CREATE TABLE volume.closed AS SELECT row_number() OVER (ORDER BY id) - 1 AS k, * "
            f"FROM cases WHERE status IN ({closed}) AND number LIKE '%-%-%'",
            "CREATE TABLE volume.open AS SELECT row_number() OVER (ORDER BY id) - 1 AS k, * "
            f"FROM cases WHERE status IN ({open_}) AND number LIKE '%-%-%'",
            f"CREATE TABLE volume.events AS SELECT case_id, {EVENT_COLUMNS} FROM case_events "
            "WHERE case_id IN (SELECT id FROM volume.closed UNION ALL SELECT id FROM volume.open)",
            "CREATE TABLE volume.facts AS SELECT * FROM indicator_case_facts "
            "WHERE case_id IN (SELECT id FROM volume.closed UNION ALL SELECT id FROM volume.open)",
            "CREATE INDEX ON volume.closed (k)",
            "CREATE INDEX ON volume.open (k)",
            "CREATE INDEX ON volume.events (case_id)",
            "CREATE INDEX ON volume.facts (case_id)",
            "ANALYZE volume.closed, volume.open, volume.events, volume.facts",
        ):
            conn.execute(text(statement))
        n_closed = conn.execute(text("SELECT count(*) FROM volume.closed")).scalar_one()
        n_open = conn.execute(text("SELECT count(*) FROM volume.open")).scalar_one()
        first = conn.execute(text("SELECT max(id) + 1000 FROM cases")).scalar_one()
    log(f"templates to copy: {n_closed:,} closed, {n_open:,} open")
    return Templates(int(n_closed), int(n_open), int(first))


def copy_cases(
    conn: Connection, source: str, prefix: str, first_id: int, lo: int, hi: int, n: int
) -> None:
    """Copies ``lo`` … ``hi - 1`` of the ``source`` templates (copy g is of template g mod n),
    with their events and facts, and a new citizen for every four of them; one transaction."""
    citizens = max(1, (hi - lo) // CASES_PER_CITIZEN)
    first_user = conn.execute(text("SELECT max(id) + 1 FROM users")).scalar_one()
    params = {"lo": lo, "hi": hi - 1, "n": n, "first": first_id, "citizens": citizens,
              "first_user": first_user, "prefix": prefix, "surnames": SURNAMES,
              "given": GIVEN}  # fmt: skip
    conn.execute(
        text(
            "INSERT INTO users (id, kind, name, is_active, failed_logins, created_at, "
            "must_change_password) "
            "SELECT :first_user + i, 'citizen', "
            "substr(CAST(:surnames AS text), (1 + i % 20)::int, 1) "
            "|| substr(CAST(:given AS text), (1 + (i * 7) % 24)::int, 1) "
            "|| substr(CAST(:given AS text), (1 + i % 13)::int, 1), "
            "true, 0, now(), false FROM generate_series(0, CAST(:citizens AS bigint) - 1) AS i"
        ),
        params,
    )
    conn.execute(
        text(
            f"INSERT INTO cases (id, number, applicant_id, {CASE_COLUMNS}) "
            "SELECT :first + g, "
            "CAST(:prefix AS text) || (g / :n) || substr(t.number, strpos(t.number, '-')), "
            f":first_user + (g - :lo) % :citizens, {CASE_COLUMNS} "
            f"FROM {SERIES} JOIN volume.{source} t ON t.k = g % :n"
        ),
        params,
    )
    # a nested loop over g: the events arrive in the order of (case_id, seq), no sort
    conn.execute(text("SET LOCAL enable_hashjoin = off"))
    conn.execute(text("SET LOCAL enable_mergejoin = off"))
    conn.execute(
        text(
            f"INSERT INTO case_events (case_id, {EVENT_COLUMNS}) "
            f"SELECT :first + g, {', '.join('e.' + c for c in EVENT_COLUMNS.split(', '))} "
            f"FROM {SERIES} JOIN volume.{source} t ON t.k = g % :n "
            "JOIN volume.events e ON e.case_id = t.id"
        ),
        params,
    )
    conn.execute(text("SET LOCAL enable_hashjoin = on"))
    conn.execute(text("SET LOCAL enable_mergejoin = on"))
    columns = [c.name for c in indicator_case_facts.columns if c.name != "case_id"]
    conn.execute(
        text(
            f"INSERT INTO indicator_case_facts (case_id, {', '.join(columns)}) "
            f"SELECT :first + g, {', '.join('f.' + c for c in columns)} "
            f"FROM {SERIES} JOIN volume.{source} t ON t.k = g % :n "
            "JOIN volume.facts f ON f.case_id = t.id"
        ),
        params,
    )
    for table in ("users", "cases"):  # past the ids written
        conn.execute(
            text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), max(id)) FROM {table}")
        )


@dataclass
class Switched:
    """The indexes and foreign keys taken off for the load, to put back before measuring."""

    indexes: list[str]
    constraints: list[tuple[str, str, str]]
    keys: list[tuple[str, str, str]]


def indexes_off(conn: Connection) -> Switched:
    names = list(GROWN)
    constraints = conn.execute(
        text(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid), contype "
            "FROM pg_constraint WHERE contype IN ('f', 'u') "
            "AND conrelid::regclass::text = ANY(CAST(:names AS text[])) "
            "AND NOT conname = ANY(CAST(:kept AS text[]))"
        ),
        {"names": names, "kept": list(KEPT_INDEXES)},
    ).all()
    indexes = conn.execute(
        text(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.schemaname = 'public' "
            "AND i.tablename = ANY(CAST(:names AS text[])) AND NOT i.indexname LIKE 'pk\\_%' "
            "AND NOT i.indexname = ANY(CAST(:kept AS text[])) "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)"
        ),
        {"names": names, "kept": list(KEPT_INDEXES)},
    ).all()
    switched = Switched(
        indexes=[d for _, d in indexes],
        constraints=[(t, n, d) for t, n, d, kind in constraints if kind == "u"],
        keys=[(t, n, d) for t, n, d, kind in constraints if kind == "f"],
    )
    for table, name, _ in [*switched.keys, *switched.constraints]:
        conn.execute(text(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"'))
    for name, _ in indexes:
        conn.execute(text(f'DROP INDEX "{name}"'))
    return switched


def indexes_on(conn: Connection, switched: Switched) -> None:
    conn.execute(text("SET maintenance_work_mem = '1GB'"))
    for definition in switched.indexes:
        started = time.perf_counter()
        conn.execute(text(definition))
        log(f"  built in {time.perf_counter() - started:.0f} s: {definition}")
    for table, name, definition in switched.constraints:
        started = time.perf_counter()
        conn.execute(text(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}'))
        log(f"  built in {time.perf_counter() - started:.0f} s: {name}")
    for table, name, definition in switched.keys:
        conn.execute(text(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition} NOT VALID'))
    for table in GROWN:
        conn.execute(text(f"ANALYZE {table}"))


def sizes(conn: Connection) -> tuple[int, int]:
    """(cases, bytes of the four tables with their indexes and TOAST)."""
    count = conn.execute(text("SELECT count(*) FROM cases")).scalar_one()
    total = conn.execute(
        text(
            "SELECT sum(pg_total_relation_size(t::regclass)) "
            "FROM unnest(CAST(:names AS text[])) AS t"
        ),
        {"names": list(GROWN)},
    ).scalar_one()
    return int(count), int(total)


def free_bytes(conn: Connection) -> int:
    with contextlib.suppress(Exception):
        directory = conn.execute(text("SHOW data_directory")).scalar_one()
        return shutil.disk_usage(directory).free
    return shutil.disk_usage(tempfile.gettempdir()).free


# --------------------------------------------------------------------------- the paths


@dataclass
class People:
    clerk: Principal
    reviewer: Principal
    citizen: Principal
    citizen_case: str
    clerk_case: str


def people(container: Container, citizen_id: int) -> People:
    with container.read() as uow:
        conn = uow.conn

        def staff(username: str) -> Principal:
            user_id = conn.execute(select(users.c.id).where(users.c.username == username))
            found = load_principal(conn, user_id.scalar_one())
            assert found is not None
            return found

        citizen = load_principal(conn, citizen_id)
        assert citizen is not None
        own = conn.execute(
            select(cases.c.number).where(cases.c.applicant_id == citizen_id).order_by(
                cases.c.id.desc()
            )
        ).scalars().first()  # fmt: skip
        centre = conn.execute(
            text(
                "SELECT c.number FROM cases c JOIN centres ce ON ce.id = c.accepting_centre_id "
                "WHERE ce.code = :code AND c.status = 'under_review' ORDER BY c.id LIMIT 1"
            ),
            {"code": GUICHENG_CENTRE},
        ).scalar_one()
        clerk, reviewer = staff("clerk.guicheng"), staff("reviewer.scjg")
    assert own is not None
    return People(clerk, reviewer, citizen, own, centre)


def _actor(container: Container, principal: Principal) -> Actor:
    return Actor(at=container.clock.now(), principal=principal, request_id="bench")


def list_calls(
    container: Container, who: People
) -> list[tuple[str, Principal, queries.CaseQueue, Position | None]]:
    today = BENCH_START.date()
    out: list[tuple[str, Principal, queries.CaseQueue, Position | None]] = []
    for name, principal, queue in (
        ("clerk's centre queue", who.clerk, "centre"),
        ("reviewer's department queue", who.reviewer, "department"),
    ):
        total = 0
        after: Position | None = None
        positions: list[Position | None] = [None]
        while True:
            with container.read() as uow:
                page = queries.case_list(
                    uow.conn, principal, queue, PageRequest(MAX_LIMIT, after), today=today
                )
            total += len(page.rows)
            if page.next is None:
                break
            after = page.next
            positions.append(after)
        deep = positions[int(len(positions) * 0.9)] if len(positions) > 1 else None
        log(f"{name}: {total:,} open cases, {len(positions)} pages")
        out.append((f"{name}, first page", principal, queue, None))
        out.append((f"{name}, page after 90 %", principal, queue, deep))
    out.append(("citizen's cases", who.citizen, "mine", None))
    return out


def measure_size(
    container: Container, who: People, rounds: int, explain: bool
) -> list[tuple[str, Measured]]:
    today = BENCH_START.date()
    yellow = container.settings.case_yellow_days
    rows: list[tuple[str, Measured]] = []
    plans: list[tuple[str, str]] = []
    for name, principal, queue, after in list_calls(container, who):

        def one(
            principal: Principal = principal, queue: queries.CaseQueue = queue, after: Any = after
        ) -> object:
            with container.read() as uow:
                return queries.case_list(
                    uow.conn, principal, queue, PageRequest(MAX_LIMIT, after), today=today
                )

        rows.append((name, run_series([one], rounds=rounds, warmup=3)))
        if explain:
            plans.append((name, _explain(container, one)))

    def page_of(principal: Principal, number: str) -> object:
        with container.uow() as uow:
            return case_context(uow, _actor(container, principal), number, yellow)

    rows.append(
        ("case page, its applicant",
         run_series([functools.partial(page_of, who.citizen, who.citizen_case)], rounds=rounds,
                    warmup=3))
    )  # fmt: skip
    rows.append(
        ("case page, the clerk (access logged)",
         run_series([functools.partial(page_of, who.clerk, who.clerk_case)], rounds=rounds,
                    warmup=3))
    )  # fmt: skip
    with container.read() as uow:
        targets = iter(
            uow.conn.execute(
                select(cases.c.number, cases.c.lock_version)
                .where(cases.c.status == "submitted", cases.c.number.like("W%"))
                .order_by(cases.c.id.desc())
                .limit(rounds + 3)
            ).all()
        )

    def accept() -> object:
        number, version = next(targets)
        with container.uow() as uow, uow.atomic():
            return lifecycle.accept(uow, _actor(container, who.clerk), number, version)

    rows.append(("accept transaction", run_series([accept], rounds=rounds, warmup=3)))
    for name, plan in plans:
        print(f"\nEXPLAIN (ANALYZE, BUFFERS): {name}\n{plan}", flush=True)
    return rows


def _explain(container: Container, call: Callable[[], object]) -> str:
    seen: list[tuple[str, Any]] = []

    def grab(_c: Any, _cur: Any, statement: str, parameters: Any, *_rest: Any) -> None:
        if "FROM cases" in statement:
            seen.append((statement, parameters))

    event.listen(container.engine, "before_cursor_execute", grab)
    try:
        call()
    finally:
        event.remove(container.engine, "before_cursor_execute", grab)
    statement, parameters = seen[-1]
    with container.engine.connect() as conn:
        found = conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
        return "\n".join(r[0] for r in found)


# --------------------------------------------------------------------------- the run


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--sizes", default="100000,2000000,20000000")
    parser.add_argument("--templates", type=int, default=20_000)
    parser.add_argument("--open", type=int, default=20_000, dest="open_cases")
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--chunk", type=int, default=1_000_000)
    parser.add_argument("--grow-minutes", type=float, default=60.0)
    parser.add_argument("--min-free-gb", type=float, default=25.0)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    server = postgres_url()
    if not server:
        print(SKIPPED_POSTGRES)
        return
    targets = [int(s) for s in args.sizes.split(",")]
    url = _fresh_postgres(server, DATABASE)
    results: dict[int, list[tuple[str, Measured]]] = {}
    per_case: dict[int, float] = {}
    try:
        with tempfile.TemporaryDirectory(prefix="tongban-bench-") as tmp:
            settings = Settings(
                data_dir=Path(tmp), database_url=url, log_level="WARNING", clock_start=BENCH_START
            )
            container = build_container(settings)
            try:
                run(container, args, targets, results, per_case)
            finally:
                container.engine.dispose()
    finally:
        report(args, results, per_case)
        if args.keep:
            print(f"kept: database {DATABASE}")
        else:
            _drop_postgres(server, DATABASE)


def run(
    container: Container,
    args: argparse.Namespace,
    targets: list[int],
    results: dict[int, list[tuple[str, Measured]]],
    per_case: dict[int, float],
) -> None:
    migrate.upgrade(container.engine)
    load_demo(container, "small")
    templates = make_templates(container, args.templates)
    first = templates.first_case_id
    open_copies = max(0, args.open_cases - templates.open)
    with container.engine.begin() as conn:
        copy_cases(conn, "open", "W", first, 0, open_copies, templates.open)
        count, _ = sizes(conn)
        # the measured citizen: the first of the history copies' citizens (four cases)
        citizen_id = int(conn.execute(text("SELECT max(id) + 1 FROM users")).scalar_one())
    closed_first = first + open_copies + 1000
    copied = 0  # closed copies so far
    grow_started = time.monotonic()
    for target in targets:
        stopped = False
        with container.engine.connect() as conn:
            # a large step loads with the indexes off and builds them once after
            switched = None
            if target - count > 200_000:
                switched = indexes_off(conn)
                conn.commit()
            while count < target:
                if time.monotonic() - grow_started > args.grow_minutes * 60:
                    log(f"growth stops at {count:,} cases: --grow-minutes reached")
                    stopped = True
                    break
                step = min(args.chunk, target - count)
                if per_case:
                    need = step * per_case[min(per_case)] * 1.2
                    if free_bytes(conn) - need < args.min_free_gb * GB:
                        log(f"growth stops at {count:,} cases: the free disk would fall under "
                            f"{args.min_free_gb} GB")  # fmt: skip
                        stopped = True
                        break
                started = time.perf_counter()
                copy_cases(conn, "closed", "C", closed_first, copied, copied + step,
                           templates.closed)  # fmt: skip
                conn.commit()
                copied, count = copied + step, count + step
                elapsed = time.perf_counter() - started
                log(f"{count:,} cases ({step / elapsed:,.0f} cases/s with their events), "
                    f"{free_bytes(conn) / GB:.1f} GB free")  # fmt: skip
            started = time.perf_counter()
            if switched is not None:
                indexes_on(conn, switched)
            else:
                conn.execute(text("ANALYZE"))
            conn.commit()
            log(f"indexes, keys and statistics in {time.perf_counter() - started:.0f} s")
            count, total = sizes(conn)
            free = free_bytes(conn)
            conn.commit()
        per_case[count] = total / count
        log(f"measuring at {count:,} cases: {total / GB:.2f} GB, {total / count:,.0f} bytes a "
            f"case (tables, indexes, TOAST), {free / GB:.1f} GB free")  # fmt: skip
        who = people(container, citizen_id)
        last = stopped or target == targets[-1]
        results[count] = measure_size(container, who, args.rounds, explain=last)
        print_rows(count, results[count])
        if stopped:
            break


def print_rows(count: int, rows: list[tuple[str, Measured]]) -> None:
    print_table(["path", *MEASURED_HEADERS], [[name, *m.cells()] for name, m in rows],
                f"at {count:,} cases")  # fmt: skip
    sys.stdout.flush()


def report(
    args: argparse.Namespace,
    results: dict[int, list[tuple[str, Measured]]],
    per_case: dict[int, float],
) -> None:
    if not results:
        return
    small, large = min(results), max(results)
    base = dict(results[small])
    rows = []
    for name, measured in results[large]:
        before = base.get(name)
        if before is None:
            continue
        rows.append([
            name,
            f"{before.wall.median:.2f}", f"{measured.wall.median:.2f}",
            f"{measured.wall.median / before.wall.median:.2f}",
            f"{before.wall.p95:.2f}", f"{measured.wall.p95:.2f}",
            f"{measured.wall.p95 / before.wall.p95:.2f}",
            f"{before.cpu.median:.2f}", f"{measured.cpu.median:.2f}",
        ])  # fmt: skip
    print_table(
        ["path", f"median {small:,}", f"median {large:,}", "ratio", f"p95 {small:,}",
         f"p95 {large:,}", "ratio", "CPU med. small", "CPU med. large"],
        rows,
        f"ms, {large:,} ÷ {small:,} cases",
    )  # fmt: skip
    for count, value in sorted(per_case.items()):
        print(f"bytes a case at {count:,}: {value:,.0f}")
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(f"machine: {cpus} CPUs ({_cpu_model()}); load average "
          + " ".join(f"{v:.2f}" for v in os.getloadavg()))  # fmt: skip
    print(f"command: {command_line()}")


if __name__ == "__main__":
    main()
