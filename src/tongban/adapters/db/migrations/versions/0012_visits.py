"""visits to a centre: numbered windows and their groups, queue numbers, window sessions (取号叫号)

``centres.layout`` holds a centre's window groups and numbered windows; ``queue_counters`` the
last number of each group of each centre per day; ``queue_tickets`` one row per number taken,
from taking to the end of service (a conditional UPDATE lets exactly one of two windows call a
ticket); ``window_sessions`` which clerk has which window open (partial unique indexes: one
clerk per open window, one open window per clerk).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import tongban.adapters.db.types

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
_OPEN = sa.text("closed_at IS NULL")


def _at(name: str, *, nullable: bool) -> sa.Column[object]:
    return sa.Column(name, tongban.adapters.db.types.UTCDateTime(timezone=True), nullable=nullable)


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}")
    )


def upgrade() -> None:
    with op.batch_alter_table("centres") as batch:
        batch.add_column(sa.Column("layout", _JSON, nullable=True))
    op.create_table(
        "queue_counters",
        sa.Column("centre_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("group_code", sa.String(length=1), nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        _fk("queue_counters", "centre_id", "centres"),
        sa.PrimaryKeyConstraint("centre_id", "day", "group_code", name=op.f("pk_queue_counters")),
    )
    op.create_table(
        "queue_tickets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("centre_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("group_code", sa.String(length=1), nullable=False),
        sa.Column("number", sa.String(length=8), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("priority_reason", sa.String(length=20), server_default="", nullable=False),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("item_code", sa.String(length=40), nullable=True),
        _at("taken_at", nullable=False),
        _at("called_at", nullable=True),
        sa.Column("window_number", sa.Integer(), nullable=True),
        sa.Column("called_by", sa.Integer(), nullable=True),
        sa.Column("call_count", sa.Integer(), server_default="0", nullable=False),
        _at("service_started_at", nullable=True),
        _at("service_ended_at", nullable=True),
        sa.Column("case_number", sa.String(length=40), nullable=True),
        sa.Column("transferred_from", sa.String(length=1), nullable=True),
        sa.Column("lock_version", sa.Integer(), server_default="1", nullable=False),
        sa.CheckConstraint(
            "status in ('waiting', 'called', 'serving', 'done', 'no_show')",
            name=op.f("ck_queue_tickets_status"),
        ),
        sa.CheckConstraint(
            "source in ('walk_in', 'booking')", name=op.f("ck_queue_tickets_source")
        ),
        sa.CheckConstraint("priority in (0, 1, 2)", name=op.f("ck_queue_tickets_priority")),
        _fk("queue_tickets", "centre_id", "centres"),
        _fk("queue_tickets", "user_id", "users"),
        _fk("queue_tickets", "called_by", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_queue_tickets")),
        sa.UniqueConstraint(
            "centre_id",
            "day",
            "group_code",
            "seq",
            name=op.f("uq_queue_tickets_centre_id"),
        ),
    )
    op.create_index(
        "ix_queue_tickets_waiting",
        "queue_tickets",
        ["centre_id", "day", "group_code", "status", "priority", "taken_at"],
        unique=False,
    )
    op.create_table(
        "window_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("centre_id", sa.Integer(), nullable=False),
        sa.Column("window_number", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        _at("opened_at", nullable=False),
        _at("closed_at", nullable=True),
        _fk("window_sessions", "centre_id", "centres"),
        _fk("window_sessions", "user_id", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_window_sessions")),
    )
    op.create_index(
        "uq_window_sessions_open_window",
        "window_sessions",
        ["centre_id", "window_number"],
        unique=True,
        sqlite_where=_OPEN,
        postgresql_where=_OPEN,
    )
    op.create_index(
        "uq_window_sessions_open_clerk",
        "window_sessions",
        ["user_id"],
        unique=True,
        sqlite_where=_OPEN,
        postgresql_where=_OPEN,
    )


def downgrade() -> None:
    op.drop_index("uq_window_sessions_open_clerk", table_name="window_sessions")
    op.drop_index("uq_window_sessions_open_window", table_name="window_sessions")
    op.drop_table("window_sessions")
    op.drop_index("ix_queue_tickets_waiting", table_name="queue_tickets")
    op.drop_table("queue_tickets")
    op.drop_table("queue_counters")
    with op.batch_alter_table("centres") as batch:
        batch.drop_column("layout")
