"""observability: the request behind each outbox message, and the workers' heartbeats

``outbox.request_id`` is the id of the request (or command) that queued the message, so the
worker's log lines for its delivery carry the same id as the request's.  ``worker_heartbeats``
one row per running worker, refreshed as it works: ``/readyz`` and ``/metrics`` tell from it
whether any worker is alive.

Revision ID: 0022
Revises: 0016
Create Date: 2026-12-06 15:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import tongban.adapters.db.types

revision = "0022"
down_revision = "0016"
branch_labels = None
depends_on = None


def _at(name: str, *, nullable: bool) -> sa.Column[object]:
    return sa.Column(name, tongban.adapters.db.types.UTCDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    # In place (ALTER TABLE ... ADD COLUMN): rebuilding outbox would trip the foreign keys
    # of the rows that point at it.
    with op.batch_alter_table("outbox", recreate="never") as batch_op:
        batch_op.add_column(sa.Column("request_id", sa.String(length=64), nullable=True))
    op.create_table(
        "worker_heartbeats",
        sa.Column("worker_id", sa.String(length=100), nullable=False),
        sa.Column("host", sa.String(length=100), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        _at("started_at", nullable=False),
        _at("beat_at", nullable=False),
        sa.PrimaryKeyConstraint("worker_id", name=op.f("pk_worker_heartbeats")),
    )


def downgrade() -> None:
    op.drop_table("worker_heartbeats")
    # Natively (SQLite 3.35+ drops a column in place): rebuilding outbox would trip the
    # foreign keys that point at it.
    with op.batch_alter_table("outbox", recreate="never") as batch_op:
        batch_op.drop_column("request_id")
