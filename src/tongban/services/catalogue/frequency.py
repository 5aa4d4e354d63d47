"""高频事项: the items people apply for most, which the elderly version of the portal (长辈版,
适老化) puts first so that nobody has to search for the everyday ones.

The catalogue has no frequency of its own, so it is measured: the published items for
citizens with the most applications submitted in the last 90 days, on any channel.  Where the
platform has too few applications yet to rank (a new deployment, the demo), the list is made up
with the self-service items (自助办): the everyday items a centre offers on its kiosks.  Each
entry says which of the two it is.  Worked out at most once an hour per process.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, func, select

from tongban.adapters.db.tables import cases, departments, service_items
from tongban.domain.catalogue.model import Audience, ItemStatus
from tongban.services.catalogue import channels
from tongban.services.catalogue.search import _generation

WINDOW = timedelta(days=90)
LIMIT = 8
CITIZEN_AUDIENCES = (Audience.CITIZEN.value, Audience.BOTH.value)


@dataclass(frozen=True)
class FrequentItem:
    code: str
    name: str
    department_name: str
    applications: int
    """Applications submitted in the last 90 days (0: listed as a self-service item)."""


_cache: dict[tuple[str, str, str], list[FrequentItem]] = {}
_lock = threading.Lock()


def high_frequency_items(
    conn: Connection, now: datetime, *, limit: int = LIMIT
) -> list[FrequentItem]:
    """The ``limit`` items citizens apply for most (last 90 days), then self-service items."""
    key = (str(conn.engine.url), _generation(conn), now.strftime("%Y-%m-%dT%H"))
    found = _cache.get(key)
    if found is None:
        found = _measure(conn, now, limit)
        with _lock:
            _cache.clear()
            _cache[key] = found
    return found[:limit]


def _measure(conn: Connection, now: datetime, limit: int) -> list[FrequentItem]:
    counted = func.count(cases.c.id).label("applications")
    rows = conn.execute(
        select(
            service_items.c.code, service_items.c.name, departments.c.name.label("dept"), counted
        )
        .select_from(
            cases.join(service_items, service_items.c.id == cases.c.item_id).join(
                departments, departments.c.id == service_items.c.department_id
            )
        )
        .where(
            cases.c.submitted_at >= now - WINDOW,
            service_items.c.status == ItemStatus.PUBLISHED.value,
            service_items.c.audience.in_(CITIZEN_AUDIENCES),
        )
        .group_by(service_items.c.code, service_items.c.name, departments.c.name)
        .order_by(counted.desc(), service_items.c.code)
        .limit(limit)
    ).all()
    listed = [FrequentItem(r.code, r.name, r.dept, int(r.applications)) for r in rows]
    ranked = {item.code for item in listed}
    for item in channels.for_audience(channels.self_service_items(conn), "citizen"):
        if len(listed) >= limit:
            break
        if item.code not in ranked:
            listed.append(FrequentItem(item.code, item.spec.name, item.department_name, 0))
    return listed
