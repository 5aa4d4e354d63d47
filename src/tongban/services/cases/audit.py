"""Verifying the hash-chained audit trail of cases (``tongban audit verify``).

Each case's entries must be numbered 1, 2, 3... without a gap, each ``prev_hash`` must be the
previous entry's hash, each hash must match its recomputed content, and the last entry must be
the one the case row points at (``audit_seq``/``audit_head``): an edited, deleted, inserted or
reordered entry is found wherever it is.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from itertools import groupby
from typing import Any

from sqlalchemy import Connection, select

from tongban.adapters.db.tables import case_events, cases
from tongban.domain.cases.chain import entry_hash
from tongban.domain.cases.numbers import normalise_number
from tongban.domain.cases.record import GENESIS_HASH
from tongban.domain.errors import CaseNotFound


@dataclass(frozen=True)
class ChainBreak:
    """Where a case's audit trail stops being trustworthy, and why."""

    number: str
    seq: int
    problem: str


@dataclass(frozen=True)
class VerifyReport:
    cases: int
    entries: int
    breaks: tuple[ChainBreak, ...]

    @property
    def ok(self) -> bool:
        return not self.breaks


def _check_case(number: str, head: tuple[int, str], rows: list[Any]) -> ChainBreak | None:
    prev = GENESIS_HASH
    for expected_seq, row in enumerate(rows, start=1):
        if row.seq != expected_seq:
            return ChainBreak(
                number, expected_seq, f"缺少第 {expected_seq} 条记录（序号跳到 {row.seq}）"
            )
        if row.prev_hash != prev:
            return ChainBreak(number, row.seq, "与上一条记录的哈希不相接")
        entry = {
            "case": number,
            "seq": row.seq,
            "type": row.type,
            "from_status": row.from_status,
            "to_status": row.to_status,
            "at": row.at,
            "actor_id": row.actor_id,
            "role": row.role,
            "centre_code": row.centre_code,
            "reason": row.reason,
            "detail": row.detail,
            "request_id": row.request_id,
        }
        if entry_hash(prev, entry) != row.hash:
            return ChainBreak(number, row.seq, "记录内容已被改动（哈希不符）")
        prev = row.hash
    seq, last = head
    if len(rows) != seq or prev != last:
        return ChainBreak(
            number, len(rows) + 1, f"记录被删除：办件应有 {seq} 条记录，实有 {len(rows)} 条"
        )
    return None


def _rows(conn: Connection, number: str | None) -> Iterator[Any]:
    query = (
        select(cases.c.number, cases.c.audit_seq, cases.c.audit_head, case_events)
        .select_from(cases.outerjoin(case_events, case_events.c.case_id == cases.c.id))
        .order_by(cases.c.id, case_events.c.seq, case_events.c.id)
    )
    if number is not None:
        query = query.where(cases.c.number == normalise_number(number))
    yield from conn.execute(query.execution_options(yield_per=1000))


def verify(conn: Connection, number: str | None = None) -> VerifyReport:
    """Recompute the chain of every case (or of ``number``); report each broken case once."""
    breaks: list[ChainBreak] = []
    count = entries = 0
    for (case_number, seq, head), group in groupby(
        _rows(conn, number), key=lambda r: (r.number, r.audit_seq, r.audit_head)
    ):
        count += 1
        rows = [row for row in group if row.seq is not None]
        entries += len(rows)
        found = _check_case(case_number, (seq, head), rows)
        if found is not None:
            breaks.append(found)
    if number is not None and count == 0:
        raise CaseNotFound(number=number)
    return VerifyReport(count, entries, tuple(breaks))
