"""Tables of 好差评: ratings of cases and queue tickets, the rectification of poor ones with
their call-backs, and the signed SMS rating links.

Mirrors migration 0018; imported at the end of ``tables`` so ``metadata`` holds every table.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    false,
)

from tongban.adapters.db.tables import metadata
from tongban.adapters.db.types import BigId, JSONDoc, UTCDateTime

LEVELS = "'very_satisfied', 'satisfied', 'fairly_satisfied', 'dissatisfied', 'very_dissatisfied'"
CHANNELS = "'online', 'pad', 'sms', 'kiosk'"

ratings = Table(
    "ratings",
    metadata,
    Column("id", BigId, primary_key=True),
    Column("subject", String(8), nullable=False),
    # 一事一评 / 一次一评: unique, so of two ratings of one case or ticket exactly one is stored.
    Column("case_id", BigId, ForeignKey("cases.id"), nullable=True, unique=True),
    Column("ticket_id", BigId, ForeignKey("queue_tickets.id"), nullable=True, unique=True),
    # NULL for a visitor at a pad whose ticket names nobody (anonymous, not real-name).
    Column("rater_id", BigId, ForeignKey("users.id"), nullable=True),
    Column("channel", String(8), nullable=False),
    Column("level", String(20), nullable=False),
    Column("score", Integer, nullable=False),
    Column("dimensions", JSONDoc, nullable=False),
    Column("comment", Text, nullable=False, server_default=""),
    # What the statistics count by, fixed when the rating is given.
    Column("item_id", BigId, ForeignKey("service_items.id"), nullable=True),
    Column("department_id", BigId, ForeignKey("departments.id"), nullable=True),
    Column("centre_id", BigId, ForeignKey("centres.id"), nullable=True),
    Column("staff_id", BigId, ForeignKey("users.id"), nullable=True),
    Column("rated_at", UTCDateTime, nullable=False),
    Column("edits", Integer, nullable=False, server_default="0"),
    Column("edited_at", UTCDateTime, nullable=True),
    Column("lock_version", Integer, nullable=False),
    CheckConstraint("subject in ('case', 'ticket')", name="subject"),
    CheckConstraint(f"level in ({LEVELS})", name="level"),
    CheckConstraint(f"channel in ({CHANNELS})", name="channel"),
    CheckConstraint("score between 1 and 5", name="score"),
)
Index("ix_ratings_rated_at", ratings.c.rated_at)
Index("ix_ratings_department", ratings.c.department_id)
Index("ix_ratings_rater", ratings.c.rater_id)

rectifications = Table(
    "rectifications",
    metadata,
    Column("id", BigId, primary_key=True),
    # ZG + six digits of the id (domain.evaluation.rectification.rectification_number).
    Column("number", String(20), nullable=False, unique=True),
    Column("rating_id", BigId, ForeignKey("ratings.id"), nullable=False, unique=True),
    Column("department_id", BigId, ForeignKey("departments.id"), nullable=True),
    Column("centre_id", BigId, ForeignKey("centres.id"), nullable=True),
    Column("owner_id", BigId, ForeignKey("users.id"), nullable=True),
    Column("status", String(10), nullable=False),
    # Working days on the official calendar from the day the poor rating was given.
    Column("due_on", Date, nullable=False),
    Column("opened_at", UTCDateTime, nullable=False),
    Column("called_back", Boolean, nullable=False, server_default=false()),
    Column("response", Text, nullable=False, server_default=""),
    Column("responded_at", UTCDateTime, nullable=True),
    Column("responded_by", BigId, ForeignKey("users.id"), nullable=True),
    Column("re_level", String(20), nullable=True),
    Column("re_rated_at", UTCDateTime, nullable=True),
    Column("lock_version", Integer, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    CheckConstraint("status in ('open', 'responded', 'closed')", name="status"),
)
Index("ix_rectifications_status_due_on", rectifications.c.status, rectifications.c.due_on)
Index("ix_rectifications_department", rectifications.c.department_id)

rectification_callbacks = Table(
    "rectification_callbacks",
    metadata,
    # 回访 records, append-only: the day, who called, how it went, what was said.
    Column("id", BigId, primary_key=True),
    Column("rectification_id", BigId, ForeignKey("rectifications.id"), nullable=False),
    Column("called_on", Date, nullable=False),
    Column("by_id", BigId, ForeignKey("users.id"), nullable=False),
    Column("outcome", String(12), nullable=False),
    Column("note", Text, nullable=False, server_default=""),
    Column("recorded_at", UTCDateTime, nullable=False),
    CheckConstraint("outcome in ('reached', 'unreachable', 'declined')", name="outcome"),
)
Index("ix_rectification_callbacks_task", rectification_callbacks.c.rectification_id)

rating_links = Table(
    "rating_links",
    metadata,
    # The SMS link of a finished case: one per case; the token names ``jti`` and is signed.
    Column("id", BigId, primary_key=True),
    Column("jti", String(32), nullable=False, unique=True),
    Column("case_id", BigId, ForeignKey("cases.id"), nullable=False, unique=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("used_at", UTCDateTime, nullable=True),
)
