"""Where published items are handled (``handled_at``), read from the catalogue's denormalised
columns: after the flattening reform (扁平化改革) every item at every town centre; community
centres the items whose ``handled_at`` includes them."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, Connection, bindparam, func, or_, select

from tongban.adapters.db.tables import departments, service_items
from tongban.domain.catalogue.model import ItemStatus, Level
from tongban.domain.errors import ItemNotFound, ValidationFailed

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


_BY_CODE_OR_NAME = select(service_items.c.code, service_items.c.name, *HANDLED_AT.values()).where(
    _PUBLISHED,
    or_(service_items.c.code == bindparam("code"), service_items.c.name == bindparam("name")),
)
"""Built once: a statement built per call costs SQLAlchemy a cache-key computation."""


def item_handling(conn: Connection, item: str) -> ItemHandling:
    """The published item named by its code or its exact name, with where it is handled;
    ``ItemNotFound`` if there is none."""
    text = item.strip()
    if not text:
        raise ValidationFailed(fields={"item": "请填写事项编码或名称"})
    rows = conn.execute(_BY_CODE_OR_NAME, {"code": text.upper(), "name": text}).all()
    if not rows:
        raise ItemNotFound(code=text)
    row = min(rows, key=lambda r: r.code != text.upper())  # a code before a namesake
    levels = frozenset(level for level, flag in zip(HANDLED_AT, row[2:], strict=True) if flag)
    return ItemHandling(row.code, row.name, levels)


def levels_in_use(conn: Connection) -> frozenset[Level]:
    """The levels at which at least one published item is handled."""
    flags = conn.execute(
        select(
            *(
                select(service_items.c.id).where(_PUBLISHED, column).exists()
                for column in HANDLED_AT.values()
            )
        )
    ).one()
    return frozenset(level for level, flag in zip(HANDLED_AT, flags, strict=True) if flag)


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
