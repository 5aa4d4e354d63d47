"""post-approval supervision (批后监管): supervised items, inspection tasks, random draws

``supervised_items`` marks catalogue items under post-approval supervision with their
checklist and inspection deadline; ``inspection_tasks`` (one per approved case) and
``inspection_events`` their history; ``supervision_draws`` each 双随机 draw with its seed, pool
snapshots and hashes, so that it can be replayed.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-06 14:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import tongban.adapters.db.types

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
_STATUSES = "'pending', 'assigned', 'rectifying', 'closed', 'revoked'"
_OUTCOMES = "'closure', 'rectification', 'revocation'"


def _at(name: str, *, nullable: bool) -> sa.Column[object]:
    return sa.Column(name, tongban.adapters.db.types.UTCDateTime(timezone=True), nullable=nullable)


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}")
    )


def upgrade() -> None:
    op.create_table(
        "supervised_items",
        sa.Column("item_code", sa.String(length=40), nullable=False),
        sa.Column("department_code", sa.String(length=40), nullable=False),
        sa.Column("checklist", _JSON, nullable=False),
        sa.Column("inspect_within_days", sa.Integer(), nullable=False),
        sa.Column("placed_by", sa.Integer(), nullable=True),
        _at("placed_at", nullable=False),
        sa.CheckConstraint(
            "inspect_within_days between 1 and 250",
            name=op.f("ck_supervised_items_inspect_within_days"),
        ),
        _fk("supervised_items", "placed_by", "users"),
        sa.PrimaryKeyConstraint("item_code", name=op.f("pk_supervised_items")),
    )
    op.create_table(
        "supervision_draws",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=20), nullable=False),
        sa.Column("department_code", sa.String(length=40), nullable=False),
        sa.Column("seed", sa.String(length=64), nullable=False),
        sa.Column("subject_pool", _JSON, nullable=False),
        sa.Column("subject_pool_hash", sa.String(length=64), nullable=False),
        sa.Column("inspector_pool", _JSON, nullable=False),
        sa.Column("inspector_pool_hash", sa.String(length=64), nullable=False),
        sa.Column("sample_size", sa.Integer(), nullable=False),
        sa.Column("picks", _JSON, nullable=False),
        sa.Column("run_by", sa.Integer(), nullable=True),
        _at("run_at", nullable=False),
        _fk("supervision_draws", "run_by", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supervision_draws")),
        sa.UniqueConstraint("number", name=op.f("uq_supervision_draws_number")),
    )
    op.create_index("ix_supervision_draws_department", "supervision_draws", ["department_code"])
    op.create_table(
        "inspection_tasks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=20), nullable=False),
        sa.Column("item_code", sa.String(length=40), nullable=False),
        sa.Column("department_code", sa.String(length=40), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("case_number", sa.String(length=40), nullable=True),
        sa.Column("subject_id", sa.Integer(), nullable=True),
        sa.Column("subject_name", sa.String(length=200), nullable=False),
        sa.Column("subject_kind", sa.String(length=12), nullable=False),
        sa.Column("licence_id", sa.String(length=80), nullable=True),
        sa.Column("checklist", _JSON, nullable=False),
        sa.Column("findings", _JSON, nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("outcome", sa.String(length=14), nullable=True),
        sa.Column("inspector_id", sa.Integer(), nullable=True),
        sa.Column("draw_id", sa.Integer(), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("first_due_on", sa.Date(), nullable=False),
        sa.Column("inspected_on", sa.Date(), nullable=True),
        sa.Column("rectifications", sa.Integer(), server_default="0", nullable=False),
        sa.Column("conclusion", sa.Text(), server_default="", nullable=False),
        sa.Column("lock_version", sa.Integer(), nullable=False),
        _at("created_at", nullable=False),
        _at("updated_at", nullable=False),
        sa.CheckConstraint(f"status in ({_STATUSES})", name=op.f("ck_inspection_tasks_status")),
        sa.CheckConstraint(f"outcome in ({_OUTCOMES})", name=op.f("ck_inspection_tasks_outcome")),
        sa.CheckConstraint(
            "subject_kind in ('person', 'enterprise')",
            name=op.f("ck_inspection_tasks_subject_kind"),
        ),
        _fk("inspection_tasks", "case_id", "cases"),
        _fk("inspection_tasks", "subject_id", "users"),
        _fk("inspection_tasks", "inspector_id", "users"),
        _fk("inspection_tasks", "draw_id", "supervision_draws"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspection_tasks")),
        sa.UniqueConstraint("number", name=op.f("uq_inspection_tasks_number")),
        sa.UniqueConstraint("case_id", name=op.f("uq_inspection_tasks_case_id")),
    )
    op.create_index(
        "ix_inspection_tasks_department_status",
        "inspection_tasks",
        ["department_code", "status"],
    )
    op.create_index("ix_inspection_tasks_inspector", "inspection_tasks", ["inspector_id"])
    op.create_index("ix_inspection_tasks_status_due_on", "inspection_tasks", ["status", "due_on"])
    op.create_table(
        "inspection_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("detail", _JSON, nullable=False),
        _at("at", nullable=False),
        _fk("inspection_events", "task_id", "inspection_tasks"),
        _fk("inspection_events", "actor_id", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspection_events")),
    )
    op.create_index("ix_inspection_events_task", "inspection_events", ["task_id"])


def downgrade() -> None:
    op.drop_index("ix_inspection_events_task", table_name="inspection_events")
    op.drop_table("inspection_events")
    op.drop_index("ix_inspection_tasks_status_due_on", table_name="inspection_tasks")
    op.drop_index("ix_inspection_tasks_inspector", table_name="inspection_tasks")
    op.drop_index("ix_inspection_tasks_department_status", table_name="inspection_tasks")
    op.drop_table("inspection_tasks")
    op.drop_index("ix_supervision_draws_department", table_name="supervision_draws")
    op.drop_table("supervision_draws")
    op.drop_table("supervised_items")
