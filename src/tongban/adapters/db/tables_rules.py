"""Tables for the rules as code: versioned rule sets per item and the automated decisions (秒批).

Mirrors migration 0008; imported at the end of ``tables`` so ``metadata`` holds every table.
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
    Text,
    UniqueConstraint,
)

from tongban.adapters.db.tables import metadata
from tongban.adapters.db.types import BigId, JSONDoc, UTCDateTime

rule_sets = Table(
    "rule_sets",
    metadata,
    Column("id", BigId, primary_key=True),
    Column("item_code", String(40), nullable=False),
    Column("version", Integer, nullable=False),
    Column("status", String(10), nullable=False),
    # The whole RuleSetSpec (title, dates, legal references, rules, result) as JSON; the dates
    # are repeated as columns for "the version in force on a day".
    Column("spec", JSONDoc, nullable=False),
    Column("effective_from", Date, nullable=False),
    Column("effective_to", Date, nullable=True),
    # Optimistic lock: a draft edit is UPDATE ... WHERE lock_version = <the version read>.
    Column("lock_version", Integer, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("created_by", BigId, ForeignKey("users.id"), nullable=True),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("published_at", UTCDateTime, nullable=True),
    Column("published_by", BigId, ForeignKey("users.id"), nullable=True),
    CheckConstraint("status in ('draft', 'published', 'retired')", name="status"),
    UniqueConstraint("item_code", "version", name="uq_rule_sets_item_version"),
)
Index("ix_rule_sets_item_status", rule_sets.c.item_code, rule_sets.c.status)

automated_decisions = Table(
    "automated_decisions",
    metadata,
    # Append-only: what the rules decided on one case, with everything needed to explain it.
    Column("id", BigId, primary_key=True),
    Column("case_id", BigId, ForeignKey("cases.id"), nullable=False, unique=True),
    Column("case_number", String(32), nullable=False),
    Column("item_code", String(40), nullable=False),
    Column("rule_set_id", BigId, ForeignKey("rule_sets.id"), nullable=False),
    Column("rule_set_version", Integer, nullable=False),
    # {"form": ..., "data": ..., "pred": ..., "today": ...} exactly as the rules saw them.
    Column("inputs", JSONDoc, nullable=False),
    Column("outcome", String(20), nullable=False),
    # One entry per rule: id, statement, legal basis, outcome, explanation, missing data.
    Column("explanation", JSONDoc, nullable=False),
    Column("licence_id", String(64), nullable=True),
    Column("decided_at", UTCDateTime, nullable=False),
    CheckConstraint("outcome in ('approve', 'manual_review')", name="outcome"),
)
Index("ix_automated_decisions_item", automated_decisions.c.item_code)

human_review_requests = Table(
    "human_review_requests",
    metadata,
    # PIPL 第二十四条: the applicant asks a person to review an automated decision; once only.
    Column("id", BigId, primary_key=True),
    Column("decision_id", BigId, ForeignKey("automated_decisions.id"), nullable=False),
    Column("case_id", BigId, ForeignKey("cases.id"), nullable=False),
    Column("requested_by", BigId, ForeignKey("users.id"), nullable=False),
    Column("reason", Text, nullable=False, server_default=""),
    Column("status", String(10), nullable=False),
    Column("requested_at", UTCDateTime, nullable=False),
    CheckConstraint("status in ('open', 'closed')", name="status"),
    UniqueConstraint("decision_id", name="uq_human_review_requests_decision_id"),
)
