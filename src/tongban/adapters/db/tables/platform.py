"""The platform's tables: the working calendar, the jurisdiction served, the audit and
data-access logs, and the write path's infrastructure (outbox, inbox, idempotency keys, the
worker's leases, sweep failures and heartbeats).
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

from tongban.adapters.db.tables.base import metadata
from tongban.adapters.db.types import BigId, JSONDoc, UTCDateTime

calendar_days = Table(
    "calendar_days",
    metadata,
    Column("day", Date, primary_key=True),
    Column("kind", String(16), nullable=False),
    Column("name", String(40), nullable=False, server_default=""),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("updated_by", BigId, ForeignKey("users.id"), nullable=True),
    CheckConstraint("kind in ('workday', 'rest', 'holiday', 'makeup_workday')", name="kind"),
)
# The calendar cache checks (count, max(updated_at)) on every deadline computation.
Index("ix_calendar_days_updated_at", calendar_days.c.updated_at)

# Where each imported year comes from: the notice's number and date, and whether the file was
# an example (示例) rather than the State Council's notice.  Seeded official years have no row.
calendar_years = Table(
    "calendar_years",
    metadata,
    Column("year", Integer, primary_key=True, autoincrement=False),
    Column("example", Boolean, nullable=False, server_default=false()),
    Column("reference", String(200), nullable=False, server_default=""),
    Column("published", Date, nullable=True),
    Column("imported_at", UTCDateTime, nullable=False),
    Column("imported_by", BigId, ForeignKey("users.id"), nullable=True),
)

# The jurisdiction the deployment serves (one row, written by ``tongban init``): its region code
# and the whole validated document (domain.shared.jurisdiction), read through
# services/platform/jurisdiction.py.
jurisdiction = Table(
    "jurisdiction",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("region_code", String(6), nullable=False),
    Column("document", JSONDoc, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    CheckConstraint("id = 1", name="single_row"),
)

# On PostgreSQL the two logs below are partitioned by month of ``at`` (migration 0039,
# ``partitions.py``): their primary key there is ``(id, at)``, ``id`` unique by its sequence.
audit_log = Table(
    "audit_log",
    metadata,
    Column("id", BigId, primary_key=True),
    Column("at", UTCDateTime, nullable=False),
    Column("actor_id", BigId, ForeignKey("users.id"), nullable=True),
    Column("action", String(60), nullable=False),
    Column("object_type", String(40), nullable=False),
    Column("object_key", String(80), nullable=False),
    Column("detail", JSONDoc, nullable=False),
    Column("request_id", String(64), nullable=False, server_default=""),
)
Index("ix_audit_log_object", audit_log.c.object_type, audit_log.c.object_key)

data_access_log = Table(
    "data_access_log",
    metadata,
    Column("id", BigId, primary_key=True),
    Column("at", UTCDateTime, nullable=False),
    Column("actor_id", BigId, ForeignKey("users.id"), nullable=True),
    # Whose personal data was read.
    Column("subject_id", BigId, ForeignKey("users.id"), nullable=False),
    Column("what", String(200), nullable=False),
    Column("purpose", String(200), nullable=False),
    Column("allowed", Boolean, nullable=False),
    Column("request_id", String(64), nullable=False, server_default=""),
)
Index("ix_data_access_log_subject", data_access_log.c.subject_id, data_access_log.c.at)


# ---------------------------------------------------------------------------------------------
# Write-path infrastructure (migration 0003): the outbox and its worker, the in-app inbox,
# idempotency keys, and the leases of the worker's periodic sweeps.
# ---------------------------------------------------------------------------------------------

outbox = Table(
    "outbox",
    metadata,
    Column("id", BigId, primary_key=True),
    Column("kind", String(20), nullable=False),
    Column("payload", JSONDoc, nullable=False),
    # The same logical message enqueued twice is stored once.
    Column("dedup_key", String(200), nullable=True, unique=True),
    Column("status", String(10), nullable=False, server_default="pending"),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("last_error", String(500), nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("available_at", UTCDateTime, nullable=False),
    Column("claimed_by", String(100), nullable=True),
    # A lease: a worker that dies mid-delivery loses its claim when this passes.
    Column("claimed_until", UTCDateTime, nullable=True),
    Column("sent_at", UTCDateTime, nullable=True),
    # The request (or command) that queued it: the worker logs its delivery under the same id.
    Column("request_id", String(64), nullable=True),
    CheckConstraint("status in ('pending', 'claimed', 'sent', 'failed')", name="status"),
    # Ids are never reused on SQLite either: an outbox id is the gateway's idempotency token.
    sqlite_autoincrement=True,
)
Index("ix_outbox_status_available_at", outbox.c.status, outbox.c.available_at)

inbox_messages = Table(
    "inbox_messages",
    metadata,
    Column("id", BigId, primary_key=True),
    Column("user_id", BigId, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("title", String(200), nullable=False),
    Column("body", Text, nullable=False),
    Column("link", String(300), nullable=False, server_default=""),
    Column("created_at", UTCDateTime, nullable=False),
    Column("read_at", UTCDateTime, nullable=True),
    # No foreign key: sent outbox rows are purged after 30 days, their messages stay.  Unique,
    # so delivering one outbox row twice can never create two messages.
    Column("outbox_id", BigId, nullable=True, unique=True),
)
Index("ix_inbox_messages_user_created", inbox_messages.c.user_id, inbox_messages.c.created_at)

idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    # The principal's user id, or 'anon': one client's key never replays another's answer.
    Column("scope", String(40), primary_key=True),
    Column("key", String(200), primary_key=True),
    Column("request_hash", String(64), nullable=False),
    Column("status", String(12), nullable=False),
    # A random token per attempt: only the attempt holding it may record the answer.
    Column("owner", String(32), nullable=False),
    Column("response_status", Integer, nullable=True),
    Column("response_body", JSONDoc, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    CheckConstraint("status in ('in_progress', 'done')", name="status"),
)
Index("ix_idempotency_keys_expires_at", idempotency_keys.c.expires_at)

job_runs = Table(
    "job_runs",
    metadata,
    Column("name", String(60), primary_key=True),
    Column("last_started_at", UTCDateTime, nullable=True),
    Column("last_finished_at", UTCDateTime, nullable=True),
    # A lease, so only one worker runs a sweep at a time across processes.
    Column("locked_by", String(100), nullable=True),
    Column("locked_until", UTCDateTime, nullable=True),
)

sweep_failures = Table(
    "sweep_failures",
    metadata,
    # Migration 0040.  A row a batched sweep could not handle: logged, counted, kept here; the
    # sweep went on with the rest and tries the row again on its next run.
    Column("id", BigId, primary_key=True),
    Column("sweep", String(60), nullable=False),
    Column("row_key", String(100), nullable=False),
    Column("error", String(500), nullable=False),
    Column("failed_at", UTCDateTime, nullable=False),
)
Index("ix_sweep_failures_sweep_failed_at", sweep_failures.c.sweep, sweep_failures.c.failed_at)

worker_heartbeats = Table(
    "worker_heartbeats",
    metadata,
    # Migration 0022.  One row per running worker, refreshed while it works; /readyz reads it.
    Column("worker_id", String(100), primary_key=True),
    Column("host", String(100), nullable=False),
    Column("pid", Integer, nullable=False),
    Column("started_at", UTCDateTime, nullable=False),
    Column("beat_at", UTCDateTime, nullable=False),
)
