"""What every drill shares: a throwaway cluster with tongban's database on it, the app
(``tongban serve --workers 2``) and ``tongban worker`` against it, the open-loop load, the
lost-writes check and the printed summary.

The database is migrated and set up the way the cases bench sets it up, through the services
(departments, centres, the working calendar, one published item, 32 citizens, a clerk, their
sessions): see ``bench/cases_bench.py``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent.parent
if str(BENCH) not in sys.path:
    sys.path.insert(0, str(BENCH))

import cases_bench  # noqa: E402
from cluster import Cluster, throwaway_cluster  # noqa: E402
from common import app_env, print_table  # noqa: E402
from loadgen import Fault, Generator, Run, Sessions, figures  # noqa: E402
from procfs import ProcessStat, process_title, processes  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402

import tongban  # noqa: E402
from tongban.web.deps import CSRF_HEADER, SESSION_COOKIE  # noqa: E402

DATABASE = "tongban"
APP_WORKERS = 2
TONGBAN = str(Path(sys.executable).parent / "tongban")


def arguments(description: str, duration: float = 60, rate: float = 20) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--duration", type=float, default=duration, help="seconds of load")
    parser.add_argument("--rate", type=float, default=rate, help="requests a second (open loop)")
    parser.add_argument("--seed", type=int, default=1, help="the request mix's random seed")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    return parser.parse_args()


# --------------------------------------------------------------------------- processes


class Process:
    """A child process in its own process group, its output in a log file."""

    def __init__(self, label: str, argv: list[str], env: dict[str, str], log: Path) -> None:
        self.label, self.argv, self.env, self.log = label, argv, env, log
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                self.argv, env=self.env, stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
        self.starts += 1

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill9(self) -> None:
        """SIGKILL the process itself (not its group), then reap it."""
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if not self.alive():
            return
        assert self.process is not None
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)


def children(pid: int) -> list[int]:
    """The app's worker processes: ``pid``'s children running the app (not multiprocessing's
    resource tracker)."""
    found = []
    for process in processes():
        if process.ppid == pid:
            title = process_title(process.pid)
            if title is not None and "resource_tracker" not in title:
                found.append(process.pid)
    return sorted(found)


def wait_for(check: Any, timeout: float, step: float = 0.1) -> float | None:
    """Seconds until ``check()`` is true, or None after ``timeout``."""
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        if check():
            return time.perf_counter() - started
        time.sleep(step)
    return None


# --------------------------------------------------------------------------- the stack


@dataclass
class Stack:
    cluster: Cluster
    url: str
    tmp: Path
    env: dict[str, str]
    app: Process
    worker: Process
    base_url: str
    sessions: Sessions
    notes: list[str] = field(default_factory=list)
    standbys: list[Cluster] = field(default_factory=list)  # counted in the server CPU

    def engine_url(self, database: str = DATABASE) -> str:
        return self.cluster.url(database)

    def app_workers(self) -> list[int]:
        return children(self.app.pid)

    def restart_worker(self) -> None:
        self.worker.start()


def _sessions(world: cases_bench.World) -> Sessions:
    return Sessions(
        citizens=world.citizens,
        clerks=world.clerks,
        cookie=SESSION_COOKIE,
        csrf_header=CSRF_HEADER,
        item_code=cases_bench.ITEM,
        form=dict(cases_bench.FORM),
        pickup_centre="C-NH",
    )


@contextlib.contextmanager
def stack(keep: bool = False) -> Iterator[Stack]:
    """Cluster, migrated database with its reference data, app and worker; all stopped after."""
    with throwaway_cluster(keep=keep) as cluster, stack_on(cluster, keep) as the_stack:
        yield the_stack


@contextlib.contextmanager
def stack_on(
    cluster: Cluster, keep: bool = False, app_url: Callable[[str], str] | None = None
) -> Iterator[Stack]:
    """The database, app and worker on ``cluster`` (started); the app and the worker connect
    with ``app_url(database URL)`` (a URL naming several servers, say), by default the URL."""
    started = time.perf_counter()
    with _directory(keep) as tmp:
        admin = create_engine(cluster.url(), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f"CREATE DATABASE {DATABASE} ENCODING 'UTF8' TEMPLATE template0"))
        admin.dispose()
        url = cluster.url(DATABASE)
        world = cases_bench.build_world(url, Path(tmp))
        world.container.engine.dispose()
        env = app_env(app_url(url) if app_url else url, tmp, TONGBAN_LOG_FORMAT="json")
        # The processes run the same code as the drill (a checkout, not only what is installed).
        env["PYTHONPATH"] = os.pathsep.join(
            p
            for p in (str(Path(tongban.__file__).resolve().parent.parent), env.get("PYTHONPATH"))
            if p
        )
        # The jurisdiction, as an operator sets it (the case numbers carry its prefix).
        subprocess.run(
            [TONGBAN, "init", "--preset", "nanhai"], env=env, check=True, capture_output=True
        )
        port = cases_bench._free_port()
        app = Process(
            "tongban serve",
            [TONGBAN, "serve", "--host", "127.0.0.1", "--port", str(port),
             "--workers", str(APP_WORKERS)],
            env, Path(tmp) / "app.log",
        )  # fmt: skip
        worker = Process(
            "tongban worker", [TONGBAN, "worker", "--interval", "1"], env, Path(tmp) / "worker.log"
        )
        base_url = f"http://127.0.0.1:{port}"
        the_stack = Stack(cluster, url, Path(tmp), env, app, worker, base_url, _sessions(world))
        try:
            app.start()
            worker.start()
            _wait_ready(the_stack)
            print(f"stack up in {time.perf_counter() - started:.1f} s: {base_url}", flush=True)
            yield the_stack
        finally:
            worker.stop()
            app.stop()
            if keep:
                print(f"logs kept in {tmp} (app.log, worker.log)")


@contextlib.contextmanager
def _directory(keep: bool) -> Iterator[str]:
    if keep:
        yield tempfile.mkdtemp(prefix="tongban-drill-")
        return
    with tempfile.TemporaryDirectory(prefix="tongban-drill-") as tmp:
        yield tmp


def _wait_ready(s: Stack, timeout: float = 180) -> None:
    import httpx

    def ready() -> bool:
        if not s.app.alive():
            raise RuntimeError("tongban serve exited:\n" + s.app.log.read_text()[-2000:])
        try:
            return httpx.get(s.base_url + "/healthz", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    if wait_for(ready, timeout, step=0.3) is None:
        raise RuntimeError("tongban serve not ready:\n" + s.app.log.read_text()[-2000:])
    # Both app processes up, so a kill drill has two to choose from.
    wait_for(lambda: len(s.app_workers()) >= APP_WORKERS, 60)


def load(s: Stack, rate: float, duration: float, faults: list[Fault], seed: int = 1) -> Run:
    print(f"load: {rate:g} req/s for {duration:g} s (open loop)", flush=True)
    before = server_cpu(s)
    run = asyncio.run(Generator(s.base_url, s.sessions, seed).run(rate, duration, faults))
    run.server_cpu = cpu_used(before, server_cpu(s), ("app", "worker", "postgres"))
    return run


def postgres_processes(
    clusters: Iterable[tuple[str, Cluster]], running: Iterable[ProcessStat]
) -> dict[int, str]:
    """The server processes among ``running``, each labelled with its cluster's name: a
    cluster's postmaster (its ``postmaster.pid``) and the postmaster's children.  A cluster that
    is not running has none."""
    postmasters: dict[int, str] = {}
    for name, cluster in clusters:
        with contextlib.suppress(OSError, ValueError, IndexError):
            postmasters[int((cluster.data / "postmaster.pid").read_text().split()[0])] = name
    labels: dict[int, str] = {}
    for process in running:
        for pid in (process.pid, process.ppid):
            if pid in postmasters:
                labels[process.pid] = postmasters[pid]
                break
    return labels


def server_cpu(
    s: Stack, clusters: Sequence[tuple[str, Cluster]] | None = None
) -> dict[tuple[str, int], float]:
    """CPU seconds so far of each process of the app (its process group), the worker and the
    drill's clusters (their postmasters and the postmasters' children), by (kind, pid): the kind
    is ``app``, ``worker`` or, for a server process, its cluster's name in ``clusters`` (by
    default every cluster of the stack, named ``postgres``).  A process that exited meanwhile
    (killed, restarted, a fenced server) takes its share with it: the figures are then a lower
    bound."""
    if clusters is None:
        clusters = [("postgres", cluster) for cluster in (s.cluster, *s.standbys)]
    running = list(processes())
    servers = postgres_processes(clusters, running)
    totals: dict[tuple[str, int], float] = {}
    for process in running:
        if s.app.process is not None and process.pgid == s.app.pid:
            totals[("app", process.pid)] = process.cpu_seconds
        elif s.worker.process is not None and process.pgid == s.worker.pid:
            totals[("worker", process.pid)] = process.cpu_seconds
        elif process.pid in servers:
            totals[(servers[process.pid], process.pid)] = process.cpu_seconds
    return totals


def cpu_used(
    before: dict[tuple[str, int], float], after: dict[tuple[str, int], float], kinds: Sequence[str]
) -> dict[str, float]:
    """CPU seconds each kind of process used between two ``server_cpu`` readings (a process
    born in between counts whole; one that exited in between is lost)."""
    used = dict.fromkeys(kinds, 0.0)
    for (kind, pid), seconds in after.items():
        used[kind] += max(0.0, seconds - before.get((kind, pid), 0.0))
    return used


# --------------------------------------------------------------------------- lost writes


@dataclass
class WriteCheck:
    acknowledged: int
    found_once: int
    lost: int
    duplicated: int  # tags (one per submit request) with more than one case
    key_mismatch: int  # acknowledged keys whose stored answer names another case (or none)
    unacknowledged_committed: int  # submits with no 2xx whose case exists (answer lost)

    @property
    def ok(self) -> bool:
        return self.lost == 0 and self.duplicated == 0 and self.key_mismatch == 0


def check_writes(url: str, run: Run) -> WriteCheck:
    """Every acknowledged submit in the database exactly once, under its idempotency key."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            per_tag: dict[str, int] = {
                r[0]: r[1]
                for r in conn.execute(
                    text(
                        "SELECT form ->> 'shop_name', count(*) FROM cases "
                        "WHERE form ->> 'shop_name' LIKE 'drill-%' GROUP BY 1"
                    )
                )
            }
            numbers = {
                r[0]: r[1]
                for r in conn.execute(
                    text(
                        "SELECT number, form ->> 'shop_name' FROM cases "
                        "WHERE number = ANY(:numbers)"
                    ),
                    {"numbers": [a.number for a in run.acks]},
                ).all()
            }
            stored = {
                r[0]: r[1]
                for r in conn.execute(
                    text("SELECT key, response_body FROM idempotency_keys WHERE key = ANY(:keys)"),
                    {"keys": [a.key for a in run.acks]},
                ).all()
            }
    finally:
        engine.dispose()
    acked = {a.tag: a for a in run.acks}
    found_once = sum(
        1 for a in run.acks if numbers.get(a.number) == a.tag and per_tag.get(a.tag) == 1
    )

    def number_of(body: Any) -> str | None:
        if isinstance(body, str):
            body = json.loads(body)
        return body.get("number") if isinstance(body, dict) else None

    mismatch = sum(1 for a in run.acks if number_of(stored.get(a.key)) != a.number)
    return WriteCheck(
        acknowledged=len(run.acks),
        found_once=found_once,
        lost=sum(1 for a in run.acks if a.number not in numbers),
        duplicated=sum(1 for n in per_tag.values() if n > 1),
        key_mismatch=mismatch,
        unacknowledged_committed=sum(1 for t in per_tag if t not in acked),
    )


# --------------------------------------------------------------------------- summary


@dataclass
class Summary:
    drill: str
    run: Run
    writes: WriteCheck
    invariants: dict[str, bool] = field(default_factory=dict)
    figures: dict[str, str] = field(default_factory=dict)  # named results (recovery time, ...)

    @property
    def errors(self) -> Counter[str]:
        return Counter(f"{o.kind} {o.status}" for o in self.run.outcomes if not o.ok)

    @property
    def passed(self) -> bool:
        return self.writes.ok and all(self.invariants.values())


def errors_between(run: Run, start: float, end: float) -> Counter[str]:
    """Failed requests that ended within [start, end] (seconds after t0), by kind."""
    return Counter(
        f"{o.kind} {o.status}" for o in run.outcomes if not o.ok and start <= o.end <= end
    )


def first_success_after(run: Run, moment: float) -> float | None:
    ends = [o.end for o in run.outcomes if o.ok and o.due >= moment]
    return min(ends) if ends else None


def _cells(counter: Counter[str]) -> str:
    return ", ".join(f"{k}×{v}" for k, v in sorted(counter.items())) or "none"


def report(summary: Summary) -> None:
    """Print the drill's summary (the test and the docs read these lines)."""
    run, w = summary.run, summary.writes
    done = run.outcomes
    rows = []
    for kind in sorted({o.kind for o in done}):
        mine = [o for o in done if o.kind == kind]
        f = figures([o.latency for o in mine])
        bad = sum(1 for o in mine if not o.ok)
        rows.append(
            [kind, str(len(mine)), str(bad), f"{f['p50']:.1f}", f"{f['p95']:.1f}",
             f"{f['p99']:.1f}", f"{f['max']:.1f}"]
        )  # fmt: skip
    f = figures([o.latency for o in done])
    rows.append(
        ["all", str(len(done)), str(sum(1 for o in done if not o.ok)), f"{f['p50']:.1f}",
         f"{f['p95']:.1f}", f"{f['p99']:.1f}", f"{f['max']:.1f}"]
    )  # fmt: skip
    print_table(
        ["request", "n", "errors", "p50 ms", "p95 ms", "p99 ms", "max ms"],
        rows,
        title=f"{summary.drill}: latency from the scheduled time (open loop)",
    )
    achieved = len(done) / run.wall_seconds if run.wall_seconds else 0.0
    cpu_pct = 100 * run.cpu_seconds / run.wall_seconds if run.wall_seconds else 0.0
    lines = [
        ("offered rate", f"{run.rate:g} req/s for {run.duration:g} s ({run.scheduled} requests)"),
        ("achieved", f"{achieved:.1f} req/s (completed ÷ wall time {run.wall_seconds:.1f} s)"),
        ("late starts", f"{run.late_starts} sent > 100 ms after due"),
        ("generator CPU", f"{run.cpu_seconds:.1f} s = {cpu_pct:.0f}% of one CPU, "
         f"{1000 * run.cpu_seconds / max(1, len(done)):.2f} ms a request"),
        ("errors by kind", _cells(summary.errors)),
        ("failed tries (incl. retried)", _cells(run.attempt_errors)),
        ("submits acknowledged", str(w.acknowledged)),
        ("accepts acknowledged", str(run.accepted)),
        ("in the database exactly once", str(w.found_once)),
        ("answer lost, case committed", str(w.unacknowledged_committed)),
        ("duplicated submits", str(w.duplicated)),
        ("idempotency keys not matching", str(w.key_mismatch)),
        ("lost writes", str(w.lost)),
    ]  # fmt: skip
    if run.server_cpu:
        n = max(1, len(done))
        share = sum(run.server_cpu.values()) / max(run.wall_seconds, 1e-9)
        each = ", ".join(f"{k} {1000 * v / n:.2f} ms" for k, v in run.server_cpu.items())
        lines.append(("server CPU a request", f"{each} (in all {share:.0%} of one CPU)"))
    lines.extend((k, v) for k, v in summary.figures.items())
    lines.extend((f"invariant: {k}", "yes" if v else "NO") for k, v in summary.invariants.items())
    with contextlib.suppress(OSError):
        lines.append(("load average (1, 5, 15 min)", " ".join(f"{v:.2f}" for v in os.getloadavg())))
    lines.append(("nproc", str(len(os.sched_getaffinity(0)))))
    print_table(["summary", ""], [list(x) for x in lines], title=f"{summary.drill}: summary")
    print(f"\nRESULT {summary.drill}: lost writes {w.lost}; "
          f"{'PASS' if summary.passed else 'FAIL'}", flush=True)  # fmt: skip
