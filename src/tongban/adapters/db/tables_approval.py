"""Tables for the the online approval centre: shared queue, assignment settings (网上审批中心).

Mirrors migration 0011; imported at the end of ``tables.py`` so ``metadata`` holds every table.
"""

from __future__ import annotations

from tongban.adapters.db.tables import metadata  # noqa: F401
