"""Tables of post-approval supervision (批后监管): the items supervised with their checklists,
inspection tasks with their history, and the random draws (双随机).

Mirrors migration 0020; imported at the end of ``tables`` so ``metadata`` holds every table.
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

TASK_STATUSES = "'pending', 'assigned', 'rectifying', 'closed', 'revoked'"
OUTCOMES = "'closure', 'rectification', 'revocation'"

supervised_items = Table(
    "supervised_items",
    metadata,
    # One row per catalogue item under post-approval supervision; its checklist is derived from
    # the item's published version when it is placed on the list.
    Column("item_code", String(40), primary_key=True),
    Column("department_code", String(40), nullable=False),
    Column("checklist", JSONDoc, nullable=False),
    # Working days on the official calendar from the approval to the inspection deadline.
    Column("inspect_within_days", Integer, nullable=False),
    Column("placed_by", BigId, ForeignKey("users.id"), nullable=True),
    Column("placed_at", UTCDateTime, nullable=False),
    CheckConstraint("inspect_within_days between 1 and 250", name="inspect_within_days"),
)

supervision_draws = Table(
    "supervision_draws",
    metadata,
    Column("id", BigId, primary_key=True),
    Column("number", String(20), nullable=False, unique=True),
    Column("department_code", String(40), nullable=False),
    # 32 random bytes (hex) from the OS generator, stored once the draw has been made.
    Column("seed", String(64), nullable=False),
    Column("subject_pool", JSONDoc, nullable=False),
    Column("subject_pool_hash", String(64), nullable=False),
    Column("inspector_pool", JSONDoc, nullable=False),
    Column("inspector_pool_hash", String(64), nullable=False),
    Column("sample_size", Integer, nullable=False),
    Column("picks", JSONDoc, nullable=False),
    Column("run_by", BigId, ForeignKey("users.id"), nullable=True),
    Column("run_at", UTCDateTime, nullable=False),
)
Index("ix_supervision_draws_department", supervision_draws.c.department_code)

inspection_tasks = Table(
    "inspection_tasks",
    metadata,
    Column("id", BigId, primary_key=True),
    # JC + six digits of the id (domain.supervision.model.task_number).
    Column("number", String(20), nullable=False, unique=True),
    Column("item_code", String(40), nullable=False),
    Column("department_code", String(40), nullable=False),
    # One task per approved case: a retried result issue never opens a second one.
    Column("case_id", BigId, ForeignKey("cases.id"), nullable=True, unique=True),
    Column("case_number", String(40), nullable=True),
    Column("subject_id", BigId, ForeignKey("users.id"), nullable=True),
    Column("subject_name", String(200), nullable=False),
    # person / enterprise: a person's name is masked wherever a list shows it.
    Column("subject_kind", String(12), nullable=False),
    Column("licence_id", String(80), nullable=True),
    Column("checklist", JSONDoc, nullable=False),
    Column("findings", JSONDoc, nullable=False),
    Column("status", String(12), nullable=False),
    Column("outcome", String(14), nullable=True),
    Column("inspector_id", BigId, ForeignKey("users.id"), nullable=True),
    Column("draw_id", BigId, ForeignKey("supervision_draws.id"), nullable=True),
    # Inspection deadline (working days); a rectification order moves it to the re-inspection.
    Column("due_on", Date, nullable=False),
    Column("first_due_on", Date, nullable=False),
    Column("inspected_on", Date, nullable=True),
    Column("rectifications", Integer, nullable=False, server_default="0"),
    Column("conclusion", Text, nullable=False, server_default=""),
    # Optimistic lock: every change is UPDATE ... WHERE lock_version = <the version read>.
    Column("lock_version", Integer, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    CheckConstraint(f"status in ({TASK_STATUSES})", name="status"),
    CheckConstraint(f"outcome in ({OUTCOMES})", name="outcome"),
    CheckConstraint("subject_kind in ('person', 'enterprise')", name="subject_kind"),
)
Index(
    "ix_inspection_tasks_department_status",
    inspection_tasks.c.department_code,
    inspection_tasks.c.status,
)
Index("ix_inspection_tasks_inspector", inspection_tasks.c.inspector_id)
Index("ix_inspection_tasks_status_due_on", inspection_tasks.c.status, inspection_tasks.c.due_on)

inspection_events = Table(
    "inspection_events",
    metadata,
    # Append-only history: opened, drawn, findings, outcome (with the findings of that round).
    Column("id", BigId, primary_key=True),
    Column("task_id", BigId, ForeignKey("inspection_tasks.id"), nullable=False),
    Column("kind", String(12), nullable=False),
    Column("actor_id", BigId, ForeignKey("users.id"), nullable=True),
    Column("detail", JSONDoc, nullable=False),
    Column("at", UTCDateTime, nullable=False),
)
Index("ix_inspection_events_task", inspection_events.c.task_id)
