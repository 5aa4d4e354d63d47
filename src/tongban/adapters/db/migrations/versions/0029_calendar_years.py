"""calendar years: where each imported year of the working-day calendar comes from

``calendar_years`` holds one row per imported year: the notice's number and date (provenance)
and whether the file was an example rather than the State Council's notice, so an example year
can be shown as such on every page and in ``/healthz``.  Seeded official years have no row.

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-06 15:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import tongban.adapters.db.types

revision = "0029"
down_revision = "0028"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "calendar_years",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("example", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("reference", sa.String(length=200), server_default="", nullable=False),
        sa.Column("published", sa.Date(), nullable=True),
        sa.Column(
            "imported_at", tongban.adapters.db.types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column("imported_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["imported_by"], ["users.id"], name=op.f("fk_calendar_years_imported_by_users")
        ),
        sa.PrimaryKeyConstraint("year", name=op.f("pk_calendar_years")),
    )


def downgrade() -> None:
    op.drop_table("calendar_years")
