"""跨城通办 hand-over: the cases handed over and received, their materials, the partners'
published item versions, the messages a received case still has to send, and who resolved a
refused message

``federation_cases`` links a case to its exchange (``out``: accepted here for a partner's item;
``in``: received here, with the local case); ``federation_materials`` the materials' bytes by
SHA-256; ``federation_partner_items`` the item versions partners publish; ``federation_outgoing``
the answers a received case owes its partner, in order, until they are signed and sent;
``federation_resolutions`` what a person did about a refused message; ``federation_sent`` gains
``resolved_at``.

Revision ID: 0037
Revises: 0044
Create Date: 2026-12-06 20:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import tongban.adapters.db.types

revision = "0037"
down_revision = "0044"
branch_labels = None
depends_on = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def _at(name: str, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, tongban.adapters.db.types.UTCDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "federation_cases",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("role", sa.String(length=3), nullable=False),
        sa.Column("partner", sa.String(length=6), nullable=False),
        sa.Column("case_ref", sa.String(length=64), nullable=False),
        sa.Column("item_code", sa.String(length=64), nullable=False),
        sa.Column("case_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("applicant_name", sa.String(length=100), nullable=False),
        sa.Column("applicant_id_type", sa.String(length=40), nullable=False),
        sa.Column("applicant_id_number", sa.String(length=40), nullable=False),
        sa.Column("form", _JSON, nullable=False),
        sa.Column("materials", _JSON, nullable=False),
        sa.Column("consent", _JSON, nullable=False),
        sa.Column("clerk", _JSON, nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("remote_status", sa.String(length=24), nullable=False),
        sa.Column("remote_detail", _JSON, nullable=False),
        sa.Column("result", _JSON, nullable=True),
        sa.Column("result_verified", sa.Boolean(), nullable=True),
        _at("created_at"),
        _at("updated_at"),
        sa.CheckConstraint("role in ('out', 'in')", name=op.f("ck_federation_cases_role")),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_federation_cases_case_id_cases")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_federation_cases")),
        sa.UniqueConstraint("partner", "case_ref", name="uq_federation_cases_partner_ref"),
    )
    op.create_index("ix_federation_cases_case_id", "federation_cases", ["case_id"], unique=True)
    op.create_table(
        "federation_materials",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        _at("created_at"),
        sa.PrimaryKeyConstraint("sha256", name=op.f("pk_federation_materials")),
    )
    op.create_table(
        "federation_partner_items",
        sa.Column("partner", sa.String(length=6), nullable=False),
        sa.Column("item_code", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("document", _JSON, nullable=False),
        _at("synced_at"),
        sa.PrimaryKeyConstraint("partner", "item_code", name=op.f("pk_federation_partner_items")),
    )
    op.create_table(
        "federation_outgoing",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("link_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("type", sa.String(length=40), nullable=False),
        sa.Column("body", _JSON, nullable=False),
        _at("created_at"),
        sa.Column("message_id", sa.String(length=36), nullable=True),
        sa.ForeignKeyConstraint(
            ["link_id"],
            ["federation_cases.id"],
            name=op.f("fk_federation_outgoing_link_id_federation_cases"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_federation_outgoing")),
    )
    op.create_index("ix_federation_outgoing_link_id", "federation_outgoing", ["link_id"])
    op.create_table(
        "federation_resolutions",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("message_id", sa.String(length=36), nullable=False),
        sa.Column("action", sa.String(length=12), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column("refusal", _JSON, nullable=True),
        sa.Column("envelope", _JSON, nullable=False),
        sa.Column("new_message_id", sa.String(length=36), nullable=True),
        sa.Column(
            "by_user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        _at("at"),
        sa.CheckConstraint(
            "action in ('resend', 'cancel')", name=op.f("ck_federation_resolutions_action")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_federation_resolutions")),
    )
    with op.batch_alter_table("federation_sent") as batch:
        batch.add_column(_at("resolved_at", nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("federation_sent") as batch:
        batch.drop_column("resolved_at")
    op.drop_table("federation_resolutions")
    op.drop_index("ix_federation_outgoing_link_id", table_name="federation_outgoing")
    op.drop_table("federation_outgoing")
    op.drop_table("federation_partner_items")
    op.drop_table("federation_materials")
    op.drop_index("ix_federation_cases_case_id", table_name="federation_cases")
    op.drop_table("federation_cases")
