"""Catalogue figures (可网办率 and the rest), computed from the published items."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import Connection, case, func, select

from tongban.adapters.db.tables import departments, service_items


def rate(part: int, whole: int) -> Decimal:
    """A percentage rounded half-up to two places, as the seed reports 93.55%."""
    if whole == 0:
        return Decimal("0.00")
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.01"), ROUND_HALF_UP)


@dataclass(frozen=True)
class Figures:
    items: int
    online_capable: int
    online_capable_rate: Decimal
    fully_online: int
    fully_online_enterprise: int
    smart_approval: int
    certificate_free: int
    immediate: int

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["online_capable_rate"] = str(self.online_capable_rate)
        return data


@dataclass(frozen=True)
class GroupFigures:
    key: str
    label: str
    figures: Figures


def _count(condition: Any) -> Any:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


_COLUMNS = (
    func.count().label("items"),
    _count(service_items.c.online_capable).label("online_capable"),
    _count(service_items.c.fully_online).label("fully_online"),
    _count(
        service_items.c.fully_online & service_items.c.audience.in_(("enterprise", "both"))
    ).label("fully_online_enterprise"),
    _count(service_items.c.smart_approval).label("smart_approval"),
    _count(service_items.c.certificate_free).label("certificate_free"),
    _count(service_items.c.kind == "immediate").label("immediate"),
)


def _figures(row: Any) -> Figures:
    return Figures(
        items=int(row.items),
        online_capable=int(row.online_capable),
        online_capable_rate=rate(int(row.online_capable), int(row.items)),
        fully_online=int(row.fully_online),
        fully_online_enterprise=int(row.fully_online_enterprise),
        smart_approval=int(row.smart_approval),
        certificate_free=int(row.certificate_free),
        immediate=int(row.immediate),
    )


_PUBLISHED = service_items.c.status == "published"


def catalogue_figures(conn: Connection) -> Figures:
    """Figures over every published item."""
    return _figures(conn.execute(select(*_COLUMNS).where(_PUBLISHED)).one())


def figures_by_department(conn: Connection) -> list[GroupFigures]:
    rows = conn.execute(
        select(departments.c.code, departments.c.name, *_COLUMNS)
        .select_from(service_items.join(departments))
        .where(_PUBLISHED)
        .group_by(departments.c.code, departments.c.name)
        .order_by(func.count().desc(), departments.c.code)
    ).all()
    return [GroupFigures(r.code, r.name, _figures(r)) for r in rows]


LEVEL_LABELS = {"district": "区级", "town": "镇街级", "community": "村居级"}


def figures_by_level(conn: Connection) -> list[GroupFigures]:
    rows = conn.execute(
        select(service_items.c.level, *_COLUMNS)
        .where(_PUBLISHED)
        .group_by(service_items.c.level)
        .order_by(service_items.c.level)
    ).all()
    return [GroupFigures(r.level, LEVEL_LABELS.get(r.level, r.level), _figures(r)) for r in rows]


@dataclass(frozen=True)
class DepartmentCount:
    key: str
    label: str
    items: int


def department_counts(conn: Connection) -> list[DepartmentCount]:
    """Published items per department: the search page's filter, cheaper than full figures."""
    rows = conn.execute(
        select(departments.c.code, departments.c.name, func.count().label("items"))
        .select_from(service_items.join(departments))
        .where(_PUBLISHED)
        .group_by(departments.c.code, departments.c.name)
        .order_by(func.count().desc(), departments.c.code)
    ).all()
    return [DepartmentCount(r.code, r.name, int(r.items)) for r in rows]
