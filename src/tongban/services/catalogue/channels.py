"""Items by channel: the self-service items (自助办) a kiosk offers.

Which channels an item has is part of its published spec.  The list is built from the specs
(each parsed once per process, ``items._published_spec``) and kept until anything is published
or withdrawn, which every process sees as a new search generation.
"""

from __future__ import annotations

import threading

from sqlalchemy import Connection, select

from tongban.adapters.db.tables import departments, service_item_versions, service_items
from tongban.domain.catalogue.model import Audience, Channel, ItemStatus
from tongban.services.catalogue.items import ItemView, _published_spec
from tongban.services.catalogue.search import _generation

_LISTED = (
    select(
        service_items.c.id,
        service_items.c.code,
        service_items.c.status,
        service_items.c.published_version,
        service_items.c.lock_version,
        departments.c.name.label("department_name"),
        service_item_versions.c.id.label("version_id"),
        service_item_versions.c.published_at,
    )
    .select_from(
        service_items.join(departments).join(
            service_item_versions,
            (service_item_versions.c.item_id == service_items.c.id)
            & (service_item_versions.c.version == service_items.c.published_version),
        )
    )
    .where(service_items.c.status == ItemStatus.PUBLISHED.value)
    .order_by(service_items.c.code)
)
_cache: dict[tuple[str, str], tuple[ItemView, ...]] = {}
_lock = threading.Lock()


def self_service_items(conn: Connection) -> tuple[ItemView, ...]:
    """Every published item a kiosk may file (its channels include self-service), by code."""
    key = (str(conn.engine.url), _generation(conn))
    found = _cache.get(key)
    if found is not None:
        return found
    views = []
    for row in conn.execute(_LISTED):
        spec = _published_spec(conn, row.version_id, row.published_at)
        if Channel.SELF_SERVICE not in spec.channels:
            continue
        views.append(
            ItemView(
                id=row.id,
                code=row.code,
                status=ItemStatus(row.status),
                spec=spec,
                version=row.published_version,
                published_at=row.published_at,
                department_name=row.department_name,
                lock_version=row.lock_version,
                has_draft=False,
            )
        )
    listed = tuple(views)
    with _lock:
        _cache.clear()  # one generation per database is ever current
        _cache[key] = listed
    return listed


def for_audience(items: tuple[ItemView, ...], kind: str) -> list[ItemView]:
    """The items a citizen (``citizen``) or an enterprise (``enterprise``) may apply for."""
    wanted = {Audience.BOTH, Audience(kind)} if kind in ("citizen", "enterprise") else set()
    return [item for item in items if item.spec.audience in wanted]
