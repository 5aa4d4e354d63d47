"""A centre's day of visits in figures, for its manager: numbers taken and waiting, waiting and
service times, no-shows, per window group, per window and per hour; bookings kept and missed.

Waiting time runs from taking the number to its first call; service time from the start to the
end of service.  Percentiles are nearest-rank over the day's tickets.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, select

from tongban.adapters.db.tables_visits import (
    appointment_slots,
    appointments,
    queue_tickets,
    window_sessions,
)
from tongban.domain.shared.clock import CHINA_TZ
from tongban.domain.visits.appointments import BookingStatus
from tongban.domain.visits.queue import TicketStatus
from tongban.services.network import queries as network


def _minutes(seconds: list[float]) -> tuple[float | None, float | None]:
    """Mean and 90th percentile in minutes, or None without data."""
    if not seconds:
        return None, None
    ordered = sorted(seconds)
    p90 = ordered[max(0, math.ceil(0.9 * len(ordered)) - 1)]
    return round(sum(ordered) / len(ordered) / 60, 1), round(p90 / 60, 1)


@dataclass(frozen=True)
class Row:
    """One line of the figures: a group, a window or the whole centre."""

    label: str
    taken: int = 0
    waiting: int = 0
    served: int = 0
    no_shows: int = 0
    wait_mean: float | None = None
    wait_p90: float | None = None
    service_mean: float | None = None
    is_open: bool | None = None


@dataclass
class DayFigures:
    centre_code: str
    centre_name: str
    day: date
    total: Row
    groups: list[Row] = field(default_factory=list)
    windows: list[Row] = field(default_factory=list)
    hours: list[tuple[int, int, float | None]] = field(default_factory=list)
    """(hour, numbers taken in it, mean waiting minutes of those called)."""
    bookings: dict[str, int] = field(default_factory=dict)


def _row(label: str, tickets: list[dict[str, Any]], is_open: bool | None = None) -> Row:
    waits = [
        (t["called_at"] - t["taken_at"]).total_seconds()
        for t in tickets
        if t["called_at"] is not None
    ]
    services = [
        (t["service_ended_at"] - t["service_started_at"]).total_seconds()
        for t in tickets
        if t["service_started_at"] is not None and t["service_ended_at"] is not None
    ]
    statuses = Counter(t["status"] for t in tickets)
    wait_mean, wait_p90 = _minutes(waits)
    service_mean, _p90 = _minutes(services)
    return Row(
        label,
        taken=len(tickets),
        waiting=statuses[TicketStatus.WAITING.value],
        served=statuses[TicketStatus.DONE.value],
        no_shows=statuses[TicketStatus.NO_SHOW.value],
        wait_mean=wait_mean,
        wait_p90=wait_p90,
        service_mean=service_mean,
        is_open=is_open,
    )


def day_figures(conn: Connection, centre_code: str, day: date) -> DayFigures:
    centre_id, centre = network.centre_with_id(conn, centre_code)
    tickets = [
        dict(r._mapping)
        for r in conn.execute(
            select(queue_tickets).where(
                queue_tickets.c.centre_id == centre_id, queue_tickets.c.day == day
            )
        )
    ]
    figures = DayFigures(centre.code, centre.name, day, _row("全中心", tickets))
    by_group: dict[str, list[dict[str, Any]]] = defaultdict(list)
    by_window: dict[int, list[dict[str, Any]]] = defaultdict(list)
    by_hour: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for t in tickets:
        by_group[str(t["group_code"])].append(t)
        if t["window_number"] is not None:
            by_window[int(t["window_number"])].append(t)
        taken = t["taken_at"].astimezone(CHINA_TZ)
        by_hour[taken.hour].append(t)
    figures.groups = [
        _row(f"{g.code} · {g.name}", by_group.get(g.code, []))
        for g in centre.window_groups
        if centre.windows_of(g.code)
    ]
    open_now = set(
        conn.execute(
            select(window_sessions.c.window_number).where(
                window_sessions.c.centre_id == centre_id, window_sessions.c.closed_at.is_(None)
            )
        ).scalars()
    )
    figures.windows = [
        _row(
            f"{w.number} 号窗口（{'、'.join(w.groups)}）",
            by_window.get(w.number, []),
            w.number in open_now,
        )
        for w in centre.service_windows
        if w.number in by_window or w.number in open_now
    ]
    for hour in sorted(by_hour):
        row = _row(str(hour), by_hour[hour])
        figures.hours.append((hour, row.taken, row.wait_mean))
    start = datetime.combine(day, datetime.min.time(), CHINA_TZ)
    booked = Counter(
        conn.execute(
            select(appointments.c.status)
            .select_from(
                appointments.join(
                    appointment_slots, appointments.c.slot_id == appointment_slots.c.id
                )
            )
            .where(
                appointment_slots.c.centre_id == centre_id,
                appointment_slots.c.starts_at >= start,
                appointment_slots.c.starts_at < start + timedelta(days=1),
            )
        ).scalars()
    )
    figures.bookings = {s.value: booked[s.value] for s in BookingStatus}
    return figures
