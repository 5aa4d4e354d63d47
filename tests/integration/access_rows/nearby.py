"""Access-matrix rows of "where to get it done nearby": all public reads."""

from __future__ import annotations

from tongban.services.platform import access

_PUBLIC = access.PUBLIC.name

ROWS: dict[tuple[str, str], str] = {
    ("GET", "/service-circle"): _PUBLIC,
    ("GET", "/api/v1/centres/nearest-open"): _PUBLIC,
    ("GET", "/api/v1/centres/{code}/items"): _PUBLIC,
    ("GET", "/api/v1/service-circle"): _PUBLIC,
    ("GET", "/api/v1/service-circle/map"): _PUBLIC,
    ("GET", "/api/v1/places"): _PUBLIC,
    ("GET", "/api/v1/places/locate"): _PUBLIC,
}
SAMPLES: dict[str, str] = {}
