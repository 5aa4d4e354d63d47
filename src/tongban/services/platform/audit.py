"""The audit log: every write writes its entry in the same transaction as the change."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Insert, insert

from tongban.adapters.db.tables import audit_log, data_access_log
from tongban.services.platform.context import Actor
from tongban.services.platform.unit_of_work import UnitOfWork, atomic


def record(
    conn: Connection,
    actor: Actor,
    action: str,
    object_type: str,
    object_key: str,
    detail: dict[str, Any] | None = None,
) -> None:
    """Append one audit entry; call it inside the use case's transaction."""
    record_many(conn, actor, [(action, object_type, object_key, detail or {})])


_INSERT = insert(audit_log)
"""Built once: no cache-key work per entry."""


def record_many(
    conn: Connection, actor: Actor, entries: list[tuple[str, str, str, dict[str, Any]]]
) -> None:
    """Append several entries (action, object type, object key, detail) with one insert."""
    if entries:
        conn.execute(*insert_of(actor, entries))


def insert_of(
    actor: Actor, entries: list[tuple[str, str, str, dict[str, Any]]]
) -> tuple[Insert, list[dict[str, Any]]]:
    """``record_many``'s insert and rows, for a caller that sends it with its own inserts."""
    rows = [
        {
            "at": actor.at,
            "actor_id": actor.user_id,
            "action": action,
            "object_type": object_type,
            "object_key": object_key,
            "detail": detail,
            "request_id": actor.request_id,
        }
        for action, object_type, object_key, detail in entries
    ]
    return _INSERT, rows


def record_data_access(
    conn: Connection,
    actor: Actor,
    subject_id: int,
    what: str,
    purpose: str,
    *,
    allowed: bool = True,
) -> None:
    """Log one read (or refused read) of a person's personal data."""
    conn.execute(
        insert(data_access_log).values(
            at=actor.at,
            actor_id=actor.user_id,
            subject_id=subject_id,
            what=what,
            purpose=purpose,
            allowed=allowed,
            request_id=actor.request_id,
        )
    )


@atomic
def log_data_access(
    uow: UnitOfWork, actor: Actor, subject_id: int, what: str, purpose: str
) -> None:
    """A page or an answer showed staff a person's data (《个人信息保护法》第五十一条): the read
    is logged as a use case of its own, or in the transaction of the use case that made it."""
    record_data_access(uow.conn, actor, subject_id, what, purpose)
