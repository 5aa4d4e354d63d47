"""Lookups of users by identity number before and after migration 0046 (unique per document),
and how long the migration takes, on SQLite and (with TONGBAN_BENCH_POSTGRES_URL) PostgreSQL.

    python bench/identity_lookup_bench.py [USERS]

The same database, with USERS citizens (a quarter each 身份证, 回乡证, 台胞证 and passports),
is measured at 0045 (one unique constraint on the number) and again at 0046.  Each lookup is
the median of several rounds of 200 statements, printed as microseconds a statement and as a
ratio to a bare baseline measured in the same run: the same database's lookup by primary key.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from common import _drop_postgres, _fresh_postgres, command_line, postgres_url, print_table
from sqlalchemy import Connection, Engine, text

from tongban.adapters.db import migrate
from tongban.adapters.db.engine import build_engine

ROUNDS = 7
PER_ROUND = 200
NAME = "tongban_bench_identity_lookup"

LOOKUPS: dict[str, tuple[str, Callable[[int], dict[str, object]]]] = {
    "primary key (baseline)": ("id = :id", lambda i: {"id": i + 1}),
    "log-in: number alone": ("id_number = :n", lambda i: {"n": _number(i)}),
    "window: number and type": (
        "id_number = :n AND id_type = :t",
        lambda i: {"n": _number(i), "t": _type(i)},
    ),
    "passport: number and nationality": (
        "id_number = :n AND id_type = 'passport' AND nationality = 'GBR'",
        lambda i: {"n": _number(4 * i + 3)},
    ),
    "card reader: GB 11643 types": (
        "id_number = :n AND id_type IN ('resident_id', 'hmt_residence_permit', "
        "'foreign_permanent_residence')",
        lambda i: {"n": _number(4 * i)},
    ),
}


def _type(i: int) -> str:
    return ("resident_id", "hk_macao_travel_permit", "taiwan_travel_permit", "passport")[i % 4]


def _number(i: int) -> str:
    return (f"4406051990{i:08d}", f"H{i:08d}", f"{i:08d}", f"E{i:07d}")[i % 4]


def _populate(engine: Engine, users: int) -> None:
    rows = [
        {
            "t": _type(i),
            "n": _number(i),
            "c": "GBR" if i % 4 == 3 else None,
            "name": f"居民{i}",
        }
        for i in range(users)
    ]
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO users (kind, id_type, id_number, nationality, name, created_at) "
                "VALUES ('citizen', :t, :n, :c, :name, CURRENT_TIMESTAMP)"
            ),
            rows,
        )
    with engine.connect() as conn:
        conn.execute(text("ANALYZE"))
        conn.commit()


def _timed(
    conn: Connection, where: str, params: Callable[[int], dict[str, object]], n: int
) -> float:
    statement = text(f"SELECT id FROM users WHERE {where}")
    step = max(1, n // PER_ROUND)
    rounds = []
    for _round in range(ROUNDS):
        started = time.perf_counter()
        for k in range(PER_ROUND):
            conn.execute(statement, params((k * step) % (n // 4))).first()
        rounds.append((time.perf_counter() - started) / PER_ROUND * 1e6)
    return statistics.median(rounds)


def _measure(engine: Engine, users: int) -> dict[str, float]:
    with engine.connect() as conn:
        return {name: _timed(conn, w, p, users) for name, (w, p) in LOOKUPS.items()}


def _run(label: str, engine: Engine, users: int) -> list[list[str]]:
    migrate.upgrade(engine, "0045")
    _populate(engine, users)
    before = _measure(engine, users)
    started = time.perf_counter()
    migrate.upgrade(engine, "0046")
    took = time.perf_counter() - started
    with engine.connect() as conn:
        conn.execute(text("ANALYZE"))
        conn.commit()
    after = _measure(engine, users)
    base_before, base_after = before["primary key (baseline)"], after["primary key (baseline)"]
    rows = [
        [
            label,
            name,
            f"{before[name]:.1f}",
            f"{before[name] / base_before:.2f}",
            f"{after[name]:.1f}",
            f"{after[name] / base_after:.2f}",
        ]
        for name in LOOKUPS
    ]
    rows.append([label, f"migration 0045 → 0046, {users:,} users", "-", "-", f"{took:.2f} s", "-"])
    return rows


def main() -> None:
    users = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    print(command_line())
    rows: list[list[str]] = []
    with tempfile.TemporaryDirectory() as tmp:
        engine = build_engine(f"sqlite:///{Path(tmp) / 'bench.db'}")
        rows += _run("SQLite", engine, users)
        engine.dispose()
    server = postgres_url()
    if server:
        engine = build_engine(_fresh_postgres(server, NAME), pool_size=2)
        try:
            rows += _run("PostgreSQL", engine, users)
        finally:
            engine.dispose()
            _drop_postgres(server, NAME)
    print_table(
        ["engine", "lookup", "0045 µs", "0045 ×pk", "0046 µs", "0046 ×pk"],
        rows,
        title=f"users by identity number, median of {ROUNDS} rounds of {PER_ROUND}",
    )
    print("load average " + " ".join(f"{v:.2f}" for v in os.getloadavg()))


if __name__ == "__main__":
    main()
