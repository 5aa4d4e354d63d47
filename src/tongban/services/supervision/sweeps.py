"""The worker's supervision sweep: overdue inspection tasks alert the department head, once per
task and deadline (dedup keys), so a second run queues nothing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from tongban.domain.shared.clock import china_date
from tongban.services.platform.context import Actor
from tongban.services.platform.unit_of_work import UnitsOfWork
from tongban.services.supervision import tasks


def overdue_inspections(ports: UnitsOfWork, now: datetime) -> int:
    """检查任务 past its deadline: the department's section chiefs and the inspector are told."""
    with ports.uow() as uow:
        actor = Actor(request_id="sweep:inspection_overdue", at=now)
        return tasks.alert_overdue(uow, actor, china_date(now))


def register(add: Callable[..., None]) -> None:
    """Register the sweep with the worker (``worker.register_sweep``)."""
    add("inspection_overdue_alerts", overdue_inspections, interval=timedelta(minutes=30))
