"""Every panel of the indicator dashboard on the rollups beside the same panel on per-case rows.

    .venv/bin/python bench/indicators_bench.py [--cases 100000] [--rounds 10] [--engines sqlite]
    TONGBAN_BENCH_POSTGRES_URL=postgresql+psycopg://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python bench/indicators_bench.py --engines sqlite,postgresql

Each engine gets a fresh database: the 28 demo departments, the district centre with its 7 town
and 292 community centres, 20 items per department, the standard indicators, and ``--cases``
cases spread over 2025 and 2026 up to October (a few items, 桂城 and the town centres taking
most, as in Nanhai), 60% of the decided ones rated, with a rectification task for each poor
rating, most of them called back.  The cases, their facts, the ratings and all the rollups are
bulk-written (COPY on PostgreSQL) the way ``metrics rebuild`` computes them.

A panel is one standard indicator for a day (15 June 2026, a Monday), a month (June 2026) or a
year (2025), for the whole district, by town and by department where the indicator has the cut,
through ``figures.figure`` (the service the pages and the dashboard call).  "rollup" reads the
case and rating rollups as the service does (for the day, the daily rows; for the whole-month
periods and these cuts, the town-level monthly rows); "raw" is the same ``figures.figure``
with the case source summing the per-case rows (``indicator_case_facts``, one row per case,
indexed by the day received and the day decided: the cheapest a query without a rollup can do,
as working days need the events) and the rating source joining the ratings to their items,
centres, cases and tasks (what the figures read before migration 0035).  Both are timed in the
same run; their values are compared.  Figures only: nothing here passes or fails on time.

``--export-from URL`` times the dashboard's Excel export for a year on an existing database
instead (a demo loaded with ``tongban demo --cases N``): see ``bench/indicators_export.py``.
"""

from __future__ import annotations

import argparse
import bisect
import contextlib
import os
import random
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import indicators_export
from common import (
    BENCH_START,
    SKIPPED_POSTGRES,
    SYSTEM,
    _drop_postgres,
    _fresh_postgres,
    measure,
    postgres_url,
    print_table,
)
from sqlalchemy import Connection, and_, case, func, literal, select, text

from tongban.adapters.db import migrate
from tongban.adapters.db.tables import cases, centres, departments, service_items, users
from tongban.adapters.db.tables_evaluation import ratings, rectifications
from tongban.adapters.db.tables_indicators import (
    RATING_DAILY_MEASURES,
    indicator_case_daily,
    indicator_case_facts,
    indicator_case_monthly,
    indicator_case_town_monthly,
    indicator_rating_daily,
    indicator_rating_town_monthly,
)
from tongban.bootstrap import Container, build_container
from tongban.config import Settings
from tongban.demo import centres as demo_centres
from tongban.demo.bulk import BulkWriter
from tongban.demo.departments import DEPARTMENTS
from tongban.domain.evaluation.model import POOR_LEVELS, Level
from tongban.domain.indicators.facts import FINISHED, CaseFact
from tongban.domain.indicators.model import SOURCE_DIMENSIONS, Dimension, Period
from tongban.domain.shared.clock import CHINA_TZ
from tongban.services.cases.facts import by_month, by_town_month, fact_row, rollup_of
from tongban.services.evaluation import rollup as rating_rollup
from tongban.services.indicators import definitions, figures, sources
from tongban.services.indicators.access import DISTRICT
from tongban.services.indicators.definitions import published_specs

DATABASE = "tongban_bench_indicators"
CHANNELS = ("online", "window", "self_service", "mail")
ITEMS_PER_DEPARTMENT = 20
FIRST_DAY, LAST_DAY = date(2025, 1, 1), date(2026, 10, 31)
PERIODS = (
    # a day reads the daily rows, a month or a year the monthly ones
    (Period.DAY, date(2026, 6, 15), "15 June 2026"),
    (Period.MONTH, date(2026, 6, 15), "June 2026"),
    (Period.YEAR, date(2025, 6, 15), "2025"),
)
CUTS = (None, Dimension.TOWN, Dimension.DEPARTMENT)
TOWN_WEIGHTS = {"桂城街道": 35, "狮山镇": 17, "大沥镇": 15, "里水镇": 9, "西樵镇": 8, "九江镇": 7}
LEVELS = (("very_satisfied", 78), ("satisfied", 17), ("fairly_satisfied", 3.5))
POOR = (("dissatisfied", 1.0), ("very_dissatisfied", 0.5))


def _at(day: date, hour: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=CHINA_TZ).astimezone(UTC)


@dataclass
class _RatingRow:
    """What ``rating_rollup.rollup_of`` reads of a rating."""

    rated_at: datetime
    level: str
    item_code: str
    department_code: str
    centre_code: str
    channel: str
    called_back: bool


def _base(container: Container) -> None:
    with container.uow() as uow:
        from tongban.services.network import structure

        structure.upsert_departments(uow, SYSTEM, DEPARTMENTS)
        every = [*demo_centres.district_and_town_centres(), *demo_centres.community_centres()]
        structure.upsert_centres(uow, SYSTEM, every)
        definitions.seed(uow, SYSTEM)


def add_items(conn: Connection, now: datetime) -> None:
    """``ITEMS_PER_DEPARTMENT`` published items for each department, promising 0 to 20 days."""
    depts = conn.execute(select(departments.c.id, departments.c.code)).all()
    item_rows = []
    for dept in depts:
        for n in range(ITEMS_PER_DEPARTMENT):
            promised = (0, 1, 3, 5, 10, 20)[n % 6]
            item_rows.append({
                "code": f"{dept.code}-B{n:03d}", "status": "published",
                "department_id": dept.id, "name": f"基准事项{n}", "level": "district",
                "kind": "immediate" if promised == 0 else "promised", "audience": "both",
                "promised_limit_days": promised, "legal_limit_days": max(promised, 1) * 4,
                "online_capable": n % 7 != 6, "fully_online": n % 3 == 0,
                "smart_approval": n == 1, "certificate_free": n % 4 == 0,
                "published_version": 1, "created_at": now, "updated_at": now,
            })  # fmt: skip
    conn.execute(service_items.insert(), item_rows)


def _load(container: Container, count: int) -> dict[str, int]:
    _base(container)
    rng = random.Random(2026)
    now = datetime(2025, 1, 1, tzinfo=UTC)
    with container.uow() as uow, uow.atomic():  # the bulk rows commit together
        conn = uow.conn
        writer = BulkWriter(conn)
        add_items(conn, now)
        items = conn.execute(
            select(
                service_items.c.id, service_items.c.code, service_items.c.kind,
                service_items.c.promised_limit_days, service_items.c.smart_approval,
                departments.c.id.label("dept_id"), departments.c.code.label("dept"),
            ).join(departments).order_by(service_items.c.code)
        ).all()  # fmt: skip
        rng.shuffle(items)
        item_cum = _cumulative([1 / (rank + 1) ** 1.1 for rank in range(len(items))])
        centre_rows = conn.execute(
            select(centres.c.id, centres.c.code, centres.c.level, centres.c.town)
        ).all()
        weights = [
            TOWN_WEIGHTS.get(c.town, 5) * (60 if c.level == "town" else 1 if c.town else 80)
            for c in centre_rows
        ]
        centre_cum = _cumulative(weights)
        applicant = conn.execute(
            users.insert().values(kind="citizen", name="基准申请人", created_at=now)
            .returning(users.c.id)
        ).scalar_one()  # fmt: skip
        days = (LAST_DAY - FIRST_DAY).days + 1
        base_case = int(conn.execute(select(func.coalesce(func.max(cases.c.id), 0))).scalar_one())
        facts: list[CaseFact] = []
        rated: list[_RatingRow] = []
        case_rows: list[dict[str, Any]] = []
        rating_rows: list[dict[str, Any]] = []
        task_rows: list[dict[str, Any]] = []
        level_cum = _cumulative([w for _, w in (*LEVELS, *POOR)])
        levels = [name for name, _ in (*LEVELS, *POOR)]
        for n in range(count):
            item = items[_pick(rng, item_cum)]
            centre = centre_rows[_pick(rng, centre_cum)]
            channel = CHANNELS[_pick(rng, _CHANNEL_CUM)]
            on_site = channel in ("window", "self_service")
            day = FIRST_DAY + timedelta(days=rng.randrange(days))
            promised = item.promised_limit_days
            used = 0 if promised == 0 else max(1, round(promised * rng.random()))
            decided = day + timedelta(days=used * 7 // 5) if rng.random() < 0.95 else None
            if decided is not None and decided > LAST_DAY:
                decided = None
            case_id = base_case + n + 1
            case_rows.append({
                "id": case_id, "number": f"NB{n:012d}", "item_id": item.id, "item_version": 1,
                "applicant_id": applicant, "channel": channel,
                "status": "delivered" if decided else "under_review", "lock_version": 1,
                "form": {}, "data": {}, "audit_head": "", "audit_seq": 0, "priority": 0,
                "submitted_at": _at(day, 10), "accepting_centre_id": centre.id if on_site else None,
                "department_id": item.dept_id, "delivery_method": "electronic",
                "created_at": now, "updated_at": now,
            })  # fmt: skip
            centre_code = centre.code if on_site else ""
            finished = decided is not None
            facts.append(
                CaseFact(
                    case_id=case_id, item_code=item.code, department_code=item.dept,
                    centre_code=centre_code, channel=channel, received_on=day,
                    finished_on=decided, received=1, online=int(channel == "online"),
                    certificate_free=int(rng.random() < 0.2), visits=int(on_site),
                    finished=int(finished), on_time=int(finished and rng.random() < 0.985),
                    immediate=int(finished and promised == 0),
                    smart=int(finished and item.smart_approval),
                    working_days_used=used if finished else 0,
                    promised_days=promised if finished else 0,
                )
            )  # fmt: skip
            if decided is not None and rng.random() < 0.6:
                level = levels[_pick(rng, level_cum)]
                rated_at = _at(min(decided + timedelta(days=1), LAST_DAY), 15)
                called = level in _POOR and rng.random() < 0.9
                rating_id = len(rating_rows) + 1
                rating_rows.append({
                    "id": rating_id, "subject": "case", "case_id": case_id,
                    "rater_id": applicant, "channel": "online", "level": level, "score": 3,
                    "dimensions": {}, "comment": "", "item_id": item.id,
                    "department_id": item.dept_id,
                    "centre_id": centre.id if on_site else None, "rated_at": rated_at,
                    "edits": 0, "lock_version": 1,
                })  # fmt: skip
                if level in _POOR:
                    task_id = len(task_rows) + 1
                    task_rows.append({
                        "id": task_id, "number": f"ZG{task_id:06d}", "rating_id": rating_id,
                        "department_id": item.dept_id, "status": "closed" if called else "open",
                        "due_on": decided, "opened_at": rated_at, "called_back": called,
                        "response": "", "lock_version": 1, "updated_at": rated_at,
                    })  # fmt: skip
                rated.append(
                    _RatingRow(rated_at, level, item.code, item.dept, centre_code, channel, called)
                )
        for start in range(0, count, 20000):
            writer.write(cases, case_rows[start : start + 20000])
        del case_rows
        rows = [fact_row(f) for f in facts]
        for start in range(0, len(rows), 20000):
            writer.write(indicator_case_facts, rows[start : start + 20000])
        writer.write(ratings, rating_rows)
        writer.write(rectifications, task_rows)
        daily = rollup_of(facts)
        key = ("item_code", "department_code", "centre_code", "channel")
        day_rows = [
            {"day": k[0], **dict(zip(key, k[1:], strict=True)), **v} for k, v in daily.items()
        ]
        month_rows = [
            {"month": k[0], **dict(zip(key, k[1:], strict=True)), **v}
            for k, v in by_month(daily).items()
        ]
        towns = {c.code: c.town or "" for c in centre_rows}
        town_rows = [
            dict(zip(("month", "department_code", "town", "channel"), k, strict=True)) | v
            for k, v in by_town_month(daily, towns).items()
        ]
        rating_rolled = rating_rollup.rollup_of(rated)
        rating_daily = [
            {"day": k[0], **dict(zip(key, k[1:], strict=True)), **v}
            for k, v in rating_rolled.items()
        ]
        rating_towns = [
            dict(zip(("month", "department_code", "town", "channel"), k, strict=True)) | v
            for k, v in by_town_month(rating_rolled, towns, RATING_DAILY_MEASURES).items()
        ]
        writer.write(indicator_case_daily, day_rows)
        writer.write(indicator_case_monthly, month_rows)
        writer.write(indicator_case_town_monthly, town_rows)
        writer.write(indicator_rating_daily, rating_daily)
        writer.write(indicator_rating_town_monthly, rating_towns)
        writer.reset_sequences((users, cases, ratings, rectifications))
    with container.uow() as uow:
        uow.conn.execute(text("ANALYZE"))  # the planner's statistics, as a live database has
    return {
        "cases": count,
        "daily rows": len(day_rows),
        "monthly rows": len(month_rows),
        "town monthly rows": len(town_rows),
        "ratings": len(rating_rows),
        "rating daily rows": len(rating_daily),
    }


_POOR = frozenset(level.value for level in POOR_LEVELS)


def _cumulative(weights: list[float]) -> list[float]:
    out, total = [], 0.0
    for w in weights:
        total += w
        out.append(total)
    return out


_CHANNEL_CUM = _cumulative([60, 30, 6, 4])


def _pick(rng: random.Random, cum: list[float]) -> int:
    return min(bisect.bisect_right(cum, rng.random() * cum[-1]), len(cum) - 1)


# --- the raw queries -------------------------------------------------------------------------

_FACT_COLUMN = {
    "cases_received": "received",
    "cases_online": "online",
    "cases_certificate_free": "certificate_free",
    "visits": "visits",
    "cases_finished": "finished",
    "cases_finished_on_time": "on_time",
    "cases_immediate": "immediate",
    "cases_smart": "smart",
    "working_days_used": "working_days_used",
    "promised_days_of_finished": "promised_days",
}


def _raw_case_totals(
    conn: Connection,
    names: list[str],
    start: date,
    end: date,
    filters: Mapping[Dimension, str],
    by: Dimension | None,
) -> sources.Groups:
    """The case measures summed from the per-case rows: intake measures by the day received,
    the others by the day decided."""
    f = indicator_case_facts
    column = {
        Dimension.TOWN: func.coalesce(centres.c.town, literal("")),
        Dimension.CENTRE: f.c.centre_code,
        Dimension.DEPARTMENT: f.c.department_code,
        Dimension.ITEM: f.c.item_code,
        Dimension.CHANNEL: f.c.channel,
    }
    key = column[by].label("key") if by else literal("").label("key")
    groups: sources.Groups = {}
    for when, measured in (
        (f.c.received_on, [n for n in names if n not in FINISHED]),
        (f.c.finished_on, [n for n in names if n in FINISHED]),
    ):
        if not measured:
            continue
        query = (
            select(key, *(func.sum(f.c[_FACT_COLUMN[m]]).label(m) for m in measured))
            .select_from(f.outerjoin(centres, centres.c.code == f.c.centre_code))
            .where(when >= start, when <= end)
            .group_by(key)
        )
        for dimension, value in filters.items():
            query = query.where(column[dimension] == value)
        for row in conn.execute(query):
            totals = groups.setdefault(row.key, dict.fromkeys(names, 0.0))
            totals.update({m: float(row._mapping[m] or 0) for m in measured})
    return groups


def _count(condition: Any) -> Any:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _raw_rating_totals(
    conn: Connection,
    names: list[str],
    start: date,
    end: date,
    filters: Mapping[Dimension, str],
    by: Dimension | None,
) -> sources.Groups:
    """The rating measures from the ratings themselves (the query before migration 0035)."""
    satisfied = [level.value for level in Level if level not in POOR_LEVELS]
    channel = func.coalesce(cases.c.channel, literal("window"))
    column = {
        Dimension.TOWN: func.coalesce(centres.c.town, literal("")),
        Dimension.CENTRE: func.coalesce(centres.c.code, literal("")),
        Dimension.DEPARTMENT: func.coalesce(departments.c.code, literal("")),
        Dimension.ITEM: func.coalesce(service_items.c.code, literal("")),
        Dimension.CHANNEL: channel,
    }
    key = column[by].label("key") if by else literal("").label("key")
    first, after = sources.china_bounds(start, end)
    poor = ratings.c.level.in_(list(_POOR))
    measures = {
        "ratings_total": func.count(),
        "ratings_satisfied": _count(ratings.c.level.in_(satisfied)),
        "ratings_poor": _count(poor),
        "ratings_poor_called_back": _count(and_(poor, rectifications.c.called_back.is_(True))),
    }
    query = (
        select(key, *(measures[m].label(m) for m in names))
        .select_from(
            ratings.outerjoin(centres, centres.c.id == ratings.c.centre_id)
            .outerjoin(departments, departments.c.id == ratings.c.department_id)
            .outerjoin(service_items, service_items.c.id == ratings.c.item_id)
            .outerjoin(cases, cases.c.id == ratings.c.case_id)
            .outerjoin(rectifications, rectifications.c.rating_id == ratings.c.id)
        )
        .where(ratings.c.rated_at >= first, ratings.c.rated_at < after)
        .group_by(key)
    )
    for dimension, value in filters.items():
        query = query.where(column[dimension] == value)
    return {row.key: {m: float(row._mapping[m]) for m in names} for row in conn.execute(query)}


@contextlib.contextmanager
def _raw() -> Iterator[None]:
    saved = sources._case_totals, sources._rating_totals
    sources._case_totals, sources._rating_totals = _raw_case_totals, _raw_rating_totals  # type: ignore[assignment]
    try:
        yield
    finally:
        sources._case_totals, sources._rating_totals = saved


# --- the panels ------------------------------------------------------------------------------


def _panel(
    container: Container, code: str, period: Period, at: date, by: Dimension | None
) -> Callable[[], object]:
    def call() -> object:
        with container.read() as uow:
            found = figures.figure(uow.conn, DISTRICT, code, period=period, at=at, by=by)
        return found.value, [(r.key, r.value) for r in found.rows]

    return call


def _raw_panel(call: Callable[[], object]) -> Callable[[], object]:
    def raw() -> object:
        with _raw():
            return call()

    return raw


def run(
    label: str,
    url: str,
    data_dir: Path,
    count: int,
    rounds: tuple[int, int],
    only: set[str] | None,
) -> list[list[str]]:
    settings = Settings(
        data_dir=data_dir, database_url=url, log_level="WARNING", clock_start=BENCH_START
    )
    container = build_container(settings)
    try:
        migrate.upgrade(container.engine)
        began = time.perf_counter()
        sizes = _load(container, count)
        print(f"{label}: loaded in {time.perf_counter() - began:.0f} s: {sizes}", flush=True)
        return panels(label, container, rounds, only)
    finally:
        container.engine.dispose()


def panels(
    label: str, container: Container, rounds: tuple[int, int], only: set[str] | None
) -> list[list[str]]:
    """Every panel on the rollups and on the raw rows (``rounds``: rounds of each), a row each:
    p50 and p95 of both, their ratio, and whether the two agree."""
    with container.read() as uow:
        specs = published_specs(uow.conn)
    out = []
    for code, spec in specs.items():
        if only and code not in only:
            continue
        sources_of = {figures.MEASURES[m].source for m in figures.needs(spec, specs)}
        for period, at, period_label in PERIODS:
            for by in CUTS:
                if by is not None and (
                    by not in spec.dimensions
                    or any(by not in SOURCE_DIMENSIONS[s] for s in sources_of)
                ):
                    continue
                rolled = _panel(container, code, period, at, by)
                raw = _raw_panel(rolled)
                same = rolled() == raw()
                cut = by.value if by else "whole"
                wall, _ = measure([rolled], rounds=rounds[0], warmup=1).figures()
                raw_wall, _ = measure([raw], rounds=rounds[1], warmup=0).figures()
                ratio = raw_wall.p95 / wall.p95 if wall.p95 else 0.0
                out.append([
                    label, code, period_label, cut, f"{wall.median:.1f}", f"{wall.p95:.1f}",
                    f"{raw_wall.median:.1f}", f"{raw_wall.p95:.1f}", f"{ratio:.1f}",
                    "yes" if same else "NO",
                ])  # fmt: skip
                print("  ", *out[-1], flush=True)
    return out


HEADERS = ["engine", "indicator", "period", "cut", "rollup p50", "rollup p95"]
HEADERS += ["raw p50", "raw p95", "raw/rollup p95", "same"]


def _export(url: str, year: int, rounds: int) -> None:
    """The year's Excel export, batched beside one figure at a time (bench/indicators_export)."""
    print(f"machine: {os.cpu_count()} CPUs; load average {indicators_export.load_average()}")
    rows = indicators_export.run_export(url, year, rounds)
    print(f"after: load average {indicators_export.load_average()}")
    title = f"the {year} Excel export, {rounds} rounds, ms"
    print_table(indicators_export.HEADERS, rows, title)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--raw-rounds", type=int, default=3, help="rounds of the slow raw panels")
    parser.add_argument("--engines", default="sqlite,postgresql")
    parser.add_argument("--only", default="", help="comma-separated indicator codes")
    parser.add_argument(
        "--export-from", default="", help="time the year's Excel export on this database URL"
    )
    parser.add_argument("--export-year", type=int, default=2025)
    args = parser.parse_args()
    if args.export_from:
        _export(args.export_from, args.export_year, args.rounds)
        return
    engines = set(args.engines.split(","))
    only = set(args.only.split(",")) if args.only else None
    rounds = (args.rounds, args.raw_rounds)
    load = subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout
    print(f"machine: {os.cpu_count()} CPUs; {load.strip()}")
    rows: list[list[str]] = []
    with tempfile.TemporaryDirectory(prefix="tongban-bench-") as tmp:
        if "sqlite" in engines:
            sqlite_dir = Path(tmp) / "sqlite"
            sqlite_dir.mkdir()
            url = f"sqlite:///{sqlite_dir / 'bench.db'}"
            rows += run("SQLite", url, sqlite_dir, args.cases, rounds, only)
        server = postgres_url()
        if "postgresql" in engines and server:
            pg = _fresh_postgres(server, DATABASE)
            try:
                rows += run("PostgreSQL", pg, Path(tmp) / "pg", args.cases, rounds, only)
            finally:
                _drop_postgres(server, DATABASE)
        elif "postgresql" in engines:
            print(SKIPPED_POSTGRES)
    load = subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout
    print(f"after: {load.strip()}")
    title = f"every panel, {args.cases} cases, {args.rounds} rounds ({args.raw_rounds} raw), ms"
    print_table(HEADERS, rows, title)


if __name__ == "__main__":
    main()
