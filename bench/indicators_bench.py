"""A panel of the indicator figures on the daily rollup beside the same panel on the raw rows.

    .venv/bin/python bench/indicators_bench.py [--cases 100000] [--rounds 20]
    TONGBAN_BENCH_POSTGRES_URL=postgresql+psycopg://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python bench/indicators_bench.py        # SQLite and PostgreSQL

Each engine gets a fresh database: the 28 demo departments, the district and town centres, one
item per department, and ``--cases`` cases spread over 2026 across the centres and channels
(bulk-inserted rows, a few items and the big centres taking most, as in Nanhai; their facts
and the daily rollup are written the way ``metrics rebuild`` writes them).  How much the
rollup gains depends on how many cases share a day × item × centre × channel row: the bench
prints that ratio.  The panel is what the district page shows: 办件量 for one month, whole and by
town.  On the rollup it goes through ``figures.figure`` (the service the pages use); on the raw
rows it is the same counts straight from ``cases`` joined to ``centres``.  Figures only: nothing
here passes or fails on time.
"""

from __future__ import annotations

import argparse
import random
import tempfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from common import (
    BENCH_START,
    FIGURE_HEADERS,
    SKIPPED_POSTGRES,
    SYSTEM,
    _drop_postgres,
    _fresh_postgres,
    measure,
    postgres_url,
    print_table,
)
from sqlalchemy import func, insert, select

from tongban.adapters.db import migrate
from tongban.adapters.db.tables import cases, centres, departments, service_items, users
from tongban.adapters.db.tables_indicators import indicator_case_daily, indicator_case_facts
from tongban.bootstrap import Container, build_container
from tongban.config import Settings
from tongban.demo import centres as demo_centres
from tongban.demo.departments import DEPARTMENTS
from tongban.domain.indicators.facts import CaseFact
from tongban.domain.indicators.model import Dimension, Period
from tongban.services.cases.facts import fact_row, rollup_of
from tongban.services.indicators import definitions, figures
from tongban.services.indicators.access import DISTRICT
from tongban.services.network import structure

DATABASE = "tongban_bench_indicators"
CHANNELS = ("online", "window", "self_service", "mail")
MONTH = date(2026, 6, 1)


def _load(container: Container, count: int) -> None:
    with container.uow() as uow:
        structure.upsert_departments(uow, SYSTEM, DEPARTMENTS)
        structure.upsert_centres(uow, SYSTEM, demo_centres.district_and_town_centres())
        definitions.seed(uow, SYSTEM)
    with container.uow() as uow, uow.atomic():  # the bulk rows commit together
        conn = uow.conn
        now = datetime(2026, 1, 1, tzinfo=UTC)
        depts = conn.execute(select(departments.c.id, departments.c.code)).all()
        for dept in depts:
            conn.execute(
                insert(service_items).values(
                    code=f"{dept.code}-B001", status="published", department_id=dept.id,
                    name="基准事项", level="district", kind="promised", audience="both",
                    promised_limit_days=5, legal_limit_days=20, online_capable=True,
                    fully_online=False, smart_approval=False, certificate_free=False,
                    published_version=1, created_at=now, updated_at=now,
                )
            )  # fmt: skip
        items = conn.execute(
            select(service_items.c.id, service_items.c.code, departments.c.code.label("dept")).join(
                departments
            )
        ).all()
        centre_rows = conn.execute(select(centres.c.id, centres.c.code)).all()
        applicant = conn.execute(
            insert(users).values(kind="citizen", name="基准申请人", created_at=now)
            .returning(users.c.id)
        ).scalar_one()  # fmt: skip
        rng = random.Random(2026)
        rows, facts = [], []
        # A few items and the big centres take most cases, as in Nanhai (Zipf-like weights).
        item_weights = [1 / (rank + 1) for rank in range(len(items))]
        centre_weights = [1 / (rank + 1) for rank in range(len(centre_rows))]
        for n in range(count):
            item = rng.choices(items, item_weights)[0]
            centre = rng.choices(centre_rows, centre_weights)[0]
            channel = rng.choices(CHANNELS, (60, 30, 5, 5))[0]
            on_site = channel in ("window", "self_service")
            day = date(2026, 1, 1) + timedelta(days=rng.randrange(365))
            decided = day + timedelta(days=rng.randrange(8)) if rng.random() < 0.8 else None
            rows.append({
                "number": f"NB{n:012d}", "item_id": item.id, "item_version": 1,
                "applicant_id": applicant, "channel": channel, "status": "accepted",
                "lock_version": 1, "form": {}, "data": {}, "audit_head": "",
                "submitted_at": datetime(day.year, day.month, day.day, 2, tzinfo=UTC),
                "accepting_centre_id": centre.id if on_site else None,
                "department_id": next(d.id for d in depts if d.code == item.dept),
                "delivery_method": "electronic", "created_at": now, "updated_at": now,
            })  # fmt: skip
            facts.append(
                CaseFact(
                    case_id=n + 1, item_code=item.code, department_code=item.dept,
                    centre_code=centre.code if on_site else "", channel=channel,
                    received_on=day, finished_on=decided, received=1,
                    online=int(channel == "online"), certificate_free=0, visits=int(on_site),
                    finished=int(decided is not None), on_time=int(decided is not None),
                    immediate=0, smart=0, working_days_used=3 if decided else 0,
                    promised_days=5 if decided else 0,
                )
            )  # fmt: skip
        for start in range(0, count, 5000):
            conn.execute(insert(cases), rows[start : start + 5000])
        ids = conn.execute(select(cases.c.id).order_by(cases.c.id)).scalars().all()
        facts = [CaseFact(**{**f.__dict__, "case_id": i}) for f, i in zip(facts, ids, strict=True)]
        for start in range(0, count, 5000):
            conn.execute(
                insert(indicator_case_facts), [fact_row(f) for f in facts[start : start + 5000]]
            )
        daily = [
            dict(zip(("day", "item_code", "department_code", "centre_code", "channel"), k,
                     strict=True)) | v
            for k, v in rollup_of(facts).items()
        ]  # fmt: skip
        for start in range(0, len(daily), 5000):
            conn.execute(insert(indicator_case_daily), daily[start : start + 5000])
    print(
        f"  {count} cases → {len(daily)} daily rollup rows ({count / len(daily):.1f} cases a row)"
    )


def _panel_on_rollup(container: Container) -> object:
    with container.read() as uow:
        whole = figures.figure(uow.conn, DISTRICT, "volume", period=Period.MONTH, at=MONTH)
        by_town = figures.figure(
            uow.conn, DISTRICT, "volume", period=Period.MONTH, at=MONTH, by=Dimension.TOWN
        )
    return whole.value, [(r.key, r.value) for r in by_town.rows]


def _panel_on_raw_rows(container: Container) -> object:
    first = datetime(2026, 5, 31, 16, tzinfo=UTC)  # 1 June in China
    after = datetime(2026, 6, 30, 16, tzinfo=UTC)
    in_month = (cases.c.submitted_at >= first) & (cases.c.submitted_at < after)
    town = func.coalesce(centres.c.town, "")
    with container.read() as uow:
        whole = uow.conn.execute(select(func.count()).where(in_month)).scalar_one()
        by_town = uow.conn.execute(
            select(town, func.count())
            .select_from(cases.outerjoin(centres, centres.c.id == cases.c.accepting_centre_id))
            .where(in_month)
            .group_by(town)
            .order_by(town)
        ).all()
    return float(whole), [(k, float(v)) for k, v in by_town]


def run(label: str, url: str, data_dir: Path, count: int, rounds: int) -> list[list[str]]:
    settings = Settings(
        data_dir=data_dir, database_url=url, log_level="WARNING", clock_start=BENCH_START
    )
    container = build_container(settings)
    try:
        migrate.upgrade(container.engine)
        _load(container, count)
        same = _panel_on_rollup(container) == _panel_on_raw_rows(container)
        print(f"{label}: {count} cases; the two panels agree: {same}")
        out = []
        for name, call in (
            ("panel on the rollup", lambda: _panel_on_rollup(container)),
            ("panel on raw rows", lambda: _panel_on_raw_rows(container)),
        ):
            wall, _cpu = measure([call], rounds=rounds, warmup=2).figures()
            out.append([label, name, *wall.cells()])
        return out
    finally:
        container.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    rows: list[list[str]] = []
    with tempfile.TemporaryDirectory(prefix="tongban-bench-") as tmp:
        sqlite_dir = Path(tmp) / "sqlite"
        sqlite_dir.mkdir()
        url = f"sqlite:///{sqlite_dir / 'bench.db'}"
        rows += run("SQLite", url, sqlite_dir, args.cases, args.rounds)
        server = postgres_url()
        if server:
            pg = _fresh_postgres(server, DATABASE)
            try:
                rows += run("PostgreSQL", pg, Path(tmp) / "pg", args.cases, args.rounds)
            finally:
                _drop_postgres(server, DATABASE)
        else:
            print(SKIPPED_POSTGRES)
    print_table(["engine", "query", *FIGURE_HEADERS], rows, "办件量 for a month, whole and by town")


if __name__ == "__main__":
    main()
