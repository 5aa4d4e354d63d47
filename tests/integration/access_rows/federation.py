"""Access-matrix rows of the 跨城通办 routes."""

from __future__ import annotations

from tongban.services.platform import access

PUBLIC = access.PUBLIC.name

ROWS: dict[tuple[str, str], str] = {
    ("GET", "/.well-known/tongban-node.json"): PUBLIC,
    # A partner node's delivery: its signature, checked by the service, says who sent it.
    ("POST", "/federation/v1/messages"): PUBLIC,
}
SAMPLES: dict[str, str] = {}
