"""Delivering sent messages: the outbox's ``federation`` kind posts each to its partner and
keeps the partner's signed answer.

A message leaves through the outbox, queued in the transaction that made it, so it exists iff
that change commits.  The worker posts it to ``{base_url}/federation/v1/messages``; while the
partner is down, or answers without a valid signed receipt, delivery fails and the outbox
retries with back-off.  A signed acknowledgement (or a refusal coded ``federation_replayed``:
applied before) marks it acknowledged; any other signed refusal marks it refused, for a person
here to resolve.  Either answer goes into the exchange log in the same transaction.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

from sqlalchemy import Connection, select, update

from tongban.adapters.db.tables_federation import federation_cases, federation_sent
from tongban.domain.federation.envelope import check_signed
from tongban.domain.federation.receipt import parse_receipt
from tongban.domain.shared.clock import Clock
from tongban.services.federation import exchange_log, node
from tongban.services.platform import outbox
from tongban.services.platform.ports import MessageTransport

KIND = "federation"
PATH = "/federation/v1/messages"


@runtime_checkable
class FederationPorts(Protocol):
    """What delivery needs besides the database: the transport and the clock."""

    @property
    def federation_transport(self) -> MessageTransport: ...

    @property
    def clock(self) -> Clock: ...


class DeliveryFailed(RuntimeError):
    """No usable answer yet: the outbox tries again later."""


def enqueue(conn: Connection, message_id: str, now: Any) -> None:
    """Queue the delivery of a kept message, in the caller's transaction."""
    outbox.enqueue(
        conn, KIND, {"message_id": message_id}, dedup_key=f"{KIND}:{message_id}", now=now
    )


def _deliver(message: outbox.Message, conn: Connection, ports: outbox.OutboxPorts) -> None:
    if not isinstance(ports, FederationPorts):
        raise DeliveryFailed("this process has no federation transport")
    row = conn.execute(
        select(federation_sent).where(federation_sent.c.message_id == message.payload["message_id"])
    ).one()
    if row.status != "pending":
        return
    earlier = conn.execute(
        select(federation_sent.c.seq).where(
            federation_sent.c.receiver == row.receiver,
            federation_sent.c.case_ref == row.case_ref,
            federation_sent.c.seq < row.seq,
            federation_sent.c.status != "acknowledged",
        )
    ).first()
    if earlier is not None:
        # A case's messages reach the partner in their order: this one waits its turn.
        raise DeliveryFailed(f"message {earlier.seq} of {row.case_ref} is not acknowledged yet")
    partner = node.partner(conn, row.receiver)
    if partner is None:
        raise DeliveryFailed(f"{row.receiver} is no longer trusted")
    status, answer = ports.federation_transport.post_json(partner.base_url + PATH, row.envelope)
    try:
        receipt = parse_receipt(answer)
        if (receipt.message_id, receipt.sender) != (row.message_id, row.receiver):
            raise DeliveryFailed("the receipt answers another message")
        check_signed(receipt.document, receipt.signature, partner.public_key(receipt.kid))
    except Exception as problem:
        raise DeliveryFailed(f"no valid receipt (HTTP {status}): {problem}") from None
    if receipt.code == "federation_out_of_sequence":
        # The partner has not applied an earlier message yet: not a refusal, a later turn.
        raise DeliveryFailed(f"{row.case_ref} {row.seq} is out of sequence there")
    now = ports.clock.now()
    conn.execute(
        update(federation_sent)
        .where(federation_sent.c.message_id == row.message_id)
        .values(
            status="acknowledged" if receipt.delivered else "refused",
            answered_at=now,
            answer=receipt.document,
        )
    )
    exchange_log.append(
        conn,
        direction="in",
        peer=row.receiver,
        message_id=row.message_id,
        outcome=f"receipt:{receipt.code or receipt.outcome}",
        envelope=receipt.document,
        at=now,
    )
    if receipt.delivered and row.type == "case.handover":
        conn.execute(
            update(federation_cases)
            .where(
                federation_cases.c.partner == row.receiver,
                federation_cases.c.case_ref == row.case_ref,
                federation_cases.c.remote_status == "pending",
            )
            .values(remote_status="received", updated_at=now)
        )
    if receipt.delivered and row.type == "case.withdrawn":
        # The partner withdrew its case: the acknowledgement is its answer.
        conn.execute(
            update(federation_cases)
            .where(
                federation_cases.c.partner == row.receiver,
                federation_cases.c.case_ref == row.case_ref,
            )
            .values(remote_status="withdrawn", updated_at=now)
        )


outbox.register_handler(KIND, _deliver)


def sent_messages(conn: Connection, status: str | None = None, limit: int = 100) -> list[Any]:
    """Messages sent, newest first (only those of ``status`` when given), with the partner's
    answer: what a person here reads to resolve a refused one."""
    query = select(
        federation_sent.c.message_id,
        federation_sent.c.receiver,
        federation_sent.c.case_ref,
        federation_sent.c.seq,
        federation_sent.c.type,
        federation_sent.c.status,
        federation_sent.c.created_at,
        federation_sent.c.answer,
    ).order_by(federation_sent.c.created_at.desc(), federation_sent.c.message_id)
    if status is not None:
        query = query.where(federation_sent.c.status == status)
    return list(conn.execute(query.limit(limit)))
