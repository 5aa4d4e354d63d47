"""The worker's service-desk sweeps: overdue escalations and unanswered questions alert, once
per item and deadline (dedup keys), so a second run queues nothing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from tongban.domain.shared.clock import china_date
from tongban.services.platform.context import Actor
from tongban.services.platform.unit_of_work import UnitsOfWork
from tongban.services.service_desk import consultation, hard_cases


def overdue_hard_cases(ports: UnitsOfWork, now: datetime) -> int:
    """办不成事 past its deadline: the centre's managers and the owner are told."""
    with ports.uow() as uow:
        actor = Actor(request_id="sweep:hard_case_overdue", at=now)
        return hard_cases.alert_overdue(uow, actor, china_date(now))


def overdue_questions(ports: UnitsOfWork, now: datetime) -> int:
    """咨询 unanswered past its deadline: the department's chiefs and reviewers are told."""
    with ports.uow() as uow:
        actor = Actor(request_id="sweep:consultation_overdue", at=now)
        return consultation.alert_overdue(uow, actor, china_date(now))


def register(add: Callable[..., None]) -> None:
    """Register the sweeps with the worker (``worker.register_sweep``)."""
    add("hard_case_overdue_alerts", overdue_hard_cases, interval=timedelta(minutes=30))
    add("consultation_overdue_alerts", overdue_questions, interval=timedelta(minutes=30))
