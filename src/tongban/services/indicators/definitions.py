"""Indicator definitions as data, versioned like catalogue items: a draft is edited, publishing
makes it a new version, and every published version is kept.

Two editors of one draft: the save names the ``lock_version`` read, and the loser of the
compare-and-set gets ``StaleVersion``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from tongban.adapters.db.tables_indicators import indicator_definitions, indicator_versions
from tongban.domain.errors import StaleVersion
from tongban.domain.indicators import formula
from tongban.domain.indicators.errors import (
    FormulaSyntaxError,
    IndicatorExists,
    IndicatorNoDraft,
    IndicatorNotFound,
    IndicatorVersionNotFound,
)
from tongban.domain.indicators.model import IndicatorSpec, check_spec
from tongban.domain.indicators.seed import SEED
from tongban.services.platform import audit
from tongban.services.platform.context import Actor
from tongban.services.platform.unit_of_work import UnitOfWork, atomic


@dataclass(frozen=True)
class Version:
    version: int
    spec: IndicatorSpec
    note: str
    published_at: datetime


@dataclass(frozen=True)
class Definition:
    """One indicator: its published spec (None before the first publication) and its draft."""

    code: str
    status: str
    published_version: int | None
    published: IndicatorSpec | None
    draft: IndicatorSpec | None
    lock_version: int

    @property
    def current(self) -> IndicatorSpec:
        spec = self.published or self.draft
        assert spec is not None
        return spec


def published_specs(conn: Connection) -> dict[str, IndicatorSpec]:
    """Every published indicator's current version, by code."""
    rows = conn.execute(
        select(indicator_definitions.c.code, indicator_versions.c.spec)
        .join(
            indicator_versions,
            (indicator_versions.c.definition_id == indicator_definitions.c.id)
            & (indicator_versions.c.version == indicator_definitions.c.published_version),
        )
        .order_by(indicator_definitions.c.id)
    ).all()
    return {row.code: IndicatorSpec.from_dict(row.spec) for row in rows}


def _row(conn: Connection, code: str) -> Any:
    row = conn.execute(
        select(indicator_definitions).where(indicator_definitions.c.code == code)
    ).first()
    if row is None:
        raise IndicatorNotFound(code=code)
    return row


def list_definitions(conn: Connection) -> list[Definition]:
    """Every indicator, in the order they were created."""
    published = published_specs(conn)
    rows = conn.execute(select(indicator_definitions).order_by(indicator_definitions.c.id)).all()
    return [_definition(row, published.get(row.code)) for row in rows]


def _definition(row: Any, published: IndicatorSpec | None) -> Definition:
    return Definition(
        code=row.code,
        status=row.status,
        published_version=row.published_version,
        published=published,
        draft=None if row.draft is None else IndicatorSpec.from_dict(row.draft),
        lock_version=row.lock_version,
    )


def get(conn: Connection, code: str) -> Definition:
    row = _row(conn, code)
    return _definition(row, published_specs(conn).get(code))


def versions(conn: Connection, code: str) -> list[Version]:
    """Every published version of the indicator, newest first."""
    row = _row(conn, code)
    found = conn.execute(
        select(indicator_versions)
        .where(indicator_versions.c.definition_id == row.id)
        .order_by(indicator_versions.c.version.desc())
    ).all()
    return [
        Version(v.version, IndicatorSpec.from_dict(v.spec), v.note, v.published_at) for v in found
    ]


def version(conn: Connection, code: str, number: int) -> Version:
    """One published version of the indicator, kept after later ones replaced it."""
    for found in versions(conn, code):
        if found.version == number:
            return found
    raise IndicatorVersionNotFound(code=code, version=number)


def _checked(conn: Connection, spec: IndicatorSpec) -> None:
    published = published_specs(conn)
    try:
        formula.parse(spec.formula)
    except FormulaSyntaxError as error:
        raise FormulaSyntaxError(fields={"formula": error.message}, **error.params) from None
    check_spec(spec, lambda code: spec if code == spec.code else published.get(code))


@atomic
def create(uow: UnitOfWork, actor: Actor, spec: IndicatorSpec) -> Definition:
    """A new indicator, as a draft; its formula checked before anything is written."""
    conn = uow.conn
    _checked(conn, spec)
    exists = conn.execute(
        select(indicator_definitions.c.id).where(indicator_definitions.c.code == spec.code)
    ).first()
    if exists is not None:
        raise IndicatorExists(code=spec.code)
    conn.execute(
        insert(indicator_definitions).values(
            code=spec.code,
            status="draft",
            draft=spec.as_dict(),
            lock_version=1,
            created_at=actor.at,
            updated_at=actor.at,
        )
    )
    audit.record(conn, actor, "indicator.create", "indicator", spec.code, spec.as_dict())
    return get(conn, spec.code)


@atomic
def save_draft(
    uow: UnitOfWork, actor: Actor, code: str, spec: IndicatorSpec, lock_version: int
) -> Definition:
    """Replace the draft (a change to a published indicator starts one); compare-and-set."""
    conn = uow.conn
    row = _row(conn, code)
    spec = IndicatorSpec(**{**spec.__dict__, "code": code})
    _checked(conn, spec)
    changed = conn.execute(
        update(indicator_definitions)
        .where(
            indicator_definitions.c.id == row.id,
            indicator_definitions.c.lock_version == lock_version,
        )
        .values(draft=spec.as_dict(), lock_version=lock_version + 1, updated_at=actor.at)
    ).rowcount
    if changed != 1:
        raise StaleVersion(current=row.lock_version)
    audit.record(conn, actor, "indicator.save_draft", "indicator", code, spec.as_dict())
    return get(conn, code)


@atomic
def publish(
    uow: UnitOfWork, actor: Actor, code: str, lock_version: int, note: str = ""
) -> Definition:
    """The draft becomes the next version; the earlier ones stay in the history."""
    conn = uow.conn
    row = _row(conn, code)
    if row.draft is None:
        raise IndicatorNoDraft(code=code)
    spec = IndicatorSpec.from_dict(row.draft)
    _checked(conn, spec)
    version = (row.published_version or 0) + 1
    changed = conn.execute(
        update(indicator_definitions)
        .where(
            indicator_definitions.c.id == row.id,
            indicator_definitions.c.lock_version == lock_version,
        )
        .values(
            status="published",
            published_version=version,
            draft=None,
            lock_version=lock_version + 1,
            updated_at=actor.at,
        )
    ).rowcount
    if changed != 1:
        raise StaleVersion(current=row.lock_version)
    conn.execute(
        insert(indicator_versions).values(
            definition_id=row.id,
            version=version,
            spec=spec.as_dict(),
            note=note[:500],
            published_at=actor.at,
            published_by=actor.user_id,
        )
    )
    audit.record(conn, actor, "indicator.publish", "indicator", code, {"version": version})
    return get(conn, code)


@atomic
def seed(uow: UnitOfWork, actor: Actor) -> int:
    """Create and publish the standard indicators that do not exist yet; returns how many."""
    existing = set(uow.conn.execute(select(indicator_definitions.c.code)).scalars().all())
    added = 0
    for spec in SEED:
        if spec.code in existing:
            continue
        created = create(uow, actor, spec)
        publish(uow, actor, spec.code, created.lock_version, "初始版本")
        added += 1
    return added
