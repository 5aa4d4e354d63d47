"""CPU per request of submit, accept and the 秒批 decision, in process, beside the baseline.

    TONGBAN_BENCH_POSTGRES_URL=postgresql+psycopg://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python bench/request_cpu_bench.py [--rounds 7] [--per-round 20]
    ... bench/request_cpu_bench.py --profile smart [--per-round 60] [--dump smart.prof]

The HTTP server is left out: each request is handed to the ASGI app (``web.app.build_app``)
as uvicorn hands it over, from an asyncio loop in this process, its scope and body built before
the clock starts, so what is measured is the app's own work for a request: middleware, routing,
dependencies (session read, CSRF, idempotency key), the route in the thread pool, the use case
and its SQL, the JSON answer.  Beside it, in the same run and the same way, the bare baseline
(``cases_baseline_app.py``: FastAPI + psycopg, two inserts).

Worlds: the cases bench's (one item, 32 citizens, a clerk) and the 秒批 bench's (MZJ-0004, its
rule set, 32 elders with their licences), each in a PostgreSQL database of its own named after
this process and dropped at the end.  Per round and path, ``--per-round`` requests one after the
other; per request this process's CPU (``time.process_time``: every thread) and the CPU of the
PostgreSQL backends of the bench databases (``/proc/<pid>/stat``); the table gives the median
over the rounds, the paths interleaved round by round, and the machine's load average.
``--profile PATH`` runs cProfile over ``--per-round`` requests of one path (``baseline``,
``submit``, ``accept`` or ``smart``) after a warm-up and prints the top of it instead
(``--dump FILE`` also writes it, for ``python -m pstats FILE``).
Figures only: nothing passes or fails on time.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import os
import pstats
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cases_baseline_app as baseline
import cases_bench
import smart_bench
from common import (
    SKIPPED_POSTGRES,
    CpuMeter,
    _drop_postgres,
    _fresh_postgres,
    command_line,
    postgres_url,
    print_table,
)
from open_loop import Backends
from sqlalchemy.engine import make_url

from tongban.adapters.db.async_reader import libpq_dsn
from tongban.web.app import build_app
from tongban.web.deps import CSRF_HEADER, SESSION_COOKIE
from tongban.web.idempotency import HEADER as IDEMPOTENCY_HEADER

Asgi = Callable[..., Any]
PATHS = ("baseline", "submit", "accept", "smart")


@dataclass
class Call:
    """One request, ready to hand to the app: its scope and its body."""

    scope: dict[str, Any]
    body: bytes


def call_of(method: str, path: str, body: Any, headers: dict[str, str], cookies: str) -> Call:
    raw = json.dumps(body).encode()
    listed = [
        (b"host", b"bench"),
        (b"content-type", b"application/json"),
        (b"content-length", str(len(raw)).encode()),
        *((k.lower().encode(), v.encode()) for k, v in headers.items()),
    ]
    if cookies:
        listed.append((b"cookie", cookies.encode()))
    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": listed,
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
        "state": {},
    }
    return Call(scope, raw)


async def send_call(app: Asgi, call: Call) -> tuple[int, bytes]:
    """Hand ``call`` to ``app`` as a server would; the status and the body of its answer."""
    sent = False
    status = 0
    chunks: list[bytes] = []

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            await asyncio.sleep(3600)  # no disconnect while the app works
        sent = True
        return {"type": "http.request", "body": call.body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(dict(call.scope), receive, send)
    return status, b"".join(chunks)


@dataclass
class Series:
    app_ms: list[float] = field(default_factory=list)
    pg_ms: list[float] = field(default_factory=list)


class Bench:
    def __init__(self, cases: cases_bench.World, smart: smart_bench.World, backends: Backends):
        self.cases, self.smart, self.backends = cases, smart, backends
        self.apps: dict[str, Asgi] = {
            "baseline": baseline.app,
            "submit": build_app(cases.container),
            "smart": build_app(smart.container),
        }
        self.apps["accept"] = self.apps["submit"]
        self.filed: list[str] = []
        self.n = 0

    def calls(self, path: str, count: int) -> list[Call]:
        out = []
        for _ in range(count):
            self.n += 1
            key = {IDEMPOTENCY_HEADER: str(uuid.uuid4())}
            cookie = ""
            if path == "baseline":
                body = {"item_code": cases_bench.ITEM, "form": {"x": 1}, "materials": []}
                out.append(call_of("POST", "/cases", body, {}, ""))
            elif path == "submit":
                token, csrf = self.cases.citizens[self.n % len(self.cases.citizens)]
                cookie = f"{SESSION_COOKIE}={token}"
                out.append(call_of("POST", "/api/v1/cases", cases_bench._body(self.n, "r"),
                                   {CSRF_HEADER: csrf, **key}, cookie))  # fmt: skip
            elif path == "accept":
                token, csrf = self.cases.clerks[self.n % len(self.cases.clerks)]
                number, cookie = self.filed.pop(), f"{SESSION_COOKIE}={token}"
                out.append(call_of("POST", f"/api/v1/cases/{number}/accept", {"version": 1},
                                   {CSRF_HEADER: csrf, **key}, cookie))  # fmt: skip
            else:
                token, csrf = self.smart.citizens[self.n % len(self.smart.citizens)]
                out.append(call_of("POST", f"/api/v1/smart/{smart_bench.ITEM}/apply",
                                   smart_bench._body(), {CSRF_HEADER: csrf, **key},
                                   f"{SESSION_COOKIE}={token}"))  # fmt: skip
        return out

    async def run(self, path: str, count: int, series: Series | None = None) -> None:
        if path == "accept":
            while len(self.filed) < count:
                await self.run("submit", count - len(self.filed))
        app, calls = self.apps[path], self.calls(path, count)
        pg0, cpu0 = self.backends.snapshot(), time.process_time()
        answers = [await send_call(app, call) for call in calls]
        cpu, pg1 = time.process_time() - cpu0, self.backends.snapshot()
        for status, body in answers:
            if status not in (200, 201):
                raise SystemExit(f"{path}: {status} {body[:300]!r}")
            if path == "submit":
                self.filed.append(json.loads(body)["number"])
        if series is not None:
            series.app_ms.append(1000 * cpu / count)
            series.pg_ms.append(1000 * Backends.used(pg0, pg1) / count)


def _routes_in_this_thread() -> None:
    """For the profile: FastAPI runs sync routes and dependencies in the thread pool, where
    cProfile does not see them; run them on the loop's thread instead."""
    import fastapi.dependencies.utils
    import fastapi.routing

    async def inline(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        return func(*args, **kwargs)

    fastapi.routing.run_in_threadpool = inline  # type: ignore[assignment]
    fastapi.dependencies.utils.run_in_threadpool = inline  # type: ignore[assignment]


def _load() -> str:
    return " ".join(f"{v:.2f}" for v in os.getloadavg())


async def measure(bench: Bench, args: argparse.Namespace) -> None:
    try:
        await _measure(bench, args)
    finally:  # the session reader's connections belong to this loop
        for world in (bench.cases, bench.smart):
            if world.container.async_reader is not None:
                await world.container.async_reader.close()


async def _measure(bench: Bench, args: argparse.Namespace) -> None:
    for path in PATHS:  # warm-up: caches, pools, the first decision's loads
        await bench.run(path, args.warmup)
    if args.profile:
        _routes_in_this_thread()
        profile = cProfile.Profile(time.thread_time)  # CPU time, not waits
        path = args.profile
        if path == "accept":
            await bench.run("submit", args.per_round)
        profile.enable()
        await bench.run(path, args.per_round)
        profile.disable()
        if args.dump:
            profile.dump_stats(args.dump)
        stats = pstats.Stats(profile).strip_dirs()
        calls = sum(s[1] for s in stats.stats.values())  # type: ignore[attr-defined]
        print(f"{path}: {calls / args.per_round:.0f} function calls a request")
        stats.sort_stats("tottime").print_stats(args.top)
        stats.sort_stats("cumulative").print_stats(args.top)
        return
    found = {path: Series() for path in PATHS}
    load_before = _load()
    with CpuMeter() as meter:
        for _ in range(args.rounds):
            for path in PATHS:
                await bench.run(path, args.per_round, found[path])
    rows = []
    base = statistics.median(found["baseline"].app_ms)
    for path in PATHS:
        s = found[path]
        app = statistics.median(s.app_ms)
        rows.append([path, f"{app:.2f}", f"{min(s.app_ms):.2f}–{max(s.app_ms):.2f}",
                     f"{app / base:.1f}×", f"{statistics.median(s.pg_ms):.2f}"])  # fmt: skip
    print_table(
        ["path", "app CPU ms/req (median)", "min–max", "÷ baseline", "PG CPU ms/req"],
        rows,
        title=f"In process: {args.rounds} rounds × {args.per_round} requests a path",
    )
    print(f"\nload average before: {load_before}; after: {_load()}; {meter.describe()}")
    print(f"command: {command_line()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--per-round", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--profile", choices=PATHS)
    parser.add_argument("--top", type=int, default=40, help="rows of the profile")
    parser.add_argument("--dump", help="also write the profile's stats to this file (pstats)")
    args = parser.parse_args()
    server_url = postgres_url()
    if not server_url:
        print(f"request CPU bench: {SKIPPED_POSTGRES}")
        return
    names = [f"tongban_bench_req_{what}_{os.getpid()}" for what in ("cases", "smart")]
    backends: Backends | None = None
    with tempfile.TemporaryDirectory(prefix="tongban-bench-req-") as tmp:
        try:
            cases_url, smart_url = (_fresh_postgres(server_url, name) for name in names)
            (Path(tmp) / "cases").mkdir()
            (Path(tmp) / "smart").mkdir()
            cases = cases_bench.build_world(cases_url, Path(tmp) / "cases")
            smart = smart_bench.build_world(smart_url, Path(tmp) / "smart")
            libpq = libpq_dsn(make_url(cases_url))
            baseline.create_tables(libpq)
            os.environ[baseline.DSN_ENV] = libpq
            # No sampler thread: its CPU would count as the app's (this process's), and the
            # in-process pools keep their backends for the whole run.
            backends = Backends(libpq_dsn(make_url(server_url)), names, every=None)
            asyncio.run(measure(Bench(cases, smart, backends), args))
            for world in (cases, smart):
                world.container.engine.dispose()
        finally:
            if backends is not None:
                backends.close()
            if baseline._pool is not None:
                while not baseline._pool.idle.empty():
                    baseline._pool.idle.get_nowait().close()
            for name in names:
                _drop_postgres(server_url, name)


if __name__ == "__main__":
    main()
