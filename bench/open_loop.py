"""An open-loop load generator and the CPU meters of the path table (``paths_bench.py``).

Open loop: request i is due at ``start + i / rate`` whatever became of the earlier ones, and its
latency is timed from that due time (so queueing in the server counts, and a slow answer does not
slow the arrivals down, as it does with clients that wait for each other).  Every request is
built as bytes before the phase (each write has its own ``Idempotency-Key``, which is why
Debian's ``h2load``, whose headers are the same for every request, drives only the baseline
here, as a check of this generator); a phase then only writes them on keep-alive connections
(a free one, or a new one) and reads the status line and the ``Content-Length`` body.  The
generator's own CPU is measured and printed, never counted as the app's.

CPU meters (Linux ``/proc``): a process group's (the app's, the baseline's, this process's),
the PostgreSQL backends serving the bench databases (their pids from ``pg_stat_activity``,
sampled every 0.2 s by a thread so that a backend that ends during a phase counts up to its last
sample, with a bound of what that misses: ``Backends``), and the whole machine's busy time, from
which "others" is what none of those used.
"""

from __future__ import annotations

import asyncio
import json
import os
import threading
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
from procfs import process_stat, processes

HZ = os.sysconf("SC_CLK_TCK")
MAX_CONNECTIONS = 64
"""Open connections at most: beyond, an arrival waits for a free one (and its wait counts)."""


# --------------------------------------------------------------------------- requests


def http_request(
    host: str,
    method: str,
    path: str,
    body: Any = None,
    headers: dict[str, str] | None = None,
    cookies: dict[str, str] | None = None,
) -> bytes:
    """One HTTP/1.1 request as bytes (JSON body), ready to be written on a socket."""
    data = b"" if body is None else json.dumps(body, ensure_ascii=False).encode()
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}", f"Content-Length: {len(data)}"]
    if body is not None:
        lines.append("Content-Type: application/json")
    if cookies:
        lines.append("Cookie: " + "; ".join(f"{k}={v}" for k, v in cookies.items()))
    lines.extend(f"{k}: {v}" for k, v in (headers or {}).items())
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + data


@dataclass
class Result:
    """One phase of the generator: latencies from the due time, statuses, bodies if kept."""

    rate: float
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    bodies: list[bytes] = field(default_factory=list)
    generator_cpu: float = 0.0
    late_starts: int = 0
    """Arrivals sent more than 5 ms after their due time (the generator fell behind)."""
    resent: int = 0
    """Requests sent again on a new connection after the server had closed an idle one."""

    def percentile(self, p: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


async def _exchange(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, raw: bytes
) -> tuple[int, bytes]:
    writer.write(raw)
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    for line in head.split(b"\r\n"):
        if line[:15].lower() == b"content-length:":
            length = int(line[15:])
    return status, await reader.readexactly(length) if length else b""


async def _run(host: str, port: int, requests: Sequence[bytes], rate: float, keep: bool) -> Result:
    result = Result(rate)
    idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []
    opened = 0
    free = asyncio.Condition()
    loop = asyncio.get_running_loop()

    async def one(raw: bytes, due: float) -> None:
        nonlocal opened
        async with free:
            while not idle and opened >= MAX_CONNECTIONS:
                await free.wait()
            if idle:
                conn = idle.pop()
            else:
                opened += 1
                conn = None
        reused = conn is not None
        if conn is None:
            conn = await asyncio.open_connection(host, port)
        try:
            try:
                status, body = await _exchange(*conn, raw)
            except (ConnectionError, asyncio.IncompleteReadError) as closed:
                # A kept-alive connection the server closed while it sat idle (uvicorn closes
                # them after 5 s) fails before any answer: like every HTTP client, send again
                # once on a new connection (safe: each write carries its Idempotency-Key).
                # The latency still counts from the request's due time.
                partial = getattr(closed, "partial", b"")
                if not reused or partial:
                    raise
                conn[1].close()
                conn = await asyncio.open_connection(host, port)
                result.resent += 1
                status, body = await _exchange(*conn, raw)
        except (OSError, asyncio.IncompleteReadError, ValueError):
            result.statuses[0] += 1
            conn[1].close()
            async with free:
                opened -= 1
                free.notify()
            return
        result.latencies.append(loop.time() - due)
        result.statuses[status] += 1
        if keep:
            result.bodies.append(body)
        async with free:
            idle.append(conn)
            free.notify()

    tasks = []
    start = loop.time() + 0.05
    for i, raw in enumerate(requests):
        due = start + i / rate
        delay = due - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        elif delay < -0.005:
            result.late_starts += 1
        tasks.append(asyncio.create_task(one(raw, due)))
    await asyncio.gather(*tasks)
    result.seconds = loop.time() - start
    for _reader, writer in idle:
        writer.close()
    return result


def run_open_loop(
    url: str, requests: Sequence[bytes], rate: float, *, keep_bodies: bool = False
) -> Result:
    """Send ``requests`` at ``rate`` per second, open loop; returns the figures."""
    host, port = url.removeprefix("http://").split(":")
    cpu = time.process_time()
    result = asyncio.run(_run(host, int(port), requests, rate, keep_bodies))
    result.generator_cpu = time.process_time() - cpu
    return result


# --------------------------------------------------------------------------- CPU meters


def group_cpu(groups: dict[str, int]) -> dict[str, float]:
    """CPU seconds so far of every process in each named process group."""
    totals = dict.fromkeys(groups, 0.0)
    names = {pgid: name for name, pgid in groups.items()}
    for process in processes():
        if process.pgid in names:
            totals[names[process.pgid]] += process.cpu_seconds
    return totals


SAMPLE_EVERY = 0.2
"""Seconds between two samples of the bench databases' backends (``Backends``)."""

Backend = tuple[int, int]
"""A PostgreSQL backend: its pid and when it started (a pid may be used again)."""


@dataclass(frozen=True)
class BackendsSnapshot:
    """What ``Backends.snapshot`` saw: every backend of the bench databases seen so far with
    its CPU seconds when last seen, those of them seen to end; the CPU of the postmaster's
    ended children, and the last-seen CPU of every backend seen to end (any database); the
    sampler's own CPU.  The last three only grow."""

    cpu: dict[Backend, float]
    ended: frozenset[Backend]
    reaped: float
    ended_seen: float
    sampler_cpu: float


class Backends:
    """The CPU of the PostgreSQL backends serving ``databases``.

    Their pids come from ``pg_stat_activity``, their CPU from ``/proc/<pid>/stat``.  Two
    snapshots alone lose the CPU of a backend that ends in between (an app's pool closing a
    connection beyond its size, a connection recycled): so a thread samples the backends every
    ``every`` seconds (``SAMPLE_EVERY``) and keeps each one's CPU when last seen, and a backend
    that ends counts up to its last sample.

    What that still misses: each ended backend's CPU after its last sample (at most ``every``
    seconds of it: a backend is one thread), and whole backends that lived between two samples.
    ``missed_at_most`` bounds it from the postmaster's ended children's CPU (``cutime +
    cstime``, which the kernel adds when the postmaster waits for an ended child): its growth
    less the last-seen CPU of every backend seen to end meanwhile, whatever its database (the
    sampler follows them all, so that the other databases' backends on a shared server do not
    inflate the bound).  What is left in it besides the bench's: the other ended backends' CPU
    after their last sample, and the server's short-lived helpers (autovacuum and parallel
    workers).  So the bound is high, never low, but for a backend that had left
    ``pg_stat_activity`` and not yet been waited for when the phase ended; NaN when the
    postmaster's stat cannot be read.

    The sampler runs in this process: its CPU (``BackendsSnapshot.sampler_cpu``) is the
    meter's, and a caller that times this process's CPU subtracts it (``sampler_used``).
    ``every=None``: no sampler, snapshots alone (a bench whose own pooled connections are the
    only backends, none of which ends, and whose CPU is this process's).
    """

    def __init__(
        self, dsn: str, databases: Iterable[str], every: float | None = SAMPLE_EVERY
    ) -> None:
        self.databases = list(databases)
        # One connection for the whole run, opened first: under load the server's connection
        # slots may all be taken by the time a phase ends.
        self.conn = psycopg.connect(dsn, autocommit=True)
        own = self.conn.execute("SELECT pg_backend_pid()").fetchone()
        stat = process_stat(int(own[0])) if own else None
        self.postmaster = stat.ppid if stat is not None else None
        self._lock = threading.Lock()
        self._seen: dict[Backend, float] = {}  # the bench's backends
        self._others: dict[Backend, float] = {}  # every other backend, while listed
        self._listed: set[Backend] = set()
        self._ended: set[Backend] = set()
        self._ended_seen = 0.0
        self._sampler_cpu = 0.0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        if every is not None:
            self._sample()
            self._thread = threading.Thread(
                target=self._sample_every, args=(every,), name="backends", daemon=True
            )
            self._thread.start()

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self.conn.close()

    def _sample_every(self, every: float) -> None:
        while not self._stop.wait(every):
            started = time.thread_time()
            self._sample()
            with self._lock:
                self._sampler_cpu += time.thread_time() - started

    def _sample(self) -> None:
        with self._lock:
            rows = self.conn.execute(
                "SELECT pid, coalesce(datname = ANY(%s), false) FROM pg_stat_activity",
                (self.databases,),
            ).fetchall()
            listed = set()
            for pid, ours in rows:
                stat = process_stat(int(pid))
                if stat is None:
                    continue
                backend = (stat.pid, stat.start_ticks)
                (self._seen if ours else self._others)[backend] = stat.cpu_seconds
                listed.add(backend)
            for backend in self._listed - listed:
                if backend in self._seen:
                    self._ended.add(backend)
                    self._ended_seen += self._seen[backend]
                else:
                    self._ended_seen += self._others.pop(backend, 0.0)
            self._listed = listed

    def snapshot(self) -> BackendsSnapshot:
        """Sample now: the bench's backends seen so far (those that ended, as last seen)."""
        self._sample()
        postmaster = process_stat(self.postmaster) if self.postmaster is not None else None
        with self._lock:
            return BackendsSnapshot(
                dict(self._seen),
                frozenset(self._ended),
                postmaster.children_cpu_seconds if postmaster is not None else float("nan"),
                self._ended_seen,
                self._sampler_cpu,
            )

    @staticmethod
    def used(before: BackendsSnapshot, after: BackendsSnapshot) -> float:
        """CPU seconds between two snapshots: a backend born meanwhile counts whole, one that
        ended meanwhile up to its last sample."""
        return sum(cpu - before.cpu.get(backend, 0.0) for backend, cpu in after.cpu.items())

    @staticmethod
    def ended(before: BackendsSnapshot, after: BackendsSnapshot) -> int:
        """The bench's backends seen to end between two snapshots."""
        return len(after.ended - before.ended)

    @staticmethod
    def missed_at_most(before: BackendsSnapshot, after: BackendsSnapshot) -> float:
        """At most this many CPU seconds of the bench's backends that ended between two
        snapshots went uncounted by ``used`` (NaN: the postmaster's stat was not readable)."""
        reaped = after.reaped - before.reaped
        if reaped != reaped:  # NaN
            return reaped
        return max(0.0, reaped - (after.ended_seen - before.ended_seen))

    @staticmethod
    def sampler_used(before: BackendsSnapshot, after: BackendsSnapshot) -> float:
        """CPU seconds the sampler thread used between two snapshots (this process's)."""
        return after.sampler_cpu - before.sampler_cpu


def machine_busy() -> tuple[float, float]:
    """(all CPU seconds, busy CPU seconds) of the machine so far (``/proc/stat``)."""
    fields = [int(f) for f in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    total = sum(fields) / HZ
    return total, total - (fields[3] + fields[4]) / HZ
