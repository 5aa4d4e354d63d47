"""双随机: a random sample of subjects, each with a random inspector, replayable and verifiable.

The draw is a pure function of a seed and two pools: each subject is ranked by
HMAC-SHA256(seed, "subject:" + key) and the lowest ``size`` taken; each drawn subject's inspector
is HMAC-SHA256(seed, "inspector:" + key) modulo the inspector pool.  The seed is drawn from the
operating system's secure generator when the draw runs and stored only afterwards, so nobody
can know the outcome in advance; the pools are stored with their SHA-256 so that the record can
be replayed (same seed, same pools, same outcome) and a changed pool is detected.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

SEED_BYTES = 32
MAX_SAMPLE = 200


def snapshot_hash(pool: Sequence[Any]) -> str:
    """SHA-256 of the canonical JSON of a pool (keys sorted, no spaces, UTF-8)."""
    text = json.dumps(list(pool), ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def _score(seed: str, label: str) -> int:
    digest = hmac.new(bytes.fromhex(seed), label.encode(), hashlib.sha256).digest()
    return int.from_bytes(digest, "big")


@dataclass(frozen=True)
class Pick:
    subject: str
    inspector_id: int

    def as_dict(self) -> dict[str, Any]:
        return {"subject": self.subject, "inspector_id": self.inspector_id}


def draw(seed: str, subjects: Sequence[str], inspectors: Sequence[int], size: int) -> list[Pick]:
    """The sample: ``size`` subjects (all when fewer), in draw order, each with an inspector."""
    ranked = sorted(subjects, key=lambda key: (_score(seed, f"subject:{key}"), key))
    chosen = ranked[: max(0, size)]
    pool = sorted(inspectors)
    return [Pick(key, pool[_score(seed, f"inspector:{key}") % len(pool)]) for key in chosen]


@dataclass(frozen=True)
class Replay:
    """What a replay found: each check and whether the whole record holds."""

    subject_pool_ok: bool
    inspector_pool_ok: bool
    outcome_ok: bool
    recomputed: list[Pick]

    @property
    def ok(self) -> bool:
        return self.subject_pool_ok and self.inspector_pool_ok and self.outcome_ok


def replay(
    seed: str,
    subject_pool: Sequence[dict[str, Any]],
    subject_pool_hash: str,
    inspector_pool: Sequence[int],
    inspector_pool_hash: str,
    size: int,
    recorded: Sequence[dict[str, Any]],
) -> Replay:
    """Recompute a stored draw and compare pools with their hashes and the outcome with the
    recorded one."""
    keys = [str(entry["key"]) for entry in subject_pool]
    picks = draw(seed, keys, inspector_pool, size) if keys and inspector_pool else []
    return Replay(
        subject_pool_ok=snapshot_hash(subject_pool) == subject_pool_hash,
        inspector_pool_ok=snapshot_hash(inspector_pool) == inspector_pool_hash,
        outcome_ok=[p.as_dict() for p in picks] == [dict(r) for r in recorded],
        recomputed=picks,
    )
