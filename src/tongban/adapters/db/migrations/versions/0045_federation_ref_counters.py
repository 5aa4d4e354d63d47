"""跨城通办: a counter per day for the references of the cases handed over; the applicant's
nationality

``federation_ref_counters`` holds the last reference number of each day, bumped by one
``INSERT ... ON CONFLICT DO UPDATE`` in the hand-over's transaction, as ``case_number_counters``
does for case numbers: two hand-overs at once can no longer both take the day's next number.
A day's first bump starts from the references already made that day.

``federation_cases`` gains ``applicant_nationality``: the hand-over window now takes every
identity document the platform accepts (跨境通办), a passport with its holder's nationality.

Revision ID: 0045
Revises: 0043
Create Date: 2026-12-06 21:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0045"
down_revision = "0043"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "federation_ref_counters",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_federation_ref_counters")),
    )
    with op.batch_alter_table("federation_cases") as batch:
        batch.add_column(sa.Column("applicant_nationality", sa.String(length=3), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("federation_cases") as batch:
        batch.drop_column("applicant_nationality")
    op.drop_table("federation_ref_counters")
