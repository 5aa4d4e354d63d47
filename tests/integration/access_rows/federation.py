"""Access-matrix rows of the 跨城通办 routes."""

from __future__ import annotations

from tongban.services.federation import handover, node
from tongban.services.platform import access

PUBLIC = access.PUBLIC.name
READERS = handover.READERS.name
CLERKS = access.CASE_CLERKS.name
ADMINS = node.ADMINS.name

ROWS: dict[tuple[str, str], str] = {
    ("GET", "/.well-known/tongban-node.json"): PUBLIC,
    # A partner node's delivery: its signature, checked by the service, says who sent it.
    ("POST", "/federation/v1/messages"): PUBLIC,
    ("GET", "/federation/v1/items"): PUBLIC,
    ("GET", "/federation/cases"): READERS,
    ("GET", "/federation/cases/{case_ref}"): READERS,
    ("POST", "/federation/cases/{case_ref}/correction"): CLERKS,
    ("POST", "/federation/cases/{case_ref}/collected"): CLERKS,
    ("POST", "/federation/cases/{case_ref}/withdraw"): CLERKS,
    ("GET", "/federation/handover"): CLERKS,
    ("POST", "/federation/handover"): CLERKS,
    ("GET", "/federation/refused"): CLERKS,
    ("POST", "/federation/refused/{message_id}"): CLERKS,
    ("GET", "/federation/partners"): CLERKS,
    ("POST", "/federation/partners/{code}/sync"): CLERKS,
    ("GET", "/api/v1/federation/cases"): READERS,
    ("GET", "/api/v1/federation/cases/{case_ref}"): READERS,
    ("POST", "/api/v1/federation/cases/{case_ref}/withdraw"): CLERKS,
    # The node and its partners: the district's catalogue admin, never a window clerk.
    ("GET", "/admin/federation"): ADMINS,
    ("POST", "/admin/federation/init"): ADMINS,
    ("GET", "/admin/federation/rotate-key"): ADMINS,
    ("POST", "/admin/federation/rotate-key"): ADMINS,
    ("POST", "/admin/federation/trust/preview"): ADMINS,
    ("POST", "/admin/federation/trust"): ADMINS,
    ("GET", "/admin/federation/partners/{code}/untrust"): ADMINS,
    ("POST", "/admin/federation/partners/{code}/untrust"): ADMINS,
    ("POST", "/admin/federation/partners/{code}/sync"): ADMINS,
    ("GET", "/api/v1/admin/federation/node"): ADMINS,
    ("POST", "/api/v1/admin/federation/node"): ADMINS,
    ("POST", "/api/v1/admin/federation/node/rotate-key"): ADMINS,
    ("GET", "/api/v1/admin/federation/partners"): ADMINS,
    ("POST", "/api/v1/admin/federation/partners"): ADMINS,
    ("POST", "/api/v1/admin/federation/partners/{code}/untrust"): ADMINS,
}
SAMPLES: dict[str, str] = {"case_ref": "440605-20261116-00001"}
