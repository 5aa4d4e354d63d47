"""cross-border users (跨境通办): the nationality and the Latin name of a document holder

``users.nationality`` is the ISO 3166-1 alpha-3 code printed on a passport or a 外国人永久居留
身份证 (NULL for the mainland and Hong Kong, Macao and Taiwan documents, whose holders'
nationality follows from the document).  ``users.surname`` and ``users.given_names`` keep a
foreign holder's name in Latin script as the document's machine-readable zone orders it
(surname first), so pages show it the way the document does.

Revision ID: 0044
Revises: 0039
Create Date: 2026-12-06 20:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0044"
down_revision = "0039"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # In place (ALTER TABLE ... ADD COLUMN): rebuilding users would trip the foreign keys
    # of the rows that point at it.
    with op.batch_alter_table("users", recreate="never") as batch_op:
        batch_op.add_column(sa.Column("nationality", sa.String(length=3), nullable=True))
        batch_op.add_column(sa.Column("surname", sa.String(length=60), nullable=True))
        batch_op.add_column(sa.Column("given_names", sa.String(length=80), nullable=True))


def downgrade() -> None:
    # Natively (SQLite 3.35+ drops a column in place), as 0026 does.
    with op.batch_alter_table("users", recreate="never") as batch_op:
        batch_op.drop_column("given_names")
        batch_op.drop_column("surname")
        batch_op.drop_column("nationality")
