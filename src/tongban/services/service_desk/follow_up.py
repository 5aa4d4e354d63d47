"""问题解决了吗？ after a resolution: the worker reminds the person concerned once when they have
not answered within some working days, and records "no answer" (未回复) some working days after
the reminder, so the statistics count it.

Both are claimed by a conditional UPDATE (``... WHERE feedback_reminded_at IS NULL``) in the
transaction that queues the reminder, so two sweeps at once — or one run twice — remind once:
on PostgreSQL the worker's batched sweep skips the rows another worker has locked, and any
other second writer waits for the first's row lock and then matches nothing; SQLite
serialises writers.  The outbox's dedup key is a second guard.  A person may still answer
after "no answer" is recorded; their answer then counts instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, Select, and_, select, update

from tongban.adapters.db.tables_service_desk import hard_cases
from tongban.domain.errors import CalendarUnknown
from tongban.domain.service_desk.hard_cases import HardCaseStatus
from tongban.domain.shared.calendar import WorkingCalendar
from tongban.domain.shared.clock import china_date
from tongban.i18n import gettext as _
from tongban.services.platform import audit
from tongban.services.platform.calendar import load_calendar
from tongban.services.platform.context import Actor
from tongban.services.platform.unit_of_work import UnitOfWork, atomic
from tongban.services.service_desk.hard_case_records import OBJECT, person_link
from tongban.services.service_desk.notify import tell


@dataclass(frozen=True)
class FollowUpRun:
    """What one sweep did: reminders queued and answers recorded as "no answer"."""

    reminded: int = 0
    lapsed: int = 0


_UNANSWERED = and_(
    hard_cases.c.status == HardCaseStatus.RESOLVED.value,
    hard_cases.c.person_id.is_not(None),
    hard_cases.c.resolved_at.is_not(None),
    hard_cases.c.feedback_solved.is_(None),
    hard_cases.c.feedback_lapsed_at.is_(None),
)


def _passed(calendar: WorkingCalendar, since: datetime, days: int, today: date) -> bool:
    """Have ``days`` whole working days passed since ``since``'s China date?  A year the
    calendar does not hold is never guessed: the row waits until the calendar is loaded."""
    try:
        due = calendar.deadline(china_date(since), days)
    except CalendarUnknown:
        return False
    return due is not None and today > due


def _claim(conn: Connection, row: Any, **values: datetime) -> bool:
    """Mark the row (only if nobody answered, reminded or lapsed it meanwhile)."""
    column = "feedback_reminded_at" if "feedback_reminded_at" in values else "feedback_lapsed_at"
    done = conn.execute(
        update(hard_cases)
        .where(
            _UNANSWERED,
            hard_cases.c.id == row.id,
            hard_cases.c.resolved_at == row.resolved_at,
            hard_cases.c[column].is_(None),
        )
        .values(**values)
    ).rowcount
    return done == 1


def unanswered_query() -> Select[Any]:
    """Resolutions the person has not answered, with the escalation's id as the sweep's key."""
    t = hard_cases
    return select(
        t.c.id,
        t.c.number,
        t.c.summary,
        t.c.person_id,
        t.c.resolved_at,
        t.c.reopened,
        t.c.feedback_reminded_at,
    ).where(_UNANSWERED)


@dataclass(frozen=True)
class FollowUpRule:
    """The run's day, working-day calendar and thresholds (read once per run)."""

    today: date
    calendar: WorkingCalendar
    remind_days: int
    lapse_days: int


def follow_up_one(conn: Connection, actor: Actor, rule: FollowUpRule, row: Any) -> str | None:
    """Remind one unanswered resolution, or record its "no answer", if due: which one was done
    ("reminded", "lapsed"), or None (not due, or done by someone else first)."""
    if row.feedback_reminded_at is None:
        if _passed(rule.calendar, row.resolved_at, rule.remind_days, rule.today) and _claim(
            conn, row, feedback_reminded_at=actor.at
        ):
            _remind(conn, actor, row)
            return "reminded"
    elif _passed(rule.calendar, row.feedback_reminded_at, rule.lapse_days, rule.today) and _claim(
        conn, row, feedback_lapsed_at=actor.at
    ):
        audit.record(conn, actor, "hard_case.feedback_lapsed", OBJECT, row.number)
        return "lapsed"
    return None


@atomic
def follow_up_unanswered(
    uow: UnitOfWork, actor: Actor, today: date, *, remind_days: int, lapse_days: int
) -> FollowUpRun:
    """Remind the person of each resolution unanswered for ``remind_days`` working days (once
    per resolution, in the inbox and by SMS); record "no answer" ``lapse_days`` working days
    after the reminder.  The worker's sweep pages through the same rows
    (``unanswered_query``, ``follow_up_one``) in batches."""
    conn = uow.conn
    rule = FollowUpRule(today, load_calendar(conn), remind_days, lapse_days)
    done = [
        follow_up_one(conn, actor, rule, row)
        for row in conn.execute(unanswered_query().order_by(hard_cases.c.id)).all()
    ]
    return FollowUpRun(done.count("reminded"), done.count("lapsed"))


def _remind(conn: Connection, actor: Actor, row: Any) -> None:
    tell(
        conn,
        [row.person_id],
        _("问题解决了吗？请告诉我们"),
        _(
            "您反映的问题 {number}（{summary}）已办结，您还没有告诉我们问题是否解决。"
            "请在“办不成事”页面回复，未解决的将重新办理。"
        ),
        {"number": row.number, "summary": row.summary},
        link=person_link(row.number),
        key=f"hard_case:{row.number}:feedback-reminder:{row.reopened}",
        now=actor.at,
        sms_to=row.person_id,
    )
    audit.record(conn, actor, "hard_case.feedback_reminded", OBJECT, row.number)
