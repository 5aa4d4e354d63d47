"""The worker's supervision sweep: overdue inspection tasks alert the department head, once per
task and deadline (dedup keys), so a second run queues nothing."""

from __future__ import annotations

from collections.abc import Callable

from tongban.adapters.db.tables_supervision import inspection_tasks
from tongban.services.platform.batches import OverdueAlerts
from tongban.services.supervision import tasks

overdue_inspections = OverdueAlerts(
    "inspection_overdue_alerts", tasks.overdue_query, inspection_tasks.c.id, tasks.alert_one
)
"""检查任务 past its deadline: the department's section chiefs and the inspector are told."""


def register(add: Callable[..., None]) -> None:
    """Register the sweep with the worker (``worker.register_sweep``)."""
    overdue_inspections.register(add)
