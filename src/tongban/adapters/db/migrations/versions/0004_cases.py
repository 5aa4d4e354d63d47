"""cases: the case aggregate, its hash-chained audit trail and the daily number counters

``cases`` holds one row per application with the columns the queues filter on and a JSON
``data`` document for the rest (materials, clock stops, 容缺 commitment...); ``lock_version``
is the optimistic lock.  ``case_events`` is append-only: one row per transition, numbered
1, 2, 3... per case and hash-chained; ``cases.audit_seq``/``audit_head`` anchor the chain's end,
so deleting the last entry is detected too.  ``case_number_counters`` hands out the daily
sequence of case numbers (NH20261127-000042).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import tongban.adapters.db.types

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
_STATUSES = (
    "'draft', 'submitted', 'prechecked', 'accepted', 'not_accepted', 'correction_requested', "
    "'under_review', 'rejection_proposed', 'approved', 'rejected', 'result_issued', "
    "'delivered', 'archived', 'withdrawn', 'terminated'"
)


def _at(name: str, *, nullable: bool) -> sa.Column[object]:
    return sa.Column(name, tongban.adapters.db.types.UTCDateTime(timezone=True), nullable=nullable)


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}")
    )


def upgrade() -> None:
    op.create_table(
        "cases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=20), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("item_version", sa.Integer(), nullable=False),
        sa.Column("applicant_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=12), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("lock_version", sa.Integer(), nullable=False),
        sa.Column("form", _JSON, nullable=False),
        _at("submitted_at", nullable=True),
        sa.Column("accepted_on", sa.Date(), nullable=True),
        sa.Column("deadline", sa.Date(), nullable=True),
        sa.Column("accepting_centre_id", sa.Integer(), nullable=True),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("pickup_centre_id", sa.Integer(), nullable=True),
        sa.Column("delivery_method", sa.String(length=12), nullable=False),
        sa.Column("decision", sa.String(length=12), nullable=True),
        sa.Column("data", _JSON, nullable=False),
        sa.Column("audit_seq", sa.Integer(), server_default="0", nullable=False),
        sa.Column("audit_head", sa.String(length=64), nullable=False),
        _at("created_at", nullable=False),
        _at("updated_at", nullable=False),
        sa.CheckConstraint(f"status in ({_STATUSES})", name=op.f("ck_cases_status")),
        sa.CheckConstraint(
            "channel in ('online', 'window', 'mail')", name=op.f("ck_cases_channel")
        ),
        _fk("cases", "item_id", "service_items"),
        _fk("cases", "applicant_id", "users"),
        _fk("cases", "accepting_centre_id", "centres"),
        _fk("cases", "department_id", "departments"),
        _fk("cases", "pickup_centre_id", "centres"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cases")),
        sa.UniqueConstraint("number", name=op.f("uq_cases_number")),
    )
    op.create_index(
        "ix_cases_status_department", "cases", ["status", "department_id"], unique=False
    )
    op.create_index("ix_cases_applicant", "cases", ["applicant_id"], unique=False)
    op.create_index("ix_cases_accepting_centre", "cases", ["accepting_centre_id"], unique=False)
    op.create_index("ix_cases_pickup_centre", "cases", ["pickup_centre_id"], unique=False)

    op.create_table(
        "case_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(length=60), nullable=False),
        sa.Column("from_status", sa.String(length=24), nullable=True),
        sa.Column("to_status", sa.String(length=24), nullable=False),
        _at("at", nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("centre_code", sa.String(length=40), nullable=True),
        sa.Column("reason", sa.Text(), server_default="", nullable=False),
        sa.Column("detail", _JSON, nullable=False),
        sa.Column("request_id", sa.String(length=64), server_default="", nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        _fk("case_events", "case_id", "cases"),
        _fk("case_events", "actor_id", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_events")),
        sa.UniqueConstraint("case_id", "seq", name="uq_case_events_case_seq"),
    )

    op.create_table(
        "case_number_counters",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_case_number_counters")),
    )


def downgrade() -> None:
    op.drop_table("case_number_counters")
    op.drop_table("case_events")
    op.drop_index("ix_cases_pickup_centre", table_name="cases")
    op.drop_index("ix_cases_accepting_centre", table_name="cases")
    op.drop_index("ix_cases_applicant", table_name="cases")
    op.drop_index("ix_cases_status_department", table_name="cases")
    op.drop_table("cases")
