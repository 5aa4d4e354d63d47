"""indicators: definitions with versions, the case facts and the daily case rollup (指标体系)

``indicator_definitions`` and ``indicator_versions`` keep each indicator as data (draft →
published versions, history kept); ``indicator_case_facts`` what each submitted case counts
for; ``indicator_case_daily`` the daily sums the figures read, kept current by the case write
path.  An existing database fills the last two with ``tongban metrics rebuild``.

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-06 15:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import tongban.adapters.db.types

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
_FACTS = (
    "received",
    "online",
    "certificate_free",
    "visits",
    "finished",
    "on_time",
    "immediate",
    "smart",
    "working_days_used",
    "promised_days",
)
_DAILY = (
    "cases_received",
    "cases_online",
    "cases_certificate_free",
    "visits",
    "cases_finished",
    "cases_finished_on_time",
    "cases_immediate",
    "cases_smart",
    "working_days_used",
    "promised_days_of_finished",
)


def _at(name: str, *, nullable: bool) -> sa.Column[object]:
    return sa.Column(name, tongban.adapters.db.types.UTCDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "indicator_definitions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("published_version", sa.Integer(), nullable=True),
        sa.Column("draft", _JSON, nullable=True),
        sa.Column("lock_version", sa.Integer(), server_default="1", nullable=False),
        _at("created_at", nullable=False),
        _at("updated_at", nullable=False),
        sa.CheckConstraint(
            "status in ('draft', 'published')", name=op.f("ck_indicator_definitions_status")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_indicator_definitions")),
        sa.UniqueConstraint("code", name=op.f("uq_indicator_definitions_code")),
    )
    op.create_table(
        "indicator_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("definition_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("spec", _JSON, nullable=False),
        sa.Column("note", sa.String(length=500), server_default="", nullable=False),
        _at("published_at", nullable=False),
        sa.Column("published_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["definition_id"],
            ["indicator_definitions.id"],
            name=op.f("fk_indicator_versions_definition_id_indicator_definitions"),
        ),
        sa.ForeignKeyConstraint(
            ["published_by"], ["users.id"], name=op.f("fk_indicator_versions_published_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_indicator_versions")),
        sa.UniqueConstraint(
            "definition_id", "version", name="uq_indicator_versions_definition_version"
        ),
    )
    op.create_table(
        "indicator_case_facts",
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("item_code", sa.String(length=40), nullable=False),
        sa.Column("department_code", sa.String(length=40), nullable=False),
        sa.Column("centre_code", sa.String(length=40), nullable=False),
        sa.Column("channel", sa.String(length=12), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("finished_on", sa.Date(), nullable=True),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in _FACTS),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_indicator_case_facts_case_id_cases")
        ),
        sa.PrimaryKeyConstraint("case_id", name=op.f("pk_indicator_case_facts")),
    )
    op.create_index("ix_indicator_case_facts_received_on", "indicator_case_facts", ["received_on"])
    op.create_index("ix_indicator_case_facts_finished_on", "indicator_case_facts", ["finished_on"])
    op.create_table(
        "indicator_case_daily",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("item_code", sa.String(length=40), nullable=False),
        sa.Column("department_code", sa.String(length=40), nullable=False),
        sa.Column("centre_code", sa.String(length=40), nullable=False),
        sa.Column("channel", sa.String(length=12), nullable=False),
        *(sa.Column(name, sa.Integer(), server_default="0", nullable=False) for name in _DAILY),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_indicator_case_daily")),
        sa.UniqueConstraint(
            "day",
            "item_code",
            "department_code",
            "centre_code",
            "channel",
            name="uq_indicator_case_daily_key",
        ),
    )


def downgrade() -> None:
    op.drop_table("indicator_case_daily")
    op.drop_index("ix_indicator_case_facts_finished_on", table_name="indicator_case_facts")
    op.drop_index("ix_indicator_case_facts_received_on", table_name="indicator_case_facts")
    op.drop_table("indicator_case_facts")
    op.drop_table("indicator_versions")
    op.drop_table("indicator_definitions")
