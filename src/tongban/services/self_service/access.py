"""Who may use the self-service pages and API."""

from __future__ import annotations

from tongban.domain.people.model import Role
from tongban.services.platform.access import roles

KIOSKS = roles(Role.KIOSK)
"""A paired kiosk's device account: the kiosk pages and API, nothing else."""
KIOSK_MANAGERS = roles(Role.CENTRE_MANAGER)
"""The centre manager registers, pairs and configures the kiosks of their centre."""
ASSISTING_CLERKS = roles(Role.CLERK)
"""网办辅导: a clerk at a centre's assisted online filing desk."""
