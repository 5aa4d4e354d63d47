"""The relational schema, as SQLAlchemy Core tables shared by both engines.

Migrations under ``migrations/`` are the source of truth for the deployed schema; this module
mirrors them so queries can be written with Core, and a test checks the two agree.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
    text,
    true,
)

from tongban.adapters.db.types import BigId, JSONDoc, UTCDateTime

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

departments = Table(
    "departments",
    metadata,
    Column("id", BigId, primary_key=True),
    Column("code", String(40), nullable=False, unique=True),
    Column("name", String(60), nullable=False, unique=True),
    Column("short_name", String(30), nullable=False, server_default=""),
)

centres = Table(
    "centres",
    metadata,
    Column("id", BigId, primary_key=True),
    Column("code", String(40), nullable=False, unique=True),
    Column("name", String(80), nullable=False),
    Column("level", String(12), nullable=False),
    Column("parent_id", BigId, ForeignKey("centres.id"), nullable=True),
    Column("town", String(20), nullable=False, server_default=""),
    Column("address", String(200), nullable=False, server_default=""),
    Column("latitude", Float, nullable=False),
    Column("longitude", Float, nullable=False),
    Column("opening_hours", String(200), nullable=False, server_default=""),
    Column("phone", String(40), nullable=False, server_default=""),
    Column("windows", Integer, nullable=False, server_default="1"),
    Column("accessibility", JSONDoc, nullable=False),
    # {"groups": [WindowGroup...], "windows": [ServiceWindow...]}; NULL: no numbered windows.
    Column("layout", JSONDoc, nullable=True),
    CheckConstraint("level in ('district', 'town', 'community')", name="level"),
)
Index("ix_centres_town_level", centres.c.town, centres.c.level)

service_items = Table(
    "service_items",
    metadata,
    Column("id", BigId, primary_key=True),
    Column("code", String(40), nullable=False, unique=True),
    Column("status", String(12), nullable=False),
    Column("department_id", BigId, ForeignKey("departments.id"), nullable=False),
    # Denormalised from the published version for lists, search and statistics.
    Column("name", String(200), nullable=False),
    Column("level", String(12), nullable=False),
    Column("kind", String(12), nullable=False),
    Column("audience", String(12), nullable=False),
    Column("category", String(40), nullable=False, server_default=""),
    Column("promised_limit_days", Integer, nullable=False),
    Column("legal_limit_days", Integer, nullable=False),
    Column("online_capable", Boolean, nullable=False),
    Column("fully_online", Boolean, nullable=False),
    Column("smart_approval", Boolean, nullable=False),
    Column("certificate_free", Boolean, nullable=False),
    # Where the item is handled (handled_at): after the flattening reform at every town
    # centre; community centres handle the items marked for them (migration 0016).
    Column("handled_at_district", Boolean, nullable=False, server_default=false()),
    Column("handled_at_town", Boolean, nullable=False, server_default=false()),
    Column("handled_at_community", Boolean, nullable=False, server_default=false()),
    Column("published_version", Integer, nullable=True),
    # The spec being edited, if any; published versions live in service_item_versions.
    Column("draft", JSONDoc, nullable=True),
    Column("lock_version", Integer, nullable=False, server_default="1"),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    CheckConstraint("status in ('draft', 'published', 'withdrawn')", name="status"),
)
Index("ix_service_items_department_status", service_items.c.department_id, service_items.c.status)

service_item_versions = Table(
    "service_item_versions",
    metadata,
    Column("id", BigId, primary_key=True),
    Column("item_id", BigId, ForeignKey("service_items.id"), nullable=False),
    Column("version", Integer, nullable=False),
    Column("spec", JSONDoc, nullable=False),
    Column("note", String(500), nullable=False, server_default=""),
    Column("published_at", UTCDateTime, nullable=False),
    Column("published_by", BigId, ForeignKey("users.id"), nullable=True),
    UniqueConstraint("item_id", "version", name="uq_service_item_versions_item_version"),
)

item_search = Table(
    "item_search",
    metadata,
    Column("item_id", BigId, ForeignKey("service_items.id"), primary_key=True),
    # Space-separated search terms: words, pinyin, initials, synonyms and needs.
    Column("document", Text, nullable=False),
)

search_state = Table(
    "search_state",
    metadata,
    Column("id", BigId, primary_key=True),
    # A random token replaced on every index change: caches built for another token are stale.
    Column("generation", String(32), nullable=False),
)
# Engine-specific search objects live only in migration 0002: the FTS5 table item_search_fts
# (SQLite) and the generated column item_search.document_tsv with its GIN index (PostgreSQL).
SEARCH_ONLY_IN_MIGRATIONS = frozenset(
    {"item_search_fts", "document_tsv", "ix_item_search_document_tsv"}
)

list_entries = Table(
    "list_entries",
    metadata,
    Column("id", BigId, primary_key=True),
    Column("kind", String(12), nullable=False),
    Column("code", String(40), nullable=False, unique=True),
    Column("department_id", BigId, ForeignKey("departments.id"), nullable=False),
    Column("item_code", String(40), nullable=True),
    Column("title", String(300), nullable=False),
    Column("entry", JSONDoc, nullable=False),
    CheckConstraint("kind in ('negative', 'permit', 'supervision')", name="kind"),
)
Index("ix_list_entries_kind", list_entries.c.kind)

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

users = Table(
    "users",
    metadata,
    Column("id", BigId, primary_key=True),
    Column("kind", String(12), nullable=False),
    Column("username", String(60), nullable=True, unique=True),
    Column("id_type", String(40), nullable=True),
    Column("id_number", String(40), nullable=True),
    Column("credit_code", String(18), nullable=True, unique=True),
    Column("name", String(100), nullable=False),
    Column("phone", String(20), nullable=True),
    Column("legal_representative", String(100), nullable=True),
    Column("legal_representative_id", String(40), nullable=True),
    Column("password_hash", String(200), nullable=True),
    Column("is_active", Boolean, nullable=False, server_default=true()),
    Column("failed_logins", Integer, nullable=False, server_default="0"),
    Column("locked_until", UTCDateTime, nullable=True),
    Column("last_login_at", UTCDateTime, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    # Migration 0026: a password someone else chose must be changed at the next sign-in; a
    # staff password older than the maximum age too.
    Column("must_change_password", Boolean, nullable=False, server_default=false()),
    Column("password_changed_at", UTCDateTime, nullable=True),
    # Migration 0031: a staff member's 居民身份证号 from the staff file (personal data, shown
    # masked), and the optional TOTP second factor: its base32 secret (set while enrolling,
    # in force once ``totp_enabled_at`` is set) and the last time step used (no replay).
    Column("staff_id_number", String(18), nullable=True),
    Column("totp_secret", String(64), nullable=True),
    Column("totp_enabled_at", UTCDateTime, nullable=True),
    Column("totp_last_step", Integer, nullable=True),
    # Migration 0044 (跨境通办): a passport's or 永居证's nationality (ISO 3166-1 alpha-3),
    # and a foreign holder's Latin name as the document orders it, surname first.
    Column("nationality", String(3), nullable=True),
    Column("surname", String(60), nullable=True),
    Column("given_names", String(80), nullable=True),
    CheckConstraint("kind in ('staff', 'citizen', 'enterprise', 'service')", name="kind"),
)

Index("ix_users_staff_id_number", users.c.staff_id_number, unique=True)

# Migration 0046 (跨境通办): an identity number is unique per document, not across them.  One
# number may be a passport of two countries, or a passport and a 台胞证 or 回乡证; so a passport
# is unique per nationality and number, every other document (居民身份证, 居住证, 回乡证,
# 台胞证, 永居证, each issued by one authority) per type and number.  Lookups by number go
# through the plain index.
_PASSPORT = users.c.id_type == "passport"
Index("ix_users_id_number", users.c.id_number)
Index(
    "ix_users_document",
    users.c.id_number,
    users.c.id_type,
    unique=True,
    sqlite_where=~_PASSPORT,
    postgresql_where=~_PASSPORT,
)
Index(
    "ix_users_passport",
    users.c.id_number,
    users.c.nationality,
    unique=True,
    sqlite_where=_PASSPORT,
    postgresql_where=_PASSPORT,
)

totp_recovery_codes = Table(
    "totp_recovery_codes",
    metadata,
    # Migration 0031.  One-time recovery codes of a TOTP second factor: SHA-256 only.
    Column("id", BigId, primary_key=True),
    Column("user_id", BigId, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("code_hash", String(64), nullable=False),
    Column("used_at", UTCDateTime, nullable=True),
)
Index("ix_totp_recovery_codes_user", totp_recovery_codes.c.user_id)

password_history = Table(
    "password_history",
    metadata,
    # Migration 0026.  The hashes of an account's recent passwords (never chosen again).
    Column("id", BigId, primary_key=True),
    Column("user_id", BigId, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("password_hash", String(200), nullable=False),
    Column("set_at", UTCDateTime, nullable=False),
)
Index("ix_password_history_user", password_history.c.user_id)

api_tokens = Table(
    "api_tokens",
    metadata,
    # Migration 0023.  A service account's bearer token: ``tbk_<id>_<secret>``; only the
    # secret's SHA-256 is kept.  Scopes are the account's roles the token may use.
    Column("id", String(16), primary_key=True),
    Column("user_id", BigId, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(100), nullable=False),
    Column("secret_hash", String(64), nullable=False),
    Column("scopes", JSONDoc, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("created_by", BigId, ForeignKey("users.id"), nullable=True),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("revoked_at", UTCDateTime, nullable=True),
    Column("revoked_by", BigId, ForeignKey("users.id"), nullable=True),
    Column("last_used_at", UTCDateTime, nullable=True),
)
Index("ix_api_tokens_user", api_tokens.c.user_id)

role_assignments = Table(
    "role_assignments",
    metadata,
    Column("id", BigId, primary_key=True),
    Column("user_id", BigId, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("role", String(20), nullable=False),
    Column("level", String(12), nullable=False),
    Column("centre_id", BigId, ForeignKey("centres.id"), nullable=True),
    Column("department_id", BigId, ForeignKey("departments.id"), nullable=True),
)
Index("ix_role_assignments_user", role_assignments.c.user_id)

sessions = Table(
    "sessions",
    metadata,
    # SHA-256 of the cookie token: a leaked table does not leak live sessions.
    Column("id", String(64), primary_key=True),
    Column("user_id", BigId, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("ip", String(64), nullable=False, server_default=""),
    Column("user_agent", String(300), nullable=False, server_default=""),
)
Index("ix_sessions_user", sessions.c.user_id)

login_throttle = Table(
    "login_throttle",
    metadata,
    # ``account:<login>`` or ``ip:<address>``.
    Column("key", String(120), primary_key=True),
    Column("failures", Integer, nullable=False),
    Column("window_started_at", UTCDateTime, nullable=False),
    Column("locked_until", UTCDateTime, nullable=True),
)

sms_codes = Table(
    "sms_codes",
    metadata,
    Column("id", BigId, primary_key=True),
    Column("user_id", BigId, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("code_hash", String(128), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("used_at", UTCDateTime, nullable=True),
)
Index("ix_sms_codes_user", sms_codes.c.user_id)

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

# --- cases (办件): migration 0004 ---------------------------------------------------------------

_CASE_STATUSES = (
    "'draft', 'submitted', 'prechecked', 'accepted', 'not_accepted', 'correction_requested', "
    "'under_review', 'rejection_proposed', 'approved', 'rejected', 'result_issued', "
    "'delivered', 'archived', 'withdrawn', 'terminated'"
)

cases = Table(
    "cases",
    metadata,
    Column("id", BigId, primary_key=True),
    # prefix + '-' + yyyymmdd + '-' + daily sequence (domain.cases.numbers); older numbers
    # (NH + yyyymmdd + '-' + 6 digits) stay as they were.
    Column("number", String(32), nullable=False, unique=True),
    Column("item_id", BigId, ForeignKey("service_items.id"), nullable=False),
    # The catalogue version the case was filed under; later versions never apply to it.
    Column("item_version", Integer, nullable=False),
    Column("applicant_id", BigId, ForeignKey("users.id"), nullable=False),
    Column("channel", String(12), nullable=False),
    Column("status", String(24), nullable=False),
    # Optimistic lock: every save is UPDATE ... WHERE lock_version = <the version read>.
    Column("lock_version", Integer, nullable=False),
    Column("form", JSONDoc, nullable=False),
    Column("submitted_at", UTCDateTime, nullable=True),
    Column("accepted_on", Date, nullable=True),
    # NULL while a correction (补正) holds the clock.
    Column("deadline", Date, nullable=True),
    Column("accepting_centre_id", BigId, ForeignKey("centres.id"), nullable=True),
    # The competent department whose back office reviews the case.
    Column("department_id", BigId, ForeignKey("departments.id"), nullable=False),
    Column("pickup_centre_id", BigId, ForeignKey("centres.id"), nullable=True),
    Column("delivery_method", String(12), nullable=False),
    Column("decision", String(12), nullable=True),
    # 0 normal; 1 green channel (绿色通道): queues put these first.
    Column("priority", Integer, nullable=False, server_default="0"),
    # Materials, clock stops, 容缺 commitment, correction, proposal, result, item terms.
    Column("data", JSONDoc, nullable=False),
    # The end of the audit chain: its last seq and hash (detects a deleted last entry).
    Column("audit_seq", Integer, nullable=False, server_default="0"),
    Column("audit_head", String(64), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    CheckConstraint(f"status in ({_CASE_STATUSES})", name="status"),
    CheckConstraint("channel in ('online', 'window', 'mail', 'self_service')", name="channel"),
)
Index("ix_cases_status_department", cases.c.status, cases.c.department_id)
Index("ix_cases_applicant_id", cases.c.applicant_id, cases.c.id)
# Migration 0050: a centre's open cases are one range per status, however many closed ones.
Index("ix_cases_accepting_centre_status", cases.c.accepting_centre_id, cases.c.status)
Index("ix_cases_pickup_centre_status", cases.c.pickup_centre_id, cases.c.status)

case_events = Table(
    "case_events",
    metadata,
    # Append-only: rows are never updated or deleted; each hash covers the previous one.
    Column("id", BigId, primary_key=True),
    Column("case_id", BigId, ForeignKey("cases.id"), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("type", String(60), nullable=False),
    Column("from_status", String(24), nullable=True),
    Column("to_status", String(24), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("actor_id", BigId, ForeignKey("users.id"), nullable=True),
    Column("role", String(20), nullable=False),
    Column("centre_code", String(40), nullable=True),
    Column("reason", Text, nullable=False, server_default=""),
    Column("detail", JSONDoc, nullable=False),
    Column("request_id", String(64), nullable=False, server_default=""),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    UniqueConstraint("case_id", "seq", name="uq_case_events_case_seq"),
)
# Migration 0051: the cases decided by the rules (秒批), which metrics verify and rebuild look
# up, without reading every other event.
Index(
    "ix_case_events_automated_decision",
    case_events.c.case_id,
    sqlite_where=text("type = 'AutomatedDecision'"),
    postgresql_where=text("type = 'AutomatedDecision'"),
)

case_number_counters = Table(
    "case_number_counters",
    metadata,
    Column("day", Date, primary_key=True),
    Column("last", Integer, nullable=False),
)

# --- review steps (审查环节): migration 0005 ----------------------------------------------------

review_plans = Table(
    "review_plans",
    metadata,
    # One plan per item, not per version: a case copies the plan into its own steps when its
    # review starts, so changing the plan never touches a case already under review.
    Column("item_id", BigId, ForeignKey("service_items.id"), primary_key=True),
    # [[{name, role, department_code, budget_days}, ...], ...]: stages in order, steps parallel.
    Column("stages", JSONDoc, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("updated_by", BigId, ForeignKey("users.id"), nullable=True),
)

case_review_steps = Table(
    "case_review_steps",
    metadata,
    Column("id", BigId, primary_key=True),
    Column("case_id", BigId, ForeignKey("cases.id"), nullable=False),
    Column("stage", Integer, nullable=False),
    Column("name", String(60), nullable=False),
    Column("department_id", BigId, ForeignKey("departments.id"), nullable=False),
    Column("role", String(20), nullable=False),
    # A claim is UPDATE ... WHERE assignee_id IS NULL: of two claims, exactly one matches.
    Column("assignee_id", BigId, ForeignKey("users.id"), nullable=True),
    Column("budget_days", Integer, nullable=False),
    # Working days from the day the step's stage opened (NULL while the stage waits).
    Column("due_on", Date, nullable=True),
    Column("status", String(10), nullable=False),
    Column("outcome", String(10), nullable=True),
    Column("reasons", Text, nullable=False, server_default=""),
    Column("done_at", UTCDateTime, nullable=True),
    Column("done_by", BigId, ForeignKey("users.id"), nullable=True),
    CheckConstraint("status in ('pending', 'active', 'done')", name="status"),
    CheckConstraint("outcome in ('approve', 'reject')", name="outcome"),
    UniqueConstraint("case_id", "name", name="uq_case_review_steps_case_name"),
)
Index(
    "ix_case_review_steps_department_status",
    case_review_steps.c.department_id,
    case_review_steps.c.status,
)
Index(
    "ix_case_review_steps_assignee_status",
    case_review_steps.c.assignee_id,
    case_review_steps.c.status,
)

# Each area keeps its tables in its own module on the same ``metadata``; importing them here
# means whoever imports ``tables`` sees the whole schema.
from tongban.adapters.db import (  # noqa: E402, F401
    tables_approval,
    tables_bundles,
    tables_data_space,
    tables_evaluation,
    tables_federation,
    tables_indicators,
    tables_licences,
    tables_network,
    tables_projects,
    tables_rules,
    tables_self_service,
    tables_service_desk,
    tables_supervision,
    tables_visits,
)
