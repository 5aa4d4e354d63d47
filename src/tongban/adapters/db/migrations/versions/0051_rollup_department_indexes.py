"""rollup department indexes: a department's figures by centre or item read its own rows

A month, quarter or year cut by centre or item reads ``indicator_case_monthly``, and any
period cut so reads ``indicator_rating_daily``: rows by item and centre, which the unique keys
find by period alone.  Narrowed to one department (a department head, or the district leader
asking for one: the Excel export by department), every row of the period was read and all but
the department's thrown away; at 5 million cases a year is about 300,000 monthly case rows and
540,000 daily rating rows.  ``(department_code, month)`` and ``(department_code, day)`` lead
to the department's rows of the period only (bench/indicators_scale.py, docs/indicators.md).

On a populated database each index is built in one pass over its table; writes to the table
wait meanwhile (a few seconds at 5 million cases).

Revision ID: 0051
Revises: 0050
Create Date: 2026-12-07 03:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0051"
down_revision = "0050"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_indicator_case_monthly_department_month",
        "indicator_case_monthly",
        ["department_code", "month"],
    )
    op.create_index(
        "ix_indicator_rating_daily_department_day",
        "indicator_rating_daily",
        ["department_code", "day"],
    )


def downgrade() -> None:
    op.drop_index("ix_indicator_rating_daily_department_day", table_name="indicator_rating_daily")
    op.drop_index("ix_indicator_case_monthly_department_month", table_name="indicator_case_monthly")
