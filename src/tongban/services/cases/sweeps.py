"""The worker's case sweeps: clock alerts, 容缺 expiry and deemed acceptance (视为受理).

A case whose dates run past the working-day calendar (``calendar_unknown``) never stops a sweep:
it is skipped, logged, and the catalogue admins are told once per case and date, so every
other case is still reminded, alerted or terminated on time.

Each sweep runs under its ``job_runs`` lease.  A case change goes through the ordinary service as
SYSTEM (one transaction, compare-and-set, audit entry, notifications), so a clerk acting at the
same moment wins or loses cleanly and the sweep moves on; alerts and reminders carry dedup keys.
A second run therefore changes nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import ColumnElement, Row

from tongban.adapters.db.tables import cases as cases_table
from tongban.config import Settings
from tongban.domain.cases.model import Case
from tongban.domain.cases.status import BEFORE_ACCEPTANCE, CaseStatus, ClockState
from tongban.domain.cases.values import MissingMaterials
from tongban.domain.errors import CalendarUnknown, DomainError
from tongban.domain.people.model import Role
from tongban.domain.shared.calendar import WorkingCalendar
from tongban.domain.shared.clock import china_date
from tongban.i18n import gettext as _
from tongban.services.cases import lifecycle as cases
from tongban.services.cases import repository as repo
from tongban.services.cases.notify import (
    Note,
    centre_managers,
    department_staff,
    role_holders,
    tell_applicant,
    tell_staff,
)
from tongban.services.platform.batches import sweep_in_batches
from tongban.services.platform.calendar import load_calendar
from tongban.services.platform.context import Actor
from tongban.services.platform.ports import Courier
from tongban.services.platform.unit_of_work import UnitOfWork, UnitsOfWork

log = logging.getLogger("tongban.sweeps")

S = CaseStatus
CLOCK_RUNNING = (S.ACCEPTED, S.UNDER_REVIEW, S.REJECTION_PROPOSED)
"""Accepted and undecided with the clock running (a correction holds it: no deadline then)."""
WITH_MISSING = (
    S.ACCEPTED,
    S.CORRECTION_REQUESTED,
    S.UNDER_REVIEW,
    S.REJECTION_PROPOSED,
    S.APPROVED,
)
"""Where 容缺 materials may still be outstanding (and termination is allowed)."""


MANAGER_PAGE = "/centre"
"""The centre manager's overview with its alerts."""


class SweepPorts(UnitsOfWork, Protocol):
    """What a case sweep needs from the container: settings and units of work."""

    @property
    def settings(self) -> Settings: ...


def _batch(ports: SweepPorts) -> int:
    return ports.settings.sweep_batch_size


def _calendar(ports: SweepPorts) -> WorkingCalendar:
    """The working-day calendar, read once per run (not once per page)."""
    with ports.read() as uow:
        return load_calendar(uow.conn)


def _actor(sweep: str, now: datetime) -> Actor:
    return Actor(request_id=f"sweep:{sweep}", at=now)


CALENDAR_PAGE = "/admin/calendar"
"""Where the catalogue admin imports the next year's notice."""

_Gap = tuple[Case, str]
"""A case a sweep skipped and the date the calendar does not know."""


def _calendar_gap(sweep: str, case: Case, error: CalendarUnknown, gaps: list[_Gap]) -> None:
    day = str(error.params.get("day", ""))
    log.warning(
        "sweep %s skipped case %s: the working-day calendar does not know %s",
        sweep,
        case.number,
        day,
    )
    gaps.append((case, day))


def _report_gaps(ports: SweepPorts, sweep: str, gaps: list[_Gap], now: datetime) -> None:
    """Tell the catalogue admins, once per case and date, which cases a sweep had to skip."""
    if not gaps:
        return
    with ports.uow() as uow, uow.atomic():
        conn = uow.conn
        admins = role_holders(conn, Role.CATALOGUE_ADMIN)
        for case, day in gaps:
            body = _(
                "工作日历尚未包含 {day}：办件 {number}（{item}）在本轮自动检查（{sweep}）中无法计算"
                "工作日，已跳过，其他办件照常处理。请尽快导入下一年的放假安排。"
            )
            note = Note(_("工作日历不足，有办件被跳过"), body, {"day": day, "sweep": sweep})
            key = f"calendar-gap:{sweep}:{case.number}:{day}"
            tell_staff(conn, case, note, admins, key, now, link=CALENDAR_PAGE)


# --- clock alerts (办理时限预警) --------------------------------------------------------------


def _alert_note(colour: ClockState, deadline: date) -> Note:
    if colour is ClockState.RED:
        body = _("红灯：办件 {number}（{item}）已超过办理时限（{deadline}），请尽快办结。")
        return Note(_("办件已超期"), body, {"deadline": deadline.isoformat()})
    body = _("黄灯：办件 {number}（{item}）将于 {deadline} 到期，请抓紧办理。")
    return Note(_("办件即将到期"), body, {"deadline": deadline.isoformat()})


def clock_alerts(ports: SweepPorts, now: datetime) -> int:
    """Yellow within ``case_yellow_days`` working days of the deadline, red past it: the
    department's reviewers and the accepting centre's managers are told once per colour."""
    today, yellow_days = china_date(now), ports.settings.case_yellow_days
    gaps: list[_Gap] = []
    calendar = _calendar(ports)
    where: list[ColumnElement[bool]] = [cases_table.c.status.in_([s.value for s in CLOCK_RUNNING])]
    horizon = _horizon(calendar, today, yellow_days)
    if horizon is not None:
        where.append(cases_table.c.deadline <= horizon)

    def alert(uow: UnitOfWork, row: Row[Any]) -> bool:
        case = repo._from_row(row)
        if case.deadline is None:
            return False
        try:
            colour = case.status_of_clock(today, calendar, yellow_days)
        except CalendarUnknown as error:
            _calendar_gap("case_clock_alerts", case, error, gaps)
            return False
        if colour is ClockState.NORMAL:
            return False
        conn = uow.conn
        note = _alert_note(colour, case.deadline)
        key = f"case:{case.number}:alert:{colour.value}:{case.deadline.isoformat()}"
        reviewers = department_staff(conn, case.department_code, Role.REVIEWER)
        tell_staff(conn, case, note, reviewers, key, now)
        managers = centre_managers(conn, case.accepting_centre_code)
        tell_staff(conn, case, note, managers, key, now, link=MANAGER_PAGE)
        return True

    query = repo.case_select().where(*where)
    report = sweep_in_batches(
        ports, "case_clock_alerts", query, cases_table.c.id, alert, now, batch=_batch(ports)
    )
    _report_gaps(ports, "case_clock_alerts", gaps, now)
    return report.changed


def _horizon(calendar: WorkingCalendar, today: date, yellow_days: int) -> date | None:
    """A date no yellow deadline lies beyond (None when the calendar does not reach it)."""
    try:
        return calendar.deadline(today, yellow_days + 1)
    except DomainError:
        return None


# --- 容缺: reminders and expiry ---------------------------------------------------------------


def _reminder(missing: MissingMaterials) -> Note:
    body = _(
        "您申请的“{item}”（办件编号 {number}）容缺受理的材料（{names}）请于 {supply_by} "
        "前补交，逾期将按您的承诺终止办理。"
    )
    values = {"names": "、".join(missing.names), "supply_by": missing.supply_by.isoformat()}
    return Note(_("请按承诺补交容缺材料"), body, values)


def _expiry_reasons(missing: MissingMaterials) -> str:
    text = _("容缺受理承诺于 {supply_by} 前补交的材料（{names}）逾期未补交，按承诺终止办理。")
    return text.format(supply_by=missing.supply_by.isoformat(), names="、".join(missing.names))


def missing_materials(ports: SweepPorts, now: datetime) -> int:
    """容缺受理: remind the applicant ``case_missing_reminder_days`` working days before the
    supply-by date (once); past it, terminate the case as the signed commitment says."""
    today, days = china_date(now), ports.settings.case_missing_reminder_days
    gaps: list[_Gap] = []
    calendar = _calendar(ports)
    actor = _actor("missing_materials", now)
    terminated = 0

    def remind_or_terminate(uow: UnitOfWork, row: Row[Any]) -> bool:
        nonlocal terminated
        case = repo._from_row(row)
        missing = case.missing
        if missing is None:
            return False
        if today > missing.supply_by:
            cases.terminate(uow, actor, case.number, case.version, _expiry_reasons(missing))
            terminated += 1
            return True
        try:
            due_soon = calendar.working_days_between(today, missing.supply_by) <= days
        except CalendarUnknown as error:
            _calendar_gap("case_missing_materials", case, error, gaps)
            return False
        if not due_soon:
            return False
        key = f"case:{case.number}:missing-reminder:{missing.supply_by.isoformat()}"
        tell_applicant(uow.conn, case, _reminder(missing), key, now)
        return True

    query = repo.case_select().where(cases_table.c.status.in_([s.value for s in WITH_MISSING]))
    sweep_in_batches(
        ports,
        "case_missing_materials",
        query,
        cases_table.c.id,
        remind_or_terminate,
        now,
        batch=_batch(ports),
    )
    _report_gaps(ports, "case_missing_materials", gaps, now)
    return terminated


# --- deemed acceptance (视为受理,《行政许可法》第三十二条) ---------------------------------------


def deemed_acceptance(ports: SweepPorts, now: datetime) -> int:
    """Cases received over 5 working days ago with nothing listed to the applicant in time are
    deemed accepted from the day of receipt (《行政许可法》第三十二条), as SYSTEM, audited."""
    today = china_date(now)
    gaps: list[_Gap] = []
    calendar = _calendar(ports)
    actor = _actor("deemed_acceptance", now)

    def deem(uow: UnitOfWork, row: Row[Any]) -> bool:
        case = repo._from_row(row)
        try:
            limit = case.listing_limit(calendar)
        except CalendarUnknown as error:
            _calendar_gap("case_deemed_acceptance", case, error, gaps)
            return False
        if limit is None or today <= limit:
            return False
        cases.deem_accepted(uow, actor, case.number, case.version)
        return True

    query = repo.case_select().where(
        cases_table.c.status.in_([s.value for s in BEFORE_ACCEPTANCE]),
        # 5 working days are at least 5 calendar days: a cheap pre-filter.
        cases_table.c.submitted_at <= now - timedelta(days=5),
    )
    report = sweep_in_batches(
        ports, "case_deemed_acceptance", query, cases_table.c.id, deem, now, batch=_batch(ports)
    )
    _report_gaps(ports, "case_deemed_acceptance", gaps, now)
    return report.changed


def register(add: Callable[..., None]) -> None:
    """Register the case sweeps with the worker (``worker.register_sweep``)."""
    add("case_clock_alerts", clock_alerts, interval=timedelta(minutes=15), shared=True)
    add("case_missing_materials", missing_materials, interval=timedelta(minutes=30), shared=True)
    add("case_deemed_acceptance", deemed_acceptance, interval=timedelta(minutes=30), shared=True)
    add("case_mail_deliveries", mail_deliveries, interval=timedelta(minutes=30), shared=True)


class MailPorts(SweepPorts, Protocol):
    @property
    def courier(self) -> Courier: ...


def mail_deliveries(ports: MailPorts, now: datetime) -> int:
    """Mailed results the courier reports delivered become delivered (结果包邮 confirmed), in
    keyset pages of ``sweep_batch_size`` shared by the workers."""
    from tongban.services.cases.delivery import deliver_if_signed, mailed_query

    actor = _actor("case_mail_deliveries", now)
    courier = ports.courier
    report = sweep_in_batches(
        ports,
        "case_mail_deliveries",
        mailed_query(),
        cases_table.c.id,
        lambda uow, row: deliver_if_signed(uow, actor, row.number, courier),
        now,
        batch=_batch(ports),
    )
    return report.changed
