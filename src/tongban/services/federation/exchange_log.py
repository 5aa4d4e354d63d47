"""The exchange log: every message this node sends and receives (applied or refused), in one
append-only, hash-chained sequence (``domain.federation.chain``), checked by
``tongban node log verify``.

``federation_log_head`` holds the last entry's number and hash; each append updates it first,
so its row lock puts concurrent appends on PostgreSQL in one line, and deleting the newest
entries is found as well as editing, deleting or reordering older ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from tongban.adapters.db.tables_federation import federation_log, federation_log_head
from tongban.domain.federation.canonical import NotCanonical
from tongban.domain.federation.chain import GENESIS, entry_hash, envelope_hash
from tongban.services.platform.outbox import insert_or_ignore

SENT = "sent"
APPLIED = "applied"


def _storable(envelope: Any) -> Any:
    """The message as kept: itself when it has a canonical form, else a marker (a refused,
    malformed message is still logged)."""
    try:
        envelope_hash(envelope)
    except NotCanonical:
        return {"not_canonical": str(type(envelope).__name__)}
    return envelope


def append(
    conn: Connection,
    *,
    direction: str,
    peer: str,
    message_id: str,
    outcome: str,
    envelope: Any,
    at: datetime,
) -> int:
    """Append one entry in the caller's transaction; returns its number."""
    insert_or_ignore(conn, federation_log_head, ["id"], {"id": 1, "seq": 0, "hash": GENESIS})
    head = conn.execute(
        select(federation_log_head.c.seq, federation_log_head.c.hash)
        .where(federation_log_head.c.id == 1)
        .with_for_update()
    ).one()
    kept = _storable(envelope)
    fields: dict[str, Any] = {
        "seq": head.seq + 1,
        "direction": direction,
        "peer": peer[:6],
        "message_id": message_id[:64],
        "outcome": outcome[:40],
        "at": at,
        "envelope_hash": envelope_hash(kept),
    }
    digest = entry_hash(head.hash, **fields)
    conn.execute(
        insert(federation_log).values(**fields, envelope=kept, prev_hash=head.hash, hash=digest)
    )
    conn.execute(
        update(federation_log_head)
        .where(federation_log_head.c.id == 1)
        .values(seq=fields["seq"], hash=digest)
    )
    return int(fields["seq"])


@dataclass(frozen=True)
class LogReport:
    entries: int
    broken_at: int | None = None
    problem: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_at is None


def verify(conn: Connection) -> LogReport:
    """Walk the chain from the first entry; report the first entry that breaks it."""
    prev, expected = GENESIS, 1
    rows = conn.execute(
        select(federation_log).order_by(federation_log.c.seq).execution_options(yield_per=1000)
    )
    for row in rows:
        if row.seq != expected:
            return LogReport(
                expected - 1, expected, f"缺少第 {expected} 条记录（序号跳到 {row.seq}）"
            )
        if row.prev_hash != prev:
            return LogReport(expected - 1, row.seq, "与上一条记录的哈希不相接")
        try:
            kept = envelope_hash(row.envelope)
        except NotCanonical:
            kept = ""
        if kept != row.envelope_hash:
            return LogReport(expected - 1, row.seq, "消息内容已被改动（消息哈希不符）")
        recomputed = entry_hash(
            prev,
            seq=row.seq,
            direction=row.direction,
            peer=row.peer,
            message_id=row.message_id,
            outcome=row.outcome,
            at=row.at,
            envelope_hash=row.envelope_hash,
        )
        if recomputed != row.hash:
            return LogReport(expected - 1, row.seq, "记录内容已被改动（哈希不符）")
        prev, expected = row.hash, expected + 1
    count = expected - 1
    head = conn.execute(select(federation_log_head.c.seq, federation_log_head.c.hash)).first()
    head_seq, head_hash = (head.seq, head.hash) if head is not None else (0, GENESIS)
    if head_seq != count or head_hash != prev:
        return LogReport(
            count, count + 1, f"记录被删除：日志应有 {head_seq} 条记录，实有 {count} 条"
        )
    return LogReport(count)
