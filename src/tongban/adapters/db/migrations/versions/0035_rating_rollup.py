"""rating rollup: 好差评 summed by day for the indicator figures

``indicator_rating_daily`` holds the ratings' counts per day rated × item × department ×
centre × channel, kept current by the rating and rectification write path
(``services/evaluation/rollup``).  An existing database fills it with ``tongban metrics
rebuild``.

Revision ID: 0035
Revises: 0029
Create Date: 2026-12-06 17:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0035"
down_revision = "0029"
branch_labels = None
depends_on = None

_MEASURES = ("ratings_total", "ratings_satisfied", "ratings_poor", "ratings_poor_called_back")


def upgrade() -> None:
    op.create_table(
        "indicator_rating_daily",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("item_code", sa.String(length=40), nullable=False),
        sa.Column("department_code", sa.String(length=40), nullable=False),
        sa.Column("centre_code", sa.String(length=40), nullable=False),
        sa.Column("channel", sa.String(length=12), nullable=False),
        *(sa.Column(name, sa.Integer(), server_default="0", nullable=False) for name in _MEASURES),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_indicator_rating_daily")),
        sa.UniqueConstraint(
            "day",
            "item_code",
            "department_code",
            "centre_code",
            "channel",
            name="uq_indicator_rating_daily_key",
        ),
    )


def downgrade() -> None:
    op.drop_table("indicator_rating_daily")
