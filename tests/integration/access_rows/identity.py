"""Access-matrix rows of the identity routes."""

from __future__ import annotations

from tongban.services.platform import access

_CLERKS = access.CASE_CLERKS.name

ROWS: dict[tuple[str, str], str] = {
    ("GET", "/me/code"): access.APPLICANT.name,
    ("POST", "/me/code"): access.APPLICANT.name,
    ("GET", "/window/identify"): _CLERKS,
    ("POST", "/window/identify/code"): _CLERKS,
    ("POST", "/window/identify/card"): _CLERKS,
    ("POST", "/window/identify/face"): _CLERKS,
    ("POST", "/window/identify/consent"): _CLERKS,
    ("POST", "/api/v1/identity/citizen-code"): access.APPLICANT.name,
    ("POST", "/api/v1/identity/citizen-code/redeem"): _CLERKS,
    ("POST", "/api/v1/identity/id-card"): _CLERKS,
    ("POST", "/api/v1/identity/face"): _CLERKS,
    ("POST", "/api/v1/identity/consent"): _CLERKS,
}
SAMPLES: dict[str, str] = {}
