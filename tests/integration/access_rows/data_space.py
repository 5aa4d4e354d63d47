"""Access-matrix rows of the data space routes."""

from __future__ import annotations

from tongban.services.platform import access

_HOLDER = access.APPLICANT.name

ROWS: dict[tuple[str, str], str] = {
    ("GET", "/me/data"): _HOLDER,
    ("POST", "/me/data/grants"): _HOLDER,
    ("POST", "/me/data/grants/{grant_id}/revoke"): _HOLDER,
    ("GET", "/api/v1/me/data/licences"): _HOLDER,
    ("GET", "/api/v1/me/data/grants"): _HOLDER,
    ("POST", "/api/v1/me/data/grants"): _HOLDER,
    ("POST", "/api/v1/me/data/grants/{grant_id}/revoke"): _HOLDER,
    ("GET", "/api/v1/me/data/access-log"): _HOLDER,
    ("POST", "/api/v1/me/data/prefill"): _HOLDER,
    ("POST", "/api/v1/cases/{number}/disputes"): access.CASE_APPLICANT_OR_CLERK.name,
}
SAMPLES: dict[str, str] = {"grant_id": "999999"}
