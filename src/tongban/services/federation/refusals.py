"""Messages a partner refused, resolved by a person here.

A signed refusal other than a replay stops the case's line: later messages of the case wait
behind it.  A clerk or centre manager reads the refusal's code and reason and either sends the
message again once the cause is fixed (the same number, a new id; for a hand-over, with the
form as corrected) or cancels it; either is recorded with who, when and why.  Cancelling a
message of a case the partner already has withdraws the case there (``case.withdrawn``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, insert, select, update

from tongban.adapters.db.tables_federation import (
    federation_cases,
    federation_resolutions,
    federation_sent,
)
from tongban.domain.errors import NotAuthenticated, PermissionDenied, ValidationFailed
from tongban.domain.federation.errors import RefusalNotFound
from tongban.domain.people.model import Role
from tongban.services.federation import handover, messages
from tongban.services.federation.ports import NodeSigner
from tongban.services.platform import audit
from tongban.services.platform.context import Actor
from tongban.services.platform.unit_of_work import UnitOfWork, atomic

RESEND, CANCEL = "resend", "cancel"
RESOLVERS = (Role.CLERK, Role.CENTRE_MANAGER)


def _resolver(actor: Actor, operator: bool) -> int | None:
    """The clerk or centre manager resolving; None for the operator at the shell (``tongban
    node refused``, ``operator``), who acts without signing in like every ``tongban`` command."""
    who = actor.principal
    if who is None:
        if not operator:
            raise NotAuthenticated()
        return None
    if not who.has_role(*RESOLVERS):
        raise PermissionDenied()
    return who.user_id


def unresolved(conn: Connection, limit: int = 200) -> list[dict[str, Any]]:
    """Refused messages no one has resolved yet, oldest first, with the refusal's code and
    reason and the case they belong to."""
    rows = conn.execute(
        select(
            federation_sent.c.message_id, federation_sent.c.receiver, federation_sent.c.case_ref,
            federation_sent.c.seq, federation_sent.c.type, federation_sent.c.created_at,
            federation_sent.c.answered_at, federation_sent.c.answer,
        )
        .where(federation_sent.c.status == "refused", federation_sent.c.resolved_at.is_(None))
        .order_by(federation_sent.c.answered_at, federation_sent.c.message_id)
        .limit(limit)
    ).all()  # fmt: skip
    found = []
    for row in rows:
        answer = dict(row.answer or {})
        found.append({**row._mapping, "code": answer.get("code"), "reason": answer.get("reason")})
    return found


def resolutions(conn: Connection, case_ref: str | None = None) -> list[Any]:
    query = select(federation_resolutions).order_by(federation_resolutions.c.id)
    if case_ref is not None:
        query = query.where(federation_resolutions.c.envelope["case_ref"].as_string() == case_ref)
    return list(conn.execute(query))


def _cancel(
    conn: Connection, actor: Actor, signer: NodeSigner, row: Any, link: Any, reason: str
) -> str | None:
    """Cancel a refused message.  A hand-over: the partner never made a case of it, the case
    here is cancelled.  A withdrawal: it did not take effect there, the case goes on.  Any other
    message (the partner has the case): the case is withdrawn there too, by ``case.withdrawn``
    under the refused message's number; returns that message's id."""
    case = conn.execute(
        select(federation_cases).where(link, federation_cases.c.role == "out")
    ).first()
    if row.type == "case.handover" or case is None:
        conn.execute(
            update(federation_cases)
            .where(link, federation_cases.c.role == "out")
            .values(status="cancelled", updated_at=actor.at)
        )
        return None
    if row.type == "case.withdrawn":
        conn.execute(
            update(federation_cases)
            .where(federation_cases.c.id == case.id)
            .values(status="handed_over", updated_at=actor.at)
        )
        return None
    who = actor.principal
    clerk = (
        {"user_id": who.user_id, "name": who.name} if who else {"user_id": None, "name": "命令行"}
    )
    return handover.send_withdrawal(conn, actor.at, signer, case, reason, clerk, seq=row.seq)


@atomic
def resolve(
    uow: UnitOfWork,
    actor: Actor,
    signer: NodeSigner,
    message_id: str,
    action: str,
    note: str = "",
    form: Mapping[str, Any] | None = None,
    operator: bool = False,
) -> str | None:
    """Resend (returns the new message's id) or cancel a refused message, recorded."""
    conn = uow.conn
    by = _resolver(actor, operator)
    if action not in (RESEND, CANCEL):
        raise ValidationFailed(fields={"action": "请选择重新发送或撤销移交"})
    row = conn.execute(
        select(federation_sent).where(
            federation_sent.c.message_id == message_id,
            federation_sent.c.status == "refused",
            federation_sent.c.resolved_at.is_(None),
        )
    ).first()
    if row is None:
        raise RefusalNotFound(message_id=message_id)
    text = note.strip()[:500]
    if action == CANCEL and not text:
        raise ValidationFailed(fields={"note": "请说明撤销的原因"})
    new_id: str | None = None
    link = (federation_cases.c.partner == row.receiver) & (
        federation_cases.c.case_ref == row.case_ref
    )
    if action == RESEND:
        envelope = dict(row.envelope)
        body = dict(envelope["body"])
        if form is not None and row.type == "case.handover":
            body["form"] = {k: str(v) for k, v in form.items()}
            conn.execute(
                update(federation_cases).where(link).values(form=body["form"], updated_at=actor.at)
            )
        sent = messages.send_on(
            conn, actor.at, signer, receiver=row.receiver, case_ref=row.case_ref,
            type=row.type, item=envelope["item"], body=body, seq=row.seq,
        )  # fmt: skip
        new_id = str(sent["id"])
    else:
        conn.execute(
            update(federation_sent)
            .where(federation_sent.c.message_id == message_id)
            .values(resolved_at=actor.at)
        )
        new_id = _cancel(conn, actor, signer, row, link, text)
    conn.execute(
        insert(federation_resolutions).values(
            message_id=message_id, action=action, note=text, refusal=row.answer,
            envelope=row.envelope, new_message_id=new_id, by_user_id=by, at=actor.at,
        )
    )  # fmt: skip
    audit.record(
        conn, actor, f"federation.refusal_{action}", "federation_message", message_id,
        {"case_ref": row.case_ref, "code": (row.answer or {}).get("code"), "new": new_id},
    )  # fmt: skip
    return new_id
