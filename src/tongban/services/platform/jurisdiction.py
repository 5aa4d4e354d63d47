"""The jurisdiction the deployment serves: set by ``tongban init``, read by everyone else.

One row of ``jurisdiction`` holds the validated document (``domain.shared.jurisdiction``).  It
is read once per process and database and kept (it changes only when a district is set up);
``configure`` replaces it in one transaction with its audit entry and drops this process's copy.
Other processes (a running app, the worker) read the new one when restarted.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, Engine, delete, insert, select

from tongban.adapters.db.tables import jurisdiction as jurisdiction_table
from tongban.domain.shared.jurisdiction import (
    Jurisdiction,
    JurisdictionNotConfigured,
    check_jurisdiction,
)
from tongban.services.platform import audit
from tongban.services.platform.context import Actor
from tongban.services.platform.unit_of_work import UnitOfWork, atomic

_cache: weakref.WeakKeyDictionary[Engine, Jurisdiction] = weakref.WeakKeyDictionary()
_cache_lock = threading.Lock()


def configured(conn: Connection) -> Jurisdiction | None:
    """The stored jurisdiction, or None before ``tongban init``; cached per engine."""
    cached = _cache.get(conn.engine)
    if cached is not None:
        return cached
    row = conn.execute(select(jurisdiction_table.c.document)).first()
    if row is None:
        return None
    value = Jurisdiction.model_validate(row.document)
    with _cache_lock:
        _cache[conn.engine] = value
    return value


def cached(engine: Engine) -> Jurisdiction | None:
    """This process's copy for ``engine``, without touching the database (None: not read yet)."""
    return _cache.get(engine)


def current(conn: Connection) -> Jurisdiction:
    """The stored jurisdiction; ``JurisdictionNotConfigured`` before ``tongban init``."""
    value = configured(conn)
    if value is None:
        raise JurisdictionNotConfigured()
    return value


def forget(engine: Engine) -> None:
    """Drop this process's copy: the next read loads the stored one."""
    with _cache_lock:
        _cache.pop(engine, None)


@atomic
def configure(uow: UnitOfWork, actor: Actor, values: Mapping[str, Any]) -> Jurisdiction:
    """Check ``values`` and make them the jurisdiction; ``InvalidJurisdiction`` (every problem
    by field) and nothing changed when they are not valid."""
    value = check_jurisdiction(values)
    conn = uow.conn
    before = conn.execute(select(jurisdiction_table.c.document)).first()
    conn.execute(delete(jurisdiction_table))
    conn.execute(
        insert(jurisdiction_table).values(
            id=1,
            region_code=value.region_code,
            document=value.as_document(),
            updated_at=actor.at,
        )
    )
    audit.record(
        conn,
        actor,
        "jurisdiction.configure",
        "jurisdiction",
        value.region_code,
        {
            "before": before.document.get("region_code") if before is not None else None,
            "district": value.full_name,
        },
    )
    forget(conn.engine)
    return value
