"""case rollup ledger: case writes append what they add instead of updating shared rows

Every case write moved the three case rollups (daily, monthly, town monthly) by an adding
upsert in its own transaction.  All the cases of one item, centre and day (and, for the town
row, a whole department's month in a town) update the same rows, so concurrent writes queued
on those rows' locks until the holder committed; on PostgreSQL the hot rows' dead versions
cost CPU as well.  ``indicator_case_pending`` is an append-only ledger: each case write inserts
its delta per daily key (no ``ON CONFLICT``, so no two writers touch the same row), and
``services/indicators/ledger.fold`` moves the rows into the three rollups in batches (the
worker, and every read of the figures on the primary first; docs/indicators.md).

An empty table: nothing to fill on upgrade.  A downgrade folds nothing: run it with the
worker stopped after a last ``tongban metrics rebuild`` (or a read of the figures), or the
pending rows are lost with the table.

Revision ID: 0052
Revises: 0051
Create Date: 2026-12-07 07:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0052"
down_revision = "0051"
branch_labels = None
depends_on = None

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
        "indicator_case_pending",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("item_code", sa.String(length=40), nullable=False),
        sa.Column("department_code", sa.String(length=40), nullable=False),
        sa.Column("centre_code", sa.String(length=40), nullable=False),
        sa.Column("channel", sa.String(length=12), nullable=False),
        *(
            sa.Column(name, sa.Integer(), server_default="0", nullable=False)
            for name in _CASE_MEASURES
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_indicator_case_pending")),
    )


def downgrade() -> None:
    op.drop_table("indicator_case_pending")
