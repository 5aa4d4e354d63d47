"""Tables for the rules as code: versioned rule sets per item and the automated decisions (秒批).

Mirrors migration 0008; imported at the end of ``tables.py`` so ``metadata`` holds every table.
"""

from __future__ import annotations

from tongban.adapters.db.tables import metadata  # noqa: F401
