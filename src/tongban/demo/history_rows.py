"""History at scale: the rows of ``history`` built directly, without the case aggregate, by
one process or several.

``history.Generator`` files every case through ``domain.cases.model.Case`` and lets the
repository hash its events: about a thousand cases a second.  This generator makes the same
random draws in the same order (``history_world.Draws``: item, channel, centre and rating) and
writes the same rows — cases, their hash-chained events, facts, ratings, rectification tasks and
the rollups — but builds each event from a template made once per item and path: the event's
canonical JSON (``domain.cases.chain``) is a few string joins around the fields that vary (the
case number, the time, the actor, the centre), so a case costs its SHA-256 digests and little
else.  As each day has its own draws and every id is set before them, slices of days are built
by ``jobs`` worker processes at once and give the same rows as one process; this process writes
them in order, in its one transaction.  Rows go to the database as tuples already in the form
each engine stores (COPY on PostgreSQL, executemany on SQLite), up to 20,000 cases a batch; the
case numbers are reserved in one batch; the rollups are summed in the database from the facts
and ratings just written (``indicators.recount``); on PostgreSQL a large load puts the foreign
keys and plain indexes back after it (``bulk.checks_after``).

Each case's rows are built by ``history_cases`` from the event templates of ``history_events``;
this module slices the days, runs the worker processes and writes the rows.

The aggregate path stays the reference: ``tests/integration/test_demo_history_rows.py`` checks
that both paths write identical rows for the same seed (and one process the same as two), so a
change to the aggregate's events that is not mirrored here fails there.
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from multiprocessing.pool import AsyncResult

from sqlalchemy import Connection

from tongban.adapters.db.tables import case_events, cases
from tongban.adapters.db.tables_evaluation import ratings, rectification_callbacks, rectifications
from tongban.adapters.db.tables_indicators import indicator_case_facts
from tongban.bootstrap import Container
from tongban.demo.bulk import BulkWriter, checks_after
from tongban.demo.history_cases import RowGenerator, Rows
from tongban.demo.history_world import (
    SEQUENCED,
    Batch,
    Day,
    Progress,
    Summary,
    prepare,
    write_batch,
)
from tongban.domain.cases.numbers import format_number
from tongban.services.indicators import recount

_CASE_COLUMNS = (
    "id", "number", "item_id", "item_version", "applicant_id", "channel", "status",
    "lock_version", "form", "submitted_at", "accepted_on", "deadline", "accepting_centre_id",
    "department_id", "pickup_centre_id", "delivery_method", "decision", "priority", "data",
    "audit_seq", "audit_head", "created_at", "updated_at",
)  # fmt: skip
_EVENT_COLUMNS = (
    "id", "case_id", "seq", "type", "from_status", "to_status", "at", "actor_id", "role",
    "centre_code", "reason", "detail", "request_id", "prev_hash", "hash",
)  # fmt: skip
_FACT_COLUMNS = tuple(c.name for c in indicator_case_facts.columns)
BULK_TABLES = (
    cases,
    case_events,
    indicator_case_facts,
    ratings,
    rectifications,
    rectification_callbacks,
)
ROWS_BATCH = 20_000
"""Cases per COPY (or executemany) batch."""
DEFER_CHECKS_FROM = 100_000
"""From this many cases, PostgreSQL checks foreign keys and builds plain indexes after the load."""


@dataclass
class _Built:
    """A slice of days built: its rows, and its ratings, tasks and call-backs (as dicts)."""

    rows: Rows
    batch: Batch


def _build(gen: RowGenerator, days: list[Day]) -> _Built:
    rows, batch = Rows(), Batch()
    for planned in days:
        gen.start_day(planned.day)
        workday = gen.w.calendar.is_workday(planned.day)
        first_number = planned.top - planned.count + 1
        for index in range(planned.count):
            number = format_number(gen.prefix, planned.day, first_number + index)
            gen.build(rows, batch, planned.day, number, workday, planned.first_case + index)
    gen.rated.clear()  # the rating rollups are summed in the database at the end
    return _Built(rows, batch)


def _slices(days: list[Day], size: int) -> list[list[Day]]:
    """Whole days, about ``size`` cases a slice."""
    out: list[list[Day]] = [[]]
    held = 0
    for planned in days:
        if held >= size:
            out.append([])
            held = 0
        out[-1].append(planned)
        held += planned.count
    return [s for s in out if s]


_WORKER: RowGenerator | None = None
"""The generator of a worker process (set once as it starts)."""


def _start_worker(gen: RowGenerator) -> None:
    global _WORKER
    _WORKER = gen


def _build_in_worker(days: list[Day]) -> _Built:
    assert _WORKER is not None
    return _build(_WORKER, days)


def built(gen: RowGenerator, days: list[Day], jobs: int) -> Iterator[_Built]:
    """The plan's slices built in order, by this process or by ``jobs`` worker processes (each
    slice's rows are the same either way: see ``history_world``).  At most two slices per
    worker wait to be written, so memory stays bounded."""
    total = sum(planned.count for planned in days)
    if jobs <= 1:
        for part in _slices(days, ROWS_BATCH):
            yield _build(gen, part)
        return
    slices = _slices(days, max(1, min(ROWS_BATCH, total // (jobs * 4))))
    # fork: the workers start with the world already read (nothing pickled but the slices
    # and their rows); they never touch the parent's database connection
    context = multiprocessing.get_context("fork")
    with context.Pool(jobs, initializer=_start_worker, initargs=(gen,)) as pool:
        todo = iter(slices)
        pending: deque[AsyncResult[_Built]] = deque(
            pool.apply_async(_build_in_worker, (part,)) for part in itertools.islice(todo, 2 * jobs)
        )
        while pending:
            found = pending.popleft().get()
            following = next(todo, None)
            if following is not None:
                pending.append(pool.apply_async(_build_in_worker, (following,)))
            yield found


def default_jobs() -> int:
    """One worker per core."""
    return max(1, os.cpu_count() or 1)


def generate(
    conn: Connection,
    *,
    cases_wanted: int,
    seed: int,
    years: int,
    today: date,
    progress: Progress | None = None,
    jobs: int = 1,
) -> Summary:
    """``history.generate``'s rows for the same arguments, built without the aggregate, by
    ``jobs`` processes, written in the caller's transaction."""
    setup = prepare(conn, cases_wanted, seed, years, today)
    writer = BulkWriter(conn)
    gen = RowGenerator(setup.world, seed, today, setup.ids, writer.postgres, setup.prefix)
    loaded = BULK_TABLES if cases_wanted >= DEFER_CHECKS_FROM else ()
    with checks_after(conn, loaded):
        for part in built(gen, setup.days, jobs):
            write(writer, part, setup.summary, progress)
    recount.add_case_rollups(conn, setup.ids.case)
    recount.add_rating_rollups(conn, setup.ids.rating)
    writer.reset_sequences(SEQUENCED)
    return setup.summary


def write(writer: BulkWriter, part: _Built, summary: Summary, progress: Progress | None) -> None:
    """COPY (or executemany) a built slice and count it."""
    rows = part.rows
    writer.write_rows(cases, _CASE_COLUMNS, rows.cases)
    writer.write_rows(case_events, _EVENT_COLUMNS, rows.events)
    writer.write_rows(indicator_case_facts, _FACT_COLUMNS, rows.facts)
    write_batch(writer, part.batch, summary, None)
    summary.cases += len(rows.cases)
    summary.events += len(rows.events)
    if progress is not None and rows.cases:
        progress(len(rows.cases))


def load(
    container: Container,
    *,
    cases_wanted: int,
    seed: int = 1,
    years: int = 3,
    progress: Progress | None = None,
    jobs: int = 1,
) -> Summary:
    """The history in one transaction, relative to the container's clock (``history.load``'s
    rows, by this faster path)."""
    today = container.clock.today()
    with container.uow() as uow, uow.atomic():
        return generate(
            uow.conn,
            cases_wanted=cases_wanted,
            seed=seed,
            years=years,
            today=today,
            progress=progress,
            jobs=jobs,
        )
