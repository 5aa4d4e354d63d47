"""Statistics of consultation (咨询): by item, department, channel and status, with how many
were answered on time, the mean answer time in working days on the official calendar, how
many are overdue and how many answers were published on the guide as FAQ entries (常见问题).

A district leader counts every question; a centre manager the questions taken down at their
centres (and the centres below them), as they read them.  Questions are few next to cases, so
they are counted in Python from one query.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Connection, and_, select

from tongban.adapters.db.tables import departments, service_items
from tongban.adapters.db.tables_service_desk import consultations, item_faqs
from tongban.domain.people.model import Principal
from tongban.domain.service_desk.consultation import AskedVia, QuestionStatus
from tongban.domain.shared.calendar import WorkingCalendar
from tongban.domain.shared.clock import china_date
from tongban.services.platform.calendar import load_calendar
from tongban.services.service_desk.stats import stats_period, stats_scope


@dataclass
class QuestionTally:
    """Figures of one group of questions (an item, a department, a channel, a status)."""

    key: str
    label: str
    total: int = 0
    open: int = 0
    answered: int = 0
    on_time: int = 0
    """Answered on or before the deadline."""
    overdue: int = 0
    """Still unanswered past the deadline."""
    faq: int = 0
    """Answers on the item's guide as FAQ entries now (not taken down)."""
    answer_days: int = 0
    """Working days all the answers took, summed (for the mean)."""

    @property
    def on_time_rate(self) -> float | None:
        """Answered on time ÷ answered (None before any answer)."""
        return round(self.on_time / self.answered, 4) if self.answered else None

    @property
    def mean_answer_days(self) -> float | None:
        """Mean working days from the day asked to the day answered (the day asked not
        counted: an answer the same day took 0)."""
        return round(self.answer_days / self.answered, 2) if self.answered else None

    def add(self, row: Any, today: date, days: int | None) -> None:
        self.total += 1
        self.faq += 1 if row.faq_id is not None else 0
        if row.status == QuestionStatus.ANSWERED.value:
            self.answered += 1
            self.answer_days += days or 0
            if china_date(row.answered_at) <= row.due_on:
                self.on_time += 1
        else:
            self.open += 1
            if row.due_on < today:
                self.overdue += 1


@dataclass
class ConsultationStats:
    """The figures of the questions a reader may count."""

    all: QuestionTally
    by_item: list[QuestionTally] = field(default_factory=list)
    by_department: list[QuestionTally] = field(default_factory=list)
    by_channel: list[QuestionTally] = field(default_factory=list)
    by_status: list[QuestionTally] = field(default_factory=list)
    since: date | None = None
    until: date | None = None


def _answer_days(calendar: WorkingCalendar, row: Any) -> int | None:
    if row.answered_at is None:
        return None
    return calendar.working_days_between(china_date(row.asked_at), china_date(row.answered_at))


def _ranked(groups: dict[str, QuestionTally]) -> list[QuestionTally]:
    return sorted(groups.values(), key=lambda t: (-t.total, t.key))


def consultation_stats(
    conn: Connection,
    principal: Principal | None,
    today: date,
    *,
    since: date | None = None,
    until: date | None = None,
) -> ConsultationStats:
    """Questions asked in the period (China dates, both ends included; all when open)."""
    scope = stats_scope(conn, principal)
    start, end = stats_period(since, until)
    live_faq = and_(
        item_faqs.c.consultation_id == consultations.c.id, item_faqs.c.withdrawn_at.is_(None)
    )
    query = select(
        consultations.c.status,
        consultations.c.asked_via,
        consultations.c.due_on,
        consultations.c.asked_at,
        consultations.c.answered_at,
        service_items.c.code.label("item_code"),
        service_items.c.name.label("item_name"),
        departments.c.code.label("department_code"),
        departments.c.name.label("department_name"),
        item_faqs.c.id.label("faq_id"),
    ).select_from(
        consultations.join(service_items, service_items.c.id == consultations.c.item_id)
        .join(departments, departments.c.id == consultations.c.department_id)
        .outerjoin(item_faqs, live_faq)
    )
    if scope is not None:
        query = query.where(consultations.c.centre_id.in_(scope))
    if start is not None:
        query = query.where(consultations.c.asked_at >= start)
    if end is not None:
        query = query.where(consultations.c.asked_at < end)
    calendar = load_calendar(conn)
    overall = QuestionTally("all", "合计")
    by_item: dict[str, QuestionTally] = {}
    by_department: dict[str, QuestionTally] = {}
    by_channel = {v.value: QuestionTally(v.value, v.label) for v in AskedVia}
    by_status = {s.value: QuestionTally(s.value, s.label) for s in QuestionStatus}
    for row in conn.execute(query.order_by(consultations.c.id)):
        days = _answer_days(calendar, row)
        item = by_item.setdefault(row.item_code, QuestionTally(row.item_code, row.item_name))
        department = by_department.setdefault(
            row.department_code, QuestionTally(row.department_code, row.department_name)
        )
        for tally in (overall, item, department, by_channel[row.asked_via], by_status[row.status]):
            tally.add(row, today, days)
    return ConsultationStats(
        all=overall,
        by_item=_ranked(by_item),
        by_department=_ranked(by_department),
        by_channel=[t for t in by_channel.values() if t.total],
        by_status=[t for t in by_status.values() if t.total],
        since=since,
        until=until,
    )
