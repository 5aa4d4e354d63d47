"""Keyset pages of the case lists: the first page and a page deep in the list cost the same.

    .venv/bin/python bench/paging_bench.py [--cases 100000] [--rounds 20]
    TONGBAN_BENCH_POSTGRES_URL=postgresql+psycopg://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python bench/paging_bench.py        # SQLite and PostgreSQL

Each engine gets a fresh database: the demo departments and centres, one item, and ``--cases``
open cases of one department, one applicant and one pickup centre (bulk-inserted rows: the
worst case of each list, everything in one queue).  Measured through ``queries.case_list``, the
service the API and the pages use, at the API's largest page (200 rows): the department queue
(绿色通道, the nearest deadline, the id), the centre queue (with the late ones first) and the
applicant's cases (newest first), each at its first page and at a page that starts after 90 %
of the list.  Figures only: nothing here passes or fails on time.
"""

from __future__ import annotations

import argparse
import functools
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
from sqlalchemy import insert, select

from tongban.adapters.db import migrate
from tongban.adapters.db.tables import cases, centres, departments, service_items, users
from tongban.bootstrap import Container, build_container
from tongban.config import Settings
from tongban.demo import centres as demo_centres
from tongban.demo.departments import DEPARTMENTS
from tongban.domain.people.model import Principal, Role, RoleAssignment, UserKind
from tongban.services.cases import queries
from tongban.services.network import structure
from tongban.services.platform.paging import MAX_LIMIT, Page, PageRequest, Position

DATABASE = "tongban_bench_paging"


def _load(container: Container, count: int) -> tuple[int, str, str]:
    """The cases; (applicant id, department code, centre code)."""
    with container.uow() as uow:
        structure.upsert_departments(uow, SYSTEM, DEPARTMENTS)
        structure.upsert_centres(uow, SYSTEM, demo_centres.district_and_town_centres())
    with container.uow() as uow, uow.atomic():  # the bulk rows commit together
        conn = uow.conn
        now = datetime(2026, 1, 1, tzinfo=UTC)
        dept = conn.execute(select(departments.c.id, departments.c.code).limit(1)).one()
        centre = conn.execute(select(centres.c.id, centres.c.code).limit(1)).one()
        item = conn.execute(
            insert(service_items).values(
                code=f"{dept.code}-P001", status="published", department_id=dept.id,
                name="基准事项", level="district", kind="promised", audience="both",
                promised_limit_days=5, legal_limit_days=20, online_capable=True,
                fully_online=False, smart_approval=False, certificate_free=False,
                published_version=1, created_at=now, updated_at=now,
            ).returning(service_items.c.id)
        ).scalar_one()  # fmt: skip
        applicant = conn.execute(
            insert(users).values(kind="citizen", name="基准申请人", created_at=now)
            .returning(users.c.id)
        ).scalar_one()  # fmt: skip
        rng = random.Random(2026)
        rows = []
        for n in range(count):
            day = date(2026, 1, 1) + timedelta(days=rng.randrange(365))
            rows.append({
                "number": f"PB{n:012d}", "item_id": item, "item_version": 1,
                "applicant_id": applicant, "channel": "online", "status": "accepted",
                "lock_version": 1, "form": {}, "data": {}, "audit_head": "",
                "priority": int(rng.random() < 0.05),
                "submitted_at": datetime(day.year, day.month, day.day, 2, tzinfo=UTC),
                "deadline": day + timedelta(days=rng.randrange(30)),
                "pickup_centre_id": centre.id, "department_id": dept.id,
                "delivery_method": "electronic", "created_at": now, "updated_at": now,
            })  # fmt: skip
        for start in range(0, count, 5000):
            conn.execute(insert(cases), rows[start : start + 5000])
    return applicant, dept.code, centre.code


def _principals(applicant: int, dept: str, centre: str) -> dict[queries.CaseQueue, Principal]:
    return {
        "mine": Principal(user_id=applicant, kind=UserKind.CITIZEN, name="", roles=()),
        "department": Principal(
            user_id=0,
            kind=UserKind.STAFF,
            name="",
            roles=(RoleAssignment(Role.REVIEWER, department_code=dept),),
        ),
        "centre": Principal(
            user_id=0,
            kind=UserKind.STAFF,
            name="",
            roles=(RoleAssignment(Role.CLERK, centre_code=centre),),
        ),
    }


def run(label: str, url: str, data_dir: Path, count: int, rounds: int) -> list[list[str]]:
    settings = Settings(
        data_dir=data_dir, database_url=url, log_level="WARNING", clock_start=BENCH_START
    )
    container = build_container(settings)
    today = BENCH_START.date()
    try:
        migrate.upgrade(container.engine)
        who = _principals(*_load(container, count))
        out = []
        for queue, principal in who.items():

            def page(
                after: Position | None,
                queue: queries.CaseQueue = queue,
                principal: Principal = principal,
            ) -> Page[queries.CaseSummary]:
                request = PageRequest(limit=MAX_LIMIT, after=after)
                with container.read() as uow:
                    return queries.case_list(uow.conn, principal, queue, request, today=today)

            # the position 90 % into the list: walk there once, a page at a time
            deep: Position | None = None
            seen = 0
            while seen < count * 0.9:
                found = page(deep)
                deep, seen = found.next, seen + len(found.rows)
            starts: list[tuple[str, Position | None]] = [
                ("first page", None),
                ("page after 90 %", deep),
            ]
            for name, after in starts:
                call = functools.partial(page, after)
                wall, _cpu = measure([call], rounds=rounds, warmup=2).figures()
                out.append([label, f"{queue} queue, {name}", *wall.cells()])
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
        rows += run("SQLite", f"sqlite:///{sqlite_dir / 'bench.db'}", sqlite_dir, args.cases,
                    args.rounds)  # fmt: skip
        server = postgres_url()
        if server:
            pg = _fresh_postgres(server, DATABASE)
            try:
                rows += run("PostgreSQL", pg, Path(tmp) / "pg", args.cases, args.rounds)
            finally:
                _drop_postgres(server, DATABASE)
        else:
            print(SKIPPED_POSTGRES)
    print_table(["engine", "page (200 rows)", *FIGURE_HEADERS], rows, "case lists by keyset")


if __name__ == "__main__":
    main()
