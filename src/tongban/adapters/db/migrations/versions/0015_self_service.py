"""self-service: kiosks and their visits (自助办), and the self-service case channel

``kiosks`` holds each centre's self-service devices: a device account (role ``kiosk``, no
password), the idle time after which a visit ends, and the one-time pairing code (hashed) the
centre manager gives the device.  ``kiosk_visits`` one identified visitor at a kiosk: until it
closes (at submission, on the visitor's "finish", or after the idle time) the kiosk acts for
them; its draft form is wiped when it closes.  ``cases.channel`` gains ``self_service``.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import tongban.adapters.db.types
from tongban.adapters.db.schema_edits import replace_check

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
_CHANNELS = "channel in ('online', 'window', 'mail', 'self_service')"
_OLD_CHANNELS = "channel in ('online', 'window', 'mail')"


def _at(name: str, *, nullable: bool) -> sa.Column[object]:
    return sa.Column(name, tongban.adapters.db.types.UTCDateTime(timezone=True), nullable=nullable)


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}")
    )


def _channels(old: str, new: str) -> None:
    """Replace the CHECK on ``cases.channel``: the rows already satisfy the new one."""
    replace_check("cases", "ck_cases_channel", old, new)


def upgrade() -> None:
    _channels(_OLD_CHANNELS, _CHANNELS)
    op.create_table(
        "kiosks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("centre_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("idle_seconds", sa.Integer(), nullable=False),
        sa.Column("is_active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("pairing_hash", sa.String(length=64), nullable=True),
        _at("pairing_expires_at", nullable=True),
        sa.Column("pairing_failures", sa.Integer(), server_default="0", nullable=False),
        _at("paired_at", nullable=True),
        _at("created_at", nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        _at("updated_at", nullable=False),
        sa.CheckConstraint("idle_seconds between 30 and 900", name=op.f("ck_kiosks_idle_seconds")),
        _fk("kiosks", "centre_id", "centres"),
        _fk("kiosks", "user_id", "users"),
        _fk("kiosks", "created_by", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kiosks")),
        sa.UniqueConstraint("code", name=op.f("uq_kiosks_code")),
        sa.UniqueConstraint("user_id", name=op.f("uq_kiosks_user_id")),
    )
    op.create_index("ix_kiosks_centre", "kiosks", ["centre_id"], unique=False)
    op.create_table(
        "kiosk_visits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kiosk_id", sa.Integer(), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("method", sa.String(length=16), nullable=False),
        _at("started_at", nullable=False),
        _at("expires_at", nullable=False),
        _at("submitted_at", nullable=True),
        _at("closed_at", nullable=True),
        sa.Column("close_reason", sa.String(length=12), nullable=True),
        sa.Column("case_number", sa.String(length=24), nullable=True),
        sa.Column("draft", _JSON, nullable=True),
        sa.CheckConstraint(
            "method in ('citizen_code', 'id_card')", name=op.f("ck_kiosk_visits_method")
        ),
        sa.CheckConstraint(
            "close_reason in ('submitted', 'finished', 'idle', 'replaced', 'deactivated')",
            name=op.f("ck_kiosk_visits_close_reason"),
        ),
        _fk("kiosk_visits", "kiosk_id", "kiosks"),
        _fk("kiosk_visits", "subject_id", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kiosk_visits")),
    )
    op.create_index(
        "ix_kiosk_visits_kiosk_closed", "kiosk_visits", ["kiosk_id", "closed_at"], unique=False
    )
    op.create_index(
        "ix_kiosk_visits_closed_expires",
        "kiosk_visits",
        ["closed_at", "expires_at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_kiosk_visits_closed_expires", table_name="kiosk_visits")
    op.drop_index("ix_kiosk_visits_kiosk_closed", table_name="kiosk_visits")
    op.drop_table("kiosk_visits")
    op.drop_index("ix_kiosks_centre", table_name="kiosks")
    op.drop_table("kiosks")
    # Cases filed at a kiosk cannot go back to a schema without their channel: refuse rather
    # than rewrite their history.
    found = (
        op.get_bind()
        .execute(sa.text("SELECT count(*) FROM cases WHERE channel = 'self_service'"))
        .scalar()
    )
    if found:
        raise RuntimeError(f"{found} cases were filed at kiosks: cannot remove their channel")
    _channels(_CHANNELS, _OLD_CHANNELS)
