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
    true,
)

from tongban.adapters.db.types import JSONDoc, UTCDateTime

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
    Column("id", Integer, primary_key=True),
    Column("code", String(40), nullable=False, unique=True),
    Column("name", String(60), nullable=False, unique=True),
    Column("short_name", String(30), nullable=False, server_default=""),
)

centres = Table(
    "centres",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("code", String(40), nullable=False, unique=True),
    Column("name", String(80), nullable=False),
    Column("level", String(12), nullable=False),
    Column("parent_id", Integer, ForeignKey("centres.id"), nullable=True),
    Column("town", String(20), nullable=False, server_default=""),
    Column("address", String(200), nullable=False, server_default=""),
    Column("latitude", Float, nullable=False),
    Column("longitude", Float, nullable=False),
    Column("opening_hours", String(200), nullable=False, server_default=""),
    Column("phone", String(40), nullable=False, server_default=""),
    Column("windows", Integer, nullable=False, server_default="1"),
    Column("accessibility", JSONDoc, nullable=False),
    CheckConstraint("level in ('district', 'town', 'community')", name="level"),
)
Index("ix_centres_town_level", centres.c.town, centres.c.level)

service_items = Table(
    "service_items",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("code", String(40), nullable=False, unique=True),
    Column("status", String(12), nullable=False),
    Column("department_id", Integer, ForeignKey("departments.id"), nullable=False),
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
    Column("id", Integer, primary_key=True),
    Column("item_id", Integer, ForeignKey("service_items.id"), nullable=False),
    Column("version", Integer, nullable=False),
    Column("spec", JSONDoc, nullable=False),
    Column("note", String(500), nullable=False, server_default=""),
    Column("published_at", UTCDateTime, nullable=False),
    Column("published_by", Integer, ForeignKey("users.id"), nullable=True),
    UniqueConstraint("item_id", "version", name="uq_service_item_versions_item_version"),
)

item_search = Table(
    "item_search",
    metadata,
    Column("item_id", Integer, ForeignKey("service_items.id"), primary_key=True),
    # Space-separated search terms: words, pinyin, initials, synonyms and needs.
    Column("document", Text, nullable=False),
)

search_state = Table(
    "search_state",
    metadata,
    Column("id", Integer, primary_key=True),
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
    Column("id", Integer, primary_key=True),
    Column("kind", String(12), nullable=False),
    Column("code", String(40), nullable=False, unique=True),
    Column("department_id", Integer, ForeignKey("departments.id"), nullable=False),
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
    Column("updated_by", Integer, ForeignKey("users.id"), nullable=True),
    CheckConstraint("kind in ('workday', 'rest', 'holiday', 'makeup_workday')", name="kind"),
)
# The calendar cache checks (count, max(updated_at)) on every deadline computation.
Index("ix_calendar_days_updated_at", calendar_days.c.updated_at)

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(12), nullable=False),
    Column("username", String(60), nullable=True, unique=True),
    Column("id_type", String(40), nullable=True),
    Column("id_number", String(40), nullable=True, unique=True),
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
    CheckConstraint("kind in ('staff', 'citizen', 'enterprise')", name="kind"),
)

role_assignments = Table(
    "role_assignments",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("role", String(20), nullable=False),
    Column("level", String(12), nullable=False),
    Column("centre_id", Integer, ForeignKey("centres.id"), nullable=True),
    Column("department_id", Integer, ForeignKey("departments.id"), nullable=True),
)
Index("ix_role_assignments_user", role_assignments.c.user_id)

sessions = Table(
    "sessions",
    metadata,
    # SHA-256 of the cookie token: a leaked table does not leak live sessions.
    Column("id", String(64), primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
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
    Column("id", Integer, primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("code_hash", String(128), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("used_at", UTCDateTime, nullable=True),
)
Index("ix_sms_codes_user", sms_codes.c.user_id)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("at", UTCDateTime, nullable=False),
    Column("actor_id", Integer, ForeignKey("users.id"), nullable=True),
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
    Column("id", Integer, primary_key=True),
    Column("at", UTCDateTime, nullable=False),
    Column("actor_id", Integer, ForeignKey("users.id"), nullable=True),
    # Whose personal data was read.
    Column("subject_id", Integer, ForeignKey("users.id"), nullable=False),
    Column("what", String(200), nullable=False),
    Column("purpose", String(200), nullable=False),
    Column("allowed", Boolean, nullable=False),
    Column("request_id", String(64), nullable=False, server_default=""),
)
Index("ix_data_access_log_subject", data_access_log.c.subject_id, data_access_log.c.at)
