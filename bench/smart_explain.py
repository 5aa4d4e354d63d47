"""Where PostgreSQL spends a 秒批 decision's CPU: every statement of one decision, explained.

    TONGBAN_BENCH_POSTGRES_URL=postgresql+psycopg://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python bench/smart_explain.py [--warmup 8] [--repeat 200]

Builds the 秒批 bench's world (``smart_bench.build_world``: MZJ-0004, its rule set, 32 elders
with their licences) in a database of its own, makes ``--warmup`` decisions through
``approval.apply`` (the process's caches, psycopg's prepared statements), then records the
statements of one more decision with their parameters.  Each is then replayed, in order, in a
transaction that is rolled back: ``EXPLAIN (ANALYZE, BUFFERS)`` prints its plan, planning and
execution time and the time spent in triggers; then the statement alone is sent ``--repeat``
times (in a savepoint rolled back each time) and the PostgreSQL backend's CPU per execution is
read from ``/proc`` (parse, plan, execute, as an unprepared statement).  Figures only.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import smart_bench
from common import SKIPPED_POSTGRES, _drop_postgres, _fresh_postgres, postgres_url
from open_loop import Backends
from sqlalchemy import event
from sqlalchemy.engine import make_url

from tongban.adapters.db.async_reader import libpq_dsn
from tongban.services.people import sessions
from tongban.services.platform.context import Actor
from tongban.services.smart import approval

SKIPPED = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")
TICKS = os.sysconf("SC_CLK_TCK")


def _backend_cpu(pid: int) -> float:
    """User + system CPU seconds of the backend ``pid`` (Linux ``/proc``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


class _Recorded(Exception):
    """Ends the recorded decision's unit of work with a rollback."""


SEQUENCES = "SELECT schemaname || '.' || sequencename, last_value FROM pg_sequences"


def _sequences(cur: Any) -> list[tuple[str, int | None]]:
    cur.execute(SEQUENCES)
    return list(cur.fetchall())


def _restore(cur: Any, values: list[tuple[str, int | None]]) -> None:
    """Sequences are not rolled back: set them to where they were, so the replayed inserts get
    the ids the recorded statements that follow them name."""
    for name, last in values:
        if last is None:
            cur.execute("SELECT setval(%s, 1, false)", (name,))
        else:
            cur.execute("SELECT setval(%s, %s, true)", (name, last))


Recorded = tuple[list[tuple[str, Any]], list[tuple[str, int | None]]]


def record_decision(world: smart_bench.World, warmup: int) -> Recorded:
    """The statements of one decision with their parameters, and the sequences before it."""
    container = world.container
    with container.read() as uow:
        principals = [sessions.load_principal(uow.conn, uid) for uid in world.user_ids]
    seen: list[tuple[str, Any]] = []
    sequences: list[tuple[str, int | None]] = []

    def keep(conn: Any, cursor: Any, statement: str, parameters: Any, *args: Any) -> None:
        if not statement.lstrip().upper().startswith(SKIPPED):
            seen.append((statement, parameters))

    for n in range(warmup + 1):
        actor = Actor(
            at=container.clock.now(), principal=principals[n % len(principals)],
            request_id=f"explain-{n}",
        )  # fmt: skip
        if n == warmup:
            with container.engine.connect() as conn:
                sequences = _sequences(conn.connection.driver_connection.cursor())
            event.listen(container.engine, "before_cursor_execute", keep)
        try:
            with container.uow() as uow, uow.atomic():
                approval.apply(
                    uow, actor, container.keys, smart_bench.ITEM, smart_bench._body()["form"],
                    consent=True,
                )  # fmt: skip
                if n == warmup:  # rolled back (the outer block): replayed below
                    raise _Recorded
        except _Recorded:
            pass
        finally:
            if n == warmup:
                event.remove(container.engine, "before_cursor_execute", keep)
    return seen, sequences


def explain(world: smart_bench.World, recorded: Recorded, repeat: int) -> None:
    statements, sequences = recorded
    raw = world.container.engine.raw_connection()
    try:
        driver = raw.driver_connection
        assert driver is not None
        driver.prepare_threshold = None  # each statement as sent the first times: unprepared
        cur = driver.cursor()
        pid = driver.info.backend_pid
        cur.execute("BEGIN")
        _restore(cur, sequences)
        rows = []
        for n, (sql, params) in enumerate(statements, 1):
            one_line = " ".join(sql.split())
            print(f"\n=== {n}. {one_line[:300]}{' …' if len(one_line) > 300 else ''}")
            before = _sequences(cur)
            cur.execute("SAVEPOINT explained")
            cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
            plan = [r[0] for r in cur.fetchall()]
            cur.execute("ROLLBACK TO SAVEPOINT explained")
            print("\n".join(plan))
            cpu = _timed(cur, pid, sql, params, repeat, prepare=False)
            prepared = _timed(cur, pid, sql, params, repeat, prepare=True)
            _restore(cur, before)
            cur.execute(sql, params)  # the state the next statement sees
            planning = next((p for p in plan if p.startswith("Planning Time")), "")
            execution = next((p for p in plan if p.startswith("Execution Time")), "")
            rows.append((n, cpu, prepared, planning, execution, one_line[:70]))
        cur.execute("ROLLBACK")
        # the savepoints' own cost, to subtract
        cur.execute("BEGIN")
        cpu0 = _backend_cpu(pid)
        for _ in range(repeat):
            cur.execute("SAVEPOINT timed")
            cur.execute("ROLLBACK TO SAVEPOINT timed")
        empty = (_backend_cpu(pid) - cpu0) / repeat * 1000
        cur.execute("ROLLBACK")
    finally:
        raw.close()
    print(f"\nBackend CPU ms per execution (a savepoint pair {empty:.3f} ms, not subtracted)")
    for n, cpu, prepared, planning, execution, text in rows:
        print(f"{n:3}. {cpu:6.3f}, prepared {prepared:6.3f}  {planning:24} {execution:26} {text}")
    print(f"sum: {sum(r[1] for r in rows):.2f} ms, prepared {sum(r[2] for r in rows):.2f} ms")


def _timed(cur: Any, pid: int, sql: str, params: Any, repeat: int, *, prepare: bool) -> float:
    """The backend's CPU ms per execution of ``sql`` (each undone by a savepoint)."""
    cpu0 = _backend_cpu(pid)
    for _ in range(repeat):
        cur.execute("SAVEPOINT timed")
        cur.execute(sql, params, prepare=prepare)
        cur.execute("ROLLBACK TO SAVEPOINT timed")
    return (_backend_cpu(pid) - cpu0) / repeat * 1000


def per_decision(
    world: smart_bench.World, decisions: int, databases: list[str], dump: str | None
) -> None:
    """App and PostgreSQL CPU per decision, ``decisions`` of them through ``approval.apply``
    (under cProfile, its stats written to ``dump``, when given)."""
    container = world.container
    with container.read() as uow:
        principals = [sessions.load_principal(uow.conn, uid) for uid in world.user_ids]
    server = postgres_url()
    assert server is not None
    # No sampler thread: its CPU would count as the decisions' (this process's).
    backends = Backends(libpq_dsn(make_url(server)), databases, every=None)
    outcomes: Counter[str] = Counter()
    profile = cProfile.Profile(time.process_time) if dump else None
    try:
        pg0, cpu0 = backends.snapshot(), time.process_time()
        if profile is not None:
            profile.enable()
        for n in range(decisions):
            actor = Actor(
                at=container.clock.now(), principal=principals[n % len(principals)],
                request_id=f"cpu-{n}",
            )  # fmt: skip
            with container.uow() as uow:
                decision = approval.apply(
                    uow, actor, container.keys, smart_bench.ITEM, smart_bench._body()["form"],
                    consent=True,
                )  # fmt: skip
            outcomes[decision.outcome.value] += 1
        if profile is not None:
            profile.disable()
            profile.dump_stats(dump)
        cpu, pg = time.process_time() - cpu0, Backends.used(pg0, backends.snapshot())
    finally:
        backends.close()
    print(
        f"\n{decisions} decisions in process: app {1000 * cpu / decisions:.2f} ms CPU, "
        f"PostgreSQL {1000 * pg / decisions:.2f} ms CPU a decision ({dict(outcomes)}); "
        f"load {os.getloadavg()}"
    )


SIZES = {
    "cases": ["form", "data"],
    "case_events": ["detail"],
    "outbox": ["payload"],
    "licences": ["fields", "credential"],
    "automated_decisions": ["inputs", "explanation"],
    "idempotency_keys": ["response_body"],
    "data_access_events": ["what"],
    "audit_log": ["detail"],
}
"""The wide values a decision writes: stored size (after any TOAST compression) and text size."""


def value_sizes(world: smart_bench.World) -> None:
    """The largest stored and text size of each wide column over the rows the bench wrote."""
    with world.container.engine.connect() as conn:
        driver = conn.connection.driver_connection
        assert driver is not None
        cur = driver.cursor()
        print("\ncolumn: max stored bytes / max text bytes (TOAST compresses above ~2 kB)")
        for table, columns in SIZES.items():
            for column in columns:
                cur.execute(
                    f"SELECT max(pg_column_size({column})), max(octet_length({column}::text)) "
                    f"FROM {table}"
                )
                stored, text = cur.fetchone()
                print(f"  {table}.{column}: {stored} / {text}")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--warmup", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--decisions", type=int, default=0, help="then CPU per decision")
    parser.add_argument("--profile", help="profile those decisions, the stats to this file")
    args = parser.parse_args()
    server_url = postgres_url()
    if not server_url:
        print(f"smart explain: {SKIPPED_POSTGRES}")
        return
    name = f"tongban_bench_explain_{os.getpid()}"
    with tempfile.TemporaryDirectory(prefix="tongban-bench-explain-") as tmp:
        try:
            world = smart_bench.build_world(_fresh_postgres(server_url, name), Path(tmp))
            explain(world, record_decision(world, args.warmup), args.repeat)
            if args.decisions:
                per_decision(world, args.decisions, [name], args.profile)
                value_sizes(world)
            world.container.engine.dispose()
        finally:
            _drop_postgres(server_url, name)


if __name__ == "__main__":
    main()
