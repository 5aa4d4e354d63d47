"""staff accounts: the user administrator, staff ID numbers and the TOTP second factor

``users.staff_id_number`` holds a staff member's 居民身份证号 from the staff file (unique among
staff, shown masked); ``users.totp_secret``, ``totp_enabled_at`` and ``totp_last_step`` hold
the optional time-based second factor (RFC 6238) and the last time step used, so a code is
never accepted twice; ``totp_recovery_codes`` keeps the SHA-256 of its one-time recovery codes.
The ``user_admin`` role needs no schema change (roles are strings).

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-06 17:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import tongban.adapters.db.types

revision = "0031"
down_revision = "0030"
branch_labels = None
depends_on = None


def _at(name: str, *, nullable: bool) -> sa.Column[object]:
    return sa.Column(name, tongban.adapters.db.types.UTCDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    # In place (ALTER TABLE ... ADD COLUMN): rebuilding users would trip the foreign keys
    # of the rows that point at it.
    with op.batch_alter_table("users", recreate="never") as batch_op:
        batch_op.add_column(sa.Column("staff_id_number", sa.String(length=18), nullable=True))
        batch_op.add_column(sa.Column("totp_secret", sa.String(length=64), nullable=True))
        batch_op.add_column(_at("totp_enabled_at", nullable=True))
        batch_op.add_column(sa.Column("totp_last_step", sa.Integer(), nullable=True))
    op.create_index("ix_users_staff_id_number", "users", ["staff_id_number"], unique=True)
    op.create_table(
        "totp_recovery_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        _at("used_at", nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_totp_recovery_codes_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_totp_recovery_codes")),
    )
    op.create_index("ix_totp_recovery_codes_user", "totp_recovery_codes", ["user_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_totp_recovery_codes_user", table_name="totp_recovery_codes")
    op.drop_table("totp_recovery_codes")
    op.drop_index("ix_users_staff_id_number", table_name="users")
    # Natively (SQLite 3.35+ drops a column in place): rebuilding users would trip the
    # foreign keys that point at it.
    with op.batch_alter_table("users", recreate="never") as batch_op:
        batch_op.drop_column("totp_last_step")
        batch_op.drop_column("totp_enabled_at")
        batch_op.drop_column("totp_secret")
        batch_op.drop_column("staff_id_number")
