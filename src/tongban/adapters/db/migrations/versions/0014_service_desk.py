"""the service desk: the hard-case window (办不成事) and consultation (咨询)

``hard_cases`` holds each escalation (type, owning centre, optional case and person, owner,
deadline, resolution, the person's feedback) with ``hard_case_events`` its history;
``consultations`` the questions about service items and their answers; ``item_faqs`` the
answers published on an item's guide, outside the versioned item spec.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import tongban.adapters.db.types

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
_TYPES = (
    "'cannot_accept', 'missing_proof', 'cross_department', 'no_policy', 'delayed', 'system', "
    "'other'"
)


def _at(name: str, *, nullable: bool) -> sa.Column[object]:
    return sa.Column(name, tongban.adapters.db.types.UTCDateTime(timezone=True), nullable=nullable)


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}")
    )


def _check(table: str, name: str, condition: str) -> sa.CheckConstraint:
    return sa.CheckConstraint(condition, name=op.f(f"ck_{table}_{name}"))


def upgrade() -> None:
    op.create_table(
        "hard_cases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=20), nullable=False),
        sa.Column("type", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("raised_via", sa.String(length=10), nullable=False),
        sa.Column("centre_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("raised_by", sa.Integer(), nullable=False),
        sa.Column("summary", sa.String(length=100), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=False),
        _at("raised_at", nullable=False),
        sa.Column("outcome", sa.String(length=12), nullable=True),
        sa.Column("resolution", sa.Text(), server_default="", nullable=False),
        _at("resolved_at", nullable=True),
        sa.Column("resolved_by", sa.Integer(), nullable=True),
        sa.Column("feedback_solved", sa.Boolean(), nullable=True),
        _at("feedback_at", nullable=True),
        sa.Column("reopened", sa.Integer(), server_default="0", nullable=False),
        sa.Column("lock_version", sa.Integer(), nullable=False),
        _at("created_at", nullable=False),
        _at("updated_at", nullable=False),
        _check("hard_cases", "type", f"type in ({_TYPES})"),
        _check("hard_cases", "status", "status in ('open', 'in_progress', 'resolved')"),
        _check("hard_cases", "raised_via", "raised_via in ('online', 'window')"),
        _check(
            "hard_cases", "outcome", "outcome in ('solved', 'referred', 'explained', 'withdrawn')"
        ),
        _fk("hard_cases", "centre_id", "centres"),
        _fk("hard_cases", "case_id", "cases"),
        _fk("hard_cases", "person_id", "users"),
        _fk("hard_cases", "raised_by", "users"),
        _fk("hard_cases", "owner_id", "users"),
        _fk("hard_cases", "resolved_by", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hard_cases")),
        sa.UniqueConstraint("number", name=op.f("uq_hard_cases_number")),
    )
    op.create_index("ix_hard_cases_centre_status", "hard_cases", ["centre_id", "status"])
    op.create_index("ix_hard_cases_status_due_on", "hard_cases", ["status", "due_on"])
    op.create_index("ix_hard_cases_person", "hard_cases", ["person_id"])
    op.create_table(
        "hard_case_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("hard_case_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("body", sa.Text(), server_default="", nullable=False),
        sa.Column("detail", _JSON, nullable=False),
        _at("at", nullable=False),
        _check(
            "hard_case_events",
            "kind",
            "kind in ('raised', 'assigned', 'note', 'resolved', 'feedback', 'reopened')",
        ),
        _fk("hard_case_events", "hard_case_id", "hard_cases"),
        _fk("hard_case_events", "actor_id", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hard_case_events")),
    )
    op.create_index("ix_hard_case_events_hard_case", "hard_case_events", ["hard_case_id"])
    op.create_table(
        "consultations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=20), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("asker_id", sa.Integer(), nullable=False),
        sa.Column("asked_via", sa.String(length=12), nullable=False),
        sa.Column("centre_id", sa.Integer(), nullable=True),
        sa.Column("asked_by", sa.Integer(), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        _at("asked_at", nullable=False),
        sa.Column("answer", sa.Text(), server_default="", nullable=False),
        _at("answered_at", nullable=True),
        sa.Column("answered_by", sa.Integer(), nullable=True),
        sa.Column("lock_version", sa.Integer(), nullable=False),
        _at("created_at", nullable=False),
        _at("updated_at", nullable=False),
        _check("consultations", "asked_via", "asked_via in ('online', 'self_service', 'window')"),
        _check("consultations", "status", "status in ('open', 'answered')"),
        _fk("consultations", "item_id", "service_items"),
        _fk("consultations", "department_id", "departments"),
        _fk("consultations", "asker_id", "users"),
        _fk("consultations", "centre_id", "centres"),
        _fk("consultations", "asked_by", "users"),
        _fk("consultations", "answered_by", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consultations")),
        sa.UniqueConstraint("number", name=op.f("uq_consultations_number")),
    )
    op.create_index(
        "ix_consultations_department_status", "consultations", ["department_id", "status"]
    )
    op.create_index("ix_consultations_status_due_on", "consultations", ["status", "due_on"])
    op.create_index("ix_consultations_asker", "consultations", ["asker_id"])
    op.create_table(
        "item_faqs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("consultation_id", sa.Integer(), nullable=True),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        _at("published_at", nullable=False),
        sa.Column("published_by", sa.Integer(), nullable=True),
        _at("withdrawn_at", nullable=True),
        sa.Column("withdrawn_by", sa.Integer(), nullable=True),
        _fk("item_faqs", "item_id", "service_items"),
        _fk("item_faqs", "consultation_id", "consultations"),
        _fk("item_faqs", "published_by", "users"),
        _fk("item_faqs", "withdrawn_by", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_item_faqs")),
        sa.UniqueConstraint("consultation_id", name=op.f("uq_item_faqs_consultation_id")),
    )
    op.create_index("ix_item_faqs_item", "item_faqs", ["item_id"])


def downgrade() -> None:
    op.drop_index("ix_item_faqs_item", table_name="item_faqs")
    op.drop_table("item_faqs")
    op.drop_index("ix_consultations_asker", table_name="consultations")
    op.drop_index("ix_consultations_status_due_on", table_name="consultations")
    op.drop_index("ix_consultations_department_status", table_name="consultations")
    op.drop_table("consultations")
    op.drop_index("ix_hard_case_events_hard_case", table_name="hard_case_events")
    op.drop_table("hard_case_events")
    op.drop_index("ix_hard_cases_person", table_name="hard_cases")
    op.drop_index("ix_hard_cases_status_due_on", table_name="hard_cases")
    op.drop_index("ix_hard_cases_centre_status", table_name="hard_cases")
    op.drop_table("hard_cases")
