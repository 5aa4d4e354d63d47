"""The in-app inbox (站内消息): a person's own messages, newest first."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, select, update

from tongban.adapters.db.tables import inbox_messages
from tongban.domain.errors import NotFound
from tongban.services.platform.paging import Key, Page, PageRequest, read_page
from tongban.services.platform.unit_of_work import UnitOfWork, atomic


def message_page(conn: Connection, user_id: int, page: PageRequest) -> Page[Any]:
    """One page of the person's messages, newest first, from where the last page ended."""
    query = select(inbox_messages).where(inbox_messages.c.user_id == user_id)
    keys = [
        Key(inbox_messages.c.created_at, descending=True),
        Key(inbox_messages.c.id, descending=True),
    ]
    return read_page(conn, query, keys, page, lambda row: row)


def messages(conn: Connection, user_id: int, *, limit: int = 50) -> list[Any]:
    return list(
        conn.execute(
            select(inbox_messages)
            .where(inbox_messages.c.user_id == user_id)
            .order_by(inbox_messages.c.created_at.desc(), inbox_messages.c.id.desc())
            .limit(limit)
        )
    )


def unread_count(conn: Connection, user_id: int) -> int:
    return int(
        conn.execute(
            select(func.count()).where(
                inbox_messages.c.user_id == user_id, inbox_messages.c.read_at.is_(None)
            )
        ).scalar_one()
    )


def mark_read(conn: Connection, user_id: int, message_id: int, at: datetime) -> None:
    """Mark one of the person's own messages read; anyone else's is simply not found."""
    done = conn.execute(
        update(inbox_messages)
        .where(inbox_messages.c.id == message_id, inbox_messages.c.user_id == user_id)
        .values(read_at=func.coalesce(inbox_messages.c.read_at, at))
    )
    if done.rowcount != 1:
        raise NotFound()


@atomic
def open_message(uow: UnitOfWork, user_id: int, message_id: int, at: datetime) -> str:
    """The person opens one of their messages: it is marked read; returns where it points."""
    mark_read(uow.conn, user_id, message_id, at)
    link = uow.conn.execute(
        select(inbox_messages.c.link).where(inbox_messages.c.id == message_id)
    ).scalar()
    return str(link or "")
