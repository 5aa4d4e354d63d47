"""Signed messages between nodes: sending (numbered per case, signed, kept) and receiving
(verified in a fixed order, applied exactly once).

Receiving checks, in this order, and refuses at the first that fails (docs/federation.md):
well-formed, addressed to this node, sender trusted, signature by one of the sender's
published keys, item accepted between the two nodes, not expired, not replayed, next in the
case's sequence.  A refused message changes nothing and is logged with its code.  An applied
message's id is stored (primary key) in the same transaction as its effect, so however often
it is delivered it is applied once.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from tongban.adapters.db.tables_federation import federation_received, federation_sent
from tongban.domain.federation import envelope as rules
from tongban.domain.federation.canonical import b64url
from tongban.domain.federation.envelope import Envelope, ItemOwner
from tongban.domain.federation.errors import (
    ItemNotAccepted,
    MessageRefused,
    MessageReplayed,
    OutOfSequence,
    PartnerNotFound,
    UntrustedSender,
    WrongReceiver,
)
from tongban.domain.federation.receipt import unsigned_receipt
from tongban.services.federation import delivery, exchange_log, node
from tongban.services.federation.ports import NodeSigner
from tongban.services.platform.context import Actor
from tongban.services.platform.outbox import insert_or_ignore
from tongban.services.platform.ports import FileStore
from tongban.services.platform.unit_of_work import UnitOfWork, atomic

log = logging.getLogger("tongban.federation")

DEFAULT_LIFE = timedelta(days=7)
"""How long a message stays valid: long enough to outlast a partner's outage and the retries."""

Handler = Callable[[UnitOfWork, Envelope, Actor, "FileStore | None"], None]
HANDLERS: dict[str, Handler] = {}
"""The effect of each message type, run in the transaction that records it applied; the file
store is where received materials go (None: a process without one keeps them in the database)."""


def register(type: str) -> Callable[[Handler], Handler]:
    if type not in rules.TYPES:
        raise ValueError(f"unknown message type {type}")

    def add(handler: Handler) -> Handler:
        HANDLERS[type] = handler
        return handler

    return add


@atomic
def send(
    uow: UnitOfWork,
    actor: Actor,
    signer: NodeSigner,
    *,
    receiver: str,
    case_ref: str,
    type: str,
    item: str,
    body: dict[str, Any],
    life: timedelta = DEFAULT_LIFE,
) -> dict[str, Any]:
    """Number, sign and keep a message to a trusted partner and queue its delivery, all in the
    caller's transaction (so it leaves iff the change commits); returns the signed envelope."""
    return send_on(
        uow.conn,
        actor.at,
        signer,
        receiver=receiver,
        case_ref=case_ref,
        type=type,
        item=item,
        body=body,
        life=life,
    )


def sign(signer: NodeSigner, document: dict[str, Any]) -> dict[str, Any]:
    """``document`` (an envelope, a receipt or a result, its ``signature`` without a value)
    signed with the node's current key."""
    document["signature"]["value"] = b64url(signer.sign(rules.signing_input(document)))
    return document


def send_on(
    conn: Connection,
    at: datetime,
    signer: NodeSigner,
    *,
    receiver: str,
    case_ref: str,
    type: str,
    item: str,
    body: dict[str, Any],
    life: timedelta = DEFAULT_LIFE,
    seq: int | None = None,
) -> dict[str, Any]:
    """``send`` on a connection already in a transaction (the worker's, say); ``seq`` given
    only when a refused message is sent again under its number."""
    if node.partner(conn, receiver) is None:
        raise PartnerNotFound(code=receiver)
    if seq is None:
        last = conn.execute(
            select(func.max(federation_sent.c.seq)).where(
                federation_sent.c.receiver == receiver, federation_sent.c.case_ref == case_ref
            )
        ).scalar()
        seq = (last or 0) + 1
    document = rules.unsigned_envelope(
        message_id=str(uuid.uuid4()),
        sender=node.own_region_code(conn),
        receiver=receiver,
        case_ref=case_ref,
        seq=seq,
        type=type,
        item=item,
        issued_at=at,
        expires_at=at + life,
        body=body,
        kid=signer.kid,
    )
    sign(signer, document)
    envelope = rules.parse_envelope(document)  # what we send, the partner can read
    values = {
        "message_id": envelope.id,
        "receiver": receiver,
        "case_ref": case_ref,
        "seq": envelope.seq,
        "type": type,
        "envelope": document,
        "created_at": at,
    }
    if conn.execute(
        select(federation_sent.c.message_id).where(
            federation_sent.c.receiver == receiver,
            federation_sent.c.case_ref == case_ref,
            federation_sent.c.seq == envelope.seq,
        )
    ).first():
        # Sent again after a refusal: the number stays, the message (and its id) is new.
        conn.execute(
            update(federation_sent)
            .where(
                federation_sent.c.receiver == receiver,
                federation_sent.c.case_ref == case_ref,
                federation_sent.c.seq == envelope.seq,
            )
            .values(status="pending", answered_at=None, answer=None, resolved_at=None, **values)
        )
    else:
        conn.execute(insert(federation_sent).values(**values))
    exchange_log.append(
        conn,
        direction="out",
        peer=receiver,
        message_id=envelope.id,
        outcome=exchange_log.SENT,
        envelope=document,
        at=at,
    )
    delivery.enqueue(conn, envelope.id, at)
    return document


def _last_applied(conn: Connection, envelope: Envelope) -> int:
    last = conn.execute(
        select(func.max(federation_received.c.seq)).where(
            federation_received.c.sender == envelope.sender,
            federation_received.c.case_ref == envelope.case_ref,
        )
    ).scalar()
    return int(last or 0)


def verify(conn: Connection, document: Any, actor: Actor) -> Envelope:
    """Every check a received message must pass, in the documented order; the first that
    fails raises its ``MessageRefused``."""
    envelope = rules.parse_envelope(document)
    if envelope.receiver != node.own_region_code(conn):
        raise WrongReceiver(receiver=envelope.receiver)
    partner = node.partner(conn, envelope.sender)
    if partner is None:
        raise UntrustedSender(sender=envelope.sender)
    rules.check_signature(envelope, partner.public_key(envelope.kid))
    offered = node.own_items(conn) if envelope.item_owner is ItemOwner.RECEIVER else partner.items
    if envelope.item not in offered:
        raise ItemNotAccepted(item=envelope.item, sender=envelope.sender)
    rules.check_fresh(envelope, actor.at)
    if _seen(conn, envelope.id):
        raise MessageReplayed(message_id=envelope.id)
    try:
        rules.check_sequence(envelope, _last_applied(conn, envelope))
    except OutOfSequence:
        # A concurrent delivery of this very message may have committed between the two reads
        # (READ COMMITTED): then it is a replay, not a gap.
        if _seen(conn, envelope.id):
            raise MessageReplayed(message_id=envelope.id) from None
        raise
    return envelope


def _seen(conn: Connection, message_id: str) -> bool:
    return (
        conn.execute(
            select(federation_received.c.message_id).where(
                federation_received.c.message_id == message_id
            )
        ).first()
        is not None
    )


def _apply(
    uow: UnitOfWork, actor: Actor, document: Any, files: FileStore | None = None
) -> Envelope:
    with uow.atomic():
        conn = uow.conn
        envelope = verify(conn, document, actor)
        stored = insert_or_ignore(
            conn,
            federation_received,
            ["message_id"],
            {
                "message_id": envelope.id,
                "sender": envelope.sender,
                "case_ref": envelope.case_ref,
                "seq": envelope.seq,
                "type": envelope.type,
                "body": document["body"],
                "applied_at": actor.at,
            },
        )
        if not stored:  # a concurrent delivery of the same message got there first
            raise MessageReplayed(message_id=envelope.id)
        handler = HANDLERS.get(envelope.type)
        if handler is not None:
            handler(uow, envelope, actor, files)
        exchange_log.append(
            conn,
            direction="in",
            peer=envelope.sender,
            message_id=envelope.id,
            outcome=exchange_log.APPLIED,
            envelope=document,
            at=actor.at,
        )
        return envelope


def _text(document: Any, name: str) -> str:
    value = document.get(name) if isinstance(document, dict) else None
    return value if isinstance(value, str) else ""


def receive(
    uow: UnitOfWork, actor: Actor, document: Any, files: FileStore | None = None
) -> Envelope:
    """Verify a received message and apply it once, its effect and its log entry in the same
    transaction; a ``MessageRefused`` (with its code) when it cannot be applied: then only the
    refusal is logged, in a transaction of its own.  Runs as the outermost use case."""
    try:
        try:
            return _apply(uow, actor, document, files)
        except IntegrityError:
            # A concurrent delivery of this message (or of another with the same case and
            # number) committed between the checks and the insert; PostgreSQL reports it on
            # the second unique key.  Checked again, the message is now a replay or out of
            # sequence.
            return _apply(uow, actor, document, files)
    except MessageRefused as refusal:
        message_id, sender = _text(document, "id"), _text(document, "sender")
        with uow.atomic():
            exchange_log.append(
                uow.conn,
                direction="in",
                peer=sender,
                message_id=message_id,
                outcome=f"refused:{refusal.code}",
                envelope=document,
                at=actor.at,
            )
        log.warning(
            "federation message refused: %s (message %s from %s)",
            refusal.code,
            message_id,
            sender,
        )
        raise


def answer(
    uow: UnitOfWork,
    actor: Actor,
    signer: NodeSigner,
    document: Any,
    files: FileStore | None = None,
) -> tuple[int, dict[str, Any]]:
    """Receive a delivered message and answer it: 200 and a signed acknowledgement when it is
    applied, the refusal's HTTP status and a signed refusal with its code when not."""
    code: str | None = None
    reason: str | None = None
    status = 200
    try:
        receive(uow, actor, document, files)
    except MessageRefused as refusal:
        code, reason, status = refusal.code, refusal.message, refusal.status
    with uow.atomic():
        own = node.own_region_code(uow.conn)
    receipt = unsigned_receipt(
        message_id=_text(document, "id"),
        sender=own,
        receiver=_text(document, "sender"),
        at=actor.at,
        kid=signer.kid,
        code=code,
        reason=reason,
    )
    return status, sign(signer, receipt)
