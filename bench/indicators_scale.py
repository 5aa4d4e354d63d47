"""Every dashboard panel on PostgreSQL at 5 and 20 million cases, beside the raw query, the
year's Excel export and ``tongban metrics verify`` at that size.

    TONGBAN_BENCH_POSTGRES_URL=postgresql+psycopg://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python bench/indicators_scale.py --cases 5000000 [--rounds 10] [--raw-rounds 3]
        [--keep] [--reuse] [--skip panels,export,verify] [--database NAME]

Generating 5 million full cases (``tongban demo --cases``: each with its hash-chained events)
takes 9 minutes on a quiet 2-core machine and about an hour on a shared one
(``bench/history_bench.py``), so this bench fills what the panels and verify read set-wise in
SQL instead, with the demo history's distributions: ``cases`` with what verify derives a fact
from (the decision day, the item's terms and material sources in the document,
the acceptance day and deadline; no events but the 秒批 decision events, and the official
calendar), ``indicator_case_facts`` derived from them by verify's own SQL
(``recount.facts_cte``), ``ratings`` and their ``rectifications``; then the rollups are built
from those rows by tongban's own SQL (``indicators.recount.add_case_rollups`` and
``add_rating_rollups``, what ``tongban demo --cases`` runs after its load).  The items,
departments and centres are those of ``bench/indicators_bench.py`` (28 departments × 20 items,
the district centre with its 7 town and 292 community centres), the cases spread over 2025 and
2026 up to October: days weighted by the history's seasons, weekends a fifth; items by Zipf over
a seeded order; 60% online, 30% at a window, 6% at a kiosk, 4% by mail; centres as in
``indicators_bench``; 95% decided within the promised days at 98.5% on time; 60% of the decided
cases rated, 78/17/3.5/1/0.5% by level, a rectification task for each poor rating, 90% of them
called back.  The draws are seeded (``setseed``).  Then ``indicators_bench.panels`` times every
panel on the rollups and on the raw rows (p50, p95, their ratio, whether the two agree),
``indicators_export`` the year's workbook, and the ``tongban metrics verify`` command is run on
the database (it reports no difference).  Figures only: nothing here passes or fails on time.
The database is dropped at the end unless ``--keep``; ``--reuse`` times a kept one again without
filling it (then drop it by hand, or run once more without ``--keep`` or ``--reuse``: a fresh
fill).
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import indicators_export
from common import (
    BENCH_START,
    SKIPPED_POSTGRES,
    SYSTEM,
    _drop_postgres,
    _fresh_postgres,
    print_table,
)
from common import postgres_url as server_url
from indicators_bench import (
    FIRST_DAY,
    HEADERS,
    LAST_DAY,
    TOWN_WEIGHTS,
    _base,
    add_items,
    panels,
)
from sqlalchemy import Connection, make_url, select, text

from tongban.adapters.db import migrate
from tongban.adapters.db.tables import (
    case_events,
    cases,
    centres,
    departments,
    service_items,
    users,
)
from tongban.adapters.db.tables_evaluation import ratings, rectifications
from tongban.adapters.db.tables_indicators import indicator_case_facts
from tongban.bootstrap import Container, build_container
from tongban.config import Settings
from tongban.demo.bulk import BulkWriter, checks_after
from tongban.demo.history_world import MONTH_WEIGHTS
from tongban.services.indicators import recount
from tongban.services.platform import calendar

DATABASE = "tongban_bench_scale"
BUCKETS = 10_000
"""Each distribution is a table of this many equally likely buckets: a draw is a join."""


def _load_average() -> str:
    return ", ".join(f"{x:.1f}" for x in os.getloadavg())


def _buckets(weights: list[tuple[object, float]]) -> list[tuple[int, object]]:
    """``BUCKETS`` buckets, each value taking its share of them (at least one)."""
    total = sum(w for _, w in weights)
    out: list[tuple[int, object]] = []
    for value, weight in weights:
        out += [(len(out) + i, value) for i in range(max(1, round(BUCKETS * weight / total)))]
    return out


def _bucket_table(conn: Connection, name: str, columns: str, rows: list[tuple[object, ...]]) -> int:
    conn.execute(text(f"CREATE TEMP TABLE {name} (b int PRIMARY KEY, {columns})"))
    width = len(rows[0])
    marks = ", ".join(f":v{i}" for i in range(width))
    conn.execute(
        text(f"INSERT INTO {name} VALUES ({marks})"),
        [{f"v{i}": v for i, v in enumerate(row)} for row in rows],
    )
    return len(rows)


def _distributions(conn: Connection) -> dict[str, int]:
    """The item, centre and day buckets (temporary tables)."""
    items = conn.execute(
        select(
            service_items.c.id, service_items.c.code, service_items.c.promised_limit_days,
            service_items.c.smart_approval, service_items.c.certificate_free,
            departments.c.id.label("dept_id"), departments.c.code.label("dept"),
        ).join(departments).order_by(service_items.c.code)
    ).all()  # fmt: skip
    random.Random(2026).shuffle(items)
    weighted = [(item, 1 / (rank + 1) ** 1.1) for rank, item in enumerate(items)]
    item_rows = [
        (b, i.id, i.code, i.promised_limit_days, i.smart_approval, i.certificate_free,
         i.dept_id, i.dept)
        for b, i in _buckets(weighted)  # type: ignore[misc]
    ]  # fmt: skip
    centre_rows = conn.execute(
        select(centres.c.id, centres.c.code, centres.c.level, centres.c.town).order_by(
            centres.c.code
        )
    ).all()
    weighted = [
        (c, TOWN_WEIGHTS.get(c.town, 5) * (60 if c.level == "town" else 1 if c.town else 80))
        for c in centre_rows
    ]
    centre_buckets = [(b, c.id, c.code) for b, c in _buckets(weighted)]  # type: ignore[attr-defined]
    days = []
    day = FIRST_DAY
    while day <= LAST_DAY:
        days.append((day, MONTH_WEIGHTS[day.month - 1] * (1.0 if day.weekday() < 5 else 0.2)))
        day += timedelta(days=1)
    day_buckets = [(b, d) for b, d in _buckets(days)]  # type: ignore[misc]
    return {
        "item buckets": _bucket_table(
            conn, "b_item", "item_id bigint, code text, promised int, smart boolean, "
            "cert boolean, dept_id bigint, dept text", item_rows,
        ),
        "centre buckets": _bucket_table(conn, "b_centre", "centre_id bigint, code text",
                                        centre_buckets),  # type: ignore[arg-type]
        "day buckets": _bucket_table(conn, "b_day", "day date", day_buckets),  # type: ignore[arg-type]
    }  # fmt: skip


_DRAWS = """
CREATE TEMP TABLE f AS
SELECT y.*, CASE WHEN y.decided < 0.95 AND y.day + (y.days_used * 7 / 5) <= :last
  THEN y.day + (y.days_used * 7 / 5) END AS finished_on
FROM (
  SELECT x.*,
    CASE WHEN x.channel IN ('window', 'self_service') THEN x.centre_id END AS at_centre,
    CASE WHEN x.channel IN ('window', 'self_service') THEN x.centre_code ELSE '' END AS centre,
    CASE WHEN x.promised = 0 THEN 0 ELSE greatest(1, round(x.promised * x.used))::int END
      AS days_used
  FROM (
    SELECT n AS case_id, it.item_id, it.code AS item_code, it.promised, it.smart, it.cert,
      it.dept_id, it.dept, ce.centre_id, ce.code AS centre_code, d.day,
      CASE WHEN it.smart THEN 'online' WHEN r.ch < 0.60 THEN 'online' WHEN r.ch < 0.90
        THEN 'window' WHEN r.ch < 0.96 THEN 'self_service' ELSE 'mail' END AS channel,
      r.used, r.decided, r.on_time, r.rated, r.level, r.called, r.cert_draw
    FROM generate_series(1, :count) n
    CROSS JOIN LATERAL (SELECT n AS k, floor(random() * :items)::int AS ib,
      floor(random() * :centres)::int AS cb, floor(random() * :days)::int AS db,
      random() AS ch, random() AS used, random() AS decided, random() AS on_time,
      random() AS rated, random() AS level, random() AS called, random() AS cert_draw) r
    JOIN b_item it ON it.b = r.ib
    JOIN b_centre ce ON ce.b = r.cb
    JOIN b_day d ON d.b = r.db) x) y
"""

_KIND = "CASE WHEN promised = 0 THEN 'immediate' ELSE 'promised' END"

_CASES = f"""
INSERT INTO cases (id, number, item_id, item_version, applicant_id, channel, status,
  lock_version, form, data, audit_head, audit_seq, priority, submitted_at, accepted_on, deadline,
  accepting_centre_id, department_id, delivery_method, decision, created_at, updated_at)
SELECT case_id, 'NB' || lpad(case_id::text, 12, '0'), item_id, 1, :applicant, channel,
  CASE WHEN finished_on IS NULL THEN 'under_review' ELSE 'delivered' END, 1, '{{}}',
  jsonb_build_object('decided_on', finished_on,
    'terms', jsonb_build_object('kind', {_KIND}, 'promised_days', promised),
    'material_sources', CASE WHEN cert AND cert_draw < 0.6
      THEN jsonb_build_object('licence', 'e-licence') ELSE '{{}}'::jsonb END),
  '', 0, 0, (day + time '10:00') AT TIME ZONE 'Asia/Shanghai', day,
  CASE WHEN finished_on > day AND on_time >= 0.985 THEN finished_on - 1
    ELSE greatest(coalesce(finished_on, day), day + promised * 7 / 5) END,
  at_centre, dept_id, 'electronic', CASE WHEN finished_on IS NOT NULL THEN 'approved' END,
  :now, :now
FROM f
"""

_EVENTS = """
INSERT INTO case_events (id, case_id, seq, type, from_status, to_status, at, role, detail,
  prev_hash, hash)
SELECT case_id, case_id, 1, 'AutomatedDecision', 'under_review', 'approved',
  (finished_on + time '10:00') AT TIME ZONE 'Asia/Shanghai', 'system', '{}', '', ''
FROM f WHERE finished_on IS NOT NULL AND smart
"""

_LEVEL = """CASE WHEN level < 0.78 THEN 'very_satisfied' WHEN level < 0.95 THEN 'satisfied'
  WHEN level < 0.985 THEN 'fairly_satisfied' WHEN level < 0.995 THEN 'dissatisfied'
  ELSE 'very_dissatisfied' END"""

_RATINGS = f"""
INSERT INTO ratings (id, subject, case_id, rater_id, channel, level, score, dimensions, comment,
  item_id, department_id, centre_id, rated_at, edits, lock_version)
SELECT case_id, 'case', case_id, :applicant, 'online', {_LEVEL}, 3, '{{}}', '', item_id,
  dept_id, at_centre,
  (least(finished_on + 1, :last) + time '15:00') AT TIME ZONE 'Asia/Shanghai', 0, 1
FROM f WHERE finished_on IS NOT NULL AND rated < 0.6
"""

_TASKS = f"""
INSERT INTO rectifications (id, number, rating_id, department_id, status, due_on, opened_at,
  called_back, response, lock_version, updated_at)
SELECT case_id, 'ZG' || lpad(case_id::text, 8, '0'), case_id, dept_id,
  CASE WHEN called < 0.9 THEN 'closed' ELSE 'open' END, finished_on,
  (least(finished_on + 1, :last) + time '15:00') AT TIME ZONE 'Asia/Shanghai', called < 0.9, '',
  1, :now
FROM f WHERE finished_on IS NOT NULL AND rated < 0.6 AND {_LEVEL} IN
  ('dissatisfied', 'very_dissatisfied')
"""


def _facts(conn: Connection) -> str:
    """Every case's fact derived from the cases, their 秒批 events and the calendar by the SQL
    ``metrics verify`` runs (``recount.facts_cte``: its ``f`` hides the temporary table)."""
    columns = ", ".join(recount.FACT_COLUMNS)
    return (
        f"WITH {recount.facts_cte(conn)}\n"
        f"INSERT INTO indicator_case_facts ({columns}) SELECT {columns} FROM f"
    )


def fill(container: Container, count: int) -> dict[str, float]:
    """The cases, facts, ratings and tasks set-wise, then the rollups by tongban's own SQL."""
    now = datetime(2025, 1, 1, tzinfo=UTC)
    _base(container)
    timings: dict[str, float] = {}
    with container.uow() as uow, uow.atomic():
        conn = uow.conn
        conn.execute(text("SET LOCAL work_mem = '256MB'"))
        conn.execute(text("SELECT setseed(0.2026)"))
        add_items(conn, now)
        sizes = _distributions(conn)
        calendar.seed_official(uow, SYSTEM, 2024, 2026, source=container.official_schedules)
        applicant = conn.execute(
            users.insert().values(kind="citizen", name="基准申请人", created_at=now)
            .returning(users.c.id)
        ).scalar_one()  # fmt: skip
        began = time.perf_counter()
        params = {
            "count": count, "items": sizes["item buckets"], "centres": sizes["centre buckets"],
            "days": sizes["day buckets"], "last": LAST_DAY, "applicant": applicant, "now": now,
        }  # fmt: skip
        conn.execute(text(_DRAWS), params)
        timings["draws"] = time.perf_counter() - began
        began = time.perf_counter()
        recount.tune(conn)
        tables = (cases, case_events, indicator_case_facts, ratings, rectifications)
        with checks_after(conn, tables):
            for name, statement in (
                ("cases", _CASES), ("smart decision events", _EVENTS),
                ("facts (recount.facts_cte: what verify derives)", _facts(conn)),
                ("ratings", _RATINGS), ("tasks", _TASKS),
            ):  # fmt: skip
                started = time.perf_counter()
                conn.execute(text(statement), params)
                timings[name] = time.perf_counter() - started
            started = time.perf_counter()
        timings["keys and indexes"] = time.perf_counter() - started
        started = time.perf_counter()
        recount.add_case_rollups(conn, 0)
        recount.add_rating_rollups(conn, 0)
        timings["rollups (recount.add_case_rollups, add_rating_rollups)"] = (
            time.perf_counter() - started
        )
        BulkWriter(conn).reset_sequences((users, cases, case_events, ratings, rectifications))
        for table in ("f", "b_item", "b_centre", "b_day"):
            conn.execute(text(f"DROP TABLE {table}"))
        timings["all"] = time.perf_counter() - began
    started = time.perf_counter()
    with container.engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE"))
    timings["vacuum analyze"] = time.perf_counter() - started
    return timings


def _sizes(container: Container) -> dict[str, int]:
    names = (
        "cases", "indicator_case_facts", "ratings", "rectifications", "indicator_case_daily",
        "indicator_case_monthly", "indicator_case_town_monthly", "indicator_rating_daily",
        "indicator_rating_town_monthly",
    )  # fmt: skip
    with container.engine.connect() as conn:
        return {
            name: int(conn.execute(text(f"SELECT count(*) FROM {name}")).scalar_one())
            for name in names
        }


def _verify(url: str, data_dir: Path) -> tuple[float, str]:
    """``tongban metrics verify`` as an operator runs it, on the bench's database: its wall
    time and its last line of output."""
    env = {
        **os.environ, "TONGBAN_DATABASE_URL": url, "TONGBAN_DATA_DIR": str(data_dir),
        "TONGBAN_LOG_LEVEL": "WARNING",
    }  # fmt: skip
    command = [sys.executable, "-c", "import sys; from tongban.cli import main; sys.exit(main())"]
    command += ["metrics", "verify"]
    began = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    seconds = time.perf_counter() - began
    said = (done.stdout.strip() or done.stderr.strip()).splitlines()
    return seconds, f"exit {done.returncode}: {said[-1] if said else ''}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=5_000_000)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--raw-rounds", type=int, default=3)
    parser.add_argument("--only", default="", help="comma-separated indicator codes")
    parser.add_argument("--export-rounds", type=int, default=3)
    parser.add_argument(
        "--per-figure-rounds", type=int, default=1,
        help="rounds of the export with one figure at a time (compared cell by cell)",
    )  # fmt: skip
    parser.add_argument("--keep", action="store_true", help="do not drop the database")
    parser.add_argument(
        "--reuse", action="store_true", help="time on the database kept by --keep (no fill)"
    )
    parser.add_argument("--database", default=DATABASE, help="the database's name")
    parser.add_argument("--skip", default="", help="comma-separated: panels, export, verify")
    args = parser.parse_args()
    skip = set(args.skip.split(",")) if args.skip else set()
    server = server_url()
    if not server:
        print(SKIPPED_POSTGRES)
        return
    uptime = subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout
    print(f"machine: {os.cpu_count()} CPUs; {uptime.strip()}", flush=True)
    if args.reuse:
        url = make_url(server).set(database=args.database).render_as_string(hide_password=False)
    else:
        url = _fresh_postgres(server, args.database)
    try:
        with tempfile.TemporaryDirectory(prefix="tongban-bench-") as tmp:
            settings = Settings(
                data_dir=Path(tmp), database_url=url, log_level="WARNING",
                clock_start=BENCH_START,
            )  # fmt: skip
            container = build_container(settings)
            migrate.upgrade(container.engine)
            if not args.reuse:
                load = _load_average()
                timings = fill(container, args.cases)
                print(f"filled {args.cases:,} cases (load {load} → {_load_average()}):", flush=True)
                for name, seconds in timings.items():
                    print(f"  {name}: {seconds:,.1f} s", flush=True)
            print(f"  rows: {_sizes(container)}", flush=True)
            only = set(args.only.split(",")) if args.only else None
            if "panels" not in skip:
                load = _load_average()
                rows = panels("PostgreSQL", container, (args.rounds, args.raw_rounds), only)
                after = _load_average()
                title = (
                    f"every panel, {args.cases:,} cases (filled in SQL), {args.rounds} rounds "
                    f"({args.raw_rounds} raw), ms; load {load} → {after}"
                )
                print_table(HEADERS, rows, title)
            container.engine.dispose()
            if "export" not in skip:
                load = _load_average()
                rounds = (args.export_rounds, args.per_figure_rounds)
                exported = indicators_export.run_export(url, 2025, rounds)
                title = (
                    f"the 2025 Excel export, {args.export_rounds} rounds "
                    f"({args.per_figure_rounds} per figure), ms; "
                    f"load {load} → {_load_average()}"
                )
                print_table(indicators_export.HEADERS, exported, title)
            if "verify" not in skip:
                load = _load_average()
                seconds, said = _verify(url, Path(tmp))
                print(
                    f"tongban metrics verify: {seconds:,.1f} s, {said} "
                    f"(load {load} → {_load_average()})",
                    flush=True,
                )
    finally:
        if args.keep or args.reuse:
            print(f"kept: {args.database}")
        else:
            _drop_postgres(server, args.database)


if __name__ == "__main__":
    main()
