"""Tables for the e-licence library: issued licences with their signed credentials (电子证照).

The signing keys and the CA live as files under ``{data_dir}/keys`` (``adapters/keys.py``).
Mirrors migration 0006; imported at the end of ``tables`` so ``metadata`` holds every table.
"""

from __future__ import annotations

from sqlalchemy import (
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
)

from tongban.adapters.db.tables import metadata
from tongban.adapters.db.types import BigId, JSONDoc, UTCDateTime

licences = Table(
    "licences",
    metadata,
    Column("id", String(60), primary_key=True),
    Column("type_code", String(40), nullable=False),
    # Resident ID (or other identity document) number, or unified social credit code.
    Column("holder_id", String(40), nullable=False),
    Column("holder_name", String(100), nullable=False),
    Column("fields", JSONDoc, nullable=False),
    Column("valid_from", Date, nullable=False),
    Column("valid_until", Date, nullable=True),
    # Only 'valid' or 'revoked' are stored: expiry follows from the dates.
    Column("status", String(10), nullable=False, server_default="valid"),
    Column("issued_at", UTCDateTime, nullable=False),
    Column("issued_by", BigId, ForeignKey("users.id"), nullable=True),
    Column("issuer_department", String(40), nullable=False),
    Column("case_number", String(40), nullable=True),
    # The SD-JWT VC as issued (every disclosure included) and the kid that signed it.
    Column("credential", Text, nullable=False),
    Column("key_id", String(80), nullable=False),
    Column("revoked_at", UTCDateTime, nullable=True),
    Column("revoked_by", BigId, ForeignKey("users.id"), nullable=True),
    Column("revoke_reason", String(500), nullable=False, server_default=""),
    # Migration 0047: a licence a partner node issued (跨城通办), kept for its holder here: the
    # partner's region code and name; NULL for this district's own licences.
    Column("issuer_region", String(6), nullable=True),
    Column("issuer_name", String(100), nullable=True),
    CheckConstraint("status in ('valid', 'revoked')", name="status"),
)
Index("ix_licences_holder_type", licences.c.holder_id, licences.c.type_code)
Index("ix_licences_case_number", licences.c.case_number)

# A licence's signed PDF, rendered and signed once per rendition: the key is the SHA-256 of
# everything the document shows or is signed with (the licence, its status, the signing key,
# the verification address), the PDF itself in the file store under its own SHA-256.
licence_renditions = Table(
    "licence_renditions",
    metadata,
    Column("rendition_key", String(64), primary_key=True),
    Column("licence_id", String(60), ForeignKey("licences.id"), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("size", Integer, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)
Index("ix_licence_renditions_licence", licence_renditions.c.licence_id)
