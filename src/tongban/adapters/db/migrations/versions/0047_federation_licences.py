"""跨城通办: the result of a hand-over as an e-licence in the holder's data space

``licences`` gains ``issuer_region`` and ``issuer_name``: a licence a partner node issued (the
result of a case handed over from a window here) is kept with the others, its credential signed
by the partner's licence keys; NULL for the district's own licences.

``federation_partners`` keeps the partner's licence-signing public keys (``licence_keys``, from
its node document or its signed item versions) and its last checked revocation list
(``revocations``, ``revocations_at``).  ``federation_cases`` names the licence a result brought
(``licence_id``).

Revision ID: 0047
Revises: 0049
Create Date: 2026-12-06 23:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import tongban.adapters.db.types

revision = "0047"
down_revision = "0049"
branch_labels = None
depends_on = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("licences") as batch:
        batch.add_column(sa.Column("issuer_region", sa.String(length=6), nullable=True))
        batch.add_column(sa.Column("issuer_name", sa.String(length=100), nullable=True))
    with op.batch_alter_table("federation_partners") as batch:
        batch.add_column(sa.Column("licence_keys", _JSON, nullable=True))
        batch.add_column(sa.Column("revocations", _JSON, nullable=True))
        batch.add_column(
            sa.Column(
                "revocations_at",
                tongban.adapters.db.types.UTCDateTime(timezone=True),
                nullable=True,
            )
        )
    with op.batch_alter_table("federation_cases") as batch:
        batch.add_column(sa.Column("licence_id", sa.String(length=60), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("federation_cases") as batch:
        batch.drop_column("licence_id")
    with op.batch_alter_table("federation_partners") as batch:
        batch.drop_column("revocations_at")
        batch.drop_column("revocations")
        batch.drop_column("licence_keys")
    with op.batch_alter_table("licences") as batch:
        batch.drop_column("issuer_name")
        batch.drop_column("issuer_region")
