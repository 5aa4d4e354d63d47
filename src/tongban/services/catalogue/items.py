"""Catalogue use cases: items are edited as drafts and published as numbered versions.

A case pins the version it was filed under, so a published version is never changed: an edit
is a draft, and publishing it adds version n+1.  Two admins editing one item cannot both win:
every write names the ``lock_version`` it started from.
"""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Connection, Engine, Integer, Row, bindparam, insert, select, update

from tongban.adapters.db.tables import departments, service_item_versions, service_items
from tongban.domain.catalogue.model import ItemStatus, Level, ServiceItemSpec
from tongban.domain.errors import Conflict, ItemNotFound, StaleVersion, ValidationFailed
from tongban.domain.validation import pydantic_fields
from tongban.services.catalogue import search
from tongban.services.platform import audit
from tongban.services.platform.context import Actor
from tongban.services.platform.unit_of_work import UnitOfWork, atomic


@dataclass(frozen=True)
class ItemView:
    """An item as the public or an editor sees it."""

    id: int
    code: str
    status: ItemStatus
    spec: ServiceItemSpec
    version: int | None
    """The published version shown (None for a never-published draft)."""
    published_at: datetime | None
    department_name: str
    lock_version: int
    has_draft: bool


@dataclass(frozen=True)
class VersionInfo:
    version: int
    published_at: datetime
    published_by: str | None
    note: str


def spec_from_json(data: dict[str, Any]) -> ServiceItemSpec:
    return ServiceItemSpec.model_validate(data)


def spec_to_json(spec: ServiceItemSpec) -> dict[str, Any]:
    return spec.model_dump(mode="json")


def validation_error(error: ValidationError) -> ValidationFailed:
    """A pydantic error on an item spec as a field-by-field Chinese validation error."""
    return ValidationFailed(fields=pydantic_fields(list(error.errors())))


def _department_id(conn: Connection, code: str) -> int:
    found = conn.execute(select(departments.c.id).where(departments.c.code == code)).scalar()
    if found is None:
        raise ValidationFailed(fields={"department_code": f"未知部门编码：{code}"})
    return int(found)


def _columns(spec: ServiceItemSpec, department_id: int) -> dict[str, Any]:
    """The denormalised columns lists, search and statistics read."""
    return {
        "department_id": department_id,
        "name": spec.name,
        "level": spec.level.value,
        "kind": spec.kind.value,
        "audience": spec.audience.value,
        "category": spec.category,
        "promised_limit_days": spec.promised_limit_days,
        "legal_limit_days": spec.legal_limit_days,
        "online_capable": spec.online_capable,
        "fully_online": spec.fully_online,
        "smart_approval": spec.smart_approval,
        "certificate_free": spec.certificate_free,
        **{f"handled_at_{level.value}": level in spec.handled_at for level in Level},
    }


def _row(conn: Connection, code: str, *, for_update: bool = False) -> Row[Any]:
    query = select(service_items).where(service_items.c.code == code.strip().upper())
    if for_update and conn.dialect.name == "postgresql":
        query = query.with_for_update()
    row = conn.execute(query).first()
    if row is None:
        raise ItemNotFound(code=code)
    return row


def _bump(conn: Connection, row: Row[Any], expected: int, now: datetime, **values: Any) -> int:
    """Compare-and-set on ``lock_version``: exactly one of two concurrent writers wins."""
    if row.lock_version != expected:
        raise StaleVersion(current=row.lock_version)
    result = conn.execute(
        update(service_items)
        .where(service_items.c.id == row.id, service_items.c.lock_version == expected)
        .values(lock_version=expected + 1, updated_at=now, **values)
    )
    if result.rowcount != 1:
        raise StaleVersion(current=row.lock_version)
    return expected + 1


@atomic
def create_item(uow: UnitOfWork, actor: Actor, spec: ServiceItemSpec) -> int:
    """Add a new item as an unpublished draft; its code must be new."""
    conn = uow.conn
    exists = conn.execute(select(service_items.c.id).where(service_items.c.code == spec.code))
    if exists.first() is not None:
        raise Conflict(f"事项编码 {spec.code} 已存在。", fields={"code": "编码已被使用"})
    item_id = _insert_item(conn, spec, actor.at, status=ItemStatus.DRAFT, draft=True)
    audit.record(conn, actor, "item.created", "service_item", spec.code, {"name": spec.name})
    return item_id


def _insert_item(
    conn: Connection, spec: ServiceItemSpec, now: datetime, *, status: ItemStatus, draft: bool
) -> int:
    values = _columns(spec, _department_id(conn, spec.department_code))
    result = conn.execute(
        insert(service_items).values(
            code=spec.code,
            status=status.value,
            draft=spec_to_json(spec) if draft else None,
            published_version=None,
            created_at=now,
            updated_at=now,
            **values,
        )
    )
    return int(result.inserted_primary_key[0])  # type: ignore[index]


@atomic
def save_draft(
    uow: UnitOfWork, actor: Actor, code: str, spec: ServiceItemSpec, expected_lock_version: int
) -> int:
    """Store ``spec`` as the item's draft; the published version is untouched."""
    conn = uow.conn
    row = _row(conn, code, for_update=True)
    if spec.code != row.code:
        raise ValidationFailed(fields={"code": "不能修改事项编码"})
    _department_id(conn, spec.department_code)
    extra: dict[str, Any] = {}
    if row.status == ItemStatus.DRAFT:
        extra = _columns(spec, _department_id(conn, spec.department_code))
    lock = _bump(conn, row, expected_lock_version, actor.at, draft=spec_to_json(spec), **extra)
    audit.record(conn, actor, "item.draft_saved", "service_item", row.code, {})
    return lock


@atomic
def publish(
    uow: UnitOfWork, actor: Actor, code: str, expected_lock_version: int, note: str = ""
) -> int:
    """Publish the draft as the next version; returns the new version number."""
    conn = uow.conn
    row = _row(conn, code, for_update=True)
    if row.draft is None:
        raise Conflict("该事项没有待发布的草稿。")
    spec = spec_from_json(row.draft)
    version = _publish_spec(conn, actor, row, spec, expected_lock_version, note)
    return version


def _publish_spec(
    conn: Connection,
    actor: Actor,
    row: Row[Any],
    spec: ServiceItemSpec,
    expected_lock_version: int,
    note: str,
) -> int:
    version = (row.published_version or 0) + 1
    _bump(
        conn,
        row,
        expected_lock_version,
        actor.at,
        draft=None,
        status=ItemStatus.PUBLISHED.value,
        published_version=version,
        **_columns(spec, _department_id(conn, spec.department_code)),
    )
    conn.execute(
        insert(service_item_versions).values(
            item_id=row.id,
            version=version,
            spec=spec_to_json(spec),
            note=note[:500],
            published_at=actor.at,
            published_by=actor.user_id,
        )
    )
    search.index_item(conn, row.id, spec)
    audit.record(
        conn, actor, "item.published", "service_item", row.code, {"version": version, "note": note}
    )
    return version


@atomic
def publish_spec(
    uow: UnitOfWork, actor: Actor, spec: ServiceItemSpec, note: str = ""
) -> int | None:
    """Create or update an item straight to a new published version (imports, demo data).

    Returns the new version, or None when ``spec`` equals the published version already.
    Called for each item of a batch inside the batch's use case, it joins that transaction, so
    an import is all or nothing.
    """
    conn = uow.conn
    row = conn.execute(select(service_items).where(service_items.c.code == spec.code)).first()
    if row is None:
        _insert_item(conn, spec, actor.at, status=ItemStatus.DRAFT, draft=False)
        row = _row(conn, spec.code)
    elif row.published_version is not None:
        current = conn.execute(
            select(service_item_versions.c.spec).where(
                service_item_versions.c.item_id == row.id,
                service_item_versions.c.version == row.published_version,
            )
        ).scalar_one()
        if current == spec_to_json(spec) and row.draft is None:
            return None
    return _publish_spec(conn, actor, row, spec, row.lock_version, note)


@atomic
def withdraw(
    uow: UnitOfWork, actor: Actor, code: str, expected_lock_version: int, reason: str
) -> None:
    """Take an item off the public catalogue (取消事项); its versions stay for old cases."""
    if not reason.strip():
        raise ValidationFailed(fields={"reason": "请填写取消原因"})
    conn = uow.conn
    row = _row(conn, code, for_update=True)
    if row.status != ItemStatus.PUBLISHED:
        raise Conflict("只有已发布的事项才能取消。")
    _bump(conn, row, expected_lock_version, actor.at, status=ItemStatus.WITHDRAWN.value)
    search.unindex_item(conn, row.id)
    audit.record(conn, actor, "item.withdrawn", "service_item", row.code, {"reason": reason})


@atomic
def discard_draft(uow: UnitOfWork, actor: Actor, code: str, expected_lock_version: int) -> None:
    """Drop the unpublished draft of a published item; the published version stays."""
    conn = uow.conn
    row = _row(conn, code, for_update=True)
    if row.published_version is None:
        raise Conflict("从未发布的事项不能放弃草稿。")
    _bump(conn, row, expected_lock_version, actor.at, draft=None)
    audit.record(conn, actor, "item.draft_discarded", "service_item", row.code, {})


def _department_name(conn: Connection, department_id: int) -> str:
    return str(
        conn.execute(select(departments.c.name).where(departments.c.id == department_id)).scalar()
    )


_published_version = service_item_versions.alias("published_version")


def _published_select(version: Any) -> Any:
    """The item, its department's name and version ``version``'s identity, by code, in one read:
    the spec itself is only read (and parsed) the first time this process meets that version."""
    return (
        select(
            service_items.c.id,
            service_items.c.code,
            service_items.c.status,
            service_items.c.published_version,
            service_items.c.lock_version,
            service_items.c.draft.is_not(None).label("has_draft"),
            departments.c.name.label("department_name"),
            _published_version.c.id.label("version_id"),
            _published_version.c.published_at,
        )
        .select_from(
            service_items.join(departments).outerjoin(
                _published_version,
                (_published_version.c.item_id == service_items.c.id)
                & (_published_version.c.version == version),
            )
        )
        .where(service_items.c.code == bindparam("code"))
    )


# Built once each (a statement built per call costs SQLAlchemy a cache-key computation).
_CURRENT = _published_select(service_items.c.published_version)
_GIVEN = _published_select(bindparam("version", type_=Integer))
_SPEC = select(service_item_versions.c.spec).where(
    service_item_versions.c.id == bindparam("version_id")
)

_specs: weakref.WeakKeyDictionary[Engine, dict[tuple[int, datetime], ServiceItemSpec]] = (
    weakref.WeakKeyDictionary()
)
_specs_lock = threading.Lock()
_SPECS_MAX = 4096


def _published_spec(conn: Connection, version_id: int, published_at: datetime) -> ServiceItemSpec:
    """A published version's spec, parsed once per process: a published version never changes.

    Keyed by the engine (a database) and the version row's id and publishing time.
    """
    key = (version_id, published_at)
    cache = _specs.get(conn.engine)
    spec = cache.get(key) if cache is not None else None
    if spec is not None:
        return spec
    spec = spec_from_json(conn.execute(_SPEC, {"version_id": version_id}).scalar_one())
    with _specs_lock:
        cache = _specs.setdefault(conn.engine, {})
        if len(cache) >= _SPECS_MAX:
            cache.clear()
        cache[key] = spec
    return spec


def published_item(conn: Connection, code: str, version: int | None = None) -> ItemView:
    """The public view of an item: its current (or a given) published version."""
    code_ = code.strip().upper()
    if version:
        row = conn.execute(_GIVEN, {"code": code_, "version": version}).first()
    else:
        row = conn.execute(_CURRENT, {"code": code_}).first()
    return _published_view(conn, row, code, version)


def published_with(*extra: Any) -> Any:
    """``published_item``'s read of the current version with ``extra`` columns (scalar
    subqueries) a use case reads in the same round trip; for ``published_item_and``."""
    return _published_select(service_items.c.published_version).add_columns(*extra)


def published_item_and(
    conn: Connection, code: str, query: Any, params: dict[str, Any]
) -> tuple[ItemView, Row[Any]]:
    """``published_item`` (current version) read with a ``published_with`` query: the item,
    and the row with the extra columns (``params``: their parameters)."""
    code_ = code.strip().upper()
    row = conn.execute(query, {**params, "code": code_}).first()
    view = _published_view(conn, row, code, None)
    assert row is not None  # else ItemNotFound above
    return view, row


def _published_view(
    conn: Connection, row: Row[Any] | None, code: str, version: int | None
) -> ItemView:
    if row is None:
        raise ItemNotFound(code=code)
    wanted = version or row.published_version
    if wanted is None or (version is None and row.status != ItemStatus.PUBLISHED):
        raise ItemNotFound(code=code)
    if row.version_id is None:
        raise ItemNotFound(code=f"{code} 第 {wanted} 版")
    return ItemView(
        id=row.id,
        code=row.code,
        status=ItemStatus(row.status),
        spec=_published_spec(conn, row.version_id, row.published_at),
        version=wanted,
        published_at=row.published_at,
        department_name=row.department_name,
        lock_version=row.lock_version,
        has_draft=bool(row.has_draft),
    )


def item_for_edit(conn: Connection, code: str) -> ItemView:
    """The draft if there is one, else the published version: what the editor starts from."""
    row = _row(conn, code)
    if row.draft is not None:
        spec = spec_from_json(row.draft)
        published_at = None
    else:
        view = published_item(conn, code, row.published_version)
        spec, published_at = view.spec, view.published_at
    return ItemView(
        id=row.id,
        code=row.code,
        status=ItemStatus(row.status),
        spec=spec,
        version=row.published_version,
        published_at=published_at,
        department_name=_department_name(conn, row.department_id),
        lock_version=row.lock_version,
        has_draft=row.draft is not None,
    )


def history(conn: Connection, code: str, *, item_id: int | None = None) -> list[VersionInfo]:
    """Published versions, newest first; pass ``item_id`` when the caller has the row."""
    from tongban.adapters.db.tables import users

    if item_id is None:
        item_id = _row(conn, code).id
    rows = conn.execute(
        select(
            service_item_versions.c.version,
            service_item_versions.c.published_at,
            service_item_versions.c.note,
            users.c.name,
        )
        .select_from(service_item_versions.outerjoin(users))
        .where(service_item_versions.c.item_id == item_id)
        .order_by(service_item_versions.c.version.desc())
    ).all()
    return [VersionInfo(r.version, r.published_at, r.name, r.note) for r in rows]
