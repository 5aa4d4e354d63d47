"""rules as code: versioned rule sets per item and the automated decisions (秒批)

``rule_sets`` holds each item's rule-set versions (draft, published, retired) with effective
dates; ``automated_decisions`` what the rules decided on a case, with the rule-set version, the
inputs and the explanation; ``human_review_requests`` the applicant's requests for a person to
review an automated decision (PIPL 第二十四条).

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-27 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import tongban.adapters.db.types

revision = "0008"
down_revision = "0007"
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
        "rule_sets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_code", sa.String(length=40), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("spec", _JSON, nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("effective_to", sa.Date(), nullable=True),
        sa.Column("lock_version", sa.Integer(), nullable=False),
        _at("created_at", nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        _at("updated_at", nullable=False),
        _at("published_at", nullable=True),
        sa.Column("published_by", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "status in ('draft', 'published', 'retired')", name=op.f("ck_rule_sets_status")
        ),
        _fk("rule_sets", "created_by", "users"),
        _fk("rule_sets", "published_by", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rule_sets")),
        sa.UniqueConstraint("item_code", "version", name="uq_rule_sets_item_version"),
    )
    op.create_index("ix_rule_sets_item_status", "rule_sets", ["item_code", "status"], unique=False)
    op.create_table(
        "automated_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("case_number", sa.String(length=20), nullable=False),
        sa.Column("item_code", sa.String(length=40), nullable=False),
        sa.Column("rule_set_id", sa.Integer(), nullable=False),
        sa.Column("rule_set_version", sa.Integer(), nullable=False),
        sa.Column("inputs", _JSON, nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("explanation", _JSON, nullable=False),
        sa.Column("licence_id", sa.String(length=64), nullable=True),
        _at("decided_at", nullable=False),
        sa.CheckConstraint(
            "outcome in ('approve', 'manual_review')", name=op.f("ck_automated_decisions_outcome")
        ),
        _fk("automated_decisions", "case_id", "cases"),
        _fk("automated_decisions", "rule_set_id", "rule_sets"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_automated_decisions")),
        sa.UniqueConstraint("case_id", name=op.f("uq_automated_decisions_case_id")),
    )
    op.create_index(
        "ix_automated_decisions_item", "automated_decisions", ["item_code"], unique=False
    )
    op.create_table(
        "human_review_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("decision_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("requested_by", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), server_default="", nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        _at("requested_at", nullable=False),
        sa.CheckConstraint(
            "status in ('open', 'closed')", name=op.f("ck_human_review_requests_status")
        ),
        _fk("human_review_requests", "decision_id", "automated_decisions"),
        _fk("human_review_requests", "case_id", "cases"),
        _fk("human_review_requests", "requested_by", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_human_review_requests")),
        sa.UniqueConstraint("decision_id", name="uq_human_review_requests_decision_id"),
    )


def downgrade() -> None:
    op.drop_table("human_review_requests")
    op.drop_index("ix_automated_decisions_item", table_name="automated_decisions")
    op.drop_table("automated_decisions")
    op.drop_index("ix_rule_sets_item_status", table_name="rule_sets")
    op.drop_table("rule_sets")
