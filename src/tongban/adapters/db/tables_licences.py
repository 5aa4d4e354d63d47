"""Tables for the e-licence library: licence records, signing keys and the CA (电子证照).

Mirrors migration 0006; imported at the end of ``tables.py`` so ``metadata`` holds every table.
"""

from __future__ import annotations

from tongban.adapters.db.tables import metadata  # noqa: F401
