"""password policy: a forced change at first sign-in, expiry, and no reuse of recent passwords

``users.must_change_password`` is set for an account whose password someone else chose (a
one-time password from an import or a reset) and cleared when its owner sets their own;
``users.password_changed_at`` dates the password (existing accounts: their creation), so a
staff password older than the configured maximum age must be changed at sign-in.
``password_history`` keeps the hashes of each account's recent passwords, which may not be
chosen again.

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-06 15:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import tongban.adapters.db.types

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None


def _at(name: str, *, nullable: bool) -> sa.Column[object]:
    return sa.Column(name, tongban.adapters.db.types.UTCDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    # In place (ALTER TABLE ... ADD COLUMN): rebuilding users would trip the foreign keys
    # of the rows that point at it.
    with op.batch_alter_table("users", recreate="never") as batch_op:
        batch_op.add_column(
            sa.Column(
                "must_change_password", sa.Boolean(), server_default=sa.false(), nullable=False
            )
        )
        batch_op.add_column(_at("password_changed_at", nullable=True))
    op.execute("UPDATE users SET password_changed_at = created_at WHERE password_hash IS NOT NULL")
    op.create_table(
        "password_history",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        _at("set_at", nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_password_history_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_password_history")),
    )
    op.create_index("ix_password_history_user", "password_history", ["user_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_password_history_user", table_name="password_history")
    op.drop_table("password_history")
    # Natively (SQLite 3.35+ drops a column in place): rebuilding users would trip the
    # foreign keys that point at it.
    with op.batch_alter_table("users", recreate="never") as batch_op:
        batch_op.drop_column("password_changed_at")
        batch_op.drop_column("must_change_password")
