"""Tables for the personal data space: grants, the holder-visible access log, citizen codes,
identity checks.

Mirrors migration 0007; imported at the end of ``tables.py`` so ``metadata`` holds every table.
"""

from __future__ import annotations

from tongban.adapters.db.tables import metadata  # noqa: F401
