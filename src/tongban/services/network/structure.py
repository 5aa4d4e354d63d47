"""Service-network use cases: the departments and the centres at three levels (服务网络).

``write_*`` functions change rows on a connection and leave the commit to the caller, so an
import or the demo loader commits its whole batch at once; ``upsert_*`` are the use cases that
commit.  Both are idempotent: loading the same data twice changes nothing and audits nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, insert, select, update
from sqlalchemy.exc import IntegrityError

from tongban.adapters.db.tables import centres, departments
from tongban.domain.catalogue.model import Level
from tongban.domain.errors import Conflict, ValidationFailed
from tongban.domain.network.model import Centre, Department
from tongban.services.network.state import bump_version
from tongban.services.platform import audit
from tongban.services.platform.context import Actor
from tongban.services.platform.unit_of_work import UnitOfWork, atomic

LEVEL_RANK = {Level.DISTRICT: 0, Level.TOWN: 1, Level.COMMUNITY: 2}


def _unique(codes: Iterable[str], what: str) -> None:
    seen: set[str] = set()
    for code in codes:
        if code in seen:
            raise ValidationFailed(fields={"code": f"{what}编码重复：{code}"})
        seen.add(code)


def write_departments(conn: Connection, actor: Actor, batch: Sequence[Department]) -> int:
    """Insert new and update changed departments; returns how many rows changed."""
    _unique((d.code for d in batch), "部门")
    _unique((d.name for d in batch), "部门名称")
    existing = {row.code: row for row in conn.execute(select(departments))}
    names = {row.name: row.code for row in existing.values()}
    codes = {d.code for d in batch}
    changed = 0
    for dept in batch:
        values = {"name": dept.name, "short_name": dept.short_name}
        owner = names.get(dept.name)
        if owner is not None and owner != dept.code and owner not in codes:
            raise Conflict(
                f"部门名称 {dept.name} 已被编码 {owner} 使用。", fields={"name": "名称已被使用"}
            )
        row = existing.get(dept.code)
        if row is None:
            conn.execute(insert(departments).values(code=dept.code, **values))
            audit.record(conn, actor, "department.created", "department", dept.code, values)
        else:
            diff = {k: v for k, v in values.items() if getattr(row, k) != v}
            if not diff:
                continue
            conn.execute(update(departments).where(departments.c.id == row.id).values(**diff))
            audit.record(conn, actor, "department.updated", "department", dept.code, diff)
        changed += 1
    return changed


def _columns(centre: Centre, parent_id: int | None) -> dict[str, Any]:
    return {
        "name": centre.name,
        "level": centre.level.value,
        "parent_id": parent_id,
        "town": centre.town,
        "address": centre.address,
        "latitude": centre.latitude,
        "longitude": centre.longitude,
        "opening_hours": centre.opening_hours,
        "phone": centre.phone,
        "windows": centre.windows,
        "accessibility": [a.value for a in centre.accessibility],
        "layout": layout_of(centre),
    }


def layout_of(centre: Centre) -> dict[str, Any] | None:
    """The window groups and numbered windows as stored (``centres.layout``)."""
    if not centre.window_groups and not centre.service_windows:
        return None
    return {
        "groups": [g.model_dump(mode="json") for g in centre.window_groups],
        "windows": [w.model_dump(mode="json") for w in centre.service_windows],
    }


def parents_first(batch: Sequence[Centre], known: dict[str, Level]) -> list[Centre]:
    """The batch ordered so that each centre follows its parent; checks every parent exists.

    ``known`` maps the codes already stored to their level.  A parent must sit at a higher
    level than its child (区 above 镇街 above 村居).
    """
    _unique((c.code for c in batch), "服务中心")
    levels = {**known, **{c.code: c.level for c in batch}}
    for centre in batch:
        parent = centre.parent_code
        if parent is None:
            continue
        if parent not in levels:
            raise ValidationFailed(fields={"parent_code": f"未知的上级服务中心：{parent}"})
        if LEVEL_RANK[levels[parent]] >= LEVEL_RANK[centre.level]:
            raise ValidationFailed(
                fields={"parent_code": f"{centre.code} 的上级 {parent} 层级不高于它本身"}
            )
    # Parents are strictly higher in level, so ordering by level puts them first.
    return sorted(batch, key=lambda c: LEVEL_RANK[c.level])


def write_centres(conn: Connection, actor: Actor, batch: Sequence[Centre]) -> int:
    """Insert new and update changed centres, parents resolved by code; returns rows changed."""
    existing = {row.code: row for row in conn.execute(select(centres))}
    ids: dict[str, int] = {code: row.id for code, row in existing.items()}
    known = {code: Level(row.level) for code, row in existing.items()}
    changed = 0
    for centre in parents_first(batch, known):
        values = _columns(centre, ids[centre.parent_code] if centre.parent_code else None)
        row = existing.get(centre.code)
        if row is None:
            result = conn.execute(insert(centres).values(code=centre.code, **values))
            ids[centre.code] = int(result.inserted_primary_key[0])  # type: ignore[index]
            detail = {"name": centre.name, "level": centre.level.value, "town": centre.town}
            audit.record(conn, actor, "centre.created", "centre", centre.code, detail)
        else:
            diff = {k: v for k, v in values.items() if getattr(row, k) != v}
            if not diff:
                continue
            conn.execute(update(centres).where(centres.c.id == row.id).values(**diff))
            audit.record(conn, actor, "centre.updated", "centre", centre.code, {"fields": [*diff]})
        changed += 1
    if changed:
        bump_version(conn)  # what processes derived from the centres is stale now
    return changed


@atomic
def upsert_departments(uow: UnitOfWork, actor: Actor, batch: Sequence[Department]) -> int:
    """Add or correct departments (catalogue admin); all or nothing."""
    try:
        changed = write_departments(uow.conn, actor, batch)
    except IntegrityError as error:  # a concurrent load inserted the same code first
        raise Conflict() from error
    return changed


@atomic
def upsert_centres(uow: UnitOfWork, actor: Actor, batch: Sequence[Centre]) -> int:
    """Add or correct service centres (catalogue admin); all or nothing."""
    try:
        changed = write_centres(uow.conn, actor, batch)
    except IntegrityError as error:  # a concurrent load inserted the same code first
        raise Conflict() from error
    return changed
