"""Tables for the the online approval centre: shared queue, assignment settings (网上审批中心).

Mirrors migration 0011; imported at the end of ``tables`` so ``metadata`` holds every table.
"""

from __future__ import annotations

from sqlalchemy import CheckConstraint, Column, ForeignKey, Index, Integer, String, Table

from tongban.adapters.db.tables import metadata
from tongban.adapters.db.types import BigId, JSONDoc, UTCDateTime

_STRATEGIES = "'round_robin', 'least_loaded', 'skill'"
_ACTIONS = "'claimed', 'assigned', 'released', 'reassigned'"

approval_settings = Table(
    "approval_settings",
    metadata,
    # One row per department the centre serves, set by its section chief.
    Column("department_id", BigId, ForeignKey("departments.id"), primary_key=True),
    Column("strategy", String(20), nullable=False),
    # {"<user id>": ["item code", "code prefix*", "category", ...]}: what each reviewer handles.
    Column("skills", JSONDoc, nullable=False),
    # Round robin: the reviewer served last (the next one in user-id order is next).
    Column("last_assignee_id", BigId, ForeignKey("users.id"), nullable=True),
    Column("lock_version", Integer, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("updated_by", BigId, ForeignKey("users.id"), nullable=True),
    CheckConstraint(f"strategy in ({_STRATEGIES})", name="strategy"),
)

approval_assignments = Table(
    "approval_assignments",
    metadata,
    Column("id", BigId, primary_key=True),
    # One row per application ever taken: of two first claims, the unique key lets one in.
    Column("case_id", BigId, ForeignKey("cases.id"), nullable=False, unique=True),
    # NULL once released back to the queue; a later claim is UPDATE ... WHERE assignee_id IS NULL.
    Column("assignee_id", BigId, ForeignKey("users.id"), nullable=True),
    Column("action", String(12), nullable=False),
    Column("assigned_at", UTCDateTime, nullable=True),
    Column("assigned_by", BigId, ForeignKey("users.id"), nullable=True),
    Column("lock_version", Integer, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    CheckConstraint(f"action in ({_ACTIONS})", name="action"),
)
Index("ix_approval_assignments_assignee", approval_assignments.c.assignee_id)

approval_assignment_log = Table(
    "approval_assignment_log",
    metadata,
    # Append-only history of every claim, assignment, release and reassignment.
    Column("id", BigId, primary_key=True),
    Column("case_id", BigId, ForeignKey("cases.id"), nullable=False),
    Column("action", String(12), nullable=False),
    Column("assignee_id", BigId, ForeignKey("users.id"), nullable=True),
    Column("previous_assignee_id", BigId, ForeignKey("users.id"), nullable=True),
    Column("by_id", BigId, ForeignKey("users.id"), nullable=True),
    Column("strategy", String(20), nullable=True),
    Column("at", UTCDateTime, nullable=False),
    CheckConstraint(f"action in ({_ACTIONS})", name="action"),
)
Index("ix_approval_assignment_log_case", approval_assignment_log.c.case_id)
