"""Tables of 跨城通办: this node, its trusted partners, the messages sent and applied, and the
hash-chained exchange log.

Mirrors migration 0036; imported at the end of ``tables.py`` so ``metadata`` holds every table.
"""

from __future__ import annotations

from sqlalchemy import (
    CheckConstraint,
    Column,
    Index,
    Integer,
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
