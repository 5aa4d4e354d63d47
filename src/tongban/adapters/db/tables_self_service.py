"""Tables of self-service (自助办): the kiosks of each centre and the visits they serve.

Mirrors migration 0015; imported at the end of ``tables`` so ``metadata`` holds every table.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    true,
)

from tongban.adapters.db.tables import metadata
from tongban.adapters.db.types import BigId, JSONDoc, UTCDateTime

kiosks = Table(
    "kiosks",
    metadata,
    Column("id", BigId, primary_key=True),
    Column("code", String(40), nullable=False, unique=True),
    Column("name", String(80), nullable=False),
    Column("centre_id", BigId, ForeignKey("centres.id"), nullable=False),
    # The device account the kiosk signs in as: a role ``kiosk`` and no password.
    Column("user_id", BigId, ForeignKey("users.id"), nullable=False, unique=True),
    Column("idle_seconds", Integer, nullable=False),
    Column("is_active", Boolean, nullable=False, server_default=true()),
    # SHA-256 of the one-time pairing code the centre manager hands to the device.
    Column("pairing_hash", String(64), nullable=True),
    Column("pairing_expires_at", UTCDateTime, nullable=True),
    Column("pairing_failures", Integer, nullable=False, server_default="0"),
    Column("paired_at", UTCDateTime, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("created_by", BigId, ForeignKey("users.id"), nullable=True),
    Column("updated_at", UTCDateTime, nullable=False),
    CheckConstraint("idle_seconds between 30 and 900", name="idle_seconds"),
)
Index("ix_kiosks_centre", kiosks.c.centre_id)

kiosk_visits = Table(
    "kiosk_visits",
    metadata,
    Column("id", BigId, primary_key=True),
    Column("kiosk_id", BigId, ForeignKey("kiosks.id"), nullable=False),
    # The person identified at the kiosk; the visit acts for them until it closes.
    Column("subject_id", BigId, ForeignKey("users.id"), nullable=False),
    Column("method", String(16), nullable=False),
    Column("started_at", UTCDateTime, nullable=False),
    # Moves on with each action: past it the visit is over, whatever the page does.
    Column("expires_at", UTCDateTime, nullable=False),
    Column("submitted_at", UTCDateTime, nullable=True),
    Column("closed_at", UTCDateTime, nullable=True),
    Column("close_reason", String(12), nullable=True),
    Column("case_number", String(32), nullable=True),
    # The form being filled in (item, values typed, errors): wiped when the visit closes.
    Column("draft", JSONDoc, nullable=True),
    CheckConstraint("method in ('citizen_code', 'id_card')", name="method"),
    CheckConstraint(
        "close_reason in ('submitted', 'finished', 'idle', 'replaced', 'deactivated')",
        name="close_reason",
    ),
)
Index("ix_kiosk_visits_kiosk_closed", kiosk_visits.c.kiosk_id, kiosk_visits.c.closed_at)
Index("ix_kiosk_visits_closed_expires", kiosk_visits.c.closed_at, kiosk_visits.c.expires_at)
