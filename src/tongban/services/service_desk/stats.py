"""Statistics of the hard-case window: by type, by centre and by outcome, with how many are
open, overdue and resolved on time, and what the people concerned answered afterwards.

A centre manager counts their centres (and the centres below them); a district leader counts
every centre.  Escalations are few next to cases, so they are counted in Python from one query.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Connection, select

from tongban.adapters.db.tables import centres
from tongban.adapters.db.tables_service_desk import hard_cases
from tongban.domain.errors import PermissionDenied, ValidationFailed
from tongban.domain.people.model import Principal, Role
from tongban.domain.service_desk.hard_cases import HardCaseStatus, HardCaseType, Outcome
from tongban.domain.shared.clock import CHINA_TZ, china_date
from tongban.services.service_desk.access import managed_centres, signed_in

FEEDBACK = ("solved", "unsolved", "awaiting", "no_answer")
"""The people's answers to 问题解决了吗？ the statistics count."""


@dataclass
class Tally:
    """Counts of one group (a type, a centre)."""

    key: str
    label: str
    total: int = 0
    open: int = 0
    overdue: int = 0
    resolved: int = 0
    on_time: int = 0
    """Resolved on or before the deadline."""

    def add(self, row: Any, today: date) -> None:
        self.total += 1
        if row.status == HardCaseStatus.RESOLVED.value:
            self.resolved += 1
            if row.resolved_at is not None and china_date(row.resolved_at) <= row.due_on:
                self.on_time += 1
        else:
            self.open += 1
            if row.due_on < today:
                self.overdue += 1


@dataclass
class HardCaseStats:
    """The figures of the centres a reader may count."""

    all: Tally
    by_type: list[Tally]
    by_centre: list[Tally]
    by_outcome: list[tuple[Outcome, int]]
    feedback: dict[str, int] = field(default_factory=dict)
    """``solved``, ``unsolved`` (at the last answer), ``awaiting`` an answer, and ``no_answer``
    (未回复: not answered even after the reminder)."""
    reopened: int = 0
    """How many times people said "not solved" and the work started again."""
    since: date | None = None
    until: date | None = None


def stats_scope(conn: Connection, principal: Principal | None) -> list[int] | None:
    """The centre ids a reader counts: None for a district leader (every centre)."""
    who = signed_in(principal)
    if who.has_role(Role.LEADER):
        return None
    if not who.has_role(Role.CENTRE_MANAGER):
        raise PermissionDenied()
    return sorted(managed_centres(conn, who))


def stats_period(since: date | None, until: date | None) -> tuple[datetime | None, datetime | None]:
    if since is not None and until is not None and until < since:
        raise ValidationFailed(fields={"until": "结束日期不能早于开始日期"})
    start = datetime.combine(since, time.min, tzinfo=CHINA_TZ) if since else None
    end = datetime.combine(until + timedelta(days=1), time.min, tzinfo=CHINA_TZ) if until else None
    return start, end


def hard_case_stats(
    conn: Connection,
    principal: Principal | None,
    today: date,
    *,
    since: date | None = None,
    until: date | None = None,
) -> HardCaseStats:
    """Escalations raised in the period (China dates, both ends included; all when open)."""
    scope = stats_scope(conn, principal)
    start, end = stats_period(since, until)
    query = select(
        hard_cases.c.type,
        hard_cases.c.status,
        hard_cases.c.outcome,
        hard_cases.c.due_on,
        hard_cases.c.resolved_at,
        hard_cases.c.person_id,
        hard_cases.c.feedback_solved,
        hard_cases.c.reopened,
        hard_cases.c.feedback_lapsed_at,
        centres.c.code.label("centre_code"),
        centres.c.name.label("centre_name"),
    ).select_from(hard_cases.join(centres, centres.c.id == hard_cases.c.centre_id))
    if scope is not None:
        query = query.where(hard_cases.c.centre_id.in_(scope))
    if start is not None:
        query = query.where(hard_cases.c.raised_at >= start)
    if end is not None:
        query = query.where(hard_cases.c.raised_at < end)
    overall = Tally("all", "合计")
    by_type = {t: Tally(t.value, t.label) for t in HardCaseType}
    by_centre: dict[str, Tally] = {}
    outcomes: Counter[Outcome] = Counter()
    feedback: Counter[str] = Counter()
    reopened = 0
    for row in conn.execute(query.order_by(hard_cases.c.id)):
        overall.add(row, today)
        by_type[HardCaseType(row.type)].add(row, today)
        centre = by_centre.setdefault(row.centre_code, Tally(row.centre_code, row.centre_name))
        centre.add(row, today)
        if row.outcome:
            outcomes[Outcome(row.outcome)] += 1
        reopened += row.reopened
        if row.feedback_solved is True:
            feedback["solved"] += 1
        elif row.feedback_solved is False and row.status != HardCaseStatus.RESOLVED.value:
            feedback["unsolved"] += 1
        elif row.status == HardCaseStatus.RESOLVED.value and row.person_id is not None:
            feedback["no_answer" if row.feedback_lapsed_at is not None else "awaiting"] += 1
    return HardCaseStats(
        all=overall,
        by_type=[t for t in by_type.values() if t.total],
        by_centre=sorted(by_centre.values(), key=lambda t: (-t.total, t.key)),
        by_outcome=[(o, outcomes[o]) for o in Outcome if outcomes[o]],
        feedback={k: feedback[k] for k in FEEDBACK},
        reopened=reopened,
        since=since,
        until=until,
    )
