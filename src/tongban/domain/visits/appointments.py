"""Appointments (预约办): the slots a centre offers, and the no-show policy.

Slots are cut from the centre's opening hours on a day the official calendar says it is open
(``slot_minutes`` each, a lunch break leaves a gap, a holiday has none, a 调休 weekend day has
a working day's); a slot of a window group takes ``places_per_window`` bookings per window of
the group.  A booking holds until check-in: checking in no later than the slot's end puts the
visitor in the queue as "booked and on time" (called first); not checking in by then is a
no-show.  ``limit`` no-shows within ``window_days`` block new bookings for ``block_days``
after the last of them, and the visitor is told why and until when.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from tongban.domain.errors import Conflict, NotFound, ValidationFailed
from tongban.domain.network.hours import WeeklyHours
from tongban.domain.shared.calendar import WorkingCalendar
from tongban.domain.shared.clock import CHINA_TZ


class BookingStatus(StrEnum):
    BOOKED = "booked"
    CANCELLED = "cancelled"
    CHECKED_IN = "checked_in"
    NO_SHOW = "no_show"

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {
    BookingStatus.BOOKED: "已预约",
    BookingStatus.CANCELLED: "已取消",
    BookingStatus.CHECKED_IN: "已签到",
    BookingStatus.NO_SHOW: "爽约",
}


class SlotFull(Conflict):
    code = "slot_full"
    template = "该时段已约满，请选择其他时段。"


class SlotUnavailable(ValidationFailed):
    code = "slot_unavailable"
    template = "该时段不可预约：{why}。"


class AlreadyBooked(Conflict):
    code = "already_booked"
    template = "您已预约该事项（{when}），请先取消或改约。"


class BookingBlocked(Conflict):
    code = "booking_blocked"
    template = "您在 {days} 天内有 {count} 次预约未到，{until} 前暂停网上预约；可现场取号办理。"


class BookingNotFound(NotFound):
    code = "booking_not_found"
    template = "没有找到该预约。"


class BookingState(Conflict):
    code = "booking_state"
    template = "该预约当前为“{status}”，不能{action}。"


@dataclass(frozen=True)
class SlotTime:
    starts_at: datetime
    ends_at: datetime


def day_slots(
    hours: WeeklyHours, day: date, calendar: WorkingCalendar, *, slot_minutes: int
) -> list[SlotTime]:
    """The slots of ``day``: each opening period cut into ``slot_minutes`` pieces (a last piece
    shorter than that is not offered)."""
    slots: list[SlotTime] = []
    length = timedelta(minutes=slot_minutes)
    for period in hours.periods_on(day, calendar):
        start = datetime.combine(day, period.start, tzinfo=CHINA_TZ)
        end = datetime.combine(day, period.end, tzinfo=CHINA_TZ)
        while start + length <= end:
            slots.append(SlotTime(start, start + length))
            start += length
    return slots


@dataclass(frozen=True)
class NoShowPolicy:
    limit: int = 3
    window_days: int = 90
    block_days: int = 30

    def blocked_until(self, no_shows: list[datetime], now: datetime) -> datetime | None:
        """Until when booking is blocked, given the times of the person's no-shows; None if
        it is not.  The block runs ``block_days`` from the no-show that reached the limit
        within ``window_days`` (the latest such)."""
        if self.block_days <= 0:
            return None
        times = sorted(no_shows)
        for i in range(len(times) - 1, self.limit - 2, -1):
            first = times[i - self.limit + 1]
            if times[i] - first <= timedelta(days=self.window_days):
                until = times[i] + timedelta(days=self.block_days)
                return until if until > now else None
        return None


_CODE_CHARS = "ACDEFGHJKMNPQRTUVWXY3479"
"""Booking-code characters without look-alikes (0/O, 1/I/L, 2/Z, 5/S, 6/G, 8/B)."""


def new_booking_code() -> str:
    return "".join(secrets.choice(_CODE_CHARS) for _ in range(8))


def normalise_code(text: str) -> str:
    return "".join(text.split()).upper()[:8]
