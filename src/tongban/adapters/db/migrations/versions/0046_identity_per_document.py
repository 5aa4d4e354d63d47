"""跨境通办: an identity number is unique per document, not across every document and country

``users.id_number`` was unique on its own, so a passport number issued by two countries, or a
passport number equal to a 台胞证's or 回乡证's, could not both be registered.  Now a passport is
unique per nationality and number, and every other document (居民身份证, 港澳台居民居住证, 回乡证,
台胞证, 永居证, each issued by one authority of its own kind) per type and number: two partial
unique indexes.  A plain index on the number keeps every lookup by number (log-in, the
window's 核验身份, the data space) an index lookup.

PostgreSQL drops the constraint in place.  SQLite cannot drop a UNIQUE constraint, so ``users``
is rebuilt (batch mode); ``tongban.adapters.db.migrate`` runs migrations there with foreign keys
off and checks them before committing, so the rows pointing at ``users`` are neither deleted
nor refused while it is.  Going back is refused while two accounts share a number.

Revision ID: 0046
Revises: 0047
Create Date: 2026-12-06 23:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0046"
down_revision = "0047"
branch_labels = None
depends_on = None

_PASSPORT = sa.text("id_type = 'passport'")
_NOT_PASSPORT = sa.text("id_type <> 'passport'")


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        with op.batch_alter_table("users", recreate="always") as batch:
            batch.drop_constraint(op.f("uq_users_id_number"), type_="unique")
    else:
        op.drop_constraint(op.f("uq_users_id_number"), "users", type_="unique")
    op.create_index("ix_users_id_number", "users", ["id_number"])
    op.create_index(
        "ix_users_document",
        "users",
        ["id_number", "id_type"],
        unique=True,
        sqlite_where=_NOT_PASSPORT,
        postgresql_where=_NOT_PASSPORT,
    )
    op.create_index(
        "ix_users_passport",
        "users",
        ["id_number", "nationality"],
        unique=True,
        sqlite_where=_PASSPORT,
        postgresql_where=_PASSPORT,
    )


def downgrade() -> None:
    shared = op.get_bind().execute(
        sa.text(
            "SELECT count(*) FROM (SELECT id_number FROM users WHERE id_number IS NOT NULL "
            "GROUP BY id_number HAVING count(*) > 1) shared"
        )
    )
    if shared.scalar():
        raise RuntimeError(
            "accounts share an identity number (two documents, one number): "
            "resolve them before going below 0046"
        )
    op.drop_index("ix_users_passport", table_name="users")
    op.drop_index("ix_users_document", table_name="users")
    op.drop_index("ix_users_id_number", table_name="users")
    if op.get_bind().dialect.name == "sqlite":
        with op.batch_alter_table("users", recreate="always") as batch:
            batch.create_unique_constraint(op.f("uq_users_id_number"), ["id_number"])
    else:
        op.create_unique_constraint(op.f("uq_users_id_number"), "users", ["id_number"])
