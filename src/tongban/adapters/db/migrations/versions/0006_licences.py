"""e-licence library: issued licences with their signed credentials (电子证照)

The signing keys and the CA are files under ``{data_dir}/keys``, not rows.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import tongban.adapters.db.types

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def _at(name: str, *, nullable: bool) -> sa.Column[object]:
    return sa.Column(name, tongban.adapters.db.types.UTCDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "licences",
        sa.Column("id", sa.String(length=60), nullable=False),
        sa.Column("type_code", sa.String(length=40), nullable=False),
        sa.Column("holder_id", sa.String(length=40), nullable=False),
        sa.Column("holder_name", sa.String(length=100), nullable=False),
        sa.Column("fields", _JSON, nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=10), server_default="valid", nullable=False),
        _at("issued_at", nullable=False),
        sa.Column("issued_by", sa.Integer(), nullable=True),
        sa.Column("issuer_department", sa.String(length=40), nullable=False),
        sa.Column("case_number", sa.String(length=40), nullable=True),
        sa.Column("credential", sa.Text(), nullable=False),
        sa.Column("key_id", sa.String(length=80), nullable=False),
        _at("revoked_at", nullable=True),
        sa.Column("revoked_by", sa.Integer(), nullable=True),
        sa.Column("revoke_reason", sa.String(length=500), server_default="", nullable=False),
        sa.CheckConstraint("status in ('valid', 'revoked')", name=op.f("ck_licences_status")),
        sa.ForeignKeyConstraint(
            ["issued_by"], ["users.id"], name=op.f("fk_licences_issued_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["revoked_by"], ["users.id"], name=op.f("fk_licences_revoked_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_licences")),
    )
    op.create_index("ix_licences_holder_type", "licences", ["holder_id", "type_code"])
    op.create_index("ix_licences_case_number", "licences", ["case_number"])


def downgrade() -> None:
    op.drop_index("ix_licences_case_number", table_name="licences")
    op.drop_index("ix_licences_holder_type", table_name="licences")
    op.drop_table("licences")
