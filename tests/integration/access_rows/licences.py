"""Access-matrix rows of the licences routes."""

from __future__ import annotations

from tongban.services import access  # noqa: F401

ROWS: dict[tuple[str, str], str] = {}
SAMPLES: dict[str, str] = {}
