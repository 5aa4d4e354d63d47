"""Idempotency keys (幂等键): a retried request returns the first answer and never applies twice.

``run`` claims the key in the use case's own transaction: it opens the transaction, inserts the
key as ``in_progress``, runs the use case (whose own ``atomic`` block joins the transaction),
records the answer on the row and commits once, so the change, its key and its answer commit
together or not at all (a crash leaves neither).  The primary key (scope, key) lets exactly one
concurrent caller hold it: on PostgreSQL a twin's ``INSERT ... ON CONFLICT DO NOTHING`` waits
for the holder's transaction and then finds its answer (or, if the holder rolled back, runs
afresh); on SQLite writers queue on ``BEGIN IMMEDIATE`` anyway.  A repeat finds the row: the
same key with another request is ``IdempotencyKeyReused`` (422); ``done`` returns the stored
answer; a committed ``in_progress`` row (left by ``begin``, below) is ``IdempotencyInProgress``
(409, retry later) until it goes stale after ``STALE_AFTER`` and a retry takes it over.  A use
case that raises leaves no key behind, so the client's retry runs it again; what it recorded
before raising, in a block that ended normally (a wrong pickup code counted), stands.

``begin``, ``finish`` and ``release`` are the same protocol with the claim committed in a short
transaction of its own before the use case runs (three transactions where ``run`` needs one):
``finish`` refuses an owner that lost its row, so even a very slow first attempt cannot commit
its change alongside a retry's.
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

from sqlalchemy import ColumnElement, Connection, Engine, bindparam, delete, select, update

from tongban.adapters.db.tables import idempotency_keys
from tongban.domain.errors import (
    DomainError,
    IdempotencyInProgress,
    IdempotencyKeyInvalid,
    IdempotencyKeyReused,
)
from tongban.services.platform import together
from tongban.services.platform.outbox import insert_or_ignore
from tongban.services.platform.unit_of_work import UnitOfWork

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
    # Printable ASCII is 32–126; without the space, 33–126 (checked in C, not per character).
    visible = key.isascii() and key.isprintable() and " " not in key
    if not 0 < len(key) <= KEY_MAX_LENGTH or not visible:
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


def _fresh(request_hash: str, now: datetime, ttl: timedelta) -> dict[str, Any]:
    return {
        "request_hash": request_hash,
        "status": KeyStatus.IN_PROGRESS.value,
        "owner": secrets.token_hex(16),
        "response_status": None,
        "response_body": None,
        "created_at": now,
        "expires_at": now + ttl,
    }


def claim(
    conn: Connection,
    *,
    key: str,
    scope: str,
    request_hash: str,
    now: datetime,
    ttl: timedelta = TTL,
    stale_after: timedelta = STALE_AFTER,
) -> Stored | Ticket:
    """Claim ``key`` on ``conn``'s transaction (a Ticket) or return the stored answer.

    The claim lasts as long as that transaction: it commits with it or vanishes with it.
    """
    fresh = _fresh(request_hash, now, ttl)
    t = idempotency_keys
    if insert_or_ignore(conn, t, ["scope", "key"], {"scope": scope, "key": key, **fresh}):
        return Ticket(scope, key, fresh["owner"])
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
        return Ticket(scope, key, fresh["owner"])
    if row.status == KeyStatus.IN_PROGRESS:
        raise IdempotencyInProgress()
    return Stored(int(row.response_status), row.response_body)


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
    """``claim`` in a short transaction of its own, committed at once.

    Concurrent callers then see the winner's ``in_progress`` row at once (409) instead of
    waiting for its change to commit.
    """
    with engine.begin() as conn:
        return claim(
            conn,
            key=key,
            scope=scope,
            request_hash=request_hash,
            now=now,
            ttl=ttl,
            stale_after=stale_after,
        )


_t = idempotency_keys
_FINISH = (
    update(_t)
    .where(
        _t.c.scope == bindparam("k_scope"),
        _t.c.key == bindparam("k_key"),
        _t.c.owner == bindparam("k_owner"),
        _t.c.status == KeyStatus.IN_PROGRESS.value,
    )
    .values(
        status=KeyStatus.DONE.value,
        response_status=bindparam("k_status", type_=_t.c.response_status.type),
        response_body=bindparam("k_body", type_=_t.c.response_body.type),
    )
)
"""Record the answer on the owner's ``in_progress`` row (built once: see ``outbox``)."""


def _finish(conn: Connection, ticket: Ticket, status: int, body: Any) -> bool:
    """The answer, carrying the change's last write when ``run`` held it back (one statement)."""
    params = {"k_scope": ticket.scope, "k_key": ticket.key, "k_owner": ticket.owner}
    return together.finish_with(conn, _FINISH, {**params, "k_status": status, "k_body": body}) == 1


def finish(conn: Connection, ticket: Ticket, *, status: int, body: Any) -> None:
    """Record the answer on the change's own connection, so both commit or neither does.

    Raises ``IdempotencyInProgress`` when the key was taken over: the change must not commit.
    """
    if not _finish(conn, ticket, status, body):
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


def expired(now: datetime) -> ColumnElement[bool]:
    """Keys past their 24 hours (what the worker's purge deletes, in batches)."""
    return idempotency_keys.c.expires_at <= now


def purge_expired(conn: Connection, now: datetime) -> int:
    """Delete keys past their 24 hours in one statement."""
    return conn.execute(delete(idempotency_keys).where(expired(now))).rowcount


def _withdraw(conn: Connection, ticket: Ticket) -> None:
    t = idempotency_keys
    conn.execute(
        delete(t).where(
            t.c.scope == ticket.scope,
            t.c.key == ticket.key,
            t.c.owner == ticket.owner,
            t.c.status == KeyStatus.IN_PROGRESS.value,
        )
    )


Handler = Callable[[UnitOfWork], tuple[int, Any]]
"""Runs the use case on the given unit of work; returns the status and a JSON-ready body."""


def run(
    engine: Engine,
    *,
    key: str,
    scope: str,
    request_hash: str,
    handler: Handler,
    now: datetime,
) -> Outcome:
    """Run ``handler`` once per (scope, key): a repeat gets the first answer, never a re-run.

    One transaction: claim the key, run the use case (which joins it), record the answer
    with the use case's last write (``together.holding``), commit.  A handler that raises
    leaves no key behind, so the client's retry runs it again.
    """
    with UnitOfWork(engine) as uow:
        refused: DomainError | None = None
        with uow.atomic():
            started = claim(uow.conn, key=key, scope=scope, request_hash=request_hash, now=now)
            if isinstance(started, Stored):
                return Outcome(started.status, started.body, replayed=True)
            # The use case's last write is held back to go with the answer (one statement).
            with together.holding(uow.conn):
                try:
                    status, body = handler(uow)
                except DomainError as error:
                    if uow.doomed:
                        raise  # the use case failed inside its transaction: nothing of it stays
                    # A refusal the use case recorded before raising (a wrong pickup code
                    # counted towards the lock-out) stands; only the answer is not kept, nor
                    # the key.
                    _withdraw(uow.conn, started)
                    refused = error
                else:
                    finish(uow.conn, started, status=status, body=body)
        if refused is not None:
            raise refused
    return Outcome(status, body, replayed=False)
