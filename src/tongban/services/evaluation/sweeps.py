"""The worker's 好差评 sweeps: invite the applicants of newly finished cases to rate (the SMS
link), and alert department heads to overdue rectification tasks; both once per case or task
and deadline, so a second run queues nothing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from tongban.adapters.db.tables_evaluation import rectifications as rectifications_table
from tongban.services.evaluation import links, rectifications
from tongban.services.platform.batches import OverdueAlerts

overdue_rectifications = OverdueAlerts(
    "rectification_overdue_alerts",
    rectifications.overdue_query,
    rectifications_table.c.id,
    rectifications.alert_one,
)
"""整改 past its deadline without a response: the department head is told."""


def register(add: Callable[..., None]) -> None:
    """Register the sweeps with the worker (``worker.register_sweep``)."""
    add("rating_link_invitations", links.invite_sweep, interval=timedelta(minutes=1), shared=True)
    overdue_rectifications.register(add)
