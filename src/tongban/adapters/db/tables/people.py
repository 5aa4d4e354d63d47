"""Tables of people and their sign-in: accounts of staff, citizens, enterprises and services,
their roles, sessions, tokens, second factor, password history, SMS codes and the sign-in
throttle.

Mirrors migration 0001 and the later changes to these tables (0023, 0026, 0031, 0044, 0046).
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    false,
    true,
)

from tongban.adapters.db.tables.base import metadata
from tongban.adapters.db.types import BigId, JSONDoc, UTCDateTime

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
