"""好差评 (GB/T 39734-2020 政务服务评价工作指南): a rating of a case (一事一评) or of a visit's
queue ticket (一次一评) on five levels, with the online dimensions and an optional comment.

The rules stated here: a rating has an overall level and may rate each dimension; the comment
is at most ``COMMENT_LIMIT`` characters and lists show it masked; a case can be rated once it is
finished (decided, result issued or refused) and only by its applicant; a rating may be changed
once, within the edit window; 不满意 and 非常不满意 are poor and open a rectification.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum

from tongban.domain.errors import ValidationFailed
from tongban.domain.evaluation.errors import (
    EditWindowClosed,
    RatingAlreadyEdited,
    UnknownLevel,
)

COMMENT_LIMIT = 500
EDITS_ALLOWED = 1


class Level(StrEnum):
    """The five levels of GB/T 39734, best first; ``score`` is 5 … 1."""

    VERY_SATISFIED = "very_satisfied"
    SATISFIED = "satisfied"
    FAIRLY_SATISFIED = "fairly_satisfied"
    DISSATISFIED = "dissatisfied"
    VERY_DISSATISFIED = "very_dissatisfied"

    @property
    def label(self) -> str:
        return LEVEL_LABELS[self]

    @property
    def score(self) -> int:
        return LEVEL_SCORES[self]

    @property
    def is_poor(self) -> bool:
        """差评: the two lowest levels, each followed by a rectification."""
        return self in POOR_LEVELS


LEVEL_LABELS = {
    Level.VERY_SATISFIED: "非常满意",
    Level.SATISFIED: "满意",
    Level.FAIRLY_SATISFIED: "基本满意",
    Level.DISSATISFIED: "不满意",
    Level.VERY_DISSATISFIED: "非常不满意",
}
LEVEL_SCORES = {level: 5 - i for i, level in enumerate(Level)}
POOR_LEVELS = frozenset({Level.DISSATISFIED, Level.VERY_DISSATISFIED})


class Dimension(StrEnum):
    """What an online rating may rate besides the overall level."""

    EFFICIENCY = "efficiency"
    GUIDE_ACCURACY = "guide_accuracy"
    CONVENIENCE = "convenience"
    USABILITY = "usability"

    @property
    def label(self) -> str:
        return DIMENSION_LABELS[self]


DIMENSION_LABELS = {
    Dimension.EFFICIENCY: "办事效率",
    Dimension.GUIDE_ACCURACY: "指南准确",
    Dimension.CONVENIENCE: "便捷程度",
    Dimension.USABILITY: "系统易用",
}


class RatingChannel(StrEnum):
    """Where the rating was given."""

    ONLINE = "online"
    PAD = "pad"
    SMS = "sms"
    KIOSK = "kiosk"

    @property
    def label(self) -> str:
        return CHANNEL_LABELS[self]


CHANNEL_LABELS = {
    RatingChannel.ONLINE: "网上评价",
    RatingChannel.PAD: "窗口评价器",
    RatingChannel.SMS: "短信评价",
    RatingChannel.KIOSK: "自助终端",
}


class Subject(StrEnum):
    CASE = "case"
    """一事一评."""
    TICKET = "ticket"
    """一次一评: one visit's queue ticket."""

    @property
    def label(self) -> str:
        return {Subject.CASE: "办件", Subject.TICKET: "次服务"}[self]


FINISHED_CASE_STATUSES = frozenset(
    {"approved", "rejected", "result_issued", "delivered", "archived", "not_accepted"}
)
"""办结 for rating purposes: decided, result issued or delivered, archived, or refused."""


def parse_level(value: object, field_name: str = "level") -> Level:
    try:
        return Level(str(value))
    except ValueError:
        raise UnknownLevel(fields={field_name: UnknownLevel.template}) from None


@dataclass(frozen=True)
class Marks:
    """What a rater gives: the overall level, the dimensions rated, and the comment."""

    level: Level
    dimensions: Mapping[Dimension, Level] = field(default_factory=dict)
    comment: str = ""


def check_marks(
    level: object, dimensions: Mapping[str, object] | None = None, comment: str | None = None
) -> Marks:
    """The overall level, each dimension's level and the comment, checked at once; an unknown
    level or dimension, or a comment over the limit, changes nothing."""
    errors: dict[str, str] = {}
    try:
        overall = parse_level(level)
    except UnknownLevel as e:
        errors.update(e.fields)
        overall = Level.SATISFIED
    rated: dict[Dimension, Level] = {}
    for name, value in (dimensions or {}).items():
        if value in (None, ""):
            continue
        try:
            dim = Dimension(name)
        except ValueError:
            errors[f"dimensions.{name}"] = "没有这一评价维度"
            continue
        try:
            rated[dim] = parse_level(value, f"dimensions.{name}")
        except UnknownLevel as e:
            errors.update(e.fields)
    text = (comment or "").strip()
    if len(text) > COMMENT_LIMIT:
        errors["comment"] = f"评价内容不能超过 {COMMENT_LIMIT} 个字"
    if any(message == UnknownLevel.template for message in errors.values()):
        raise UnknownLevel(fields=errors)
    if errors:
        raise ValidationFailed(fields=errors)
    return Marks(overall, rated, text)


@dataclass(frozen=True)
class Rating:
    """A rating as its rules see it: once, by the rater, changed at most once within the
    window."""

    id: int
    subject: Subject
    rater_id: int | None
    marks: Marks
    rated_at: datetime
    edits: int = 0

    def edit(self, marks: Marks, at: datetime, window: timedelta) -> Rating:
        """修改评价: once, and only within ``window`` of the first rating (setting, 7 days)."""
        if self.edits >= EDITS_ALLOWED:
            raise RatingAlreadyEdited()
        if at > self.rated_at + window:
            raise EditWindowClosed(days=window.days)
        return replace(self, marks=marks, edits=self.edits + 1)

    def editable(self, at: datetime, window: timedelta) -> bool:
        return self.edits < EDITS_ALLOWED and at <= self.rated_at + window
