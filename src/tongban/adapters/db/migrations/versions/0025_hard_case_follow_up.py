"""hard-case follow-up: the reminder and the recorded "no answer" (问题解决了吗？未回复)

After a resolution the person concerned is asked whether the problem was solved.  The worker
reminds them once when they have not answered within some working days
(``feedback_reminded_at``) and, after some more, records that they did not answer
(``feedback_lapsed_at``), so the statistics count it.  Both are cleared by a new resolution.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-06 15:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import tongban.adapters.db.types

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None

_COLUMNS = ("feedback_reminded_at", "feedback_lapsed_at")


def upgrade() -> None:
    # Plain ALTER TABLE ... ADD COLUMN on both engines: a batch rebuild of hard_cases would
    # have to recreate the tables that reference it.
    for name in _COLUMNS:
        op.add_column(
            "hard_cases",
            sa.Column(name, tongban.adapters.db.types.UTCDateTime(timezone=True), nullable=True),
        )


def downgrade() -> None:
    # ALTER TABLE ... DROP COLUMN on SQLite too (3.35+), for the same reason.
    with op.batch_alter_table("hard_cases", recreate="never") as batch:
        for name in reversed(_COLUMNS):
            batch.drop_column(name)
