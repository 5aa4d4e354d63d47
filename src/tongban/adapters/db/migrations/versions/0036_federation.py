"""跨城通办: the node, its trusted partners, messages sent and applied, the exchange log

``federation_node`` is this deployment's node (one row; region code and name come from the
jurisdiction); ``federation_partners`` the partner nodes it trusts, with their published
documents; ``federation_sent`` the messages sent, with the partner's signed answer;
``federation_received`` those applied (the message id is the primary key, so a message is
applied once); ``federation_log`` the
append-only, hash-chained exchange log, ``federation_log_head`` its last entry.

Revision ID: 0036
Revises: 0035
Create Date: 2026-12-06 18:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import tongban.adapters.db.types

revision = "0036"
down_revision = "0035"
branch_labels = None
depends_on = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def _at(name: str) -> sa.Column[object]:
    return sa.Column(name, tongban.adapters.db.types.UTCDateTime(timezone=True), nullable=False)


def upgrade() -> None:
    op.create_table(
        "federation_node",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("base_url", sa.String(length=300), nullable=False),
        sa.Column("item_codes", _JSON, nullable=False),
        _at("created_at"),
        _at("updated_at"),
        sa.CheckConstraint("id = 1", name=op.f("ck_federation_node_single_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_federation_node")),
    )
    op.create_table(
        "federation_partners",
        sa.Column("region_code", sa.String(length=6), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("base_url", sa.String(length=300), nullable=False),
        sa.Column("document", _JSON, nullable=False),
        _at("trusted_at"),
        _at("updated_at"),
        sa.PrimaryKeyConstraint("region_code", name=op.f("pk_federation_partners")),
    )
    op.create_table(
        "federation_sent",
        sa.Column("message_id", sa.String(length=36), nullable=False),
        sa.Column("receiver", sa.String(length=6), nullable=False),
        sa.Column("case_ref", sa.String(length=64), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(length=40), nullable=False),
        sa.Column("envelope", _JSON, nullable=False),
        _at("created_at"),
        sa.Column("status", sa.String(length=12), server_default="pending", nullable=False),
        sa.Column(
            "answered_at", tongban.adapters.db.types.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("answer", _JSON, nullable=True),
        sa.CheckConstraint(
            "status in ('pending', 'acknowledged', 'refused')",
            name=op.f("ck_federation_sent_status"),
        ),
        sa.PrimaryKeyConstraint("message_id", name=op.f("pk_federation_sent")),
        sa.UniqueConstraint(
            "receiver", "case_ref", "seq", name=op.f("uq_federation_sent_case_seq")
        ),
    )
    op.create_table(
        "federation_received",
        sa.Column("message_id", sa.String(length=36), nullable=False),
        sa.Column("sender", sa.String(length=6), nullable=False),
        sa.Column("case_ref", sa.String(length=64), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(length=40), nullable=False),
        sa.Column("body", _JSON, nullable=False),
        _at("applied_at"),
        sa.PrimaryKeyConstraint("message_id", name=op.f("pk_federation_received")),
        sa.UniqueConstraint(
            "sender", "case_ref", "seq", name=op.f("uq_federation_received_case_seq")
        ),
    )
    op.create_table(
        "federation_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("direction", sa.String(length=3), nullable=False),
        sa.Column("peer", sa.String(length=6), nullable=False),
        sa.Column("message_id", sa.String(length=64), nullable=False),
        sa.Column("outcome", sa.String(length=40), nullable=False),
        _at("at"),
        sa.Column("envelope", _JSON, nullable=False),
        sa.Column("envelope_hash", sa.String(length=64), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.CheckConstraint("direction in ('in', 'out')", name=op.f("ck_federation_log_direction")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_federation_log")),
        sa.UniqueConstraint("seq", name=op.f("uq_federation_log_seq")),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_federation_log_message_id", "federation_log", ["message_id"])
    op.create_table(
        "federation_log_head",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_federation_log_head_single_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_federation_log_head")),
    )


def downgrade() -> None:
    op.drop_table("federation_log_head")
    op.drop_index("ix_federation_log_message_id", table_name="federation_log")
    op.drop_table("federation_log")
    op.drop_table("federation_received")
    op.drop_table("federation_sent")
    op.drop_table("federation_partners")
    op.drop_table("federation_node")
