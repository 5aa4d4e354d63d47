"""Tables for the proxy service: investment projects, authorisations, roadmap steps,
agent notes (代办).

Mirrors migration 0009; imported at the end of ``tables`` so ``metadata`` holds every table.
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
    String,
    Table,
    Text,
    UniqueConstraint,
)

from tongban.adapters.db.tables import metadata
from tongban.adapters.db.types import BigId, UTCDateTime

projects = Table(
    "projects",
    metadata,
    Column("id", BigId, primary_key=True),
    # XM + 6-digit id: readable, given when the project is registered.
    Column("code", String(20), nullable=False, unique=True),
    Column("company_id", BigId, ForeignKey("users.id"), nullable=False),
    Column("credit_code", String(18), nullable=False),
    Column("legal_representative", String(100), nullable=False),
    Column("name", String(120), nullable=False),
    # 万元, whole; the dashboard shows 亿元 (÷ 10,000).
    Column("investment_wan", Integer, nullable=False),
    Column("industry", String(20), nullable=False),
    Column("site_address", String(200), nullable=False),
    Column("town", String(20), nullable=False),
    Column("construction", Boolean, nullable=False),
    Column("status", String(20), nullable=False),
    Column("agent_id", BigId, ForeignKey("users.id"), nullable=True),
    Column("centre_code", String(40), nullable=True),
    # Optimistic lock: every change is UPDATE ... WHERE lock_version = <the version read>.
    Column("lock_version", Integer, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    CheckConstraint("investment_wan > 0", name="investment_positive"),
    CheckConstraint(
        "status in ('registered', 'agent_assigned', 'in_progress', 'completed')", name="status"
    ),
)
Index("ix_projects_company", projects.c.company_id)
Index("ix_projects_agent", projects.c.agent_id)

project_authorisations = Table(
    "project_authorisations",
    metadata,
    Column("id", BigId, primary_key=True),
    Column("project_id", BigId, ForeignKey("projects.id"), nullable=False),
    Column("company_id", BigId, ForeignKey("users.id"), nullable=False),
    Column("agent_id", BigId, ForeignKey("users.id"), nullable=False),
    Column("scope", String(40), nullable=False),
    Column("granted_at", UTCDateTime, nullable=False),
    # NULL while the authorisation is in force.
    Column("revoked_at", UTCDateTime, nullable=True),
)
Index(
    "ix_project_authorisations_project_agent",
    project_authorisations.c.project_id,
    project_authorisations.c.agent_id,
)

project_steps = Table(
    "project_steps",
    metadata,
    Column("id", BigId, primary_key=True),
    Column("project_id", BigId, ForeignKey("projects.id"), nullable=False),
    Column("stage", Integer, nullable=False),
    Column("position", Integer, nullable=False),
    Column("item_code", String(40), nullable=False),
    Column("item_name", String(120), nullable=False),
    Column("department_code", String(40), nullable=False),
    # pending until filed; once filed the step's progress is its case's status.
    Column("status", String(12), nullable=False),
    Column("case_id", BigId, ForeignKey("cases.id"), nullable=True),
    Column("filed_at", UTCDateTime, nullable=True),
    Column("filed_by", BigId, ForeignKey("users.id"), nullable=True),
    # Working days from filing: the item's promised limit plus the 5 days to accept.
    Column("due_on", Date, nullable=True),
    CheckConstraint("status in ('pending', 'filed')", name="status"),
    UniqueConstraint("project_id", "position", name="uq_project_steps_project_position"),
)
Index("ix_project_steps_case", project_steps.c.case_id)

project_notes = Table(
    "project_notes",
    metadata,
    Column("id", BigId, primary_key=True),
    Column("project_id", BigId, ForeignKey("projects.id"), nullable=False),
    Column("author_id", BigId, ForeignKey("users.id"), nullable=False),
    Column("kind", String(12), nullable=False),
    Column("body", Text, nullable=False),
    Column("happened_on", Date, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    CheckConstraint("kind in ('meeting', 'call', 'visit', 'note')", name="kind"),
)
Index("ix_project_notes_project", project_notes.c.project_id)
