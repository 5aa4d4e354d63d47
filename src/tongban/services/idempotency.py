"""Idempotency keys (幂等键): a retried request returns the first answer and never applies twice.

``begin`` inserts the key as ``in_progress`` in its own short, committed transaction: the
primary key (scope, key) lets exactly one concurrent caller win.  The others find the row: the
same key with another request is ``IdempotencyKeyReused`` (422); ``in_progress`` is
``IdempotencyInProgress`` (409, retry later); ``done`` returns the stored answer.

The winner runs the use case and ``finish`` records the answer on the use case's own
connection, so the change and its answer commit together: a crash leaves both or neither.  If
the change rolls back, ``release`` deletes the ``in_progress`` row so a retry runs afresh.  If
the process dies before either, the row goes stale after ``STALE_AFTER`` and a retry takes it
over with a new owner token; ``finish`` refuses an owner that lost its row, so even a very slow
first attempt cannot commit its change alongside the retry's.  ``run`` does all of this.
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import Connection, Engine, delete, select, update

from tongban.adapters.db.tables import idempotency_keys
from tongban.domain.errors import (
    DomainError,
    IdempotencyInProgress,
    IdempotencyKeyInvalid,
    IdempotencyKeyReused,
)
from tongban.services.context import utcnow
from tongban.services.outbox import insert_or_ignore
from tongban.services.unit_of_work import UnitOfWork

log = logging.getLogger("tongban.idempotency")

TTL = timedelta(hours=24)
"""How long an answer is kept for replay (and a key stays bound to its request)."""
STALE_AFTER = timedelta(minutes=2)
"""An ``in_progress`` key older than this belongs to a dead attempt; a retry may take it over."""
KEY_MAX_LENGTH = 200
ANONYMOUS = "anon"


class KeyStatus(StrEnum):
    IN_PROGRESS = "in_progress"
    DONE = "done"


@dataclass(frozen=True)
class Stored:
    """The answer recorded by the first attempt."""

    status: int
    body: Any


@dataclass(frozen=True)
class Ticket:
    """The right to run the request once, held by the caller that won the key."""

    scope: str
    key: str
    owner: str


@dataclass(frozen=True)
class Outcome:
    status: int
    body: Any
    replayed: bool
    """True when the answer is the stored one and the handler did not run."""


def check_key(key: str) -> str:
    """A key is 1–200 visible ASCII characters (a UUID is the usual choice)."""
    if not 0 < len(key) <= KEY_MAX_LENGTH or not all(33 <= ord(c) <= 126 for c in key):
        raise IdempotencyKeyInvalid(max_length=KEY_MAX_LENGTH)
    return key


def hash_request(method: str, target: str, body: bytes | str) -> str:
    """SHA-256 of the method, the path (with any query) and the body: what binds a key."""
    raw = body.encode() if isinstance(body, str) else body
    digest = hashlib.sha256(f"{method.upper()} {target}\n".encode())
    digest.update(raw)
    return digest.hexdigest()


def canonical_json(value: Any) -> str:
    """JSON with sorted keys and no spacing, so equal payloads hash equally."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def begin(
    engine: Engine,
    *,
    key: str,
    scope: str,
    request_hash: str,
    now: datetime,
    ttl: timedelta = TTL,
    stale_after: timedelta = STALE_AFTER,
) -> Stored | Ticket:
    """Claim ``key`` for this request (a Ticket) or return the stored answer of the first one.

    Runs and commits its own transaction, so concurrent callers see the winner at once.
    """
    owner = secrets.token_hex(16)
    fresh = {
        "request_hash": request_hash,
        "status": KeyStatus.IN_PROGRESS.value,
        "owner": owner,
        "response_status": None,
        "response_body": None,
        "created_at": now,
        "expires_at": now + ttl,
    }
    t = idempotency_keys
    with engine.begin() as conn:
        if insert_or_ignore(conn, t, ["scope", "key"], {"scope": scope, "key": key, **fresh}):
            return Ticket(scope, key, owner)
        row = conn.execute(select(t).where(t.c.scope == scope, t.c.key == key)).one()
        expired = row.expires_at <= now
        if not expired and row.request_hash != request_hash:
            raise IdempotencyKeyReused()
        stale = row.status == KeyStatus.IN_PROGRESS and row.created_at <= now - stale_after
        if expired or stale:
            # Guarded by the old owner: of two retries taking over, only one succeeds.
            taken = conn.execute(
                update(t)
                .where(t.c.scope == scope, t.c.key == key, t.c.owner == row.owner)
                .where(t.c.status == row.status)
                .values(**fresh)
            ).rowcount
            if taken != 1:
                raise IdempotencyInProgress()
            return Ticket(scope, key, owner)
        if row.status == KeyStatus.IN_PROGRESS:
            raise IdempotencyInProgress()
        return Stored(int(row.response_status), row.response_body)


def finish(conn: Connection, ticket: Ticket, *, status: int, body: Any) -> None:
    """Record the answer on the change's own connection, so both commit or neither does.

    Raises ``IdempotencyInProgress`` when the key was taken over: the change must not commit.
    """
    t = idempotency_keys
    changed = conn.execute(
        update(t)
        .where(t.c.scope == ticket.scope, t.c.key == ticket.key, t.c.owner == ticket.owner)
        .where(t.c.status == KeyStatus.IN_PROGRESS.value)
        .values(status=KeyStatus.DONE.value, response_status=status, response_body=body)
    ).rowcount
    if changed != 1:
        raise IdempotencyInProgress()


def release(engine: Engine, ticket: Ticket) -> None:
    """Forget a key whose change rolled back, so a retry runs; only the ticket's owner may."""
    t = idempotency_keys
    with engine.begin() as conn:
        conn.execute(
            delete(t).where(
                t.c.scope == ticket.scope,
                t.c.key == ticket.key,
                t.c.owner == ticket.owner,
                t.c.status == KeyStatus.IN_PROGRESS.value,
            )
        )


def purge_expired(conn: Connection, now: datetime) -> int:
    """Delete keys past their 24 hours (the worker's purge sweep)."""
    return conn.execute(
        delete(idempotency_keys).where(idempotency_keys.c.expires_at <= now)
    ).rowcount


class RecordingUnitOfWork(UnitOfWork):
    """A unit of work whose commit waits until the answer is recorded in the same transaction.

    Use cases run on it unchanged; what they commit is made final by ``commit_with``.
    """

    def __init__(self, engine: Engine) -> None:
        super().__init__(engine)
        self.commit_requested = False

    def commit(self) -> None:
        self.commit_requested = True

    def rollback(self) -> None:
        super().rollback()
        self.commit_requested = False

    def keep_committed(self) -> None:
        """Make final what the use case committed, without recording an answer."""
        if self.commit_requested:
            super().commit()

    def commit_with(self, ticket: Ticket, status: int, body: Any) -> None:
        if not self.commit_requested:
            super().rollback()  # keep only what the use case itself committed
        finish(self.conn, ticket, status=status, body=body)
        super().commit()


Handler = Callable[[UnitOfWork], tuple[int, Any]]
"""Runs the use case on the given unit of work; returns the status and a JSON-ready body."""


def run(
    engine: Engine,
    *,
    key: str,
    scope: str,
    request_hash: str,
    handler: Handler,
    now: datetime | None = None,
) -> Outcome:
    """Run ``handler`` once per (scope, key): a repeat gets the first answer, never a re-run.

    A handler that raises leaves no key behind, so the client's retry runs it again.
    """
    started = begin(engine, key=key, scope=scope, request_hash=request_hash, now=now or utcnow())
    if isinstance(started, Stored):
        return Outcome(started.status, started.body, replayed=True)
    try:
        with RecordingUnitOfWork(engine) as uow:
            try:
                status, body = handler(uow)
            except DomainError:
                # A refusal the use case recorded before raising (a wrong pickup code counted
                # towards the lock-out) stands; only the answer is not kept.
                uow.keep_committed()
                raise
            uow.commit_with(started, status, body)
    except BaseException:
        _release_quietly(engine, started)
        raise
    return Outcome(status, body, replayed=False)


def _release_quietly(engine: Engine, ticket: Ticket) -> None:
    try:
        release(engine, ticket)
    except Exception:  # the original error matters more; the key goes stale and is taken over
        log.exception("could not release idempotency key of scope %s", ticket.scope)
