"""Access rows of 跨境通办's self-registration: anyone may register."""

from __future__ import annotations

from tongban.services.platform import access

PUBLIC = access.PUBLIC.name

ROWS: dict[tuple[str, str], str] = {
    ("GET", "/register"): PUBLIC,
    ("POST", "/register"): PUBLIC,
    ("POST", "/api/v1/auth/register"): PUBLIC,
}

SAMPLES: dict[str, str] = {}
