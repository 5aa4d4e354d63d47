"""Tables for the bundles: one-application bundles and their sub-cases (一件事一次办).

Mirrors migration 0010; imported at the end of ``tables`` so ``metadata`` holds every table.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Column, ForeignKey, Index, Integer, String, Table, Text, true

from tongban.adapters.db.tables import metadata
from tongban.adapters.db.types import BigId, JSONDoc, UTCDateTime

bundle_definitions = Table(
    "bundle_definitions",
    metadata,
    Column("id", BigId, primary_key=True),
    Column("code", String(40), nullable=False, unique=True),
    Column("name", String(80), nullable=False),
    Column("description", Text, nullable=False, server_default=""),
    # The whole definition (items, shared form and materials, policy) as the admin edits it.
    Column("spec", JSONDoc, nullable=False),
    Column("priority", Integer, nullable=False, server_default="0"),
    Column("is_active", Boolean, nullable=False, server_default=true()),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("updated_by", BigId, ForeignKey("users.id"), nullable=True),
)

bundle_applications = Table(
    "bundle_applications",
    metadata,
    Column("id", BigId, primary_key=True),
    # 'YJS-' + its first sub-case's number (before 0030: YJS + yyyymmdd + '-' + 6 digits).
    Column("number", String(32), nullable=False, unique=True),
    Column("definition_id", BigId, ForeignKey("bundle_definitions.id"), nullable=False),
    Column("applicant_id", BigId, ForeignKey("users.id"), nullable=False),
    # in_progress, completed, partly_refused, refused, halted: refreshed by the worker.
    Column("status", String(16), nullable=False),
    Column("form", JSONDoc, nullable=False),
    Column("materials", JSONDoc, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    # Sub-cases changed after this instant have not been looked at yet.
    Column("refreshed_at", UTCDateTime, nullable=False),
    # The combined result notice was queued (exactly once).
    Column("notified_at", UTCDateTime, nullable=True),
)
Index("ix_bundle_applications_applicant", bundle_applications.c.applicant_id)
Index("ix_bundle_applications_status", bundle_applications.c.status)

bundle_cases = Table(
    "bundle_cases",
    metadata,
    Column("id", BigId, primary_key=True),
    Column("application_id", BigId, ForeignKey("bundle_applications.id"), nullable=False),
    Column("case_id", BigId, ForeignKey("cases.id"), nullable=False, unique=True),
    Column("position", Integer, nullable=False),
)
Index("ix_bundle_cases_application", bundle_cases.c.application_id)
