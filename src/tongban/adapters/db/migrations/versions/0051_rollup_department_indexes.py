"""rollup department indexes: a department's figures by centre or item read its own rows, and
verify finds the 秒批 decisions without reading every event

A month, quarter or year cut by centre or item reads ``indicator_case_monthly``, and any
period cut so reads ``indicator_rating_daily``: rows by item and centre, which the unique keys
find by period alone.  Narrowed to one department (a department head, or the district leader
asking for one: the Excel export by department), every row of the period was read and all but
the department's thrown away; at 5 million cases a year is about 300,000 monthly case rows and
540,000 daily rating rows.  ``(department_code, month)`` and ``(department_code, day)`` lead
to the department's rows of the period only (bench/indicators_scale.py, docs/indicators.md).

``metrics verify`` and ``rebuild`` find the cases decided by the rules (秒批) by their
``AutomatedDecision`` event, which had no index: every event of every case was read, about
seven per case.  ``ix_case_events_automated_decision`` holds the case ids of those events only
(a partial index), so what verify reads no longer grows with the other events.

On a populated database each index is built in one pass over its table; writes to the table
wait meanwhile (a few seconds at 5 million cases for the rollups; the events' index reads
``case_events`` once, about seven rows per case).

Revision ID: 0051
Revises: 0050
Create Date: 2026-12-07 03:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

_AUTOMATED = sa.text("type = 'AutomatedDecision'")

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
    op.create_index(
        "ix_case_events_automated_decision",
        "case_events",
        ["case_id"],
        sqlite_where=_AUTOMATED,
        postgresql_where=_AUTOMATED,
    )


def downgrade() -> None:
    op.drop_index("ix_case_events_automated_decision", table_name="case_events")
    op.drop_index("ix_indicator_rating_daily_department_day", table_name="indicator_rating_daily")
    op.drop_index("ix_indicator_case_monthly_department_month", table_name="indicator_case_monthly")
