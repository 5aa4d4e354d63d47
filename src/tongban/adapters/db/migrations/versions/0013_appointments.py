"""appointments (预约办): slots per centre, window group and half hour, and the bookings

``appointment_slots`` one row per slot once someone looks at or books it (created on demand
from the centre's opening hours and the calendar), with its capacity and the places taken — a
booking is a conditional UPDATE, so a slot is never overbooked; ``appointments`` one row per
booking, with a partial unique index: one active booking per person and item.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 12:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import tongban.adapters.db.types

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

_ACTIVE = sa.text("status = 'booked'")


def _at(name: str, *, nullable: bool) -> sa.Column[object]:
    return sa.Column(name, tongban.adapters.db.types.UTCDateTime(timezone=True), nullable=nullable)


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}")
    )


def upgrade() -> None:
    op.create_table(
        "appointment_slots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("centre_id", sa.Integer(), nullable=False),
        sa.Column("group_code", sa.String(length=1), nullable=False),
        _at("starts_at", nullable=False),
        _at("ends_at", nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("booked", sa.Integer(), server_default="0", nullable=False),
        sa.CheckConstraint(
            "booked >= 0 AND booked <= capacity", name=op.f("ck_appointment_slots_places")
        ),
        _fk("appointment_slots", "centre_id", "centres"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appointment_slots")),
        sa.UniqueConstraint(
            "centre_id", "group_code", "starts_at", name=op.f("uq_appointment_slots_centre_id")
        ),
    )
    op.create_table(
        "appointments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=8), nullable=False),
        sa.Column("slot_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("item_code", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        _at("booked_at", nullable=False),
        _at("cancelled_at", nullable=True),
        _at("checked_in_at", nullable=True),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        _at("reminded_at", nullable=True),
        sa.Column("lock_version", sa.Integer(), server_default="1", nullable=False),
        sa.CheckConstraint(
            "status in ('booked', 'cancelled', 'checked_in', 'no_show')",
            name=op.f("ck_appointments_status"),
        ),
        _fk("appointments", "slot_id", "appointment_slots"),
        _fk("appointments", "user_id", "users"),
        _fk("appointments", "ticket_id", "queue_tickets"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appointments")),
        sa.UniqueConstraint("code", name=op.f("uq_appointments_code")),
    )
    op.create_index(
        "uq_appointments_active",
        "appointments",
        ["user_id", "item_code"],
        unique=True,
        sqlite_where=_ACTIVE,
        postgresql_where=_ACTIVE,
    )
    op.create_index(
        "ix_appointments_user_status", "appointments", ["user_id", "status"], unique=False
    )
    op.create_index("ix_appointments_slot", "appointments", ["slot_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_appointments_slot", table_name="appointments")
    op.drop_index("ix_appointments_user_status", table_name="appointments")
    op.drop_index("uq_appointments_active", table_name="appointments")
    op.drop_table("appointments")
    op.drop_table("appointment_slots")
