"""Tables for the personal data space: grants, the holder-visible access log, citizen codes,
identity checks.

Mirrors migrations 0007 and 0049; imported at the end of ``tables`` so ``metadata`` holds
every table.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Float,
    ForeignKey,
    Index,
    String,
    Table,
)

from tongban.adapters.db.tables import metadata
from tongban.adapters.db.types import BigId, JSONDoc, UTCDateTime

data_grants = Table(
    "data_grants",
    metadata,
    Column("id", BigId, primary_key=True),
    # The holder's resident ID number or unified social credit code.
    Column("holder_id", String(40), nullable=False),
    Column("grantee_department", String(40), nullable=True),
    Column("grantee_item", String(40), nullable=True),
    # Licence type codes; ``fields`` NULL means every field of those types.
    Column("type_codes", JSONDoc, nullable=False),
    Column("fields", JSONDoc, nullable=True),
    Column("purpose", String(200), nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("single_use", Boolean, nullable=False),
    # A single-use grant is consumed by one conditional UPDATE: exactly one reader wins.
    Column("used_at", UTCDateTime, nullable=True),
    Column("revoked_at", UTCDateTime, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("created_by", BigId, ForeignKey("users.id"), nullable=True),
    CheckConstraint("grantee_department IS NOT NULL OR grantee_item IS NOT NULL", name="grantee"),
)
Index("ix_data_grants_holder", data_grants.c.holder_id, data_grants.c.created_at)

data_access_events = Table(
    "data_access_events",
    metadata,
    # What the holder sees: every read of their data space, allowed or refused.
    Column("id", BigId, primary_key=True),
    Column("holder_id", String(40), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("actor_id", BigId, ForeignKey("users.id"), nullable=True),
    Column("role", String(20), nullable=False),
    Column("department_code", String(40), nullable=True),
    Column("item_code", String(40), nullable=True),
    Column("kind", String(12), nullable=False),
    # {"types": [...], "fields": [...]} or {"predicates": [...]}; never the values read.
    Column("what", JSONDoc, nullable=False),
    Column("purpose", String(200), nullable=False),
    Column("case_number", String(32), nullable=True),
    Column("outcome", String(10), nullable=False),
    Column("legal_basis", String(300), nullable=True),
    Column("grant_id", BigId, ForeignKey("data_grants.id"), nullable=True),
    Column("reason", String(200), nullable=False, server_default=""),
    Column("request_id", String(64), nullable=False, server_default=""),
    CheckConstraint("outcome in ('allowed', 'refused')", name="outcome"),
    CheckConstraint("kind in ('licence', 'predicate', 'prefill', 'material')", name="kind"),
)
Index("ix_data_access_events_holder", data_access_events.c.holder_id, data_access_events.c.at)
# Migration 0049: retention deletes the expired months in batches picked by ``at``.
Index("ix_data_access_events_at", data_access_events.c.at)

citizen_codes = Table(
    "citizen_codes",
    metadata,
    # The token's random id; the token itself is signed and never stored.
    Column("jti", String(32), primary_key=True),
    Column("user_id", BigId, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("issued_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    # Single use: set by one conditional UPDATE ... WHERE used_at IS NULL.
    Column("used_at", UTCDateTime, nullable=True),
    Column("used_by", BigId, ForeignKey("users.id"), nullable=True),
)
Index("ix_citizen_codes_user", citizen_codes.c.user_id, citizen_codes.c.issued_at)

identity_checks = Table(
    "identity_checks",
    metadata,
    Column("id", BigId, primary_key=True),
    Column("at", UTCDateTime, nullable=False),
    # The clerk (or kiosk account) who identified the person.
    Column("actor_id", BigId, ForeignKey("users.id"), nullable=True),
    Column("method", String(16), nullable=False),
    Column("subject_id", BigId, ForeignKey("users.id"), nullable=False),
    Column("score", Float, nullable=True),
    Column("centre_code", String(40), nullable=True),
    Column("request_id", String(64), nullable=False, server_default=""),
    CheckConstraint("method in ('citizen_code', 'id_card', 'face')", name="method"),
)
Index("ix_identity_checks_subject", identity_checks.c.subject_id, identity_checks.c.at)
