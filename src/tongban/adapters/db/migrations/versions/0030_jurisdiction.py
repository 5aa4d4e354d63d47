"""jurisdiction: the district a deployment serves, and room for longer case numbers

``jurisdiction`` holds one row written by ``tongban init``: the region code and the validated
document (names, towns, case-number prefix, licence issuer, CA subject, branding).  Case numbers
now carry the region code and a 7-digit daily sequence (``440605-20261116-0000001``), so the
columns that hold them widen to 32 characters; numbers already stored keep their old form.

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-06 17:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import tongban.adapters.db.types
from tongban.adapters.db.schema_edits import resize_string

revision = "0030"
down_revision = "0029"
branch_labels = None
depends_on = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
_WIDENED = (
    ("cases", "number", 20, False),
    ("automated_decisions", "case_number", 20, False),
    ("data_access_events", "case_number", 20, True),
    ("kiosk_visits", "case_number", 24, True),
    ("bundle_applications", "number", 24, False),
)


def upgrade() -> None:
    op.create_table(
        "jurisdiction",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("region_code", sa.String(length=6), nullable=False),
        sa.Column("document", _JSON, nullable=False),
        sa.Column(
            "updated_at", tongban.adapters.db.types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.CheckConstraint("id = 1", name=op.f("ck_jurisdiction_single_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_jurisdiction")),
    )
    for table, column, old, nullable in _WIDENED:
        resize_string(table, column, old, 32, nullable=nullable)


def downgrade() -> None:
    bind = op.get_bind()
    for table, column, old, nullable in _WIDENED:
        longest = bind.execute(sa.text(f"SELECT max(length({column})) FROM {table}")).scalar()
        if bind.dialect.name == "postgresql" and (longest or 0) > old:
            continue  # numbers given since have no shorter form: the column stays wide
        resize_string(table, column, 32, old, nullable=nullable)
    op.drop_table("jurisdiction")
