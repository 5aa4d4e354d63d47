"""What a running tongban tells its operators: structured log lines and Prometheus metrics.

**Context.**  The request in hand (its id, the signed-in user's id, the route template) lives in
context variables set by the web layer's middleware, by the worker while it delivers an
outbox message (the message carries the id of the request that queued it) and by the command
line.  Every log line carries them; no log line carries personal data: the user is their row
id, and ``MaskingFilter`` still masks ID and phone numbers in the message text.

**Metrics** (``prometheus_client``).  One set of instruments per process.  When
``PROMETHEUS_MULTIPROC_DIR`` is set (several app processes, and the worker, share one
directory), ``/metrics`` adds up every process's files; without it, the process's own registry
is served.  Values that belong to the database rather than to a process (the outbox backlog and
its age, worker heartbeats) are read at scrape time by ``/metrics`` itself.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import Engine, event

# --- context -------------------------------------------------------------------------------------


@dataclass
class RequestInfo:
    """The request (or job) in hand.  ``who`` answers (user id, route template) when a line is
    written: the web layer learns both only as the request goes on."""

    request_id: str
    who: Callable[[], tuple[int | None, str]] = lambda: (None, "")


current: ContextVar[RequestInfo | None] = ContextVar("tongban_request", default=None)


def current_request_id() -> str:
    info = current.get()
    return info.request_id if info is not None else ""


@contextmanager
def job_context(request_id: str) -> Iterator[None]:
    """Log lines inside carry ``request_id`` (a worker's job for the request that queued it)."""
    token = current.set(RequestInfo(request_id) if request_id else None)
    try:
        yield
    finally:
        current.reset(token)


# --- log lines -----------------------------------------------------------------------------------

_RESERVED = frozenset(vars(logging.makeLogRecord({})).keys()) | {
    "message",
    "asctime",
    "color_message",
}
"""Record attributes that are not a call's own fields (uvicorn adds a coloured copy)."""


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC), level, logger, message, the request context, and
    any ``extra={...}`` fields the call passed (for example an access line's status and
    duration).  Exceptions come as one ``exception`` string (already masked by the filter)."""

    def format(self, record: logging.LogRecord) -> str:
        at = datetime.fromtimestamp(record.created, UTC)
        line: dict[str, Any] = {
            "time": at.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        info = current.get()
        if info is not None:
            line["request_id"] = info.request_id
            uid, path = info.who()
            if uid is not None:
                line["user_id"] = uid
            if path:
                line["route"] = path
        for key, value in vars(record).items():
            if key not in _RESERVED and not key.startswith("_"):
                line[key] = value
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            line["exception"] = record.exc_text
        return json.dumps(line, ensure_ascii=False, default=str)


class ContextTextFormatter(logging.Formatter):
    """The plain format for a terminal, with the request id when there is one."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        rid = current_request_id()
        return f"{text} [request {rid}]" if rid else text


# --- metrics -------------------------------------------------------------------------------------

_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

HTTP_REQUESTS = Counter(
    "tongban_http_requests",
    "HTTP requests answered, by method, route template and status code.",
    ["method", "route", "status"],
)
HTTP_LATENCY = Histogram(
    "tongban_http_request_duration_seconds",
    "Time from the request's arrival to the end of its answer, by method and route template.",
    ["method", "route"],
    buckets=_LATENCY_BUCKETS,
)
SWEEP_RUNS = Counter(
    "tongban_sweep_runs",
    "Worker sweeps run, by sweep and outcome (ok or failed).",
    ["sweep", "outcome"],
)
SWEEP_ROW_FAILURES = Counter(
    "tongban_sweep_row_failures",
    "Rows a batched sweep could not handle (each also kept in sweep_failures), by sweep.",
    ["sweep"],
)
OUTBOX_DELIVERIES = Counter(
    "tongban_outbox_deliveries",
    "Outbox messages handled by the worker, by outcome (sent, retried, failed, lost).",
    ["outcome"],
)
SMART_DECISIONS = Counter(
    "tongban_smart_approval_decisions",
    "秒批 decisions committed, by outcome (approve, or manual_review: a person decides).",
    ["outcome"],
)
DB_POOL_IN_USE = Gauge(
    "tongban_db_pool_connections_in_use",
    "Database connections checked out of this process's pool.",
    multiprocess_mode="livesum",
)
DB_POOL_SIZE = Gauge(
    "tongban_db_pool_size",
    "The configured size of the database pool, per process.",
    multiprocess_mode="livesum",
)


def watch_pool(engine: Engine, size: int) -> None:
    """Count this engine's checked-out connections in ``DB_POOL_IN_USE``."""
    DB_POOL_SIZE.inc(size)
    event.listen(engine, "checkout", lambda *_: DB_POOL_IN_USE.inc())
    event.listen(engine, "checkin", lambda *_: DB_POOL_IN_USE.dec())


def observe_request(method: str, path: str, status: int, seconds: float) -> None:
    HTTP_REQUESTS.labels(method, path, str(status)).inc()
    HTTP_LATENCY.labels(method, path).observe(seconds)


def count_sweep(name: str, ok: bool) -> None:
    SWEEP_RUNS.labels(name, "ok" if ok else "failed").inc()


def count_sweep_row_failure(name: str) -> None:
    SWEEP_ROW_FAILURES.labels(name).inc()


def count_deliveries(**by_outcome: int) -> None:
    for outcome, count in by_outcome.items():
        if count:
            OUTBOX_DELIVERIES.labels(outcome).inc(count)


def count_smart_decision(outcome: str) -> None:
    SMART_DECISIONS.labels(outcome).inc()


StateGauge = tuple[str, str, tuple[str, ...], list[tuple[tuple[str, ...], float]]]
"""A gauge read at scrape time: name, help, label names, and (label values, value) pairs."""


class StateCollector(Collector):
    """Gauges of the database's state, read once per scrape by whoever serves ``/metrics``."""

    def __init__(self, gauges: Iterable[StateGauge]) -> None:
        self.gauges = list(gauges)

    def collect(self) -> Iterable[GaugeMetricFamily]:
        for name, doc, labels, samples in self.gauges:
            family = GaugeMetricFamily(name, doc, labels=list(labels))
            for values, value in samples:
                family.add_metric(list(values), value)
            yield family


def exposition(state: Collector | None = None) -> tuple[bytes, str]:
    """The metrics page: every process's instruments (multiprocess mode) or this process's,
    with the database's state gauges."""
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        body = generate_latest(registry)
    else:
        body = generate_latest(REGISTRY)
    if state is not None:
        extra = CollectorRegistry()
        extra.register(state)
        body += generate_latest(extra)
    return body, CONTENT_TYPE_LATEST
