"""Where published items are handled (``handled_at``), read from the catalogue's denormalised
columns: after the flattening reform (扁平化改革) every item at every town centre; community
centres the items whose ``handled_at`` includes them."""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Connection, Engine, bindparam, func, or_, select

from tongban.adapters.db.tables import departments, service_items
from tongban.domain.catalogue.model import ItemStatus, Level
from tongban.domain.errors import ItemNotFound, ValidationFailed
from tongban.services.catalogue.search import index_generation

MAX_PAGE = 100
HANDLED_AT: dict[Level, ColumnElement[bool]] = {
    Level.DISTRICT: service_items.c.handled_at_district,
    Level.TOWN: service_items.c.handled_at_town,
    Level.COMMUNITY: service_items.c.handled_at_community,
}
_PUBLISHED = service_items.c.status == ItemStatus.PUBLISHED.value


@dataclass(frozen=True)
class ItemHandling:
    """A published item and the levels of centre that handle it."""

    code: str
    name: str
    levels: frozenset[Level]


@dataclass(frozen=True)
class HandledItem:
    code: str
    name: str
    department: str
    category: str


_HANDLING = select(service_items.c.code, service_items.c.name, *HANDLED_AT.values()).where(
    _PUBLISHED
)
_BY_CODE = _HANDLING.where(service_items.c.code == bindparam("code"))
_BY_NAME = _HANDLING.where(service_items.c.name == bindparam("name")).order_by(service_items.c.code)
"""Built once (a statement built per call costs SQLAlchemy a cache-key computation); by code
first, through its unique index, and by name only when no code matches."""


def item_handling(conn: Connection, item: str) -> ItemHandling:
    """The published item named by its code or its exact name, with where it is handled;
    ``ItemNotFound`` if there is none."""
    text = item.strip()
    if not text:
        raise ValidationFailed(fields={"item": "请填写事项编码或名称"})
    row = conn.execute(_BY_CODE, {"code": text.upper()}).first()
    if row is None:
        row = conn.execute(_BY_NAME, {"name": text}).first()
    if row is None:
        raise ItemNotFound(code=text)
    levels = frozenset(level for level, flag in zip(HANDLED_AT, row[2:], strict=True) if flag)
    return ItemHandling(row.code, row.name, levels)


_IN_USE = select(
    *(
        select(service_items.c.id).where(_PUBLISHED, column).exists()
        for column in HANDLED_AT.values()
    )
)
_in_use: weakref.WeakKeyDictionary[Engine, tuple[str, frozenset[Level]]] = (
    weakref.WeakKeyDictionary()
)
_in_use_lock = threading.Lock()


def levels_in_use(conn: Connection) -> frozenset[Level]:
    """The levels at which at least one published item is handled.  Kept per process until
    the catalogue's index generation moves (every publish and withdrawal moves it): asking
    the table scans it for a level no item names."""
    generation = index_generation(conn)
    cached = _in_use.get(conn.engine)
    if generation and cached is not None and cached[0] == generation:
        return cached[1]
    flags = conn.execute(_IN_USE).one()
    levels = frozenset(level for level, flag in zip(HANDLED_AT, flags, strict=True) if flag)
    if generation:
        with _in_use_lock:
            _in_use[conn.engine] = (generation, levels)
    return levels


def handled_counts(conn: Connection) -> dict[Level, int]:
    """How many published items each level of centre handles."""
    counts = conn.execute(
        select(
            *(
                select(func.count()).where(_PUBLISHED, column).scalar_subquery()
                for column in HANDLED_AT.values()
            )
        )
    ).one()
    return {level: int(n) for level, n in zip(HANDLED_AT, counts, strict=True)}


def items_handled_at(
    conn: Connection, level: Level, *, q: str = "", offset: int = 0, limit: int = 50
) -> tuple[int, list[HandledItem]]:
    """The published items a centre of ``level`` handles, by code, optionally those with ``q``
    in their name or code; with how many match in all."""
    if not 1 <= limit <= MAX_PAGE or offset < 0:
        raise ValidationFailed(fields={"limit": f"每页 1 到 {MAX_PAGE} 项，起始位置不能为负"})
    where = [_PUBLISHED, HANDLED_AT[level]]
    if q.strip():
        like = f"%{q.strip()}%"
        where.append(or_(service_items.c.name.like(like), service_items.c.code.like(like)))
    total = conn.execute(select(func.count()).select_from(service_items).where(*where)).scalar()
    rows = conn.execute(
        select(
            service_items.c.code,
            service_items.c.name,
            departments.c.name.label("department"),
            service_items.c.category,
        )
        .select_from(service_items.join(departments))
        .where(*where)
        .order_by(service_items.c.code)
        .offset(offset)
        .limit(limit)
    )
    return int(total or 0), [HandledItem(r.code, r.name, r.department, r.category) for r in rows]


def names_handled_at(conn: Connection, level: Level) -> list[tuple[str, str]]:
    """(code, name) of every published item a centre of ``level`` handles, by code."""
    rows = conn.execute(
        select(service_items.c.code, service_items.c.name)
        .where(_PUBLISHED, HANDLED_AT[level])
        .order_by(service_items.c.code)
    )
    return [(r.code, r.name) for r in rows]
