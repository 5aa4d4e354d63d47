"""The baseline for ``cases_bench.py``: FastAPI + psycopg, one case row and one audit row.

Nothing else: no session, no CSRF, no idempotency key, no catalogue, no calendar.  The bench
serves it with uvicorn (same worker count and log level as ``tongban serve``) and reads its
connection string from ``TONGBAN_BENCH_BASELINE_DSN`` (a plain libpq URL).  The two bare tables
live in the schema ``bench_baseline`` of the bench database; ``create_tables`` makes them.

    uvicorn cases_baseline_app:app --app-dir bench --workers 2
"""

from __future__ import annotations

import itertools
import os
import queue
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from fastapi import FastAPI
from fastapi.responses import JSONResponse
from psycopg.types.json import Jsonb
from pydantic import BaseModel, Field

DSN_ENV = "TONGBAN_BENCH_BASELINE_DSN"
SCHEMA = "bench_baseline"
POOL_SIZE = 16
POOL_ENV = "TONGBAN_BENCH_BASELINE_POOL"
"""Overrides ``POOL_SIZE`` (the path table keeps both servers' pools alike and small)."""
"""Connections per process at most (the app's engine allows 10 + 10 overflow)."""

DDL = f"""
CREATE SCHEMA IF NOT EXISTS {SCHEMA};
CREATE TABLE IF NOT EXISTS {SCHEMA}.cases (
    id bigserial PRIMARY KEY,
    number text UNIQUE,
    applicant_id bigint NOT NULL,
    item_code text NOT NULL,
    form jsonb NOT NULL,
    materials jsonb NOT NULL,
    status text NOT NULL,
    version integer NOT NULL,
    submitted_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS {SCHEMA}.case_events (
    id bigserial PRIMARY KEY,
    case_id bigint NOT NULL REFERENCES {SCHEMA}.cases (id),
    seq integer NOT NULL,
    type text NOT NULL,
    detail jsonb NOT NULL,
    at timestamptz NOT NULL DEFAULT now()
);
"""


def create_tables(dsn: str) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(DDL)


class Pool:
    """At most ``size`` connections, opened on demand and handed out one per request."""

    def __init__(self, dsn: str, size: int) -> None:
        self.dsn = dsn
        self.idle: queue.LifoQueue[psycopg.Connection[Any]] = queue.LifoQueue()
        self.slots = threading.BoundedSemaphore(size)

    @contextmanager
    def connection(self) -> Iterator[psycopg.Connection[Any]]:
        if not self.slots.acquire(timeout=30):
            raise TimeoutError("no connection within 30 s")
        try:
            try:
                conn = self.idle.get_nowait()
            except queue.Empty:
                conn = psycopg.connect(self.dsn)
            try:
                with conn.transaction():
                    yield conn
            except BaseException:
                conn.close()
                raise
            self.idle.put(conn)
        finally:
            self.slots.release()


class ApplicationIn(BaseModel):
    item_code: str = Field(min_length=1, max_length=40)
    form: dict[str, Any] = Field(default_factory=dict)
    materials: list[str] = Field(default_factory=list, max_length=50)


app = FastAPI()
_pool: Pool | None = None
_serial = itertools.count(1)  # next() on a count is atomic under the GIL


def pool() -> Pool:
    global _pool
    if _pool is None:
        _pool = Pool(os.environ[DSN_ENV], int(os.environ.get(POOL_ENV) or POOL_SIZE))
    return _pool


@app.post("/cases", status_code=201)
def submit(body: ApplicationIn) -> JSONResponse:
    with pool().connection() as conn:
        number = f"BL-{os.getpid()}-{next(_serial):08d}"
        case_id = conn.execute(
            f"INSERT INTO {SCHEMA}.cases (number, applicant_id, item_code, form, materials,"
            " status, version) VALUES (%s, 1, %s, %s, %s, 'submitted', 1) RETURNING id",
            (number, body.item_code, Jsonb(body.form), Jsonb(body.materials)),
        ).fetchone()[0]  # type: ignore[index]
        conn.execute(
            f"INSERT INTO {SCHEMA}.case_events (case_id, seq, type, detail)"
            " VALUES (%s, 1, 'CaseSubmitted', %s)",
            (case_id, Jsonb({"channel": "online"})),
        )
    return JSONResponse({"number": number, "version": 1, "status": "submitted"}, status_code=201)
