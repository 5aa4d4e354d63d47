"""The worker's 好差评 sweeps: invite the applicants of newly finished cases to rate (the SMS
link), and alert department heads to overdue rectification tasks; both once per case or task
and deadline, so a second run queues nothing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from tongban.domain.shared.clock import china_date
from tongban.services.evaluation import links, rectifications
from tongban.services.platform.context import Actor
from tongban.services.platform.unit_of_work import UnitsOfWork


def overdue_rectifications(ports: UnitsOfWork, now: datetime) -> int:
    """整改 past its deadline without a response: the department head is told."""
    with ports.uow() as uow:
        actor = Actor(request_id="sweep:rectification_overdue", at=now)
        return rectifications.alert_overdue(uow, actor, china_date(now))


def register(add: Callable[..., None]) -> None:
    """Register the sweeps with the worker (``worker.register_sweep``)."""
    add("rating_link_invitations", links.invite_sweep, interval=timedelta(minutes=1))
    add("rectification_overdue_alerts", overdue_rectifications, interval=timedelta(minutes=30))
