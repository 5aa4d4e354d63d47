"""Tables for visits to a centre: queue numbers and the windows that call them (取号叫号).

Mirrors migration 0012; imported at the end of ``tables`` so ``metadata`` holds every table.
"""

from __future__ import annotations

from sqlalchemy import (
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    UniqueConstraint,
    text,
)

from tongban.adapters.db.tables import metadata
from tongban.adapters.db.types import BigId, UTCDateTime

_STATUSES = "'waiting', 'called', 'serving', 'done', 'no_show'"
_SOURCES = "'walk_in', 'booking'"

queue_counters = Table(
    "queue_counters",
    metadata,
    # The last queue number of one group of one centre on one day: A001, A002, ...
    Column("centre_id", BigId, ForeignKey("centres.id"), primary_key=True),
    Column("day", Date, primary_key=True),
    Column("group_code", String(1), primary_key=True),
    Column("last", Integer, nullable=False),
)

queue_tickets = Table(
    "queue_tickets",
    metadata,
    Column("id", BigId, primary_key=True),
    Column("centre_id", BigId, ForeignKey("centres.id"), nullable=False),
    Column("day", Date, nullable=False),
    Column("group_code", String(1), nullable=False),
    # The number shown and called (A023); a transfer keeps it, in the group it moved to.
    Column("number", String(8), nullable=False),
    Column("seq", Integer, nullable=False),
    # Call order (lower first): 0 booked and on time, 1 priority, 2 walk-in.
    Column("priority", Integer, nullable=False),
    Column("priority_reason", String(20), nullable=False, server_default=""),
    Column("source", String(10), nullable=False),
    Column("status", String(10), nullable=False),
    Column("user_id", BigId, ForeignKey("users.id"), nullable=True),
    Column("item_code", String(40), nullable=True),
    Column("taken_at", UTCDateTime, nullable=False),
    Column("called_at", UTCDateTime, nullable=True),
    Column("window_number", Integer, nullable=True),
    Column("called_by", BigId, ForeignKey("users.id"), nullable=True),
    Column("call_count", Integer, nullable=False, server_default="0"),
    Column("service_started_at", UTCDateTime, nullable=True),
    Column("service_ended_at", UTCDateTime, nullable=True),
    Column("case_number", String(40), nullable=True),
    Column("transferred_from", String(1), nullable=True),
    Column("lock_version", Integer, nullable=False, server_default="1"),
    UniqueConstraint("centre_id", "day", "group_code", "seq"),
    CheckConstraint(f"status in ({_STATUSES})", name="status"),
    CheckConstraint(f"source in ({_SOURCES})", name="source"),
    CheckConstraint("priority in (0, 1, 2)", name="priority"),
)
# A window's next call reads the waiting tickets of its groups today, in call order.
Index(
    "ix_queue_tickets_waiting",
    queue_tickets.c.centre_id,
    queue_tickets.c.day,
    queue_tickets.c.group_code,
    queue_tickets.c.status,
    queue_tickets.c.priority,
    queue_tickets.c.taken_at,
)

window_sessions = Table(
    "window_sessions",
    metadata,
    Column("id", BigId, primary_key=True),
    Column("centre_id", BigId, ForeignKey("centres.id"), nullable=False),
    Column("window_number", Integer, nullable=False),
    Column("user_id", BigId, ForeignKey("users.id"), nullable=False),
    Column("opened_at", UTCDateTime, nullable=False),
    Column("closed_at", UTCDateTime, nullable=True),
)
# One clerk at an open window, one open window per clerk.
Index(
    "uq_window_sessions_open_window",
    window_sessions.c.centre_id,
    window_sessions.c.window_number,
    unique=True,
    sqlite_where=text("closed_at IS NULL"),
    postgresql_where=text("closed_at IS NULL"),
)
Index(
    "uq_window_sessions_open_clerk",
    window_sessions.c.user_id,
    unique=True,
    sqlite_where=text("closed_at IS NULL"),
    postgresql_where=text("closed_at IS NULL"),
)

# --- appointments (预约办), migration 0013 ------------------------------------------------------

_BOOKING_STATUSES = "'booked', 'cancelled', 'checked_in', 'no_show'"

appointment_slots = Table(
    "appointment_slots",
    metadata,
    Column("id", BigId, primary_key=True),
    Column("centre_id", BigId, ForeignKey("centres.id"), nullable=False),
    Column("group_code", String(1), nullable=False),
    Column("starts_at", UTCDateTime, nullable=False),
    Column("ends_at", UTCDateTime, nullable=False),
    Column("capacity", Integer, nullable=False),
    # Taken places: a booking is UPDATE ... SET booked = booked + 1 WHERE booked < capacity.
    Column("booked", Integer, nullable=False, server_default="0"),
    UniqueConstraint("centre_id", "group_code", "starts_at"),
    CheckConstraint("booked >= 0 AND booked <= capacity", name="places"),
)

appointments = Table(
    "appointments",
    metadata,
    Column("id", BigId, primary_key=True),
    # What the visitor shows at check-in (8 characters, no look-alikes).
    Column("code", String(8), nullable=False, unique=True),
    Column("slot_id", BigId, ForeignKey("appointment_slots.id"), nullable=False),
    Column("user_id", BigId, ForeignKey("users.id"), nullable=False),
    Column("item_code", String(40), nullable=False),
    Column("status", String(12), nullable=False),
    Column("booked_at", UTCDateTime, nullable=False),
    Column("cancelled_at", UTCDateTime, nullable=True),
    Column("checked_in_at", UTCDateTime, nullable=True),
    Column("ticket_id", BigId, ForeignKey("queue_tickets.id"), nullable=True),
    Column("reminded_at", UTCDateTime, nullable=True),
    Column("lock_version", Integer, nullable=False, server_default="1"),
    CheckConstraint(f"status in ({_BOOKING_STATUSES})", name="status"),
)
# One active booking per person and item, whatever the concurrency.
Index(
    "uq_appointments_active",
    appointments.c.user_id,
    appointments.c.item_code,
    unique=True,
    sqlite_where=text("status = 'booked'"),
    postgresql_where=text("status = 'booked'"),
)
Index("ix_appointments_user_status", appointments.c.user_id, appointments.c.status)
Index("ix_appointments_slot", appointments.c.slot_id)
