"""Access-matrix rows of the bundles routes."""

from __future__ import annotations

from tongban.services.bundles.queries import BUNDLE_APPLICATION_READERS
from tongban.services.platform import access

_PUBLIC = access.PUBLIC.name
_APPLICANT = access.APPLICANT.name
_READERS = BUNDLE_APPLICATION_READERS.name

ROWS: dict[tuple[str, str], str] = {
    ("GET", "/bundles"): _PUBLIC,
    ("GET", "/bundles/{code}"): _PUBLIC,
    ("POST", "/bundles/{code}"): _APPLICANT,
    ("GET", "/bundles/applications/{number}"): _READERS,
    ("GET", "/api/v1/bundles"): _PUBLIC,
    ("GET", "/api/v1/bundles/{code}"): _PUBLIC,
    ("POST", "/api/v1/bundles/{code}/applications"): _APPLICANT,
    ("GET", "/api/v1/bundles/applications/{number}"): _READERS,
}
SAMPLES: dict[str, str] = {}
