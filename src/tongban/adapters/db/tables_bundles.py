"""Tables for the bundles: one-application bundles and their sub-cases (一件事一次办).

Mirrors migration 0010; imported at the end of ``tables.py`` so ``metadata`` holds every table.
"""

from __future__ import annotations

from tongban.adapters.db.tables import metadata  # noqa: F401
