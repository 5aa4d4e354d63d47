"""Publishing many items at once (imports, the demo catalogue) in a few statements.

The same rules as ``catalogue.publish_spec`` — a new version only when the spec changed, an
audit entry per version, the search index kept in step — but with one executemany per table
instead of a dozen statements per item, so the full 2,155-item catalogue loads in seconds.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, bindparam, insert, select, update

from tongban.adapters.db.tables import (
    audit_log,
    departments,
    service_item_versions,
    service_items,
)
from tongban.domain.catalogue.model import ItemStatus, ServiceItemSpec
from tongban.domain.errors import ValidationFailed
from tongban.services.catalogue import search
from tongban.services.catalogue.items import _columns, spec_to_json
from tongban.services.platform.context import Actor

CHUNK = 500
"""Rows per statement: well under SQLite's bound-parameter limit."""


@dataclass(frozen=True)
class BulkResult:
    created: int
    updated: int
    unchanged: int


def _chunks(rows: Sequence[Any]) -> list[Sequence[Any]]:
    return [rows[i : i + CHUNK] for i in range(0, len(rows), CHUNK)]


def _existing(conn: Connection, codes: list[str]) -> dict[str, Any]:
    """Current rows by code, locked on PostgreSQL so no one publishes them meanwhile."""
    found: dict[str, Any] = {}
    for chunk in _chunks(codes):
        query = select(service_items).where(service_items.c.code.in_(chunk))
        if conn.dialect.name == "postgresql":
            query = query.with_for_update()
        found.update({row.code: row for row in conn.execute(query)})
    return found


def _published_json(conn: Connection, rows: list[Any]) -> dict[int, Any]:
    pairs = [(r.id, r.published_version) for r in rows if r.published_version is not None]
    current: dict[int, Any] = {}
    for chunk in _chunks(pairs):
        ids = [item_id for item_id, _ in chunk]
        wanted = dict(chunk)
        for row in conn.execute(
            select(
                service_item_versions.c.item_id,
                service_item_versions.c.version,
                service_item_versions.c.spec,
            ).where(service_item_versions.c.item_id.in_(ids))
        ):
            if wanted[row.item_id] == row.version:
                current[row.item_id] = row.spec
    return current


def publish_specs(
    conn: Connection,
    actor: Actor,
    specs: Sequence[ServiceItemSpec],
    note: str,
    *,
    on_progress: Callable[[int, int], None] | None = None,
) -> BulkResult:
    """Create or update every spec as a new published version; unchanged ones are left alone.

    Does not commit: the caller's transaction makes the whole batch all or nothing.
    """
    dept_ids = {r.code: r.id for r in conn.execute(select(departments.c.code, departments.c.id))}
    unknown = sorted({s.department_code for s in specs} - dept_ids.keys())
    if unknown:
        raise ValidationFailed(fields={"department_code": f"未知部门编码：{'、'.join(unknown)}"})
    existing = _existing(conn, [s.code for s in specs])
    fresh = [s for s in specs if s.code not in existing]
    for chunk in _chunks(fresh):
        conn.execute(
            insert(service_items),
            [
                {
                    "code": s.code,
                    "status": ItemStatus.DRAFT.value,
                    "draft": None,
                    "published_version": None,
                    "lock_version": 1,
                    "created_at": actor.at,
                    "updated_at": actor.at,
                    **_columns(s, dept_ids[s.department_code]),
                }
                for s in chunk
            ],
        )
    if fresh:
        existing.update(_existing(conn, [s.code for s in fresh]))
    current = _published_json(conn, list(existing.values()))
    changed: list[tuple[Any, ServiceItemSpec, dict[str, Any]]] = []
    for spec in specs:
        row = existing[spec.code]
        data = spec_to_json(spec)
        if row.draft is None and current.get(row.id) == data:
            continue
        changed.append((row, spec, data))
    _write_versions(conn, actor, changed, dept_ids, note, on_progress, len(specs))
    created = sum(1 for row, _, _ in changed if row.published_version is None)
    return BulkResult(created, len(changed) - created, len(specs) - len(changed))


def _write_versions(
    conn: Connection,
    actor: Actor,
    changed: list[tuple[Any, ServiceItemSpec, dict[str, Any]]],
    dept_ids: dict[str, int],
    note: str,
    on_progress: Callable[[int, int], None] | None,
    total: int,
) -> None:
    bump = (
        update(service_items)
        .where(service_items.c.id == bindparam("_id"))
        .values(
            lock_version=service_items.c.lock_version + 1,
            updated_at=bindparam("_at"),
            draft=None,
            status=ItemStatus.PUBLISHED.value,
            published_version=bindparam("_version"),
        )
    )
    done = total - len(changed)
    for chunk in _chunks(changed):
        conn.execute(
            bump, [{"_id": r.id, "_at": actor.at, "_version": _next(r)} for r, _, _ in chunk]
        )
        conn.execute(
            update(service_items).where(service_items.c.id == bindparam("_id")),
            [{"_id": r.id, **_columns(s, dept_ids[s.department_code])} for r, s, _ in chunk],
        )
        conn.execute(
            insert(service_item_versions),
            [
                {
                    "item_id": r.id,
                    "version": _next(r),
                    "spec": data,
                    "note": note[:500],
                    "published_at": actor.at,
                    "published_by": actor.user_id,
                }
                for r, _, data in chunk
            ],
        )
        conn.execute(
            insert(audit_log),
            [
                {
                    "at": actor.at,
                    "actor_id": actor.user_id,
                    "action": "item.published",
                    "object_type": "service_item",
                    "object_key": r.code,
                    "detail": {"version": _next(r), "note": note},
                    "request_id": actor.request_id,
                }
                for r, _, _ in chunk
            ],
        )
        search.index_items(conn, [(r.id, s) for r, s, _ in chunk])
        done += len(chunk)
        if on_progress is not None:
            on_progress(done, total)


def _next(row: Any) -> int:
    return int(row.published_version or 0) + 1
