"""The worker's service-desk sweeps: overdue escalations and unanswered questions alert, once
per item and deadline (dedup keys), so a second run queues nothing; a resolution the person
has not answered is followed up (one reminder, then "no answer")."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Protocol

from tongban.config import Settings
from tongban.domain.shared.clock import china_date
from tongban.services.platform.context import Actor
from tongban.services.platform.unit_of_work import UnitsOfWork
from tongban.services.service_desk import consultation, follow_up, hard_cases


class SweepPorts(UnitsOfWork, Protocol):
    """What the follow-up sweep needs from the container: settings and units of work."""

    @property
    def settings(self) -> Settings: ...


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


def unanswered_follow_ups(ports: SweepPorts, now: datetime) -> int:
    """问题解决了吗？ left unanswered: one reminder, then "no answer" recorded."""
    settings = ports.settings
    with ports.uow() as uow:
        actor = Actor(request_id="sweep:hard_case_follow_up", at=now)
        run = follow_up.follow_up_unanswered(
            uow,
            actor,
            china_date(now),
            remind_days=settings.hard_case_feedback_reminder_days,
            lapse_days=settings.hard_case_feedback_lapse_days,
        )
    return run.reminded + run.lapsed


def register(add: Callable[..., None]) -> None:
    """Register the sweeps with the worker (``worker.register_sweep``)."""
    add("hard_case_overdue_alerts", overdue_hard_cases, interval=timedelta(minutes=30))
    add("consultation_overdue_alerts", overdue_questions, interval=timedelta(minutes=30))
    add("hard_case_follow_up", unanswered_follow_ups, interval=timedelta(hours=1))
