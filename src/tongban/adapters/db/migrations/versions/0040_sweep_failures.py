"""Sweeps in batches: the rows a sweep could not handle

``sweep_failures`` keeps one row per failure of a sweep on one row of its set (the sweep, the
row's key, the error with personal data masked, when): the sweep goes on with the rest and
tries the row again on its next run.

Revision ID: 0040
Revises: 0037
Create Date: 2026-12-06 20:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import tongban.adapters.db.types

revision = "0040"
down_revision = "0037"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sweep_failures",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("sweep", sa.String(length=60), nullable=False),
        sa.Column("row_key", sa.String(length=100), nullable=False),
        sa.Column("error", sa.String(length=500), nullable=False),
        sa.Column(
            "failed_at", tongban.adapters.db.types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sweep_failures")),
    )
    op.create_index("ix_sweep_failures_sweep_failed_at", "sweep_failures", ["sweep", "failed_at"])


def downgrade() -> None:
    op.drop_index("ix_sweep_failures_sweep_failed_at", table_name="sweep_failures")
    op.drop_table("sweep_failures")
