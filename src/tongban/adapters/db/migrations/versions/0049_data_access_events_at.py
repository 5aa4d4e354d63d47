"""Retention of the data space's access events: an index on their time

``data_access_events`` (what a holder sees of every read of their data space) is now kept as
long as the personal-data access log and no longer: the worker deletes the expired months in
batches, each picking its rows by ``at``, which this index answers without reading the table.

Revision ID: 0049
Revises: 0045
Create Date: 2026-12-06 23:30:00
"""

from __future__ import annotations

from alembic import op

revision = "0049"
down_revision = "0045"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_data_access_events_at", "data_access_events", ["at"])


def downgrade() -> None:
    op.drop_index("ix_data_access_events_at", table_name="data_access_events")
