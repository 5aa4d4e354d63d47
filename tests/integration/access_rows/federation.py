"""Access-matrix rows of the 跨城通办 routes."""

from __future__ import annotations

from tongban.services.platform import access

PUBLIC = access.PUBLIC.name

ROWS: dict[tuple[str, str], str] = {
    ("GET", "/.well-known/tongban-node.json"): PUBLIC,
}
SAMPLES: dict[str, str] = {}
