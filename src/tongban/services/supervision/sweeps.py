"""The worker's supervision sweep: overdue inspection tasks alert the department head, once per
task and deadline (dedup keys), so a second run queues nothing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from tongban.adapters.db.tables_supervision import inspection_tasks
from tongban.domain.shared.clock import china_date
from tongban.services.platform.batches import SweepPorts, sweep_in_batches
from tongban.services.supervision import tasks


def overdue_inspections(ports: SweepPorts, now: datetime) -> int:
    """检查任务 past its deadline: the department's section chiefs and the inspector are told;
    in keyset pages of ``sweep_batch_size`` tasks, shared by the workers."""
    report = sweep_in_batches(
        ports,
        "inspection_overdue_alerts",
        tasks.overdue_query(china_date(now)),
        inspection_tasks.c.id,
        lambda uow, row: tasks.alert_one(uow.conn, row, now),
        now,
        batch=ports.settings.sweep_batch_size,
    )
    return report.seen


def register(add: Callable[..., None]) -> None:
    """Register the sweep with the worker (``worker.register_sweep``)."""
    add(
        "inspection_overdue_alerts",
        overdue_inspections,
        interval=timedelta(minutes=30),
        shared=True,
    )
