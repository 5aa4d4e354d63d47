"""Read throughput and latency with one streaming replica against none.

    .venv/bin/python bench/replica_bench.py --duration 30 --rates 20,40

The drills' set-up (``bench/drills/``): a throwaway PostgreSQL cluster with tongban migrated and
the cases bench's world on it (32 citizens, a clerk, one published item), ``tongban serve
--workers 2`` and ``tongban worker``; plus a streaming standby of that cluster on loopback
(``pg_basebackup -R``), **asynchronous** (no ``synchronous_standby_names``: a commit does not
wait for it).  ``--cases`` submits are made first, so the lists have rows and the citizens have
cases to read.  Then the drills' open-loop generator sends only the read-only requests of its
mix (``list_api``: ``GET /api/v1/cases``, the citizen's cases or the clerk's queue;
``list_page``: ``/my/cases``; ``guide``: ``/items/{code}`` and ``/items``; ``read``: one of the
citizen's cases), at each rate of ``--rates`` for ``--duration`` seconds, first with the app on
the primary alone, then restarted with ``TONGBAN_REPLICA_URLS`` naming the standby.

Per phase: requests a second completed, p50/p95/p99 from the time each request was due, errors,
the transactions ended (committed or rolled back: a read-only unit of work may end either way)
in tongban's database on each server (``pg_stat_database``), the standby's share of them (the
primary's count includes the worker's transactions and whatever a request does outside its
read-only units of work), CPU a request of the app processes, the worker, the primary's and the
standby's server processes, the standby's replay lag at the end and the load average.
On a machine whose cores the replica shares, a replica adds no CPU: the figures show that the
routing works and what it costs, not a gain.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

DRILLS = Path(__file__).resolve().parent / "drills"
if str(DRILLS) not in sys.path:
    sys.path.insert(0, str(DRILLS))

import psycopg  # noqa: E402
from cluster import Cluster, throwaway_cluster, throwaway_standby  # noqa: E402
from common import print_table  # noqa: E402
from loadgen import Generator, Run, figures  # noqa: E402
from stack import DATABASE, Stack, _wait_ready, cpu_used, server_cpu, stack_on  # noqa: E402

STANDBY = "replica1"
SETTLE = 11.0  # seconds: see settle()
WARMUP = 5.0  # seconds of reads after the app (re)starts, not counted
READS: dict[str, int] = {"list_api": 30, "list_page": 20, "guide": 30, "read": 20}
"""The read-only kinds of the drills' mix, by weight."""


class ReadGenerator(Generator):
    """The drills' generator over a mix of its own kinds (read-only ones for the phases)."""

    def __init__(self, stack: Stack, mix: dict[str, int], seed: int) -> None:
        super().__init__(stack.base_url, stack.sessions, seed)
        self.use(mix)

    def use(self, mix: dict[str, int]) -> None:
        self.mix = mix
        self.current = dict.fromkeys(mix, 0)

    def _next_kind(self) -> str:
        for kind, weight in self.mix.items():
            self.current[kind] += weight
        chosen = max(self.current, key=lambda k: self.current[k])
        self.current[chosen] -= sum(self.mix.values())
        return chosen


def settle() -> None:
    """Wait until every server process has reported its transactions: a backend flushes its
    counters to ``pg_stat_database`` at most once a second while busy, and at the latest
    ``PGSTAT_IDLE_INTERVAL`` (10 s) after it goes idle."""
    time.sleep(SETTLE)


@dataclass
class Phase:
    setup: str
    run: Run
    xacts: dict[str, int]  # server → transactions ended in tongban's database
    cpu: dict[str, float]  # app / worker / primary / standby → CPU seconds
    lag: str
    load: tuple[float, float, float]


def _xacts(cluster: Cluster) -> int:
    with psycopg.connect(cluster.libpq(), autocommit=True) as conn:
        row = conn.execute(
            "SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = %s",
            (DATABASE,),
        ).fetchone()
        return int(row[0]) if row else 0


def _replication(primary: Cluster) -> list[tuple[str, str, str]]:
    """(application_name, state, sync_state) of each standby streaming from ``primary``."""
    with psycopg.connect(primary.libpq(), autocommit=True) as conn:
        rows = conn.execute(
            "SELECT application_name, state, sync_state FROM pg_stat_replication"
        ).fetchall()
        return [(str(r[0]), str(r[1]), str(r[2])) for r in rows]


def _lag(standby: Cluster) -> str:
    """The standby's replay lag: the primary's WAL it has received but not replayed (bytes),
    and the age of the last transaction it replayed."""
    with psycopg.connect(standby.libpq(), autocommit=True) as conn:
        row = conn.execute(
            "SELECT pg_wal_lsn_diff(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn()), "
            "extract(epoch FROM now() - pg_last_xact_replay_timestamp())"
        ).fetchone()
    if row is None:
        return "?"
    pending = int(row[0] or 0)
    age = f"{float(row[1]):.2f} s" if row[1] is not None else "none"
    return f"{pending} B unreplayed, last replayed commit {age} old"


def phase(
    s: Stack, gen: ReadGenerator, setup: str, rate: float, duration: float, standby: Cluster
) -> Phase:
    print(f"{setup}: {rate:g} req/s for {duration:g} s (open loop, reads only)", flush=True)
    gen.use(READS)
    settle()
    xacts0 = {"primary": _xacts(s.cluster), "standby": _xacts(standby)}
    clusters = [("primary", s.cluster), ("standby", standby)]
    cpu0 = server_cpu(s, clusters)
    run = asyncio.run(gen.run(rate, duration, []))
    cpu1 = server_cpu(s, clusters)
    settle()
    xacts = {"primary": _xacts(s.cluster), "standby": _xacts(standby)}
    xacts = {k: v - xacts0[k] for k, v in xacts.items()}
    cpu = cpu_used(cpu0, cpu1, ("app", "worker", "primary", "standby"))
    return Phase(setup, run, xacts, cpu, _lag(standby), os.getloadavg())


def restart_app(s: Stack, extra: dict[str, str]) -> None:
    """Restart the app (only it: the worker keeps running) with ``extra`` in its environment."""
    s.app.stop()
    s.app.env = {**s.app.env, **extra}
    s.app.start()
    _wait_ready(s)


def warm_up(s: Stack, gen: ReadGenerator, rate: float) -> None:
    """A few seconds of the read mix after the app (re)started (its processes load their code
    and templates, open their pools): not counted."""
    gen.use(READS)
    run = asyncio.run(gen.run(rate, WARMUP, []))
    print(f"warm-up: {len(run.outcomes)} reads at {rate:g}/s, not counted", flush=True)


def seed_cases(s: Stack, gen: ReadGenerator, cases: int) -> None:
    """``cases`` submits at 25 a second, so the lists have rows and the reads have cases."""
    if cases <= 0:
        return
    gen.use({"submit": 1})
    rate = 25.0
    run = asyncio.run(gen.run(rate, cases / rate, []))
    failed = sum(1 for o in run.outcomes if not o.ok)
    print(f"seeded {len(run.acks)} cases ({failed} submits failed)", flush=True)


def bench(rates: list[float], duration: float, cases: int, seed: int, keep: bool) -> list[Phase]:
    phases: list[Phase] = []
    with (
        throwaway_cluster(keep=keep) as primary,
        throwaway_standby(primary, STANDBY, keep=keep) as standby,
        stack_on(primary, keep) as s,
    ):
        s.standbys.append(standby)
        print(f"replication: {_replication(primary)}", flush=True)
        gen = ReadGenerator(s, {"submit": 1}, seed)
        seed_cases(s, gen, cases)
        warm_up(s, gen, min(rates))
        for rate in rates:
            phases.append(phase(s, gen, "primary alone", rate, duration, standby))
        replicas = json.dumps([standby.url(DATABASE)])
        restart_app(s, {"TONGBAN_REPLICA_URLS": replicas})
        warm_up(s, gen, min(rates))
        for rate in rates:
            phases.append(phase(s, gen, "one replica", rate, duration, standby))
        print(f"replication at the end: {_replication(primary)}", flush=True)
    return phases


def report(phases: list[Phase]) -> None:
    rows = []
    for p in phases:
        run = p.run
        done = run.outcomes
        n = max(1, len(done))
        f = figures([o.latency for o in done])
        total = sum(p.xacts.values())
        share = p.xacts["standby"] / total if total else 0.0
        rows.append(
            [p.setup, f"{run.rate:g}", f"{len(done) / max(run.wall_seconds, 1e-9):.1f}",
             f"{f['p50']:.1f}", f"{f['p95']:.1f}", f"{f['p99']:.1f}",
             str(sum(1 for o in done if not o.ok)),
             f"{p.xacts['primary']} / {p.xacts['standby']}", f"{share:.0%}",
             *(f"{1000 * p.cpu[k] / n:.2f}" for k in ("app", "worker", "primary", "standby")),
             " ".join(f"{v:.2f}" for v in p.load)]
        )  # fmt: skip
    print_table(
        ["setup", "offered/s", "done/s", "p50 ms", "p95 ms", "p99 ms", "errors",
         "xacts primary / standby", "standby share", "app ms", "worker ms", "primary ms",
         "standby ms", "load avg 1 5 15"],
        rows,
        title="reads with one replica against none (latency from the scheduled time; CPU a "
        "request)",
    )  # fmt: skip
    kinds = sorted({o.kind for p in phases for o in p.run.outcomes})
    rows = []
    for p in phases:
        for kind in kinds:
            mine = [o for o in p.run.outcomes if o.kind == kind]
            f = figures([o.latency for o in mine])
            rows.append(
                [f"{p.setup} @ {p.run.rate:g}/s", kind, str(len(mine)),
                 str(sum(1 for o in mine if not o.ok)), f"{f['p50']:.1f}", f"{f['p99']:.1f}"]
            )  # fmt: skip
    print_table(["phase", "request", "n", "errors", "p50 ms", "p99 ms"], rows, "by request")
    rows = [
        [
            f"{p.setup} @ {p.run.rate:g}/s",
            p.lag,
            str(p.run.late_starts),
            ", ".join(f"{k}×{v}" for k, v in sorted(p.run.attempt_errors.items())) or "none",
        ]
        for p in phases
    ]
    print_table(["phase", "standby at the end", "late starts", "errors by kind"], rows, "")
    print(f"nproc {len(os.sched_getaffinity(0))}", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--duration", type=float, default=30, help="seconds of load a phase")
    parser.add_argument(
        "--rates", default="20,40", help="offered rates (requests a second), comma-separated"
    )
    parser.add_argument("--cases", type=int, default=200, help="cases submitted first")
    parser.add_argument("--seed", type=int, default=1, help="the request mix's random seed")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directories")
    args = parser.parse_args(sys.argv[1:])
    rates = [float(r) for r in args.rates.split(",") if r.strip()]
    phases = bench(rates, args.duration, args.cases, args.seed, args.keep)
    report(phases)
    errors = sum(1 for p in phases for o in p.run.outcomes if not o.ok)
    return 0 if errors == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
