"""rating rollup and monthly case rollup: the indicator figures at a district's volume

``indicator_rating_daily`` holds the ratings' counts per day rated × item × department ×
centre × channel, kept current by the rating and rectification write path
(``services/evaluation/rollup``).  ``indicator_case_monthly`` holds the daily case rollup
summed by month, and ``indicator_case_town_monthly`` the same by month × department × town ×
channel, kept current with it (``services/cases/facts.apply_delta``), for the month, quarter
and year figures; ``indicator_rating_town_monthly`` the rating rollup likewise.  An existing
database fills both with ``tongban metrics rebuild``.

Revision ID: 0035
Revises: 0032
Create Date: 2026-12-06 17:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0035"
down_revision = "0032"
branch_labels = None
depends_on = None

_MEASURES = ("ratings_total", "ratings_satisfied", "ratings_poor", "ratings_poor_called_back")
_CASE_MEASURES = (
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
    op.create_table(
        "indicator_case_monthly",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("item_code", sa.String(length=40), nullable=False),
        sa.Column("department_code", sa.String(length=40), nullable=False),
        sa.Column("centre_code", sa.String(length=40), nullable=False),
        sa.Column("channel", sa.String(length=12), nullable=False),
        *(
            sa.Column(name, sa.Integer(), server_default="0", nullable=False)
            for name in _CASE_MEASURES
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_indicator_case_monthly")),
        sa.UniqueConstraint(
            "month",
            "item_code",
            "department_code",
            "centre_code",
            "channel",
            name="uq_indicator_case_monthly_key",
        ),
    )

    op.create_table(
        "indicator_case_town_monthly",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("department_code", sa.String(length=40), nullable=False),
        sa.Column("town", sa.String(length=40), nullable=False),
        sa.Column("channel", sa.String(length=12), nullable=False),
        *(
            sa.Column(name, sa.Integer(), server_default="0", nullable=False)
            for name in _CASE_MEASURES
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_indicator_case_town_monthly")),
        sa.UniqueConstraint(
            "month",
            "department_code",
            "town",
            "channel",
            name="uq_indicator_case_town_monthly_key",
        ),
    )
    op.create_table(
        "indicator_rating_town_monthly",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("department_code", sa.String(length=40), nullable=False),
        sa.Column("town", sa.String(length=40), nullable=False),
        sa.Column("channel", sa.String(length=12), nullable=False),
        *(sa.Column(name, sa.Integer(), server_default="0", nullable=False) for name in _MEASURES),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_indicator_rating_town_monthly")),
        sa.UniqueConstraint(
            "month",
            "department_code",
            "town",
            "channel",
            name="uq_indicator_rating_town_monthly_key",
        ),
    )


def downgrade() -> None:
    op.drop_table("indicator_rating_town_monthly")
    op.drop_table("indicator_case_town_monthly")
    op.drop_table("indicator_case_monthly")
    op.drop_table("indicator_rating_daily")
