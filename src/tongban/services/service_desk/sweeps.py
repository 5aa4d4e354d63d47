"""The worker's service-desk sweeps: overdue escalations and unanswered questions alert, once
per item and deadline (dedup keys), so a second run queues nothing; a resolution the person
has not answered is followed up (one reminder, then "no answer")."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from tongban.adapters.db.tables_service_desk import consultations
from tongban.adapters.db.tables_service_desk import hard_cases as hard_cases_table
from tongban.domain.shared.clock import china_date
from tongban.services.platform.batches import OverdueAlerts, SweepPorts, sweep_in_batches
from tongban.services.platform.calendar import load_calendar
from tongban.services.platform.context import Actor
from tongban.services.service_desk import consultation, follow_up, hard_cases

overdue_hard_cases = OverdueAlerts(
    "hard_case_overdue_alerts",
    hard_cases.overdue_query,
    hard_cases_table.c.id,
    hard_cases.alert_one,
)
"""办不成事 past its deadline: the centre's managers and the owner are told."""

overdue_questions = OverdueAlerts(
    "consultation_overdue_alerts",
    consultation.overdue_query,
    consultations.c.id,
    consultation.alert_one,
    lock=consultations,
)
"""咨询 unanswered past its deadline: the department's chiefs and reviewers are told."""


def unanswered_follow_ups(ports: SweepPorts, now: datetime) -> int:
    """问题解决了吗？ left unanswered: one reminder, then "no answer" recorded (in keyset pages
    of ``sweep_batch_size``, shared by the workers)."""
    settings = ports.settings
    with ports.read() as uow:
        calendar = load_calendar(uow.conn)
    rule = follow_up.FollowUpRule(
        china_date(now),
        calendar,
        remind_days=settings.hard_case_feedback_reminder_days,
        lapse_days=settings.hard_case_feedback_lapse_days,
    )
    actor = Actor(request_id="sweep:hard_case_follow_up", at=now)
    report = sweep_in_batches(
        ports,
        "hard_case_follow_up",
        follow_up.unanswered_query(),
        hard_cases_table.c.id,
        lambda uow, row: follow_up.follow_up_one(uow.conn, actor, rule, row) is not None,
        now,
        batch=settings.sweep_batch_size,
    )
    return report.changed


def register(add: Callable[..., None]) -> None:
    """Register the sweeps with the worker (``worker.register_sweep``)."""
    overdue_hard_cases.register(add)
    overdue_questions.register(add)
    add("hard_case_follow_up", unanswered_follow_ups, interval=timedelta(hours=1), shared=True)
