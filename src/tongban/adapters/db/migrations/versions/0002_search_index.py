"""catalogue search: engine-specific full-text index over item_search, and search_state

SQLite gets an external-content FTS5 table over ``item_search`` kept in sync by triggers;
PostgreSQL gets a generated ``tsvector`` column with a GIN index. Both tokenise the document on
spaces only, so they index exactly the terms tongban wrote. ``search_state`` holds a generation
token that changes with every index write, so each process knows when its caches are stale.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 06:00:00
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_SQLITE_UPGRADE = (
    "CREATE VIRTUAL TABLE item_search_fts USING fts5("
    "document, content='item_search', content_rowid='item_id', "
    "tokenize='unicode61 remove_diacritics 0')",
    "CREATE TRIGGER item_search_fts_insert AFTER INSERT ON item_search BEGIN "
    "INSERT INTO item_search_fts(rowid, document) VALUES (new.item_id, new.document); END",
    "CREATE TRIGGER item_search_fts_delete AFTER DELETE ON item_search BEGIN "
    "INSERT INTO item_search_fts(item_search_fts, rowid, document) "
    "VALUES ('delete', old.item_id, old.document); END",
    "CREATE TRIGGER item_search_fts_update AFTER UPDATE ON item_search BEGIN "
    "INSERT INTO item_search_fts(item_search_fts, rowid, document) "
    "VALUES ('delete', old.item_id, old.document); "
    "INSERT INTO item_search_fts(rowid, document) VALUES (new.item_id, new.document); END",
    "INSERT INTO item_search_fts(item_search_fts) VALUES ('rebuild')",
)
_SQLITE_DOWNGRADE = (
    "DROP TRIGGER IF EXISTS item_search_fts_update",
    "DROP TRIGGER IF EXISTS item_search_fts_delete",
    "DROP TRIGGER IF EXISTS item_search_fts_insert",
    "DROP TABLE IF EXISTS item_search_fts",
)


def upgrade() -> None:
    state = op.create_table(
        "search_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("generation", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_state")),
    )
    op.bulk_insert(state, [{"id": 1, "generation": uuid.uuid4().hex}])
    if op.get_bind().dialect.name == "sqlite":
        for statement in _SQLITE_UPGRADE:
            op.execute(statement)
        return
    op.add_column(
        "item_search",
        sa.Column(
            "document_tsv",
            postgresql.TSVECTOR(),
            sa.Computed("to_tsvector('simple'::regconfig, document)", persisted=True),
            nullable=True,
        ),
    )
    # No column statistics: per-lexeme estimates cost more to plan with than the whole search
    # takes on a few thousand items, and without them the planner keeps to the GIN index.
    op.execute("ALTER TABLE item_search ALTER COLUMN document_tsv SET STATISTICS 0")
    op.create_index(
        "ix_item_search_document_tsv",
        "item_search",
        ["document_tsv"],
        unique=False,
        postgresql_using="gin",
        # Without the pending list a fresh index is fast before the first VACUUM; the catalogue
        # is written rarely, so slower inserts cost nothing that matters.
        postgresql_with={"fastupdate": "off"},
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for statement in _SQLITE_DOWNGRADE:
            op.execute(statement)
    else:
        op.drop_index("ix_item_search_document_tsv", table_name="item_search")
        op.drop_column("item_search", "document_tsv")
    op.drop_table("search_state")
