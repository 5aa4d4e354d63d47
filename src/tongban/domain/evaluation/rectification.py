"""差评整改: a poor rating opens a rectification task owned by the item's department, with a
deadline in working days; the rater is called back (回访), the department responds, and the
rater may rate once more after the response (复评), which closes the task.

Pure Python; a step the status does not allow raises ``RectificationStepRefused``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum

from tongban.domain.errors import ValidationFailed
from tongban.domain.evaluation.errors import RectificationStepRefused, ReRatingNotOpen
from tongban.domain.evaluation.model import Level

TEXT_LIMIT = 2000


class RectificationStatus(StrEnum):
    OPEN = "open"
    """待整改: opened by the poor rating, the department works on it."""
    RESPONDED = "responded"
    """已答复: the department's response is given; the rater may rate again once."""
    CLOSED = "closed"
    """已复评: the rater rated again after the response."""

    @property
    def label(self) -> str:
        return STATUS_LABELS[self]


STATUS_LABELS = {
    RectificationStatus.OPEN: "待整改",
    RectificationStatus.RESPONDED: "已答复",
    RectificationStatus.CLOSED: "已复评",
}


class CallbackOutcome(StrEnum):
    """How the call-back (回访) to the rater went."""

    REACHED = "reached"
    UNREACHABLE = "unreachable"
    DECLINED = "declined"

    @property
    def label(self) -> str:
        return CALLBACK_LABELS[self]


CALLBACK_LABELS = {
    CallbackOutcome.REACHED: "已联系评价人",
    CallbackOutcome.UNREACHABLE: "联系不上",
    CallbackOutcome.DECLINED: "评价人拒绝回访",
}


def rectification_number(task_id: int) -> str:
    """The readable number: ZG (整改) + six digits of the id."""
    return f"ZG{task_id:06d}"


def _text(value: str | None, field: str, missing: str, required: bool = True) -> str:
    text = (value or "").strip()
    if required and not text:
        raise ValidationFailed(fields={field: missing})
    if len(text) > TEXT_LIMIT:
        raise ValidationFailed(fields={field: f"不能超过 {TEXT_LIMIT} 个字"})
    return text


def parse_outcome(value: str) -> CallbackOutcome:
    try:
        return CallbackOutcome(value)
    except ValueError:
        raise ValidationFailed(fields={"outcome": "请选择回访结果"}) from None


@dataclass(frozen=True)
class Rectification:
    """A task as its rules see it; each step returns the task it leaves."""

    number: str
    status: RectificationStatus
    owner_id: int | None
    due_on: date
    version: int
    called_back: bool = False
    response: str = ""
    re_level: Level | None = None

    def is_overdue(self, today: date) -> bool:
        """Not yet responded to and past the deadline: the department head is alerted."""
        return self.status is RectificationStatus.OPEN and self.due_on < today

    def _refuse(self, action: str) -> RectificationStepRefused:
        return RectificationStepRefused(status=self.status.label, action=action)

    def assign(self, owner_id: int) -> Rectification:
        if self.status is not RectificationStatus.OPEN:
            raise self._refuse("更换责任人")
        return replace(self, owner_id=owner_id)

    def record_callback(self) -> Rectification:
        """回访: recorded while the task is not closed (a second call adds to the record)."""
        if self.status is RectificationStatus.CLOSED:
            raise self._refuse("登记回访")
        return replace(self, called_back=True)

    def respond(self, response: str | None) -> Rectification:
        """整改答复: once, while open; the rater is then invited to rate again."""
        if self.status is not RectificationStatus.OPEN:
            raise self._refuse("答复")
        text = _text(response, "response", "请填写整改情况及答复")
        return replace(self, status=RectificationStatus.RESPONDED, response=text)

    def re_rate(self, level: Level) -> Rectification:
        """复评: the rater's one new level after the response closes the task."""
        if self.status is not RectificationStatus.RESPONDED:
            raise ReRatingNotOpen()
        return replace(self, status=RectificationStatus.CLOSED, re_level=level)


def check_note(note: str | None) -> str:
    return _text(note, "note", "", required=False)
