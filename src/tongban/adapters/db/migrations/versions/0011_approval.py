"""the online approval centre: shared queue, assignment settings (网上审批中心)

``approval_settings`` holds each served department's assignment strategy and reviewer skills;
``approval_assignments`` one row per application taken from the queue (the unique ``case_id``
and a conditional UPDATE make exactly one of two racing claims win); ``approval_assignment_log``
the history of claims, assignments, releases and reassignments.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-27 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import tongban.adapters.db.types

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
_ACTIONS = "action in ('claimed', 'assigned', 'released', 'reassigned')"


def _at(name: str, *, nullable: bool) -> sa.Column[object]:
    return sa.Column(name, tongban.adapters.db.types.UTCDateTime(timezone=True), nullable=nullable)


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}")
    )


def upgrade() -> None:
    op.create_table(
        "approval_settings",
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("strategy", sa.String(length=20), nullable=False),
        sa.Column("skills", _JSON, nullable=False),
        sa.Column("last_assignee_id", sa.Integer(), nullable=True),
        sa.Column("lock_version", sa.Integer(), nullable=False),
        _at("updated_at", nullable=False),
        sa.Column("updated_by", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "strategy in ('round_robin', 'least_loaded', 'skill')",
            name=op.f("ck_approval_settings_strategy"),
        ),
        _fk("approval_settings", "department_id", "departments"),
        _fk("approval_settings", "last_assignee_id", "users"),
        _fk("approval_settings", "updated_by", "users"),
        sa.PrimaryKeyConstraint("department_id", name=op.f("pk_approval_settings")),
    )
    op.create_table(
        "approval_assignments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("assignee_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=12), nullable=False),
        _at("assigned_at", nullable=True),
        sa.Column("assigned_by", sa.Integer(), nullable=True),
        sa.Column("lock_version", sa.Integer(), nullable=False),
        _at("updated_at", nullable=False),
        sa.CheckConstraint(_ACTIONS, name=op.f("ck_approval_assignments_action")),
        _fk("approval_assignments", "case_id", "cases"),
        _fk("approval_assignments", "assignee_id", "users"),
        _fk("approval_assignments", "assigned_by", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_approval_assignments")),
        sa.UniqueConstraint("case_id", name=op.f("uq_approval_assignments_case_id")),
    )
    op.create_index(
        "ix_approval_assignments_assignee", "approval_assignments", ["assignee_id"], unique=False
    )
    op.create_table(
        "approval_assignment_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=12), nullable=False),
        sa.Column("assignee_id", sa.Integer(), nullable=True),
        sa.Column("previous_assignee_id", sa.Integer(), nullable=True),
        sa.Column("by_id", sa.Integer(), nullable=True),
        sa.Column("strategy", sa.String(length=20), nullable=True),
        _at("at", nullable=False),
        sa.CheckConstraint(_ACTIONS, name=op.f("ck_approval_assignment_log_action")),
        _fk("approval_assignment_log", "case_id", "cases"),
        _fk("approval_assignment_log", "assignee_id", "users"),
        _fk("approval_assignment_log", "previous_assignee_id", "users"),
        _fk("approval_assignment_log", "by_id", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_approval_assignment_log")),
    )
    op.create_index(
        "ix_approval_assignment_log_case", "approval_assignment_log", ["case_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_approval_assignment_log_case", table_name="approval_assignment_log")
    op.drop_table("approval_assignment_log")
    op.drop_index("ix_approval_assignments_assignee", table_name="approval_assignments")
    op.drop_table("approval_assignments")
    op.drop_table("approval_settings")
