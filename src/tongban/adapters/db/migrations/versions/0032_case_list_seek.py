"""case list seek: an applicant's cases, newest first, read a page at a time by the case id

``ix_cases_applicant`` on ``(applicant_id)`` found the applicant's cases but not in order: each
page sorted all of them.  ``(applicant_id, id)`` serves the same lookups and gives the seek
``applicant_id = ? AND id < ? ORDER BY id DESC`` its rows in order (see bench/paging_bench.py).

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-06 17:45:00
"""

from __future__ import annotations

from alembic import op

revision = "0032"
down_revision = "0031"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_cases_applicant_id", "cases", ["applicant_id", "id"])
    op.drop_index("ix_cases_applicant", table_name="cases")


def downgrade() -> None:
    op.create_index("ix_cases_applicant", "cases", ["applicant_id"])
    op.drop_index("ix_cases_applicant_id", table_name="cases")
