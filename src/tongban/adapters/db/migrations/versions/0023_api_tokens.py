"""API tokens: service accounts (another system, never a person) and their scoped tokens

``users.kind`` gains ``service``.  ``api_tokens`` holds each token's public id, the SHA-256 of
its secret (the token itself is shown once, when issued), the roles of its account it may use
(scopes), when it expires, and when and by whom it was revoked.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-06 15:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import tongban.adapters.db.types
from tongban.adapters.db.schema_edits import replace_check

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
_KINDS = "kind in ('staff', 'citizen', 'enterprise', 'service')"
_OLD_KINDS = "kind in ('staff', 'citizen', 'enterprise')"


def _at(name: str, *, nullable: bool) -> sa.Column[object]:
    return sa.Column(name, tongban.adapters.db.types.UTCDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    replace_check("users", "ck_users_kind", _OLD_KINDS, _KINDS)
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.String(length=16), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("scopes", _JSON, nullable=False),
        _at("created_at", nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        _at("expires_at", nullable=False),
        _at("revoked_at", nullable=True),
        sa.Column("revoked_by", sa.Integer(), nullable=True),
        _at("last_used_at", nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_api_tokens_user_id_users"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_api_tokens_created_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["revoked_by"], ["users.id"], name=op.f("fk_api_tokens_revoked_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
    )
    op.create_index("ix_api_tokens_user", "api_tokens", ["user_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_api_tokens_user", table_name="api_tokens")
    op.drop_table("api_tokens")
    found = op.get_bind().execute(sa.text("SELECT count(*) FROM users WHERE kind = 'service'"))
    if found.scalar():
        raise RuntimeError("service accounts exist: remove them before going below 0023")
    replace_check("users", "ck_users_kind", _KINDS, _OLD_KINDS)
