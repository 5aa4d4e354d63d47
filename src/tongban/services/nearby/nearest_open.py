"""The nearest centre that handles an item and is open now (就近办).

From a point, or an address of the gazetteer (no online geocoder), the centres that handle the
item are ranked by straight-line distance; the first open at the request's instant — its opening
hours read against the official calendar, so closed on a statutory holiday and open on a 调休
working weekend day — is the answer.  The nearest few are listed too, each with when it closes
or next opens.  Three small reads a call: the network's version, the item, the calendar's
fingerprint; the rest comes from the process's snapshot.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection

from tongban.domain.errors import ValidationFailed
from tongban.domain.network.errors import PointOutsideDistrict
from tongban.domain.network.gazetteer import Located
from tongban.domain.network.geo import (
    flat_km,
    haversine_km,
    walking_minutes,
    within_service_circle,
)
from tongban.domain.network.model import Centre
from tongban.domain.shared.clock import CHINA_TZ
from tongban.services.nearby.circle import Scope, scope
from tongban.services.nearby.handling import handles
from tongban.services.network import queries
from tongban.services.network.snapshot import NetworkSnapshot, snapshot
from tongban.services.platform.calendar import load_calendar

MAX_LISTED = 10


@dataclass(frozen=True)
class CentreStatus:
    """A centre that handles the item, how far it is and whether it is open now."""

    centre: Centre
    distance_km: float
    walking_minutes: int
    within_service_circle: bool
    open_now: bool
    closes_at: datetime | None
    """When the period it is open in ends (lunch or evening); None when closed."""
    next_opening: datetime | None
    """When it next opens (now, if open); None if not within two weeks of the known calendar."""


@dataclass(frozen=True)
class NearestOpen:
    scope: Scope
    latitude: float
    longitude: float
    located: Located | None
    """The gazetteer entry the address was found as, if an address was given."""
    at: datetime
    centre: CentreStatus | None
    """The nearest centre open now that handles the item; None if none is."""
    nearby: list[CentreStatus]
    """The nearest centres that handle the item, open or not, nearest first."""


def locate(
    network: NetworkSnapshot,
    *,
    address: str = "",
    lat: float | None = None,
    lon: float | None = None,
) -> tuple[float, float, Located | None]:
    """The point an address or coordinates stand for; refused off the globe or outside the
    district's population grid (when one is loaded)."""
    located: Located | None = None
    if address.strip():
        located = network.gazetteer.locate(address)
        lat, lon = located.latitude, located.longitude
    elif lat is None or lon is None:
        raise ValidationFailed(fields={"address": "请填写地址，或同时填写纬度和经度"})
    else:
        queries.check_point(lat, lon)
    if network.has_grid and network.cell_at(lat, lon) is None:
        error = PointOutsideDistrict(lat=round(lat, 6), lon=round(lon, 6))
        raise PointOutsideDistrict(
            lat=round(lat, 6), lon=round(lon, 6), fields={"point": error.message}
        )
    return lat, lon, located


def nearest_open_centre(
    conn: Connection,
    *,
    at: datetime,
    item: str | None = None,
    address: str = "",
    lat: float | None = None,
    lon: float | None = None,
    limit: int = 5,
) -> NearestOpen:
    """The nearest centre open at ``at`` that handles ``item`` (code or exact name; any item if
    None), from an address or a point.  ``ItemNotFound``, ``AddressUnknown``,
    ``AddressAmbiguous``, ``PointOutsideDistrict`` or ``ValidationFailed`` for bad input;
    ``CalendarUnknown`` if the calendar does not know the day."""
    if not 1 <= limit <= MAX_LISTED:
        raise ValidationFailed(fields={"limit": f"数量应在 1 到 {MAX_LISTED} 之间"})
    at = at.astimezone(CHINA_TZ)  # opening hours are Beijing time; so are the answers
    network = snapshot(conn)
    here_lat, here_lon, located = locate(network, address=address, lat=lat, lon=lon)
    found = scope(conn, item)
    calendar = load_calendar(conn)
    # Ranked by the flat distance (within a metre of haversine here, a third of the cost over
    # 300 centres); the distances answered are haversine's.
    ranked = sorted(
        (
            (flat_km(here_lat, here_lon, c.latitude, c.longitude), c)
            for c in network.centres
            if handles(c, found.levels)
        ),
        key=lambda pair: (pair[0], pair[1].code),
    )

    def status(_rank: float, centre: Centre) -> CentreStatus:
        distance = haversine_km(here_lat, here_lon, centre.latitude, centre.longitude)
        hours = network.hours[centre.code]
        closes = hours.closes_at(at, calendar)
        return CentreStatus(
            centre=centre,
            distance_km=round(distance, 2),
            walking_minutes=walking_minutes(distance),
            within_service_circle=within_service_circle(distance),
            open_now=closes is not None,
            closes_at=closes,
            next_opening=at if closes is not None else hours.next_opening(at, calendar),
        )

    nearby = [status(d, c) for d, c in ranked[:limit]]
    first_open = next((s for s in nearby if s.open_now), None)
    if first_open is None:
        first_open = next(
            (
                status(d, c)
                for d, c in ranked[limit:]
                if network.hours[c.code].is_open(at, calendar)
            ),
            None,
        )
    return NearestOpen(found, here_lat, here_lon, located, at, first_open, nearby)
