"""How long migrations 0038 (64-bit keys) and 0039 (partitions) hold their locks: each upgrade on
an empty database and on one with ROWS audit-log rows (and their users), in the same run.

    TONGBAN_BENCH_POSTGRES_URL=postgresql+psycopg://postgres@127.0.0.1:5432/postgres \
        python bench/bigint_keys_bench.py [ROWS]

Prints the times and the difference per million rows: how long ``audit_log`` (a typical
append-heavy table, ~150 bytes a row) is rewritten (0038) or copied into its partitions (0039)
under ACCESS EXCLUSIVE.
"""

from __future__ import annotations

import os
import sys
import time

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tongban.adapters.db import migrate
from tongban.adapters.db.engine import build_engine

URL = os.environ.get("TONGBAN_BENCH_POSTGRES_URL", "")
NAME = "tongban_bench_bigint_keys"


def _upgrade_seconds(rows: int) -> tuple[float, float]:
    admin_url = make_url(URL)
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{NAME}" WITH (FORCE)'))
        conn.execute(text(f"CREATE DATABASE \"{NAME}\" ENCODING 'UTF8' TEMPLATE template0"))
    engine = build_engine(admin_url.set(database=NAME).render_as_string(hide_password=False))
    migrate.upgrade(engine, "0036")
    if rows:
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO users (kind, name, created_at) SELECT 'citizen', 'u' || g, now() "
                    "FROM generate_series(1, 1000) g"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO audit_log (at, actor_id, action, object_type, object_key, "
                    "detail, request_id) SELECT now() - g * interval '1 second', 1 + g % 1000, "
                    "'case.accept', 'case', 'GC2026' || g, "
                    "jsonb_build_object('item', 'SB-0001', 'n', g), md5(g::text) "
                    "FROM generate_series(1, :rows) g"
                ),
                {"rows": rows},
            )
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE audit_log"))
    started = time.perf_counter()
    migrate.upgrade(engine, "0038")
    widened = time.perf_counter()
    migrate.upgrade(engine, "0039")
    partitioned = time.perf_counter()
    engine.dispose()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{NAME}" WITH (FORCE)'))
    admin.dispose()
    return widened - started, partitioned - widened


def main() -> None:
    if not URL:
        sys.exit("set TONGBAN_BENCH_POSTGRES_URL")
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    empty = _upgrade_seconds(0)
    full = _upgrade_seconds(rows)
    for n, name in enumerate(("0036 → 0038 (64-bit keys)", "0038 → 0039 (partitions)")):
        per_million = (full[n] - empty[n]) / rows * 1_000_000
        print(f"{name}, empty database: {empty[n]:.2f} s")
        print(f"{name}, {rows:,} audit_log rows: {full[n]:.2f} s")
        print(f"{name}: {per_million:.2f} s per million rows under ACCESS EXCLUSIVE")


if __name__ == "__main__":
    main()
