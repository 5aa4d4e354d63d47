"""The catalogue's tables: departments, service centres, the service items (事项) with their
published versions, the search index and the lists (清单).

Mirrors migration 0001 (the search state: 0002) and the later changes to these tables.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
)

from tongban.adapters.db.tables.base import metadata
from tongban.adapters.db.types import BigId, JSONDoc, UTCDateTime

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
