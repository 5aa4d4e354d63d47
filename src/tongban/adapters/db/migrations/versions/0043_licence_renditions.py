"""Licence renditions: a licence's signed PDF rendered and signed once, stored content-addressed

``licence_renditions`` maps a rendition key (the SHA-256 of everything the PDF shows or is
signed with) to the stored PDF's SHA-256 in the file store.

Revision ID: 0043
Revises: 0040
Create Date: 2026-12-06 20:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import tongban.adapters.db.types

revision = "0043"
down_revision = "0040"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "licence_renditions",
        sa.Column("rendition_key", sa.String(length=64), nullable=False),
        sa.Column("licence_id", sa.String(length=60), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column(
            "created_at", tongban.adapters.db.types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["licence_id"],
            ["licences.id"],
            name=op.f("fk_licence_renditions_licence_id_licences"),
        ),
        sa.PrimaryKeyConstraint("rendition_key", name=op.f("pk_licence_renditions")),
    )
    op.create_index(
        "ix_licence_renditions_licence", "licence_renditions", ["licence_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_licence_renditions_licence", table_name="licence_renditions")
    op.drop_table("licence_renditions")
