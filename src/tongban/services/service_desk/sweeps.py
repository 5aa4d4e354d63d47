"""The worker's service-desk sweeps: overdue escalations and unanswered questions alert, once
per item and deadline (dedup keys), so a second run queues nothing; a resolution the person
has not answered is followed up (one reminder, then "no answer")."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from tongban.adapters.db.tables_service_desk import consultations
from tongban.adapters.db.tables_service_desk import hard_cases as hard_cases_table
from tongban.domain.shared.clock import china_date
from tongban.services.platform.batches import SweepPorts, sweep_in_batches
from tongban.services.platform.context import Actor
from tongban.services.service_desk import consultation, follow_up, hard_cases


def overdue_hard_cases(ports: SweepPorts, now: datetime) -> int:
    """办不成事 past its deadline: the centre's managers and the owner are told (in keyset
    pages of ``sweep_batch_size``, shared by the workers)."""
    report = sweep_in_batches(
        ports,
        "hard_case_overdue_alerts",
        hard_cases.overdue_query(china_date(now)),
        hard_cases_table.c.id,
        lambda uow, row: hard_cases.alert_one(uow.conn, row, now),
        now,
        batch=ports.settings.sweep_batch_size,
    )
    return report.seen


def overdue_questions(ports: SweepPorts, now: datetime) -> int:
    """咨询 unanswered past its deadline: the department's chiefs and reviewers are told (in
    keyset pages, shared by the workers)."""
    report = sweep_in_batches(
        ports,
        "consultation_overdue_alerts",
        consultation.overdue_query(china_date(now)),
        consultations.c.id,
        lambda uow, row: consultation.alert_one(uow.conn, row, now),
        now,
        batch=ports.settings.sweep_batch_size,
        lock=consultations,
    )
    return report.seen


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
    add("hard_case_overdue_alerts", overdue_hard_cases, interval=timedelta(minutes=30), shared=True)
    add(
        "consultation_overdue_alerts",
        overdue_questions,
        interval=timedelta(minutes=30),
        shared=True,
    )
    add("hard_case_follow_up", unanswered_follow_ups, interval=timedelta(hours=1))
