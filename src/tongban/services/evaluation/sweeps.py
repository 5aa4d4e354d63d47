"""The worker's 好差评 sweeps: invite the applicants of newly finished cases to rate (the SMS
link), and alert department heads to overdue rectification tasks; both once per case or task
and deadline, so a second run queues nothing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from tongban.adapters.db.tables_evaluation import rectifications as rectifications_table
from tongban.domain.shared.clock import china_date
from tongban.services.evaluation import links, rectifications
from tongban.services.platform.batches import SweepPorts, sweep_in_batches


def overdue_rectifications(ports: SweepPorts, now: datetime) -> int:
    """整改 past its deadline without a response: the department head is told (in keyset
    pages of ``sweep_batch_size`` tasks, shared by the workers)."""
    report = sweep_in_batches(
        ports,
        "rectification_overdue_alerts",
        rectifications.overdue_query(china_date(now)),
        rectifications_table.c.id,
        lambda uow, row: rectifications.alert_one(uow.conn, row, now),
        now,
        batch=ports.settings.sweep_batch_size,
    )
    return report.seen


def register(add: Callable[..., None]) -> None:
    """Register the sweeps with the worker (``worker.register_sweep``)."""
    add("rating_link_invitations", links.invite_sweep, interval=timedelta(minutes=1))
    add(
        "rectification_overdue_alerts",
        overdue_rectifications,
        interval=timedelta(minutes=30),
        shared=True,
    )
