"""Access-matrix rows of the licences routes."""

from __future__ import annotations

from tongban.services.licences import access as licences

READERS = licences.LICENCE_READERS.name
REVOKERS = licences.LICENCE_REVOKERS.name
PUBLIC = licences.LICENCE_VERIFIERS.name

ROWS: dict[tuple[str, str], str] = {
    ("GET", "/api/v1/licence-types"): PUBLIC,
    ("GET", "/api/v1/licences/{licence_id}"): READERS,
    ("GET", "/api/v1/licences/{licence_id}/pdf"): READERS,
    ("POST", "/api/v1/licences/{licence_id}/presentation"): READERS,
    ("POST", "/api/v1/licences/{licence_id}/revoke"): REVOKERS,
    ("POST", "/api/v1/licences/verify"): PUBLIC,
    ("GET", "/verify"): PUBLIC,
    ("POST", "/verify"): PUBLIC,
    ("GET", "/licences/{licence_id}.pdf"): READERS,
    ("GET", "/.well-known/jwks.json"): PUBLIC,
    ("GET", "/.well-known/ca.pem"): PUBLIC,
}
SAMPLES: dict[str, str] = {"licence_id": "DZZZ-id_card-20260101-00000000"}
