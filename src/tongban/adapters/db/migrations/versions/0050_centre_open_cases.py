"""centre open cases: the centre queue reads a centre's open cases from two indexes

A clerk's queue is the open cases accepted at, or to be collected at, the clerk's centres.
``ix_cases_accepting_centre`` and ``ix_cases_pickup_centre`` on the centre alone led to every
case the centre ever handled, closed ones included, and the query (an OR of two subqueries)
used neither: at 3.75 million cases the queue's page read every case, 4.4 s.
``(centre, status)`` leads to the open ones only (one range per open status) and serves every
lookup the old indexes served.  The query now gives the centres' ids as values
(``services.cases.queries._centre_cases``; bench/volume_bench.py, docs/scale.md).

On a populated database each index is built in one pass over ``cases``; writes to ``cases``
wait meanwhile (8 s an index at 3.75 million cases on a small shared server).

Revision ID: 0050
Revises: 0046
Create Date: 2026-12-07 00:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0050"
down_revision = "0046"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_cases_accepting_centre_status", "cases", ["accepting_centre_id", "status"])
    op.create_index("ix_cases_pickup_centre_status", "cases", ["pickup_centre_id", "status"])
    op.drop_index("ix_cases_accepting_centre", table_name="cases")
    op.drop_index("ix_cases_pickup_centre", table_name="cases")


def downgrade() -> None:
    op.create_index("ix_cases_accepting_centre", "cases", ["accepting_centre_id"])
    op.create_index("ix_cases_pickup_centre", "cases", ["pickup_centre_id"])
    op.drop_index("ix_cases_accepting_centre_status", table_name="cases")
    op.drop_index("ix_cases_pickup_centre_status", table_name="cases")
