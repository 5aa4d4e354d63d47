"""Tables of 跨城通办: this node, its trusted partners, the messages sent and applied, the
hash-chained exchange log, and the cases handed over and received.

Mirrors migrations 0036, 0037 and 0045; imported at the end of ``tables`` so ``metadata``
holds every table.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    UniqueConstraint,
)

from tongban.adapters.db.tables import metadata
from tongban.adapters.db.types import BigId, JSONDoc, UTCDateTime

federation_node = Table(
    "federation_node",
    metadata,
    # One row: this deployment's node (its region code and name come from the jurisdiction).
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("base_url", String(300), nullable=False),
    # The codes of the items this node decides and lets partners' windows accept for it.
    Column("item_codes", JSONDoc, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    CheckConstraint("id = 1", name="single_row"),
)

federation_partners = Table(
    "federation_partners",
    metadata,
    Column("region_code", String(6), primary_key=True),
    Column("name", String(100), nullable=False),
    Column("base_url", String(300), nullable=False),
    # The partner's node document as trusted (its keys and items are read from it).
    Column("document", JSONDoc, nullable=False),
    Column("trusted_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    # Migration 0047: the partner's licence-signing public keys (a JWKS, from its node document
    # or its signed item versions) and its revocation list as last checked.
    Column("licence_keys", JSONDoc, nullable=True),
    Column("revocations", JSONDoc, nullable=True),
    Column("revocations_at", UTCDateTime, nullable=True),
)

federation_sent = Table(
    "federation_sent",
    metadata,
    Column("message_id", String(36), primary_key=True),
    Column("receiver", String(6), nullable=False),
    Column("case_ref", String(64), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("type", String(40), nullable=False),
    Column("envelope", JSONDoc, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    # pending until the partner answers: acknowledged (applied, or applied before) or refused.
    Column("status", String(12), nullable=False, server_default="pending"),
    Column("answered_at", UTCDateTime, nullable=True),
    # The partner's signed receipt (its acknowledgement or its refusal, with the code).
    Column("answer", JSONDoc, nullable=True),
    # Migration 0037: when a person resolved a refusal (resent or cancelled the hand-over).
    Column("resolved_at", UTCDateTime, nullable=True),
    CheckConstraint("status in ('pending', 'acknowledged', 'refused')", name="status"),
    # Two messages of one case can never take the same number.
    UniqueConstraint("receiver", "case_ref", "seq", name="uq_federation_sent_case_seq"),
)

federation_received = Table(
    "federation_received",
    metadata,
    # Unique: a message is applied once, in the same transaction as its effect.
    Column("message_id", String(36), primary_key=True),
    Column("sender", String(6), nullable=False),
    Column("case_ref", String(64), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("type", String(40), nullable=False),
    Column("body", JSONDoc, nullable=False),
    Column("applied_at", UTCDateTime, nullable=False),
    UniqueConstraint("sender", "case_ref", "seq", name="uq_federation_received_case_seq"),
)

federation_log = Table(
    "federation_log",
    metadata,
    Column("id", BigId, primary_key=True),
    Column("seq", Integer, nullable=False, unique=True),
    Column("direction", String(3), nullable=False),
    Column("peer", String(6), nullable=False),
    Column("message_id", String(64), nullable=False),
    Column("outcome", String(40), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("envelope", JSONDoc, nullable=False),
    Column("envelope_hash", String(64), nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    CheckConstraint("direction in ('in', 'out')", name="direction"),
    sqlite_autoincrement=True,
)
Index("ix_federation_log_message_id", federation_log.c.message_id)

federation_log_head = Table(
    "federation_log_head",
    metadata,
    # One row, updated by every append: its row lock puts concurrent appends in one line.
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("seq", Integer, nullable=False),
    Column("hash", String(64), nullable=False),
    CheckConstraint("id = 1", name="single_row"),
)

# --- migration 0037: the hand-over of cases ---------------------------------------------------

federation_cases = Table(
    "federation_cases",
    metadata,
    Column("id", BigId, primary_key=True),
    # out: accepted at a window here for a partner's item; in: received here from a partner.
    Column("role", String(3), nullable=False),
    Column("partner", String(6), nullable=False),
    # The accepting node's reference, used by both sides and in every message of the case.
    Column("case_ref", String(64), nullable=False),
    Column("item_code", String(64), nullable=False),
    # The case this node made of a received hand-over (role in).
    Column("case_id", BigId, ForeignKey("cases.id"), nullable=True),
    Column("applicant_name", String(100), nullable=False),
    Column("applicant_id_type", String(40), nullable=False),
    Column("applicant_id_number", String(40), nullable=False),
    # Migration 0045 (跨境通办): a passport's or 永居证's nationality (ISO 3166-1 alpha-3).
    Column("applicant_nationality", String(3), nullable=True),
    Column("form", JSONDoc, nullable=False),
    # [{name, sha256, size}]: the bytes are in federation_materials.
    Column("materials", JSONDoc, nullable=False),
    Column("consent", JSONDoc, nullable=False),
    Column("clerk", JSONDoc, nullable=False),
    # This node's side: handed_over, cancelled, closed (out); received (in).
    Column("status", String(24), nullable=False),
    # What the other side last said: pending, received, accepted, correction_requested,
    # not_accepted, approved, rejected, terminated, result_issued (out); the case's status (in).
    Column("remote_status", String(24), nullable=False),
    Column("remote_detail", JSONDoc, nullable=False),
    # The signed result (e-licence) as received, and whether its signature verified.
    Column("result", JSONDoc, nullable=True),
    Column("result_verified", Boolean, nullable=True),
    # Migration 0047: the e-licence the result brought, kept in the holder's data space.
    Column("licence_id", String(60), nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    CheckConstraint("role in ('out', 'in')", name="role"),
    UniqueConstraint("partner", "case_ref", name="uq_federation_cases_partner_ref"),
)
Index("ix_federation_cases_case_id", federation_cases.c.case_id, unique=True)

federation_materials = Table(
    "federation_materials",
    metadata,
    # Content-addressed: the SHA-256 of the bytes is the key the signed messages name.
    Column("sha256", String(64), primary_key=True),
    Column("size", Integer, nullable=False),
    Column("content", LargeBinary, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

federation_partner_items = Table(
    "federation_partner_items",
    metadata,
    # A partner's published version of an item it lets this node accept (node items sync).
    Column("partner", String(6), primary_key=True),
    Column("item_code", String(64), primary_key=True),
    Column("version", Integer, nullable=False),
    Column("name", String(200), nullable=False),
    Column("document", JSONDoc, nullable=False),
    Column("synced_at", UTCDateTime, nullable=False),
)

federation_outgoing = Table(
    "federation_outgoing",
    metadata,
    # What a received case owes its partner, queued with the change that caused it and signed
    # by the worker in this order (message_id set once it is sent).
    Column("id", BigId, primary_key=True),
    Column("link_id", BigId, ForeignKey("federation_cases.id"), nullable=False),
    Column("type", String(40), nullable=False),
    Column("body", JSONDoc, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("message_id", String(36), nullable=True),
)
Index("ix_federation_outgoing_link_id", federation_outgoing.c.link_id)

federation_resolutions = Table(
    "federation_resolutions",
    metadata,
    # What a person did about a message the partner refused.
    Column("id", BigId, primary_key=True),
    Column("message_id", String(36), nullable=False),
    Column("action", String(12), nullable=False),
    Column("note", String(500), nullable=False),
    Column("refusal", JSONDoc, nullable=True),
    Column("envelope", JSONDoc, nullable=False),
    Column("new_message_id", String(36), nullable=True),
    Column("by_user_id", BigId, nullable=True),
    Column("at", UTCDateTime, nullable=False),
    CheckConstraint("action in ('resend', 'cancel')", name="action"),
)


federation_ref_counters = Table(
    "federation_ref_counters",
    metadata,
    # The last case reference number of each day handed out here (``{region}-{day}-{n:05d}``),
    # bumped by one upsert like ``case_number_counters``: concurrent hand-overs never share one.
    Column("day", Date, primary_key=True),
    Column("last", Integer, nullable=False),
)
