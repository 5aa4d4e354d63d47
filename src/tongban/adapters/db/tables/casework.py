"""Tables of cases (办件): the case, its hash-chained events, the daily number counters, and
the review plans and steps (审查环节).

Mirrors migrations 0004 and 0005 and the later changes to these tables.
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
    UniqueConstraint,
    text,
)

from tongban.adapters.db.tables.base import metadata
from tongban.adapters.db.types import BigId, JSONDoc, UTCDateTime

# --- cases (办件): migration 0004 ---------------------------------------------------------------

_CASE_STATUSES = (
    "'draft', 'submitted', 'prechecked', 'accepted', 'not_accepted', 'correction_requested', "
    "'under_review', 'rejection_proposed', 'approved', 'rejected', 'result_issued', "
    "'delivered', 'archived', 'withdrawn', 'terminated'"
)

cases = Table(
    "cases",
    metadata,
    Column("id", BigId, primary_key=True),
    # prefix + '-' + yyyymmdd + '-' + daily sequence (domain.cases.numbers); older numbers
    # (NH + yyyymmdd + '-' + 6 digits) stay as they were.
    Column("number", String(32), nullable=False, unique=True),
    Column("item_id", BigId, ForeignKey("service_items.id"), nullable=False),
    # The catalogue version the case was filed under; later versions never apply to it.
    Column("item_version", Integer, nullable=False),
    Column("applicant_id", BigId, ForeignKey("users.id"), nullable=False),
    Column("channel", String(12), nullable=False),
    Column("status", String(24), nullable=False),
    # Optimistic lock: every save is UPDATE ... WHERE lock_version = <the version read>.
    Column("lock_version", Integer, nullable=False),
    Column("form", JSONDoc, nullable=False),
    Column("submitted_at", UTCDateTime, nullable=True),
    Column("accepted_on", Date, nullable=True),
    # NULL while a correction (补正) holds the clock.
    Column("deadline", Date, nullable=True),
    Column("accepting_centre_id", BigId, ForeignKey("centres.id"), nullable=True),
    # The competent department whose back office reviews the case.
    Column("department_id", BigId, ForeignKey("departments.id"), nullable=False),
    Column("pickup_centre_id", BigId, ForeignKey("centres.id"), nullable=True),
    Column("delivery_method", String(12), nullable=False),
    Column("decision", String(12), nullable=True),
    # 0 normal; 1 green channel (绿色通道): queues put these first.
    Column("priority", Integer, nullable=False, server_default="0"),
    # Materials, clock stops, 容缺 commitment, correction, proposal, result, item terms.
    Column("data", JSONDoc, nullable=False),
    # The end of the audit chain: its last seq and hash (detects a deleted last entry).
    Column("audit_seq", Integer, nullable=False, server_default="0"),
    Column("audit_head", String(64), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    CheckConstraint(f"status in ({_CASE_STATUSES})", name="status"),
    CheckConstraint("channel in ('online', 'window', 'mail', 'self_service')", name="channel"),
)
Index("ix_cases_status_department", cases.c.status, cases.c.department_id)
Index("ix_cases_applicant_id", cases.c.applicant_id, cases.c.id)
# Migration 0050: a centre's open cases are one range per status, however many closed ones.
Index("ix_cases_accepting_centre_status", cases.c.accepting_centre_id, cases.c.status)
Index("ix_cases_pickup_centre_status", cases.c.pickup_centre_id, cases.c.status)

case_events = Table(
    "case_events",
    metadata,
    # Append-only: rows are never updated or deleted; each hash covers the previous one.
    Column("id", BigId, primary_key=True),
    Column("case_id", BigId, ForeignKey("cases.id"), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("type", String(60), nullable=False),
    Column("from_status", String(24), nullable=True),
    Column("to_status", String(24), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("actor_id", BigId, ForeignKey("users.id"), nullable=True),
    Column("role", String(20), nullable=False),
    Column("centre_code", String(40), nullable=True),
    Column("reason", Text, nullable=False, server_default=""),
    Column("detail", JSONDoc, nullable=False),
    Column("request_id", String(64), nullable=False, server_default=""),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    UniqueConstraint("case_id", "seq", name="uq_case_events_case_seq"),
)
# Migration 0051: the cases decided by the rules (秒批), which metrics verify and rebuild look
# up, without reading every other event.
Index(
    "ix_case_events_automated_decision",
    case_events.c.case_id,
    sqlite_where=text("type = 'AutomatedDecision'"),
    postgresql_where=text("type = 'AutomatedDecision'"),
)

case_number_counters = Table(
    "case_number_counters",
    metadata,
    Column("day", Date, primary_key=True),
    Column("last", Integer, nullable=False),
)

# --- review steps (审查环节): migration 0005 ----------------------------------------------------

review_plans = Table(
    "review_plans",
    metadata,
    # One plan per item, not per version: a case copies the plan into its own steps when its
    # review starts, so changing the plan never touches a case already under review.
    Column("item_id", BigId, ForeignKey("service_items.id"), primary_key=True),
    # [[{name, role, department_code, budget_days}, ...], ...]: stages in order, steps parallel.
    Column("stages", JSONDoc, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("updated_by", BigId, ForeignKey("users.id"), nullable=True),
)

case_review_steps = Table(
    "case_review_steps",
    metadata,
    Column("id", BigId, primary_key=True),
    Column("case_id", BigId, ForeignKey("cases.id"), nullable=False),
    Column("stage", Integer, nullable=False),
    Column("name", String(60), nullable=False),
    Column("department_id", BigId, ForeignKey("departments.id"), nullable=False),
    Column("role", String(20), nullable=False),
    # A claim is UPDATE ... WHERE assignee_id IS NULL: of two claims, exactly one matches.
    Column("assignee_id", BigId, ForeignKey("users.id"), nullable=True),
    Column("budget_days", Integer, nullable=False),
    # Working days from the day the step's stage opened (NULL while the stage waits).
    Column("due_on", Date, nullable=True),
    Column("status", String(10), nullable=False),
    Column("outcome", String(10), nullable=True),
    Column("reasons", Text, nullable=False, server_default=""),
    Column("done_at", UTCDateTime, nullable=True),
    Column("done_by", BigId, ForeignKey("users.id"), nullable=True),
    CheckConstraint("status in ('pending', 'active', 'done')", name="status"),
    CheckConstraint("outcome in ('approve', 'reject')", name="outcome"),
    UniqueConstraint("case_id", "name", name="uq_case_review_steps_case_name"),
)
Index(
    "ix_case_review_steps_department_status",
    case_review_steps.c.department_id,
    case_review_steps.c.status,
)
Index(
    "ix_case_review_steps_assignee_status",
    case_review_steps.c.assignee_id,
    case_review_steps.c.status,
)
