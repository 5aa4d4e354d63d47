"""Access-matrix rows of the approval centre routes."""

from __future__ import annotations

from tongban.services.approval_centre.access import APPROVAL_CENTRE_CHIEFS, APPROVAL_CENTRE_STAFF

STAFF = APPROVAL_CENTRE_STAFF.name
CHIEFS = APPROVAL_CENTRE_CHIEFS.name
API = "/api/v1/approval-centre"

ROWS: dict[tuple[str, str], str] = {
    ("GET", f"{API}/queue"): STAFF,
    ("GET", f"{API}/mine"): STAFF,
    ("GET", f"{API}/figures"): STAFF,
    ("GET", f"{API}/settings"): STAFF,
    ("PUT", f"{API}/settings"): CHIEFS,
    ("POST", f"{API}/claim"): STAFF,
    ("POST", f"{API}/claim-next"): STAFF,
    ("POST", f"{API}/release"): STAFF,
    ("POST", f"{API}/assign"): CHIEFS,
    ("POST", f"{API}/assign-queue"): CHIEFS,
    ("POST", f"{API}/reassign"): CHIEFS,
    # pages
    ("GET", "/approval-centre"): STAFF,
    ("GET", "/approval-centre/mine"): STAFF,
    ("POST", "/approval-centre/mine/{action}"): STAFF,
    ("POST", "/approval-centre/manage/{action}"): CHIEFS,
    ("GET", "/approval-centre/settings"): CHIEFS,
    ("POST", "/approval-centre/settings"): CHIEFS,
}
SAMPLES: dict[str, str] = {}
