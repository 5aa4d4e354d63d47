"""review steps: each item's review plan and each case's review step instances

``review_plans`` holds one plan per item (stages in order, the steps of a stage in parallel);
``case_review_steps`` holds the steps a case got when its review started, with the assignee
(claimed by compare-and-set), the due day from the working-day calendar and the outcome.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import tongban.adapters.db.types

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def _at(name: str, *, nullable: bool) -> sa.Column[object]:
    return sa.Column(name, tongban.adapters.db.types.UTCDateTime(timezone=True), nullable=nullable)


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}")
    )


def upgrade() -> None:
    op.create_table(
        "review_plans",
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("stages", _JSON, nullable=False),
        _at("updated_at", nullable=False),
        sa.Column("updated_by", sa.Integer(), nullable=True),
        _fk("review_plans", "item_id", "service_items"),
        _fk("review_plans", "updated_by", "users"),
        sa.PrimaryKeyConstraint("item_id", name=op.f("pk_review_plans")),
    )
    op.create_table(
        "case_review_steps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("stage", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("assignee_id", sa.Integer(), nullable=True),
        sa.Column("budget_days", sa.Integer(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("outcome", sa.String(length=10), nullable=True),
        sa.Column("reasons", sa.Text(), server_default="", nullable=False),
        _at("done_at", nullable=True),
        sa.Column("done_by", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "status in ('pending', 'active', 'done')", name=op.f("ck_case_review_steps_status")
        ),
        sa.CheckConstraint(
            "outcome in ('approve', 'reject')", name=op.f("ck_case_review_steps_outcome")
        ),
        _fk("case_review_steps", "case_id", "cases"),
        _fk("case_review_steps", "department_id", "departments"),
        _fk("case_review_steps", "assignee_id", "users"),
        _fk("case_review_steps", "done_by", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_review_steps")),
        sa.UniqueConstraint("case_id", "name", name="uq_case_review_steps_case_name"),
    )
    op.create_index(
        "ix_case_review_steps_department_status",
        "case_review_steps",
        ["department_id", "status"],
        unique=False,
    )
    op.create_index(
        "ix_case_review_steps_assignee_status",
        "case_review_steps",
        ["assignee_id", "status"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_case_review_steps_assignee_status", table_name="case_review_steps")
    op.drop_index("ix_case_review_steps_department_status", table_name="case_review_steps")
    op.drop_table("case_review_steps")
    op.drop_table("review_plans")
