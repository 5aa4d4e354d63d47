"""The hash chain of a case's audit trail: each entry's hash covers the previous hash.

``hash = SHA-256(prev_hash + canonical JSON of the entry)``, the JSON with sorted keys,
unescaped Chinese, compact separators and datetimes as ISO 8601 in UTC with microseconds, so
the same entry hashes the same on SQLite and PostgreSQL.  Editing, deleting or reordering an
entry breaks the chain (or the 1, 2, 3… sequence) from that entry on.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

HASHED_FIELDS = (
    "case",
    "seq",
    "type",
    "from_status",
    "to_status",
    "at",
    "actor_id",
    "role",
    "centre_code",
    "reason",
    "detail",
    "request_id",
)


def _default(value: Any) -> str:
    if isinstance(value, datetime):
        return canonical_instant(value)
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"not canonical JSON: {type(value).__name__}")


def canonical_instant(at: datetime) -> str:
    if at.tzinfo is None:
        raise ValueError("naive datetime in an audit entry")
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def canonical_json(entry: Mapping[str, Any]) -> str:
    """The entry's hashed fields as canonical JSON (unknown keys are ignored)."""
    body = {name: entry.get(name) for name in HASHED_FIELDS}
    return json.dumps(
        body, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=_default
    )


def entry_hash(prev_hash: str, entry: Mapping[str, Any]) -> str:
    """SHA-256 (hex) over the previous hash and the entry's canonical JSON."""
    return hashlib.sha256((prev_hash + canonical_json(entry)).encode("utf-8")).hexdigest()
