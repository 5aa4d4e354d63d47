"""A received case tells its partner of every step (跨城通办, the deciding side).

The case's own use cases call ``note_change`` before saving: for a case received from a
partner, each step the partner must hear of (acceptance, 补正, the decision, the result) is
queued in ``federation_outgoing`` with an outbox job, in the transaction of the step.  The
worker then numbers, signs and sends the queued answers in their order (the signing key lives
with the worker's ports, not with the web request that made the change), so a step is told once,
in order, iff it commits.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from tongban.adapters.db.tables import cases, service_items
from tongban.adapters.db.tables_federation import federation_cases, federation_outgoing
from tongban.adapters.db.tables_licences import licences
from tongban.domain.cases.model import Case
from tongban.domain.federation.handover import EVENT_MESSAGES, unsigned_result
from tongban.services.federation import messages, node
from tongban.services.federation.ports import NodeSigner
from tongban.services.platform import outbox

KIND = "federation_case"


def note_change(conn: Connection, case: Case, at: datetime) -> None:
    """Queue what the case's pending events tell the partner it came from (no query at all
    unless the case was received from a partner and an event is one the partner hears of)."""
    if case.received_from is None or case.id is None:
        return
    told = [e for e in case.events if e.type in EVENT_MESSAGES]
    if not told:
        return
    link = conn.execute(
        select(federation_cases.c.id).where(
            federation_cases.c.case_id == case.id, federation_cases.c.role == "in"
        )
    ).first()
    if link is None:
        return
    for event in told:
        type, status = EVENT_MESSAGES[event.type]
        body: dict[str, Any] = {
            "status": status,
            "reasons": event.reason or "",
            "at": event.at.isoformat(),
            "detail": {k: v for k, v in dict(event.detail).items() if isinstance(v, str | list)},
        }
        if type == "case.result":
            body["reference"] = case.result_reference
            body["decision"] = case.decision.value if case.decision else ""
        if type == "case.accepted" and case.deadline is not None:
            body["deadline"] = case.deadline.isoformat()
        if type == "case.correction_requested" and case.correction is not None:
            body["needed"] = list(case.correction.needed)
        row_id = conn.execute(
            insert(federation_outgoing)
            .values(link_id=link.id, type=type, body=body, created_at=at)
            .returning(federation_outgoing.c.id)
        ).scalar_one()
        outbox.enqueue(conn, KIND, {"link_id": link.id}, dedup_key=f"{KIND}:{row_id}", now=at)
    conn.execute(
        update(federation_cases)
        .where(federation_cases.c.id == link.id)
        .values(remote_status=case.status.value, updated_at=at)
    )


def send_queued(conn: Connection, signer: NodeSigner, link_id: int, at: datetime) -> int:
    """Sign and send every answer still queued for one received case, oldest first; returns
    how many were sent."""
    link = conn.execute(select(federation_cases).where(federation_cases.c.id == link_id)).one()
    queued = conn.execute(
        select(federation_outgoing)
        .where(federation_outgoing.c.link_id == link_id, federation_outgoing.c.message_id.is_(None))
        .order_by(federation_outgoing.c.id)
    ).all()
    for row in queued:
        body = dict(row.body)
        if row.type == "case.result":
            licence = _result_licence(conn, link, str(body.get("reference") or ""))
            if licence is not None:
                body["licence"] = licence
            name = conn.execute(
                select(service_items.c.name).where(service_items.c.code == link.item_code)
            ).scalar()
            body["result"] = messages.sign(
                signer,
                unsigned_result(
                    issuer=node.own_region_code(conn),
                    case_ref=link.case_ref,
                    item=link.item_code,
                    item_name=str(name or link.item_code),
                    decision=str(body.get("decision") or ""),
                    holder_name=link.applicant_name,
                    reference=str(body.get("reference") or ""),
                    issued_at=at,
                    kid=signer.kid,
                ),
            )
        sent = messages.send_on(
            conn, at, signer, receiver=link.partner, case_ref=link.case_ref,
            type=row.type, item=link.item_code, body=body,
        )  # fmt: skip
        conn.execute(
            update(federation_outgoing)
            .where(federation_outgoing.c.id == row.id)
            .values(message_id=sent["id"])
        )
    return len(queued)


def _result_licence(conn: Connection, link: Any, reference: str) -> dict[str, str] | None:
    """The e-licence this node issued as the case's result (its id is the result's
    reference), as the result message carries it: the SD-JWT VC with every disclosure.  The
    PDF is not carried: it is a rendition, rendered and signed here on each download."""
    if not reference or link.case_id is None:
        return None
    credential = conn.execute(
        select(licences.c.credential)
        .select_from(licences.join(cases, cases.c.number == licences.c.case_number))
        .where(
            licences.c.id == reference,
            cases.c.id == link.case_id,
            licences.c.issuer_region.is_(None),
        )
    ).scalar()
    return {"format": "dc+sd-jwt", "credential": credential} if credential else None


def _send(message: outbox.Message, conn: Connection, ports: outbox.OutboxPorts) -> None:
    signer = getattr(ports, "node_keys", None)
    clock = getattr(ports, "clock", None)
    if signer is None or clock is None:
        raise RuntimeError("this process has no node keys")
    send_queued(conn, signer, int(message.payload["link_id"]), clock.now())


outbox.register_handler(KIND, _send)
