"""bundles: one-application bundles and their sub-cases (一件事一次办)

``bundle_definitions`` holds each bundle as the catalogue admin edits it (items, shared form,
shared materials, rejection policy, green channel); ``bundle_applications`` one application
with its combined status; ``bundle_cases`` the sub-cases it created.  ``cases.priority`` puts
green-channel cases first in the queues.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-27 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import tongban.adapters.db.types

revision = "0010"
down_revision = "0009"
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
    # Green channel (绿色通道): bundles and other priority cases are queued first.
    op.add_column("cases", sa.Column("priority", sa.Integer(), server_default="0", nullable=False))
    op.create_table(
        "bundle_definitions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("description", sa.Text(), server_default="", nullable=False),
        sa.Column("spec", _JSON, nullable=False),
        sa.Column("priority", sa.Integer(), server_default="0", nullable=False),
        sa.Column("is_active", sa.Boolean(), server_default=sa.true(), nullable=False),
        _at("updated_at", nullable=False),
        sa.Column("updated_by", sa.Integer(), nullable=True),
        _fk("bundle_definitions", "updated_by", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bundle_definitions")),
        sa.UniqueConstraint("code", name=op.f("uq_bundle_definitions_code")),
    )
    op.create_table(
        "bundle_applications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=24), nullable=False),
        sa.Column("definition_id", sa.Integer(), nullable=False),
        sa.Column("applicant_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("form", _JSON, nullable=False),
        sa.Column("materials", _JSON, nullable=False),
        _at("created_at", nullable=False),
        _at("refreshed_at", nullable=False),
        _at("notified_at", nullable=True),
        _fk("bundle_applications", "definition_id", "bundle_definitions"),
        _fk("bundle_applications", "applicant_id", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bundle_applications")),
        sa.UniqueConstraint("number", name=op.f("uq_bundle_applications_number")),
    )
    op.create_index(
        "ix_bundle_applications_applicant", "bundle_applications", ["applicant_id"], unique=False
    )
    op.create_index(
        "ix_bundle_applications_status", "bundle_applications", ["status"], unique=False
    )
    op.create_table(
        "bundle_cases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        _fk("bundle_cases", "application_id", "bundle_applications"),
        _fk("bundle_cases", "case_id", "cases"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bundle_cases")),
        sa.UniqueConstraint("case_id", name=op.f("uq_bundle_cases_case_id")),
    )
    op.create_index("ix_bundle_cases_application", "bundle_cases", ["application_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_bundle_cases_application", table_name="bundle_cases")
    op.drop_table("bundle_cases")
    op.drop_index("ix_bundle_applications_status", table_name="bundle_applications")
    op.drop_index("ix_bundle_applications_applicant", table_name="bundle_applications")
    op.drop_table("bundle_applications")
    op.drop_table("bundle_definitions")
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("priority")
