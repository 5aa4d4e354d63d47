"""好差评: ratings, rectification of poor ratings with call-backs, SMS rating links

``ratings`` holds each rating of a case (一事一评, unique per case) or of a queue ticket (一次一评,
unique per ticket) with the item, department, centre and staff member it counts for;
``rectifications`` the task a poor rating opens, ``rectification_callbacks`` its call-backs
(回访); ``rating_links`` the signed, expiring, single-use SMS link of each finished case.

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-06 15:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import tongban.adapters.db.types

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
_LEVELS = "'very_satisfied', 'satisfied', 'fairly_satisfied', 'dissatisfied', 'very_dissatisfied'"


def _at(name: str, *, nullable: bool) -> sa.Column[object]:
    return sa.Column(name, tongban.adapters.db.types.UTCDateTime(timezone=True), nullable=nullable)


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}")
    )


def _check(table: str, name: str, condition: str) -> sa.CheckConstraint:
    return sa.CheckConstraint(condition, name=op.f(f"ck_{table}_{name}"))


def upgrade() -> None:
    op.create_table(
        "ratings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject", sa.String(length=8), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.Column("rater_id", sa.Integer(), nullable=True),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("level", sa.String(length=20), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("dimensions", _JSON, nullable=False),
        sa.Column("comment", sa.Text(), server_default="", nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=True),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("centre_id", sa.Integer(), nullable=True),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        _at("rated_at", nullable=False),
        sa.Column("edits", sa.Integer(), server_default="0", nullable=False),
        _at("edited_at", nullable=True),
        sa.Column("lock_version", sa.Integer(), nullable=False),
        _check("ratings", "subject", "subject in ('case', 'ticket')"),
        _check("ratings", "level", f"level in ({_LEVELS})"),
        _check("ratings", "channel", "channel in ('online', 'pad', 'sms', 'kiosk')"),
        _check("ratings", "score", "score between 1 and 5"),
        _fk("ratings", "case_id", "cases"),
        _fk("ratings", "ticket_id", "queue_tickets"),
        _fk("ratings", "rater_id", "users"),
        _fk("ratings", "item_id", "service_items"),
        _fk("ratings", "department_id", "departments"),
        _fk("ratings", "centre_id", "centres"),
        _fk("ratings", "staff_id", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ratings")),
        sa.UniqueConstraint("case_id", name=op.f("uq_ratings_case_id")),
        sa.UniqueConstraint("ticket_id", name=op.f("uq_ratings_ticket_id")),
    )
    op.create_index("ix_ratings_rated_at", "ratings", ["rated_at"])
    op.create_index("ix_ratings_department", "ratings", ["department_id"])
    op.create_index("ix_ratings_rater", "ratings", ["rater_id"])
    op.create_table(
        "rectifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=20), nullable=False),
        sa.Column("rating_id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("centre_id", sa.Integer(), nullable=True),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        _at("opened_at", nullable=False),
        sa.Column("called_back", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("response", sa.Text(), server_default="", nullable=False),
        _at("responded_at", nullable=True),
        sa.Column("responded_by", sa.Integer(), nullable=True),
        sa.Column("re_level", sa.String(length=20), nullable=True),
        _at("re_rated_at", nullable=True),
        sa.Column("lock_version", sa.Integer(), nullable=False),
        _at("updated_at", nullable=False),
        _check("rectifications", "status", "status in ('open', 'responded', 'closed')"),
        _fk("rectifications", "rating_id", "ratings"),
        _fk("rectifications", "department_id", "departments"),
        _fk("rectifications", "centre_id", "centres"),
        _fk("rectifications", "owner_id", "users"),
        _fk("rectifications", "responded_by", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rectifications")),
        sa.UniqueConstraint("number", name=op.f("uq_rectifications_number")),
        sa.UniqueConstraint("rating_id", name=op.f("uq_rectifications_rating_id")),
    )
    op.create_index("ix_rectifications_status_due_on", "rectifications", ["status", "due_on"])
    op.create_index("ix_rectifications_department", "rectifications", ["department_id"])
    op.create_table(
        "rectification_callbacks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rectification_id", sa.Integer(), nullable=False),
        sa.Column("called_on", sa.Date(), nullable=False),
        sa.Column("by_id", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(length=12), nullable=False),
        sa.Column("note", sa.Text(), server_default="", nullable=False),
        _at("recorded_at", nullable=False),
        _check(
            "rectification_callbacks",
            "outcome",
            "outcome in ('reached', 'unreachable', 'declined')",
        ),
        _fk("rectification_callbacks", "rectification_id", "rectifications"),
        _fk("rectification_callbacks", "by_id", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rectification_callbacks")),
    )
    op.create_index(
        "ix_rectification_callbacks_task", "rectification_callbacks", ["rectification_id"]
    )
    op.create_table(
        "rating_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("jti", sa.String(length=32), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        _at("created_at", nullable=False),
        _at("expires_at", nullable=False),
        _at("used_at", nullable=True),
        _fk("rating_links", "case_id", "cases"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rating_links")),
        sa.UniqueConstraint("jti", name=op.f("uq_rating_links_jti")),
        sa.UniqueConstraint("case_id", name=op.f("uq_rating_links_case_id")),
    )


def downgrade() -> None:
    op.drop_table("rating_links")
    op.drop_index("ix_rectification_callbacks_task", table_name="rectification_callbacks")
    op.drop_table("rectification_callbacks")
    op.drop_index("ix_rectifications_department", table_name="rectifications")
    op.drop_index("ix_rectifications_status_due_on", table_name="rectifications")
    op.drop_table("rectifications")
    op.drop_index("ix_ratings_rater", table_name="ratings")
    op.drop_index("ix_ratings_department", table_name="ratings")
    op.drop_index("ix_ratings_rated_at", table_name="ratings")
    op.drop_table("ratings")
