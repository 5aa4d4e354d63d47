"""Read side of the service network: departments, centres, the nearest centre and coverage.

Distances are great-circle (haversine) distances computed in Python over the few hundred
centres, so the answer is the same on SQLite and PostgreSQL without a spatial extension;
walking times add the detour factor of ``domain/network/geo.py``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Select, case, select

from tongban.adapters.db.tables import centres, departments
from tongban.domain.catalogue.model import Level
from tongban.domain.errors import CentreNotFound, ValidationFailed
from tongban.domain.network.geo import (
    SERVICE_CIRCLE_MINUTES,
    haversine_km,
    walking_minutes,
)
from tongban.domain.network.model import (
    Accessibility,
    Centre,
    Department,
    ServiceWindow,
    WindowGroup,
)

MAX_NEAREST = 50

_parent = centres.alias("parent")
_LEVEL_ORDER = case(
    (centres.c.level == Level.DISTRICT.value, 0),
    (centres.c.level == Level.TOWN.value, 1),
    else_=2,
)


def list_departments(conn: Connection) -> list[Department]:
    """Every department, in the order they were registered (the district's list)."""
    rows = conn.execute(select(departments).order_by(departments.c.id))
    return [Department(code=r.code, name=r.name, short_name=r.short_name) for r in rows]


def _centre_query() -> Select[Any]:
    return (
        select(centres, _parent.c.code.label("parent_code"))
        .select_from(centres.outerjoin(_parent, centres.c.parent_id == _parent.c.id))
        .order_by(_LEVEL_ORDER, centres.c.id)
    )


def _centre(row: Any) -> Centre:
    layout = row.layout or {}
    return Centre(
        code=row.code,
        name=row.name,
        level=Level(row.level),
        parent_code=row.parent_code,
        town=row.town,
        address=row.address,
        latitude=row.latitude,
        longitude=row.longitude,
        opening_hours=row.opening_hours,
        phone=row.phone,
        windows=row.windows,
        accessibility=tuple(Accessibility(a) for a in row.accessibility),
        window_groups=tuple(WindowGroup.model_validate(g) for g in layout.get("groups", ())),
        service_windows=tuple(ServiceWindow.model_validate(w) for w in layout.get("windows", ())),
    )


def list_centres(
    conn: Connection, *, town: str | None = None, level: Level | None = None
) -> list[Centre]:
    """Centres, district first, then towns, then communities, each in the order they were
    registered (the district's official order); optionally of one town or level."""
    query = _centre_query()
    if town:
        query = query.where(centres.c.town == town)
    if level is not None:
        query = query.where(centres.c.level == level.value)
    return [_centre(row) for row in conn.execute(query)]


def pickup_centres(conn: Connection) -> list[Centre]:
    """Where an applicant may collect a result (一窗通办): the district and town centres,
    the district first, each level by code."""
    levels = (Level.DISTRICT.value, Level.TOWN.value)
    query = (
        _centre_query()
        .where(centres.c.level.in_(levels))
        .order_by(None)
        .order_by(_LEVEL_ORDER, centres.c.code)
    )
    return [_centre(row) for row in conn.execute(query)]


def centre(conn: Connection, code: str) -> Centre:
    """One centre by code; ``CentreNotFound`` if there is none."""
    row = conn.execute(_centre_query().where(centres.c.code == code.strip().upper())).first()
    if row is None:
        raise CentreNotFound(code=code)
    return _centre(row)


def centre_with_id(conn: Connection, code: str) -> tuple[int, Centre]:
    """A centre by code with its row id (for tables that refer to it); ``CentreNotFound``."""
    found = centre(conn, code)
    centre_id = conn.execute(select(centres.c.id).where(centres.c.code == found.code)).scalar_one()
    return int(centre_id), found


@dataclass(frozen=True)
class TownCentres:
    """How many centres a town (镇街) has at each level."""

    town: str
    by_level: dict[Level, int] = field(default_factory=dict)

    @property
    def communities(self) -> int:
        return self.by_level.get(Level.COMMUNITY, 0)

    @property
    def total(self) -> int:
        return sum(self.by_level.values())


def centres_by_town(conn: Connection) -> list[TownCentres]:
    """Centre counts per town and level, towns in the order of their town centres."""
    rows = conn.execute(
        select(centres.c.town, centres.c.level)
        .where(centres.c.town != "")
        .order_by(_LEVEL_ORDER, centres.c.id)
    )
    counts: dict[str, Counter[Level]] = {}
    for row in rows:
        counts.setdefault(row.town, Counter())[Level(row.level)] += 1
    return [TownCentres(town, dict(counter)) for town, counter in counts.items()]


def towns(conn: Connection) -> list[str]:
    """The towns (镇街) that have a centre, in the order of their town centres."""
    return [t.town for t in centres_by_town(conn)]


@dataclass(frozen=True)
class Coverage:
    """How densely the community centres (村居服务站点) cover the district."""

    community_centres: int
    by_town: dict[str, int]


def coverage(conn: Connection) -> Coverage:
    """The number of community centres, overall and per town."""
    by_town = {t.town: t.communities for t in centres_by_town(conn)}
    return Coverage(community_centres=sum(by_town.values()), by_town=by_town)


@dataclass(frozen=True)
class NearbyCentre:
    centre: Centre
    distance_km: float
    walking_minutes: int

    @property
    def within_service_circle(self) -> bool:
        """Inside the 15-minute service circle."""
        return self.walking_minutes <= SERVICE_CIRCLE_MINUTES


def check_point(lat: float, lon: float, limit: int = 5) -> None:
    """Reject a point off the globe or an unreasonable result count, field by field."""
    fields: dict[str, str] = {}
    if not -90 <= lat <= 90:
        fields["lat"] = "纬度应在 -90 到 90 之间"
    if not -180 <= lon <= 180:
        fields["lon"] = "经度应在 -180 到 180 之间"
    if not 1 <= limit <= MAX_NEAREST:
        fields["limit"] = "数量应在 1 到 50 之间"
    if fields:
        raise ValidationFailed(fields=fields)


def nearest_centres(
    conn: Connection, lat: float, lon: float, *, limit: int = 5, level: Level | None = None
) -> list[NearbyCentre]:
    """The ``limit`` centres closest to the point, nearest first (ties by code)."""
    check_point(lat, lon, limit)
    ranked = sorted(
        (
            (haversine_km(lat, lon, c.latitude, c.longitude), c)
            for c in list_centres(conn, level=level)
        ),
        key=lambda pair: (pair[0], pair[1].code),
    )
    return [NearbyCentre(c, round(d, 2), walking_minutes(d)) for d, c in ranked[:limit]]
