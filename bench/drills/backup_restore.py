"""Drill: backup → restore → ``tongban audit verify`` and equal row counts.

    .venv/bin/python bench/drills/backup_restore.py --duration 60 --rate 20

The mixed load of ``mixed_load.py`` writes cases, events and audit entries; a ``pg_dump -Fc``
is taken while the load runs (at 60% of ``--duration``: a consistent snapshot of a live
database, as a nightly backup is) and another after the load ends and ``tongban worker`` has
stopped.  The last dump is restored with ``pg_restore`` into a new database on the drill's
cluster; then ``tongban audit verify`` runs against the restored database (every case's hash
chain intact), every table's row count is compared with the source, and every acknowledged
submit is looked for in the restored copy.  The dump taken under load is restored too and
audited (its counts are those of its moment, so only the chains are checked).
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

from loadgen import Run
from sqlalchemy import create_engine, text
from stack import (
    DATABASE,
    TONGBAN,
    Stack,
    Summary,
    WriteCheck,
    arguments,
    check_writes,
    load,
    report,
    stack,
)

RESTORED = "tongban_restored"
RESTORED_LIVE = "tongban_restored_live"


def dump(s: Stack, target: Path) -> float:
    started = time.perf_counter()
    subprocess.run(
        [*s.cluster.psql_argv("pg_dump"), "-Fc", "-f", str(target), DATABASE],
        check=True, capture_output=True,
    )  # fmt: skip
    return time.perf_counter() - started


def restore(s: Stack, source: Path, database: str) -> float:
    admin = create_engine(s.cluster.url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {database} ENCODING 'UTF8' TEMPLATE template0"))
    admin.dispose()
    started = time.perf_counter()
    subprocess.run(
        [*s.cluster.psql_argv("pg_restore"), "--no-owner", "--exit-on-error", "-d", database,
         str(source)],
        check=True, capture_output=True,
    )  # fmt: skip
    return time.perf_counter() - started


def audit_verify(s: Stack, database: str) -> tuple[int, str]:
    env = {**s.env, "TONGBAN_DATABASE_URL": s.cluster.url(database)}
    done = subprocess.run(
        [TONGBAN, "audit", "verify"], env=env, capture_output=True, text=True, check=False
    )
    return done.returncode, (done.stdout + done.stderr).strip()


def row_counts(url: str) -> dict[str, int]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            names = conn.execute(
                text(
                    "SELECT table_name FROM information_schema.tables "
                    "WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1"
                )
            ).scalars()
            return {
                n: conn.execute(text(f'SELECT count(*) FROM "{n}"')).scalar_one() for n in names
            }
    finally:
        engine.dispose()


def drill(duration: float, rate: float, seed: int = 1, keep: bool = False) -> Summary:
    with stack(keep) as s:
        live = s.tmp / "live.dump"
        timings: dict[str, float] = {}

        def live_dump() -> None:
            timings["live"] = dump(s, live)

        run = load(s, rate, duration, [(duration * 0.6, "pg_dump under load", live_dump)], seed)
        s.worker.stop()  # nothing writes any more: the counts can be compared
        final = s.tmp / "final.dump"
        timings["final"] = dump(s, final)
        timings["restore"] = restore(s, final, RESTORED)
        timings["restore live"] = restore(s, live, RESTORED_LIVE)
        source, copy = row_counts(s.url), row_counts(s.cluster.url(RESTORED))
        code, said = audit_verify(s, RESTORED)
        live_code, live_said = audit_verify(s, RESTORED_LIVE)
        summary = _summary(s, run, check_writes(s.cluster.url(RESTORED), run))
        different = {n: (source[n], copy.get(n)) for n in source if source[n] != copy.get(n)}
        summary.figures["dump size"] = f"{final.stat().st_size / 1024:.0f} KiB"
        summary.figures["pg_dump -Fc (under load / after)"] = (
            f"{timings['live']:.2f} s / {timings['final']:.2f} s"
        )
        summary.figures["pg_restore"] = f"{timings['restore']:.2f} s"
        summary.figures["tables compared"] = str(len(source))
        summary.figures["rows (cases / case_events / audit_log)"] = " / ".join(
            str(source.get(t, "-")) for t in ("cases", "case_events", "audit_log")
        )
        summary.figures["tables whose counts differ"] = str(different or "none")
        summary.figures["audit verify on the restored copy"] = f"exit {code}: {said[-200:]}"
        summary.figures["audit verify on the copy dumped under load"] = (
            f"exit {live_code}: {live_said[-200:]}"
        )
        summary.invariants["equal row counts in every table"] = not different and bool(source)
        summary.invariants["audit verify passes on the restored copy"] = code == 0
        summary.invariants["audit verify passes on the copy dumped under load"] = live_code == 0
        summary.invariants["submits acknowledged"] = bool(run.acks)
    report(summary)
    return summary


def _summary(s: Stack, run: Run, writes: WriteCheck) -> Summary:
    summary = Summary("backup and restore", run, writes)
    summary.invariants["no errors under load"] = not summary.errors
    summary.invariants["app running at the end"] = s.app.alive()
    return summary


def main() -> int:
    args = arguments((__doc__ or "").splitlines()[0])
    return 0 if drill(args.duration, args.rate, args.seed, args.keep).passed else 1


if __name__ == "__main__":
    raise SystemExit(main())
