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
the PostgreSQL backends serving the bench databases (their pids from ``pg_stat_activity``), and
the whole machine's busy time, from which "others" is what none of those used.
"""

from __future__ import annotations

import asyncio
import json
import os
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


class Backends:
    """The CPU of the PostgreSQL backends serving ``databases`` (pids from pg_stat_activity)."""

    def __init__(self, dsn: str, databases: Iterable[str]) -> None:
        self.databases = list(databases)
        # One connection for the whole run, opened first: under load the server's connection
        # slots may all be taken by the time a phase ends.
        self.conn = psycopg.connect(dsn, autocommit=True)

    def close(self) -> None:
        self.conn.close()

    def snapshot(self) -> dict[int, float]:
        pids = [
            int(row[0])
            for row in self.conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = ANY(%s)", (self.databases,)
            )
        ]
        found = {pid: process_stat(pid) for pid in pids}
        return {pid: stat.cpu_seconds for pid, stat in found.items() if stat is not None}

    @staticmethod
    def used(before: dict[int, float], after: dict[int, float]) -> float:
        """CPU seconds between two snapshots (a backend born meanwhile counts whole; one that
        ended meanwhile is lost, so pooled connections are what makes this exact)."""
        return sum(cpu - before.get(pid, 0.0) for pid, cpu in after.items())


def machine_busy() -> tuple[float, float]:
    """(all CPU seconds, busy CPU seconds) of the machine so far (``/proc/stat``)."""
    fields = [int(f) for f in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    total = sum(fields) / HZ
    return total, total - (fields[3] + fields[4]) / HZ
