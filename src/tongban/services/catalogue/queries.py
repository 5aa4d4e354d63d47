"""Read side of the catalogue for its admins: every item with its status and pending draft."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, func, or_, select

from tongban.adapters.db.tables import departments, service_items

PAGE_SIZE = 50
PENDING = "pending"
"""The status filter for items with a draft awaiting publishing, whatever their status."""


@dataclass(frozen=True)
class AdminItem:
    """One line of the admins' item list."""

    code: str
    name: str
    department: str
    status: str
    published_version: int | None
    has_draft: bool
    updated_at: datetime


@dataclass(frozen=True)
class AdminItemPage:
    rows: list[AdminItem]
    total: int
    """How many items match, on every page."""
    pages: int


def admin_items(
    conn: Connection, *, q: str = "", status: str = "", page: int = 1, page_size: int = PAGE_SIZE
) -> AdminItemPage:
    """One page of the items, by code: ``q`` in the name or code; ``status`` an item status, or
    ``pending`` for the items whose draft awaits publishing."""
    query = select(
        service_items.c.code,
        service_items.c.name,
        departments.c.name.label("department"),
        service_items.c.status,
        service_items.c.published_version,
        (service_items.c.draft.is_not(None)).label("has_draft"),
        service_items.c.updated_at,
    ).select_from(service_items.join(departments))
    if q.strip():
        like = f"%{q.strip()}%"
        query = query.where(or_(service_items.c.name.like(like), service_items.c.code.like(like)))
    if status == PENDING:
        query = query.where(service_items.c.draft.is_not(None))
    elif status:
        query = query.where(service_items.c.status == status)
    total = conn.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    rows = conn.execute(
        query.order_by(service_items.c.code).limit(page_size).offset((page - 1) * page_size)
    )
    return AdminItemPage(
        rows=[AdminItem(**row._mapping) for row in rows],
        total=total,
        pages=max(1, -(-total // page_size)),
    )
