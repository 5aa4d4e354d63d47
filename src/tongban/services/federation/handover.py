"""跨城通办 at the accepting window: a clerk here accepts a case for a partner's item and hands
it over; the partner's answers (acceptance, 补正, decision, result) change it here.

The clerk checks the applicant's identity document, the materials against the partner's
published item version (``items.sync``) and explains the fees; the hand-over is one
transaction: the case here, its materials' bytes, the signed ``case.handover`` message and its
delivery in the outbox.  Every answer is applied once (``messages``) and updates the case's
remote status; the result is an e-licence the partner signed, checked with its published keys.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Connection, Row, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from tongban.adapters.db.tables import cases
from tongban.adapters.db.tables_federation import (
    federation_cases,
    federation_materials,
    federation_partner_items,
    federation_received,
    federation_ref_counters,
    federation_sent,
)
from tongban.domain.errors import NotAuthenticated, PermissionDenied
from tongban.domain.federation.envelope import Envelope
from tongban.domain.federation.errors import (
    CannotApply,
    FederatedCaseNotFound,
    HandoverClosed,
    HandoverIncomplete,
    NotOffered,
)
from tongban.domain.federation.handover import MaterialFile, listing, result_is_genuine
from tongban.domain.people.model import Role
from tongban.domain.shared.clock import china_date
from tongban.domain.shared.identity import parse_identity
from tongban.services.federation import messages, node, partner_licences
from tongban.services.federation.ports import NodeSigner
from tongban.services.platform import access, audit
from tongban.services.platform.context import Actor
from tongban.services.platform.outbox import insert_or_ignore
from tongban.services.platform.paging import Key, Page, PageRequest, read_page
from tongban.services.platform.unit_of_work import UnitOfWork, atomic

READERS = access.roles(
    Role.CLERK, Role.CENTRE_MANAGER, Role.REVIEWER, Role.SECTION_CHIEF, Role.AUDITOR, Role.LEADER
)
"""Who sees the cases handed over and received: the windows, the back offices, oversight."""

CONSENT_TEXT = "本人同意将本申请的表单、材料和身份信息移交给受理地以外的审批机关办理。"


@dataclass(frozen=True)
class HandOver:
    """What the window takes in for a partner's item: the applicant, the form, the materials,
    the applicant's consent to the hand-over and the fees explained (收费告知)."""

    partner: str
    item_code: str
    applicant_name: str
    id_number: str
    id_type: str = "resident_id"
    """An ``IdType`` value: 居民身份证, 港澳台居民居住证, 回乡证, 台胞证, passport, 永居证."""
    nationality: str = ""
    """A passport's (or 永居证's) nationality, ISO 3166-1 alpha-3."""
    form: Mapping[str, Any] = field(default_factory=dict)
    materials: Sequence[MaterialFile] = ()
    consent: bool = False
    fees_explained: bool = False
    mail_address: str = ""
    """结果包邮: the address the result is mailed to from here; empty: collected here."""


def _clerk(actor: Actor) -> dict[str, Any]:
    who = actor.principal
    if who is None:
        raise NotAuthenticated()
    desks = [a.centre_code for a in who.assignments(Role.CLERK) if a.centre_code]
    if not desks:
        raise PermissionDenied()
    return {"user_id": who.user_id, "name": who.name, "centre": desks[0]}


def partner_item(conn: Connection, partner: str, item: str) -> dict[str, Any] | None:
    """The partner's published version of ``item`` as last synced (None before a sync)."""
    row = conn.execute(
        select(federation_partner_items).where(
            federation_partner_items.c.partner == partner,
            federation_partner_items.c.item_code == item,
        )
    ).first()
    if row is None:
        return None
    return {"version": row.version, "name": row.name, **dict(row.document)}


def _check_against_item(request: HandOver, item: dict[str, Any]) -> None:
    """The materials and form the partner's item version asks for; the fees told."""
    have = {m.name for m in request.materials}
    missing = [m["name"] for m in item.get("materials", []) if m["name"] not in have]
    if missing:
        raise HandoverIncomplete(
            reason="缺少材料：" + "、".join(missing),
            fields={"materials": "请收齐：" + "、".join(missing)},
        )
    empty = [
        f["label"]
        for f in item.get("form", [])
        if f.get("required", True) and str(request.form.get(f["name"], "")).strip() == ""
    ]
    if empty:
        raise HandoverIncomplete(reason="表单未填：" + "、".join(empty))
    if item.get("fees") and not request.fees_explained:
        raise HandoverIncomplete(
            reason="请先向申请人告知收费", fields={"fees_explained": "请告知收费并勾选"}
        )


def _reserve_ref(conn: Connection, day: date, prefix: str) -> int:
    """The day's next reference number: one upsert of the day's counter row, whose lock holds
    a concurrent hand-over back until this transaction ends (as ``case_number_counters`` does
    for case numbers).  A day's first bump starts after the references already made that day
    (those made before the counter existed)."""
    made = (
        select(func.count() + 1)
        .where(federation_cases.c.case_ref.like(prefix + "%"))
        .scalar_subquery()
    )
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    statement = (
        dialect.insert(federation_ref_counters)
        .values(day=day, last=made)
        .on_conflict_do_update(
            index_elements=["day"], set_={"last": federation_ref_counters.c.last + 1}
        )
        .returning(federation_ref_counters.c.last)
    )
    return int(conn.execute(statement).scalar_one())


def _next_ref(conn: Connection, own: str, actor: Actor) -> str:
    day = china_date(actor.at)
    prefix = f"{own}-{day:%Y%m%d}-"
    return f"{prefix}{_reserve_ref(conn, day, prefix):05d}"


def keep_materials(conn: Connection, files: Sequence[MaterialFile], at: Any) -> None:
    """Store the materials' bytes by their SHA-256 (once each, whoever sent them)."""
    for file in files:
        insert_or_ignore(
            conn,
            federation_materials,
            ["sha256"],
            {"sha256": file.sha256, "size": len(file.content), "content": file.content,
             "created_at": at},
        )  # fmt: skip


@atomic
def hand_over(uow: UnitOfWork, actor: Actor, signer: NodeSigner, request: HandOver) -> str:
    """受理 for a partner and hand the case over (跨城通办); returns the case's reference."""
    conn = uow.conn
    clerk = _clerk(actor)
    partner = node.partner(conn, request.partner)
    item = request.item_code.strip()
    if partner is None or item not in partner.items:
        raise NotOffered(partner=request.partner, item=item, fields={"item_code": "请另选事项"})
    name = request.applicant_name.strip()
    if not name:
        raise HandoverIncomplete(reason="请填写申请人姓名", fields={"applicant_name": "必填"})
    identity = parse_identity(
        request.id_type,
        request.id_number,
        nationality=request.nationality.strip() or None,
        today=china_date(actor.at),
    )
    if not request.consent:
        raise HandoverIncomplete(
            reason="申请人未同意移交", fields={"consent": "请申请人阅读并同意移交"}
        )
    published = partner_item(conn, partner.region_code, item)
    if published is None:
        raise HandoverIncomplete(
            reason=f"尚未同步 {partner.name} 的事项版本，请先运行 tongban node items sync"
        )
    _check_against_item(request, published)
    own = node.own_region_code(conn)
    case_ref = _next_ref(conn, own, actor)
    files = list(request.materials)
    consent = {"given": True, "text": CONSENT_TEXT, "at": actor.at.isoformat()}
    applicant = {"name": name, "id_type": identity.id_type.value, "id_number": identity.number}
    if identity.nationality:
        applicant["nationality"] = identity.nationality
    keep_materials(conn, files, actor.at)
    form = {k: str(v) for k, v in request.form.items()}
    conn.execute(
        insert(federation_cases).values(
            role="out",
            partner=partner.region_code,
            case_ref=case_ref,
            item_code=item,
            applicant_name=name,
            applicant_id_type=applicant["id_type"],
            applicant_id_number=applicant["id_number"],
            applicant_nationality=identity.nationality,
            form=form,
            materials=listing(files),
            consent=consent,
            clerk=clerk,
            status="handed_over",
            remote_status="pending",
            remote_detail={},
            created_at=actor.at,
            updated_at=actor.at,
        )
    )
    body = {
        "item_version": published["version"],
        "applicant": applicant,
        "form": form,
        "materials": [f.entry() for f in files],
        "consent": consent,
        "clerk": clerk,
        "fees_explained": request.fees_explained,
        "delivery": {"method": "mail" if request.mail_address.strip() else "pickup",
                     "address": request.mail_address.strip()},
    }  # fmt: skip
    messages.send_on(
        conn, actor.at, signer, receiver=partner.region_code, case_ref=case_ref,
        type="case.handover", item=item, body=body,
    )  # fmt: skip
    audit.record(
        conn, actor, "federation.hand_over", "federation_case", case_ref,
        {"partner": partner.region_code, "item": item, "materials": listing(files)},
    )  # fmt: skip
    return case_ref


def _link(conn: Connection, case_ref: str, role: str | None = None) -> Any:
    query = select(federation_cases).where(federation_cases.c.case_ref == case_ref)
    if role is not None:
        query = query.where(federation_cases.c.role == role)
    row = conn.execute(query).first()
    if row is None:
        raise FederatedCaseNotFound(case_ref=case_ref)
    return row


@atomic
def answer_correction(
    uow: UnitOfWork,
    actor: Actor,
    signer: NodeSigner,
    case_ref: str,
    note: str,
    materials: Sequence[MaterialFile] = (),
) -> None:
    """补正 answered here (the applicant brings the corrections to this window) and sent on."""
    conn = uow.conn
    clerk = _clerk(actor)
    link = _link(conn, case_ref, "out")
    if link.remote_status != "correction_requested" or link.status == "cancelled":
        raise HandoverClosed(case_ref=case_ref, status=link.remote_status, action="补正")
    files = list(materials)
    keep_materials(conn, files, actor.at)
    body = {"note": note.strip(), "materials": [f.entry() for f in files], "clerk": clerk}
    messages.send_on(
        conn, actor.at, signer, receiver=link.partner, case_ref=case_ref,
        type="case.correction_answered", item=link.item_code, body=body,
    )  # fmt: skip
    conn.execute(
        update(federation_cases)
        .where(federation_cases.c.id == link.id)
        .values(
            remote_status="correction_answered",
            materials=list(link.materials) + listing(files),
            updated_at=actor.at,
        )
    )
    audit.record(conn, actor, "federation.correction_answered", "federation_case", case_ref, {})


@atomic
def collect_result(uow: UnitOfWork, actor: Actor, case_ref: str) -> None:
    """The applicant collects the verified result at this window (or it is mailed from here)."""
    conn = uow.conn
    _clerk(actor)
    link = _link(conn, case_ref, "out")
    if not link.result_verified or link.status != "handed_over":
        raise HandoverClosed(case_ref=case_ref, status=link.remote_status, action="领取结果")
    conn.execute(
        update(federation_cases)
        .where(federation_cases.c.id == link.id)
        .values(status="collected", updated_at=actor.at)
    )
    audit.record(conn, actor, "federation.result_collected", "federation_case", case_ref, {})


DECIDED = frozenset(
    {"not_accepted", "approved", "rejected", "terminated", "result_issued", "withdrawn"}
)
"""What the partner last said when the case there is closed: too late to withdraw it."""


def send_withdrawal(
    conn: Connection,
    at: Any,
    signer: NodeSigner,
    link: Any,
    reason: str,
    clerk: dict[str, Any],
    seq: int | None = None,
) -> str:
    """Send ``case.withdrawn`` for a case handed over (``seq``: the number of a refused message
    it takes the place of) and close the case on this side; returns the message's id."""
    body = {"reason": reason, "clerk": clerk}
    sent = messages.send_on(
        conn, at, signer, receiver=link.partner, case_ref=link.case_ref,
        type="case.withdrawn", item=link.item_code, body=body, seq=seq,
    )  # fmt: skip
    detail = {**dict(link.remote_detail or {}), "withdrawn_reason": reason}
    conn.execute(
        update(federation_cases)
        .where(federation_cases.c.id == link.id)
        .values(status="withdrawn", remote_detail=detail, updated_at=at)
    )
    return str(sent["id"])


@atomic
def withdraw(uow: UnitOfWork, actor: Actor, signer: NodeSigner, case_ref: str, reason: str) -> str:
    """The applicant withdraws (撤回申请) at this window a case already handed over: the partner
    is told with ``case.withdrawn`` and withdraws its case; returns the message's id."""
    conn = uow.conn
    clerk = _clerk(actor)
    link = _link(conn, case_ref, "out")
    if link.status != "handed_over" or link.remote_status in DECIDED:
        raise HandoverClosed(case_ref=case_ref, status=link.remote_status, action="撤回")
    text = reason.strip()[:500]
    if not text:
        raise HandoverIncomplete(
            reason="请说明撤回的原因", fields={"reason": "请填写申请人撤回的原因"}
        )
    stuck = conn.execute(
        select(federation_sent.c.seq).where(
            federation_sent.c.receiver == link.partner,
            federation_sent.c.case_ref == case_ref,
            federation_sent.c.status == "refused",
            federation_sent.c.resolved_at.is_(None),
        )
    ).first()
    if stuck is not None:
        # The refused message holds the case's line: cancelling it sends the withdrawal.
        raise HandoverClosed(
            case_ref=case_ref, status="refused", action="撤回（请在“被拒收的消息”中撤销）"
        )
    message_id = send_withdrawal(conn, actor.at, signer, link, text, clerk)
    audit.record(
        conn, actor, "federation.withdrawn", "federation_case", case_ref,
        {"reason": text, "message_id": message_id},
    )  # fmt: skip
    return message_id


# --- the deciding node's answers change the case here ---------------------------------------


def _apply_answer(uow: UnitOfWork, envelope: Envelope, actor: Actor, _files: Any) -> None:
    conn = uow.conn
    link = conn.execute(
        select(federation_cases).where(
            federation_cases.c.partner == envelope.sender,
            federation_cases.c.case_ref == envelope.case_ref,
            federation_cases.c.role == "out",
        )
    ).first()
    if link is None:
        raise CannotApply(reason=f"本节点没有移交过办件 {envelope.case_ref}")
    if link.status == "cancelled":
        raise CannotApply(reason=f"办件 {envelope.case_ref} 的移交已撤销")
    body = envelope.document["body"]
    values: dict[str, Any] = {
        "remote_status": str(body.get("status") or envelope.type.split(".")[1])[:24],
        # The licence's credential stays out: its fields are the holder's, read in their data
        # space (and logged there), not on the exchange's pages.
        "remote_detail": {k: v for k, v in body.items() if k != "licence"},
        "updated_at": actor.at,
    }
    if envelope.type == "case.result":
        partner = node.partner(conn, envelope.sender)
        assert partner is not None  # verified before the handler runs
        result = body.get("result")
        values["result"] = result
        values["result_verified"] = result_is_genuine(
            result, partner.public_key, envelope.sender, envelope.case_ref
        )
        # The e-licence it carries, checked with the partner's licence keys and kept in the
        # holder's data space; a credential that does not check out refuses the message.
        values["licence_id"] = partner_licences.receive_result_licence(
            conn, actor, partner, link, body
        )
    if values["remote_status"] == "withdrawn" and link.status == "handed_over":
        values["status"] = "withdrawn"  # the applicant withdrew there
    conn.execute(update(federation_cases).where(federation_cases.c.id == link.id).values(**values))


for _type in ("case.accepted", "case.correction_requested", "case.decided", "case.result"):
    messages.register(_type)(_apply_answer)


# --- reads ----------------------------------------------------------------------------------


def federated_cases(conn: Connection, role: str | None = None, limit: int = 200) -> list[Any]:
    """The cases handed over (``out``) and received (``in``), newest first."""
    return federated_cases_page(conn, role, PageRequest(limit=limit)).rows


def federated_cases_page(conn: Connection, role: str | None, page: PageRequest) -> Page[Row[Any]]:
    """One page of ``federated_cases``, newest first, by keyset (``services.platform.paging``)."""
    query = select(federation_cases)
    if role is not None:
        query = query.where(federation_cases.c.role == role)
    return read_page(conn, query, [Key(federation_cases.c.id, descending=True)], page, lambda r: r)


def federated_case(conn: Connection, case_ref: str) -> dict[str, Any]:
    """One case of the exchange with its remote status and every message of it, both ways."""
    link = _link(conn, case_ref)
    sent = conn.execute(
        select(
            federation_sent.c.seq, federation_sent.c.type, federation_sent.c.status,
            federation_sent.c.created_at.label("at"), federation_sent.c.answer,
            federation_sent.c.message_id,
        )
        .where(federation_sent.c.case_ref == case_ref, federation_sent.c.receiver == link.partner)
        .order_by(federation_sent.c.seq)
    ).all()  # fmt: skip
    received = conn.execute(
        select(
            federation_received.c.seq, federation_received.c.type,
            federation_received.c.applied_at.label("at"), federation_received.c.message_id,
        )
        .where(
            federation_received.c.case_ref == case_ref,
            federation_received.c.sender == link.partner,
        )
        .order_by(federation_received.c.seq)
    ).all()  # fmt: skip
    case = dict(link._mapping)
    case["sent"] = [dict(r._mapping) for r in sent]
    case["received"] = [dict(r._mapping) for r in received]
    return case


def case_link(conn: Connection, case_id: int) -> Any:
    """The exchange a local case belongs to (received from a partner), or None."""
    return conn.execute(
        select(federation_cases).where(federation_cases.c.case_id == case_id)
    ).first()


def material_bytes(conn: Connection, sha256: str) -> bytes | None:
    row = conn.execute(
        select(federation_materials.c.content).where(federation_materials.c.sha256 == sha256)
    ).first()
    return bytes(row.content) if row is not None else None


def case_number(conn: Connection, case_id: int) -> str | None:
    """The number of the local case a received hand-over became."""
    found = conn.execute(select(cases.c.number).where(cases.c.id == case_id)).scalar()
    return str(found) if found is not None else None
