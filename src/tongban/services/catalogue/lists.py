"""The three lists (三单管理): the negative list, the permit list and the supervision list.

A list is replaced as a whole, as the district publishes it: entries are validated together,
every department and item they name must exist, and either all of them are stored or none.
``write_list_entries`` leaves the commit to its caller (the demo loader batches it);
``replace_list_entries`` is the committing use case.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Connection, delete, func, insert, select, update

from tongban.adapters.db.tables import departments, service_items
from tongban.adapters.db.tables import list_entries as entries_table
from tongban.domain.catalogue.model import ListEntry, ListKind
from tongban.domain.errors import ImportRejected, ListEntryNotFound
from tongban.domain.validation import pydantic_fields
from tongban.services.platform import audit
from tongban.services.platform.context import Actor
from tongban.services.platform.unit_of_work import UnitOfWork, atomic

EntryInput = ListEntry | Mapping[str, Any]


@dataclass(frozen=True)
class _Known:
    """What the entries of one import may refer to."""

    kinds: frozenset[ListKind]
    departments: frozenset[str]
    items: frozenset[str]
    elsewhere: frozenset[str]
    """Entry codes already used on a list outside the import's kinds."""


def _known(conn: Connection, kinds: Iterable[ListKind]) -> _Known:
    allowed = frozenset(kinds)
    other = [k.value for k in ListKind if k not in allowed]
    return _Known(
        kinds=allowed,
        departments=frozenset(conn.execute(select(departments.c.code)).scalars()),
        items=frozenset(conn.execute(select(service_items.c.code)).scalars()),
        elsewhere=frozenset(
            conn.execute(
                select(entries_table.c.code).where(entries_table.c.kind.in_(other))
            ).scalars()
        ),
    )


def _problems(entry: ListEntry, known: _Known, seen: set[str]) -> dict[str, str]:
    problems: dict[str, str] = {}
    if entry.code in seen:
        problems["code"] = f"条目编码重复：{entry.code}"
    elif entry.code in known.elsewhere:
        problems["code"] = f"条目编码已用于其他清单：{entry.code}"
    if entry.kind not in known.kinds:
        problems["kind"] = "本次导入不包含这种清单"
    if entry.department_code not in known.departments:
        problems["department_code"] = f"未知部门编码：{entry.department_code}"
    if entry.item_code is not None and entry.item_code not in known.items:
        problems["item_code"] = f"未知事项编码：{entry.item_code}"
    return problems


def validate_entries(
    conn: Connection, raw: Sequence[EntryInput], kinds: Iterable[ListKind]
) -> list[ListEntry]:
    """Every entry as a ``ListEntry`` with known department and item; else ``ImportRejected``
    listing each problem as ``{index, code, field, message}``."""
    known = _known(conn, kinds)
    errors: list[dict[str, Any]] = []
    valid: list[ListEntry] = []
    seen: set[str] = set()
    for index, data in enumerate(raw):
        try:
            entry = data if isinstance(data, ListEntry) else ListEntry.model_validate(dict(data))
        except ValidationError as error:
            code = str(data.get("code", "")) if isinstance(data, Mapping) else ""
            problems = pydantic_fields(list(error.errors()))
        else:
            code, problems = entry.code, _problems(entry, known, seen)
            seen.add(entry.code)
            if not problems:
                valid.append(entry)
        errors.extend(
            {"index": index, "code": code, "field": field, "message": message}
            for field, message in problems.items()
        )
    if errors:
        raise ImportRejected(errors)
    return valid


def write_list_entries(
    conn: Connection,
    actor: Actor,
    raw: Sequence[EntryInput],
    *,
    kinds: Iterable[ListKind] = tuple(ListKind),
) -> int:
    """Make ``raw`` the content of the lists of ``kinds``; returns entries added, changed or
    removed.  Unchanged entries are left alone, so replacing a list by itself changes nothing."""
    kinds = tuple(kinds)
    entries = validate_entries(conn, raw, kinds)
    dept_ids = {r.code: r.id for r in conn.execute(select(departments.c.code, departments.c.id))}
    existing = {
        row.code: row
        for row in conn.execute(
            select(entries_table).where(entries_table.c.kind.in_([k.value for k in kinds]))
        )
    }
    changed = 0
    for entry in entries:
        values = {
            "kind": entry.kind.value,
            "department_id": dept_ids[entry.department_code],
            "item_code": entry.item_code,
            "title": entry.title,
            "entry": entry.model_dump(mode="json"),
        }
        row = existing.pop(entry.code, None)
        if row is None:
            conn.execute(insert(entries_table).values(code=entry.code, **values))
            audit.record(conn, actor, "list_entry.created", "list_entry", entry.code, {})
        elif any(getattr(row, k) != v for k, v in values.items()):
            conn.execute(update(entries_table).where(entries_table.c.id == row.id).values(**values))
            audit.record(conn, actor, "list_entry.updated", "list_entry", entry.code, {})
        else:
            continue
        changed += 1
    for code, row in existing.items():
        conn.execute(delete(entries_table).where(entries_table.c.id == row.id))
        audit.record(conn, actor, "list_entry.removed", "list_entry", code, {"kind": row.kind})
        changed += 1
    return changed


@atomic
def replace_list_entries(
    uow: UnitOfWork,
    actor: Actor,
    raw: Sequence[EntryInput],
    *,
    kinds: Iterable[ListKind] = tuple(ListKind),
) -> int:
    """Publish new versions of the lists of ``kinds`` (catalogue admin); all or nothing."""
    changed = write_list_entries(uow.conn, actor, raw, kinds=kinds)
    return changed


@dataclass(frozen=True)
class ListEntryView:
    """An entry with the name of its department, as the public reads it."""

    entry: ListEntry
    department_name: str


def _view_query() -> Any:
    return (
        select(entries_table.c.entry, departments.c.name.label("department_name"))
        .select_from(entries_table.join(departments))
        .order_by(entries_table.c.code)
    )


def _matches(view: ListEntryView, needle: str) -> bool:
    entry = view.entry
    haystack = (
        entry.code,
        entry.title,
        entry.description,
        entry.item_code or "",
        entry.measure,
        view.department_name,
    )
    return any(needle in text.lower() for text in haystack)


def list_entries(
    conn: Connection,
    kind: ListKind,
    *,
    department_code: str | None = None,
    q: str | None = None,
) -> list[ListEntryView]:
    """One list, by entry code; optionally of one department and containing the text ``q``."""
    query = _view_query().where(entries_table.c.kind == kind.value)
    if department_code:
        query = query.where(departments.c.code == department_code)
    views = [
        ListEntryView(ListEntry.model_validate(r.entry), r.department_name)
        for r in conn.execute(query)
    ]
    needle = (q or "").strip().lower()
    # Text search runs in Python over a few hundred entries: the same on both engines.
    return [v for v in views if _matches(v, needle)] if needle else views


def entry(conn: Connection, code: str) -> ListEntryView:
    """One entry by code; ``ListEntryNotFound`` if there is none."""
    row = conn.execute(_view_query().where(entries_table.c.code == code.strip().upper())).first()
    if row is None:
        raise ListEntryNotFound(code=code)
    return ListEntryView(ListEntry.model_validate(row.entry), row.department_name)


def list_counts(conn: Connection) -> dict[ListKind, int]:
    """How many entries each list has (0 for an empty list)."""
    rows = conn.execute(
        select(entries_table.c.kind, func.count()).group_by(entries_table.c.kind)
    ).all()
    counts = {kind: 0 for kind in ListKind}
    counts.update({ListKind(kind): int(n) for kind, n in rows})
    return counts


def list_departments_of(conn: Connection, kind: ListKind) -> list[tuple[str, str]]:
    """(code, name) of the departments with entries on one list, for the filter."""
    rows = conn.execute(
        select(departments.c.code, departments.c.name)
        .select_from(entries_table.join(departments))
        .where(entries_table.c.kind == kind.value)
        .group_by(departments.c.code, departments.c.name)
        .order_by(departments.c.code)
    )
    return [(r.code, r.name) for r in rows]
