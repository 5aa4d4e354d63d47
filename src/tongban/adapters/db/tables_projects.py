"""Tables for the proxy service: investment projects, authorisations, roadmap steps,
agent notes (代办).

Mirrors migration 0009; imported at the end of ``tables.py`` so ``metadata`` holds every table.
"""

from __future__ import annotations

from tongban.adapters.db.tables import metadata  # noqa: F401
