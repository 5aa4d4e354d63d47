"""The outbox (发件箱): notifications leave only after the change they announce has committed.

``enqueue`` writes on the caller's connection, so a message exists if and only if the change
commits.  The worker ``claim``s due messages under a lease and delivers each in a transaction
that first re-checks its claim and marks the row sent; a failure is retried with exponential
back-off and, after ``MAX_ATTEMPTS``, marked failed.  A worker that dies loses its claim when
the lease expires, and the message becomes claimable again.

Guarantees.  An in-app message is delivered exactly once: it is inserted in the transaction
that marks its row sent, and ``inbox_messages.outbox_id`` is unique.  An SMS cannot be made
exactly-once against an outside gateway: it is sent at most once per successful claim, while the
row is locked; only a crash between the gateway's answer and the commit re-sends it, so the
adapter receives ``message_id="outbox-<id>"`` to pass on as the gateway's idempotency token
(``LogSms`` ignores an id it has already sent).
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Protocol

from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    Table,
    and_,
    bindparam,
    delete,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite

from tongban.adapters.db.tables import inbox_messages, outbox
from tongban.domain.shared.masking import mask_text
from tongban.services.platform import telemetry
from tongban.services.platform.ports import SmsSender
from tongban.services.platform.together import Part
from tongban.services.platform.unit_of_work import UnitOfWork

log = logging.getLogger("tongban.outbox")

MAX_ATTEMPTS = 8
"""Deliveries tried before a message is marked failed (about an hour of back-off in all)."""
BASE_DELAY = timedelta(seconds=30)
MAX_DELAY = timedelta(hours=1)
LEASE = timedelta(minutes=5)
"""How long a claim holds; a delivery must finish well within it."""
KEEP_SENT = timedelta(days=30)


class Status(StrEnum):
    PENDING = "pending"
    CLAIMED = "claimed"
    SENT = "sent"
    FAILED = "failed"


@dataclass(frozen=True)
class Message:
    """A claimed outbox row; ``attempts`` counts this delivery."""

    id: int
    kind: str
    payload: dict[str, Any]
    attempts: int
    created_at: datetime
    request_id: str = ""
    """The request that queued it: the delivery's log lines carry the same id."""

    @property
    def token(self) -> str:
        """The idempotency token handed to outside gateways; outbox ids are never reused."""
        return f"outbox-{self.id}"


class OutboxPorts(Protocol):
    """What delivery needs from the container: the database and the outside adapters."""

    @property
    def engine(self) -> Engine: ...

    @property
    def sms(self) -> SmsSender: ...


@dataclass(frozen=True)
class Ports:
    """``OutboxPorts`` from their parts, for a use case that holds the engine and an adapter."""

    engine: Engine
    sms: SmsSender


Handler = Callable[[Message, Connection, OutboxPorts], None]
"""Delivers one message of a kind, inside the transaction that marks it sent: writes on the
connection commit with the mark, and raising rolls both back and schedules a retry."""


@dataclass
class Batch:
    """What one ``deliver`` pass did."""

    claimed: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0
    lost: int = 0
    """Claims another worker took over after this one's lease expired; nothing was sent."""


_IGNORING: dict[tuple[str, str, tuple[str, ...]], Any] = {}


def _insert_ignoring(dialect: str, table: Table, conflict: Sequence[str]) -> Any:
    """``INSERT ... ON CONFLICT (conflict) DO NOTHING RETURNING conflict[0]``, built once.

    The values come with each execution: a statement built per call would make SQLAlchemy
    recompute its cache key every time, which costs more than a round trip.
    """
    key = (dialect, table.name, tuple(conflict))
    stmt = _IGNORING.get(key)
    if stmt is None:
        insert_ = postgresql.insert if dialect == "postgresql" else sqlite.insert
        # RETURNING, not rowcount: SQLAlchemy does not keep an INSERT's rowcount on every driver.
        stmt = (
            insert_(table)
            .on_conflict_do_nothing(index_elements=list(conflict))
            .returning(table.c[conflict[0]])
        )
        _IGNORING[key] = stmt
    return stmt


def insert_or_ignore(
    conn: Connection, table: Table, conflict: Sequence[str], values: Mapping[str, Any]
) -> bool:
    """Insert a row unless one with the same ``conflict`` columns exists; True if inserted.

    ``ON CONFLICT DO NOTHING`` on both engines: on PostgreSQL a concurrent insert of the same
    key waits for the other transaction to finish instead of failing this one.
    """
    stmt = _insert_ignoring(conn.dialect.name, table, conflict)
    return conn.execute(stmt, dict(values)).first() is not None


# --- enqueueing (in the caller's transaction) ---------------------------------------------------


def enqueue(
    conn: Connection,
    kind: str,
    payload: Mapping[str, Any],
    *,
    dedup_key: str | None = None,
    available_at: datetime | None = None,
    now: datetime,
) -> int:
    """Queue a message on the caller's transaction, so it exists iff the change commits.

    A ``dedup_key`` already queued (or sent and not yet purged) stores nothing new. Returns the
    id of the stored message.
    """
    if kind not in HANDLERS:
        raise ValueError(f"unknown outbox kind {kind!r}; register a handler first")
    at = now
    values = {
        "kind": kind,
        "payload": dict(payload),
        "dedup_key": dedup_key,
        "status": Status.PENDING.value,
        "attempts": 0,
        "created_at": at,
        "available_at": available_at or at,
        "request_id": telemetry.current_request_id() or None,
    }
    if dedup_key is None:
        new_id: int = conn.execute(_INSERT_RETURNING_ID, values).scalar_one()
        return new_id
    inserted = conn.execute(_insert_new(conn.dialect.name), values).scalar()
    if inserted is not None:
        return int(inserted)
    stored: int = conn.execute(_ID_BY_DEDUP_KEY, {"dedup_key": dedup_key}).scalar_one()
    return stored


_INSERT_RETURNING_ID = insert(outbox).returning(outbox.c.id)
_ID_BY_DEDUP_KEY = select(outbox.c.id).where(outbox.c.dedup_key == bindparam("dedup_key"))
_NEW: dict[str, Any] = {
    name: dialect.insert(outbox)
    .on_conflict_do_nothing(index_elements=["dedup_key"])
    .returning(outbox.c.id)
    for name, dialect in (("postgresql", postgresql), ("sqlite", sqlite))
}
"""Inserts skipping a ``dedup_key`` already queued, per dialect, returning the new id."""
_QUIET: dict[str, Any] = {
    name: dialect.insert(outbox).on_conflict_do_nothing(index_elements=["dedup_key"])
    for name, dialect in (("postgresql", postgresql), ("sqlite", sqlite))
}
"""The same without RETURNING, to go with other inserts in one statement."""


def _insert_new(dialect: str) -> Any:
    return _NEW[dialect]


@dataclass(frozen=True)
class Pending:
    """A message to queue with ``enqueue_many``."""

    kind: str
    payload: Mapping[str, Any]
    dedup_key: str | None = None


def sms(phone: str, text: str, *, dedup_key: str | None = None) -> Pending:
    """An SMS for ``enqueue_many`` (the payload ``enqueue_sms`` stores)."""
    return Pending("sms", {"phone": phone, "text": text}, dedup_key)


def inbox(
    user_id: int, title: str, body: str, *, link: str = "", dedup_key: str | None = None
) -> Pending:
    """An in-app message for ``enqueue_many`` (the payload ``enqueue_inbox`` stores)."""
    payload = {"user_id": user_id, "title": title, "body": body, "link": link}
    return Pending("inbox", payload, dedup_key)


def enqueue_many(conn: Connection, messages: Sequence[Pending], *, now: datetime) -> None:
    """Queue several messages with one batched INSERT on the caller's transaction.

    As ``enqueue``: they exist iff the change commits, and a ``dedup_key`` already queued (or
    sent and not yet purged) stores nothing new (``ON CONFLICT DO NOTHING``).  Ids are not
    returned, so nothing is read back.
    """
    if not messages:
        return
    # With RETURNING, SQLAlchemy sends the rows as one multi-row INSERT ("insertmanyvalues")
    # instead of a driver-level executemany: one statement, one round trip.
    conn.execute(_insert_new(conn.dialect.name), _rows(messages, now))


def queued(dialect: str, messages: Sequence[Pending], *, now: datetime) -> Part:
    """``enqueue_many``'s insert as a write for ``together.write_together`` (no ids returned)
    to send with the change's other inserts: the same rows, the same ``dedup_key`` rule."""
    return (_QUIET[dialect], _rows(messages, now))


def _rows(messages: Sequence[Pending], now: datetime) -> list[dict[str, Any]]:
    at = now
    request_id = telemetry.current_request_id() or None
    rows = []
    for message in messages:
        if message.kind not in HANDLERS:
            raise ValueError(f"unknown outbox kind {message.kind!r}; register a handler first")
        rows.append(
            {
                "kind": message.kind,
                "payload": dict(message.payload),
                "dedup_key": message.dedup_key,
                "status": Status.PENDING.value,
                "attempts": 0,
                "created_at": at,
                "available_at": at,
                "request_id": request_id,
            }
        )
    return rows


def enqueue_sms(
    conn: Connection,
    phone: str,
    text: str,
    *,
    dedup_key: str | None = None,
    now: datetime,
) -> int:
    """Queue one SMS (短信通知) to ``phone``."""
    return enqueue(conn, "sms", {"phone": phone, "text": text}, dedup_key=dedup_key, now=now)


def enqueue_inbox(
    conn: Connection,
    user_id: int,
    title: str,
    body: str,
    *,
    link: str = "",
    dedup_key: str | None = None,
    now: datetime,
) -> int:
    """Queue one in-app message (站内消息) for user ``user_id``."""
    payload = {"user_id": user_id, "title": title, "body": body, "link": link}
    return enqueue(conn, "inbox", payload, dedup_key=dedup_key, now=now)


# --- claiming and delivering (the worker) ------------------------------------------------------


def claim(
    uow: UnitOfWork, worker_id: str, limit: int, now: datetime, lease: timedelta = LEASE
) -> list[Message]:
    """Claim up to ``limit`` due messages under a lease and commit, so other workers skip them.

    The claim commits as it ends (a durable block, which refuses to run inside another use case):
    the lease must be visible to every other worker before the first message goes out.
    PostgreSQL: ``FOR UPDATE SKIP LOCKED`` lets concurrent workers take disjoint rows without
    waiting.  SQLite: the select runs under BEGIN IMMEDIATE's write lock (no FOR UPDATE there).
    """
    with uow.atomic(durable=True):
        live = _take_due(uow.conn, worker_id, limit, now, lease)
    return [
        Message(
            row.id,
            row.kind,
            dict(row.payload),
            row.attempts + 1,
            row.created_at,
            row.request_id or "",
        )
        for row in live
    ]


def _take_due(
    conn: Connection, worker_id: str, limit: int, now: datetime, lease: timedelta
) -> list[Any]:
    """Lease the due messages to ``worker_id``; fail those whose last attempt's lease ran out."""
    due = or_(
        and_(outbox.c.status == Status.PENDING.value, outbox.c.available_at <= now),
        and_(outbox.c.status == Status.CLAIMED.value, outbox.c.claimed_until <= now),
    )
    rows = conn.execute(
        select(
            outbox.c.id,
            outbox.c.kind,
            outbox.c.payload,
            outbox.c.attempts,
            outbox.c.created_at,
            outbox.c.request_id,
        )
        .where(due)
        .order_by(outbox.c.available_at, outbox.c.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    # A lease that expired after the last allowed attempt: the worker died on it every time.
    exhausted = [row.id for row in rows if row.attempts >= MAX_ATTEMPTS]
    live = [row for row in rows if row.attempts < MAX_ATTEMPTS]
    if exhausted:
        conn.execute(
            update(outbox)
            .where(outbox.c.id.in_(exhausted))
            .values(
                status=Status.FAILED.value,
                claimed_by=None,
                claimed_until=None,
                last_error="lease expired on the last attempt",
            )
        )
        log.warning("outbox messages %s failed: lease expired on the last attempt", exhausted)
    if live:
        conn.execute(
            update(outbox)
            .where(outbox.c.id.in_([row.id for row in live]))
            .values(
                status=Status.CLAIMED.value,
                claimed_by=worker_id,
                claimed_until=now + lease,
                attempts=outbox.c.attempts + 1,
            )
        )
    return live


def deliver(
    ports: OutboxPorts,
    worker_id: str,
    now: datetime,
    *,
    limit: int = 50,
    lease: timedelta = LEASE,
) -> Batch:
    """Run one batch: claim due messages, then deliver each through its kind's handler."""
    with UnitOfWork(ports.engine) as uow:
        messages = claim(uow, worker_id, limit, now, lease)
    return deliver_claimed(ports, worker_id, messages, now)


def deliver_claimed(
    ports: OutboxPorts, worker_id: str, messages: Sequence[Message], now: datetime
) -> Batch:
    """Deliver messages this worker claimed; a claim lost to another worker is skipped."""
    batch = Batch(claimed=len(messages))
    for message in messages:
        outcome = _deliver_one(ports, worker_id, message, now)
        setattr(batch, outcome, getattr(batch, outcome) + 1)
    return batch


def deliver_now(
    ports: OutboxPorts, message_id: int, now: datetime, *, lease: timedelta = LEASE
) -> str:
    """Deliver one message at once instead of at the worker's next pass (a log-in code): run
    after the commit that queued it (``uow.after_commit``).  It is claimed under a lease like
    the worker's claim, so only one of the two sends it; a failure is left to the worker's
    retries and never reaches the caller, whose change has committed.  Returns the outcome."""
    holder = f"now:{secrets.token_hex(6)}"
    try:
        with UnitOfWork(ports.engine) as uow, uow.atomic():
            row = uow.conn.execute(
                update(outbox)
                .where(
                    outbox.c.id == message_id,
                    outbox.c.status == Status.PENDING.value,
                    outbox.c.available_at <= now,
                )
                .values(
                    status=Status.CLAIMED.value,
                    claimed_by=holder,
                    claimed_until=now + lease,
                    attempts=outbox.c.attempts + 1,
                )
                .returning(
                    outbox.c.kind,
                    outbox.c.payload,
                    outbox.c.attempts,
                    outbox.c.created_at,
                    outbox.c.request_id,
                )
            ).first()
    except Exception:
        log.exception("outbox %s: not claimed for delivery now; the worker sends it", message_id)
        return "lost"
    if row is None:
        return "lost"  # the worker has it already
    message = Message(
        message_id, row.kind, dict(row.payload), row.attempts, row.created_at, row.request_id or ""
    )
    return _deliver_one(ports, holder, message, now)


def _deliver_one(ports: OutboxPorts, worker_id: str, message: Message, now: datetime) -> str:
    with telemetry.job_context(message.request_id):
        return _deliver_in_context(ports, worker_id, message, now)


def _deliver_in_context(ports: OutboxPorts, worker_id: str, message: Message, now: datetime) -> str:
    try:
        with UnitOfWork(ports.engine) as uow, uow.atomic():
            # Mark first: the row stays locked (PostgreSQL) or the database write-locked
            # (SQLite) until commit, so no other worker can reclaim it while the handler runs.
            if not _mark_sent(uow.conn, message.id, worker_id, now):
                log.info("outbox %s: claim lost to another worker, skipped", message.id)
                return "lost"
            handler = HANDLERS.get(message.kind)
            if handler is None:
                raise LookupError(f"no handler for outbox kind {message.kind!r}")
            handler(message, uow.conn, ports)
    except Exception as error:
        return _record_failure(ports.engine, worker_id, message, now, error)
    log.info("outbox %s (%s) delivered", message.id, message.kind)
    return "sent"


def _mark_sent(conn: Connection, message_id: int, worker_id: str, now: datetime) -> bool:
    result = conn.execute(
        update(outbox)
        .where(
            outbox.c.id == message_id,
            outbox.c.status == Status.CLAIMED.value,
            outbox.c.claimed_by == worker_id,
        )
        .values(status=Status.SENT.value, sent_at=now, claimed_until=None)
    )
    return result.rowcount == 1


def backoff(attempts: int) -> timedelta:
    """Wait before the next try after ``attempts`` failed ones: 30 s, 1 min, 2 min … 1 h."""
    delay: timedelta = BASE_DELAY * 2 ** max(attempts - 1, 0)
    return min(delay, MAX_DELAY)


def _record_failure(
    engine: Engine, worker_id: str, message: Message, now: datetime, error: Exception
) -> str:
    final = message.attempts >= MAX_ATTEMPTS
    reason = mask_text(f"{type(error).__name__}: {error}")[:500]
    values: dict[str, Any] = {"last_error": reason, "claimed_by": None, "claimed_until": None}
    if final:
        values["status"] = Status.FAILED.value
    else:
        values.update(status=Status.PENDING.value, available_at=now + backoff(message.attempts))
    with UnitOfWork(engine) as uow, uow.atomic():
        changed = uow.conn.execute(
            update(outbox)
            .where(
                outbox.c.id == message.id,
                outbox.c.status == Status.CLAIMED.value,
                outbox.c.claimed_by == worker_id,
            )
            .values(**values)
        ).rowcount
    log.warning(
        "outbox %s (%s) attempt %s failed%s: %s",
        message.id,
        message.kind,
        message.attempts,
        " for good" if final else "",
        reason,
    )
    if not changed:
        return "lost"
    return "failed" if final else "retried"


def sent_before(before: datetime) -> ColumnElement[bool]:
    """Messages sent before ``before``; failed ones stay for an operator to inspect."""
    return and_(outbox.c.status == Status.SENT.value, outbox.c.sent_at < before)


def purge_sent(conn: Connection, before: datetime) -> int:
    """Delete messages sent before ``before`` in one statement (the worker purges in batches)."""
    return conn.execute(delete(outbox).where(sent_before(before))).rowcount


# --- handlers, by kind; later issues add kinds with register_handler ---------------------------


def _send_sms(message: Message, conn: Connection, ports: OutboxPorts) -> None:
    payload = message.payload
    ports.sms.send(str(payload["phone"]), str(payload["text"]), message_id=message.token)


def _deliver_inbox(message: Message, conn: Connection, ports: OutboxPorts) -> None:
    payload = message.payload
    values = {
        "user_id": int(payload["user_id"]),
        "title": str(payload["title"])[:200],
        "body": str(payload["body"]),
        "link": str(payload.get("link") or "")[:300],
        "created_at": message.created_at,
        "outbox_id": message.id,
    }
    insert_or_ignore(conn, inbox_messages, ["outbox_id"], values)


HANDLERS: dict[str, Handler] = {"sms": _send_sms, "inbox": _deliver_inbox}


def register_handler(kind: str, handler: Handler) -> None:
    """Add a delivery channel (e.g. a hand-over to another jurisdiction, C17)."""
    HANDLERS[kind] = handler
