"""personal data space: grants, the holder-visible access log, citizen codes, identity checks

``data_grants`` holds each holder's scoped, time-limited grants (授权); ``data_access_events``
every read of a holder's data space, allowed or refused, as the holder sees it;
``citizen_codes`` the single-use citizen codes; ``identity_checks`` each identification at a
window.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import tongban.adapters.db.types

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def _at(name: str, *, nullable: bool) -> sa.Column[object]:
    return sa.Column(name, tongban.adapters.db.types.UTCDateTime(timezone=True), nullable=nullable)


def _fk(
    table: str, column: str, target: str, ondelete: str | None = None
) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"), ondelete=ondelete
    )


def upgrade() -> None:
    op.create_table(
        "data_grants",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("holder_id", sa.String(length=40), nullable=False),
        sa.Column("grantee_department", sa.String(length=40), nullable=True),
        sa.Column("grantee_item", sa.String(length=40), nullable=True),
        sa.Column("type_codes", _JSON, nullable=False),
        sa.Column("fields", _JSON, nullable=True),
        sa.Column("purpose", sa.String(length=200), nullable=False),
        _at("expires_at", nullable=False),
        sa.Column("single_use", sa.Boolean(), nullable=False),
        _at("used_at", nullable=True),
        _at("revoked_at", nullable=True),
        _at("created_at", nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "grantee_department IS NOT NULL OR grantee_item IS NOT NULL",
            name=op.f("ck_data_grants_grantee"),
        ),
        _fk("data_grants", "created_by", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_grants")),
    )
    op.create_index(
        "ix_data_grants_holder", "data_grants", ["holder_id", "created_at"], unique=False
    )
    op.create_table(
        "data_access_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("holder_id", sa.String(length=40), nullable=False),
        _at("at", nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("department_code", sa.String(length=40), nullable=True),
        sa.Column("item_code", sa.String(length=40), nullable=True),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("what", _JSON, nullable=False),
        sa.Column("purpose", sa.String(length=200), nullable=False),
        sa.Column("case_number", sa.String(length=20), nullable=True),
        sa.Column("outcome", sa.String(length=10), nullable=False),
        sa.Column("legal_basis", sa.String(length=300), nullable=True),
        sa.Column("grant_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.String(length=200), server_default="", nullable=False),
        sa.Column("request_id", sa.String(length=64), server_default="", nullable=False),
        sa.CheckConstraint(
            "outcome in ('allowed', 'refused')", name=op.f("ck_data_access_events_outcome")
        ),
        sa.CheckConstraint(
            "kind in ('licence', 'predicate', 'prefill', 'material')",
            name=op.f("ck_data_access_events_kind"),
        ),
        _fk("data_access_events", "actor_id", "users"),
        _fk("data_access_events", "grant_id", "data_grants"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_access_events")),
    )
    op.create_index(
        "ix_data_access_events_holder", "data_access_events", ["holder_id", "at"], unique=False
    )
    op.create_table(
        "citizen_codes",
        sa.Column("jti", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        _at("issued_at", nullable=False),
        _at("expires_at", nullable=False),
        _at("used_at", nullable=True),
        sa.Column("used_by", sa.Integer(), nullable=True),
        _fk("citizen_codes", "user_id", "users", ondelete="CASCADE"),
        _fk("citizen_codes", "used_by", "users"),
        sa.PrimaryKeyConstraint("jti", name=op.f("pk_citizen_codes")),
    )
    op.create_index(
        "ix_citizen_codes_user", "citizen_codes", ["user_id", "issued_at"], unique=False
    )
    op.create_table(
        "identity_checks",
        sa.Column("id", sa.Integer(), nullable=False),
        _at("at", nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("method", sa.String(length=16), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("centre_code", sa.String(length=40), nullable=True),
        sa.Column("request_id", sa.String(length=64), server_default="", nullable=False),
        sa.CheckConstraint(
            "method in ('citizen_code', 'id_card', 'face')", name=op.f("ck_identity_checks_method")
        ),
        _fk("identity_checks", "actor_id", "users"),
        _fk("identity_checks", "subject_id", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identity_checks")),
    )
    op.create_index(
        "ix_identity_checks_subject", "identity_checks", ["subject_id", "at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_identity_checks_subject", table_name="identity_checks")
    op.drop_table("identity_checks")
    op.drop_index("ix_citizen_codes_user", table_name="citizen_codes")
    op.drop_table("citizen_codes")
    op.drop_index("ix_data_access_events_holder", table_name="data_access_events")
    op.drop_table("data_access_events")
    op.drop_index("ix_data_grants_holder", table_name="data_grants")
    op.drop_table("data_grants")
