"""Tables of the service desk: the hard-case window (办不成事) and consultation (咨询).

Mirrors migration 0014; imported at the end of ``tables`` so ``metadata`` holds every table.
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
)

from tongban.adapters.db.tables import metadata
from tongban.adapters.db.types import BigId, JSONDoc, UTCDateTime

HARD_CASE_TYPES = (
    "'cannot_accept', 'missing_proof', 'cross_department', 'no_policy', 'delayed', 'system', "
    "'other'"
)
HARD_CASE_STATUSES = "'open', 'in_progress', 'resolved'"
HARD_CASE_OUTCOMES = "'solved', 'referred', 'explained', 'withdrawn'"
HARD_CASE_EVENTS = "'raised', 'assigned', 'note', 'resolved', 'feedback', 'reopened'"

hard_cases = Table(
    "hard_cases",
    metadata,
    Column("id", BigId, primary_key=True),
    # BC + six digits of the id (domain.service_desk.hard_cases.hard_case_number).
    Column("number", String(20), nullable=False, unique=True),
    Column("type", String(20), nullable=False),
    Column("status", String(12), nullable=False),
    Column("raised_via", String(10), nullable=False),
    # The centre whose hard-case window owns the problem.
    Column("centre_id", BigId, ForeignKey("centres.id"), nullable=False),
    Column("case_id", BigId, ForeignKey("cases.id"), nullable=True),
    # The citizen or company concerned, asked afterwards whether it was solved (may be none
    # when a clerk escalates a problem of the service itself).
    Column("person_id", BigId, ForeignKey("users.id"), nullable=True),
    Column("raised_by", BigId, ForeignKey("users.id"), nullable=False),
    Column("summary", String(100), nullable=False),
    Column("description", Text, nullable=False),
    Column("owner_id", BigId, ForeignKey("users.id"), nullable=True),
    # Working days on the official calendar from the day it was raised (or reopened).
    Column("due_on", Date, nullable=False),
    Column("raised_at", UTCDateTime, nullable=False),
    Column("outcome", String(12), nullable=True),
    Column("resolution", Text, nullable=False, server_default=""),
    Column("resolved_at", UTCDateTime, nullable=True),
    Column("resolved_by", BigId, ForeignKey("users.id"), nullable=True),
    # The person's answer to 问题解决了吗？ after the last resolution (NULL: not yet given).
    Column("feedback_solved", Boolean, nullable=True),
    Column("feedback_at", UTCDateTime, nullable=True),
    Column("reopened", Integer, nullable=False, server_default="0"),
    # The worker's reminder when the person has not answered, and the recorded "no answer"
    # (未回复) some working days later; both cleared by a new resolution (migration 0017).
    Column("feedback_reminded_at", UTCDateTime, nullable=True),
    Column("feedback_lapsed_at", UTCDateTime, nullable=True),
    # Optimistic lock: every change is UPDATE ... WHERE lock_version = <the version read>.
    Column("lock_version", Integer, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    CheckConstraint(f"type in ({HARD_CASE_TYPES})", name="type"),
    CheckConstraint(f"status in ({HARD_CASE_STATUSES})", name="status"),
    CheckConstraint("raised_via in ('online', 'window')", name="raised_via"),
    CheckConstraint(f"outcome in ({HARD_CASE_OUTCOMES})", name="outcome"),
)
Index("ix_hard_cases_centre_status", hard_cases.c.centre_id, hard_cases.c.status)
Index("ix_hard_cases_status_due_on", hard_cases.c.status, hard_cases.c.due_on)
Index("ix_hard_cases_person", hard_cases.c.person_id)

hard_case_events = Table(
    "hard_case_events",
    metadata,
    # Append-only history: raised, owner set, notes, resolutions, the person's feedback.
    Column("id", BigId, primary_key=True),
    Column("hard_case_id", BigId, ForeignKey("hard_cases.id"), nullable=False),
    Column("kind", String(12), nullable=False),
    Column("actor_id", BigId, ForeignKey("users.id"), nullable=True),
    Column("body", Text, nullable=False, server_default=""),
    Column("detail", JSONDoc, nullable=False),
    Column("at", UTCDateTime, nullable=False),
    CheckConstraint(f"kind in ({HARD_CASE_EVENTS})", name="kind"),
)
Index("ix_hard_case_events_hard_case", hard_case_events.c.hard_case_id)

consultations = Table(
    "consultations",
    metadata,
    Column("id", BigId, primary_key=True),
    # ZX + six digits of the id (domain.service_desk.consultation.question_number).
    Column("number", String(20), nullable=False, unique=True),
    Column("item_id", BigId, ForeignKey("service_items.id"), nullable=False),
    # The item's department when the question was asked: it answers.
    Column("department_id", BigId, ForeignKey("departments.id"), nullable=False),
    Column("asker_id", BigId, ForeignKey("users.id"), nullable=False),
    Column("asked_via", String(12), nullable=False),
    # The clerk's centre when a clerk took the question down.
    Column("centre_id", BigId, ForeignKey("centres.id"), nullable=True),
    Column("asked_by", BigId, ForeignKey("users.id"), nullable=False),
    Column("question", Text, nullable=False),
    Column("status", String(10), nullable=False),
    Column("due_on", Date, nullable=False),
    Column("asked_at", UTCDateTime, nullable=False),
    Column("answer", Text, nullable=False, server_default=""),
    Column("answered_at", UTCDateTime, nullable=True),
    Column("answered_by", BigId, ForeignKey("users.id"), nullable=True),
    Column("lock_version", Integer, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    CheckConstraint("asked_via in ('online', 'self_service', 'window')", name="asked_via"),
    CheckConstraint("status in ('open', 'answered')", name="status"),
)
Index("ix_consultations_department_status", consultations.c.department_id, consultations.c.status)
Index("ix_consultations_status_due_on", consultations.c.status, consultations.c.due_on)
Index("ix_consultations_asker", consultations.c.asker_id)

item_faqs = Table(
    "item_faqs",
    metadata,
    # Frequently asked questions on an item's guide, outside the versioned item spec: publishing
    # one is not a new version of the item.
    Column("id", BigId, primary_key=True),
    Column("item_id", BigId, ForeignKey("service_items.id"), nullable=False),
    # The question it was published from; unique, so of two chiefs publishing it one wins.
    Column("consultation_id", BigId, ForeignKey("consultations.id"), nullable=True, unique=True),
    Column("question", Text, nullable=False),
    Column("answer", Text, nullable=False),
    Column("published_at", UTCDateTime, nullable=False),
    Column("published_by", BigId, ForeignKey("users.id"), nullable=True),
    Column("withdrawn_at", UTCDateTime, nullable=True),
    Column("withdrawn_by", BigId, ForeignKey("users.id"), nullable=True),
)
Index("ix_item_faqs_item", item_faqs.c.item_id)
