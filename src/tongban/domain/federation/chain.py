"""The exchange log's hash chain (X-Road style): each entry's hash covers the one before.

``hash = SHA-256(prev_hash ‖ canonical JSON of the entry)`` in lower-case hex, where the entry
is ``{seq, direction, peer, message_id, outcome, at, envelope_hash}``, ``at`` written as
``YYYY-MM-DDTHH:MM:SS.ffffffZ`` and ``envelope_hash`` the SHA-256 of the message's canonical
JSON.  The first entry's ``prev_hash`` is 64 zeros.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tongban.domain.federation.canonical import canonical, sha256_hex

GENESIS = "0" * 64


def log_instant(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def envelope_hash(envelope: Any) -> str:
    return sha256_hex(canonical(envelope))


def entry_hash(
    prev_hash: str,
    *,
    seq: int,
    direction: str,
    peer: str,
    message_id: str,
    outcome: str,
    at: datetime,
    envelope_hash: str,
) -> str:
    entry = {
        "seq": seq,
        "direction": direction,
        "peer": peer,
        "message_id": message_id,
        "outcome": outcome,
        "at": log_instant(at),
        "envelope_hash": envelope_hash,
    }
    return sha256_hex(prev_hash.encode("ascii") + canonical(entry))
