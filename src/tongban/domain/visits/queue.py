"""Queue numbers (取号叫号): who is called next, and what a ticket may do.

A ticket belongs to one window group of one centre for one day and carries its number (A023).
A window calls from the groups it serves, in this documented order:

1. **booked and on time** — a booking checked in no later than its slot's end;
2. **priority** — elderly (65 or older, from the ID number), disabled, pregnant, or a 绿色通道
   (green-channel) visitor;
3. **walk-ins**, in the order they took their numbers.

Within a class the earlier number goes first.  The priority window (老弱病残孕优先窗口) calls
priority tickets before booked ones.  A ticket is waiting, then called (recalled any number of
times), then served or marked a no-show; served ends as done.  A transfer sends a waiting or
called ticket to another group of the same centre, where it keeps its number and its place
(the time it was taken).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import IntEnum, StrEnum

from tongban.domain.errors import Conflict, NotFound, ValidationFailed


class TicketStatus(StrEnum):
    WAITING = "waiting"
    CALLED = "called"
    SERVING = "serving"
    DONE = "done"
    NO_SHOW = "no_show"

    @property
    def label(self) -> str:
        return _STATUS_LABELS[self]


_STATUS_LABELS = {
    TicketStatus.WAITING: "等候中",
    TicketStatus.CALLED: "已叫号",
    TicketStatus.SERVING: "办理中",
    TicketStatus.DONE: "已办结",
    TicketStatus.NO_SHOW: "过号",
}


class CallClass(IntEnum):
    """The call order's classes, lowest first."""

    BOOKED = 0
    PRIORITY = 1
    WALK_IN = 2


class PriorityReason(StrEnum):
    ELDERLY = "elderly"
    DISABLED = "disabled"
    PREGNANT = "pregnant"
    GREEN_CHANNEL = "green_channel"

    @property
    def label(self) -> str:
        return _REASON_LABELS[self]


_REASON_LABELS = {
    PriorityReason.ELDERLY: "老年人",
    PriorityReason.DISABLED: "残疾人",
    PriorityReason.PREGNANT: "孕妇",
    PriorityReason.GREEN_CHANNEL: "绿色通道",
}
ELDERLY_AGE = 65
"""From this age a visitor is called with priority (老年人优先)."""


class TicketSource(StrEnum):
    WALK_IN = "walk_in"
    BOOKING = "booking"


class TicketStateWrong(Conflict):
    code = "ticket_state"
    template = "该号当前状态为“{status}”，不能{action}。"


class TicketNotFound(NotFound):
    code = "ticket_not_found"
    template = "没有找到该排队号。"


class WindowNotOpen(Conflict):
    code = "window_not_open"
    template = "您还没有在本中心开启窗口：请先选择窗口号并开窗。"


class WindowTaken(Conflict):
    code = "window_taken"
    template = "{number} 号窗口已由其他工作人员开启。"


class NoTicketWaiting(Conflict):
    code = "no_ticket_waiting"
    template = "本窗口的队列暂无等候的号。"


class GroupNotServed(ValidationFailed):
    code = "group_not_served"
    template = "本中心没有办理该事项（或该类业务）的窗口。"


def number_of(group_code: str, seq: int) -> str:
    """The number shown and called: the group's letter and three digits (A001 … A999, then
    A1000)."""
    return f"{group_code}{seq:03d}"


def call_class(*, booked_on_time: bool, reason: PriorityReason | None) -> CallClass:
    if booked_on_time:
        return CallClass.BOOKED
    return CallClass.PRIORITY if reason is not None else CallClass.WALK_IN


def age_on(id_number: str | None, day: date) -> int | None:
    """Age on ``day`` from an 18-digit resident ID (GB 11643 birth date), else None."""
    if not id_number or len(id_number) != 18 or not id_number[6:14].isdigit():
        return None
    try:
        born = date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))
    except ValueError:
        return None
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


@dataclass(frozen=True)
class Waiting:
    """A waiting ticket as the call order sees it."""

    id: int
    group_code: str
    call_class: CallClass
    taken_at: datetime
    seq: int


def call_order(waiting: list[Waiting], *, priority_window: bool) -> list[Waiting]:
    """The waiting tickets in the order a window calls them (see the module docstring)."""

    def key(t: Waiting) -> tuple[int, datetime, int]:
        rank = int(t.call_class)
        if priority_window and t.call_class is CallClass.PRIORITY:
            rank = -1
        return (rank, t.taken_at, t.seq)

    return sorted(waiting, key=key)


_MOVES: dict[str, tuple[tuple[TicketStatus, ...], TicketStatus]] = {
    "call": ((TicketStatus.WAITING,), TicketStatus.CALLED),
    "recall": ((TicketStatus.CALLED,), TicketStatus.CALLED),
    "start": ((TicketStatus.CALLED,), TicketStatus.SERVING),
    "finish": ((TicketStatus.SERVING,), TicketStatus.DONE),
    "no_show": ((TicketStatus.CALLED,), TicketStatus.NO_SHOW),
    "transfer": ((TicketStatus.WAITING, TicketStatus.CALLED), TicketStatus.WAITING),
}
ACTION_LABELS = {
    "call": "叫号",
    "recall": "重呼",
    "start": "开始办理",
    "finish": "办理完毕",
    "no_show": "过号",
    "transfer": "转组",
}


def move(status: TicketStatus, action: str) -> TicketStatus:
    """The status ``action`` leads to from ``status``; ``IllegalTransition`` if not allowed."""
    allowed, to = _MOVES[action]
    if status not in allowed:
        raise TicketStateWrong(status=status.label, action=ACTION_LABELS[action])
    return to


def allowed_from(action: str) -> tuple[TicketStatus, ...]:
    return _MOVES[action][0]
