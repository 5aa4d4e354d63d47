"""Assignment of queued online applications to reviewers, and the figures of the centre.

Pure rules: which reviewer a strategy picks (轮流分派, 最少在办, 按技能), whether a skill
covers an item, and the statistics the chief's page shows.  No database, no clock.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from statistics import median


class Strategy(StrEnum):
    """How the centre hands out queued applications automatically."""

    ROUND_ROBIN = "round_robin"
    """轮流分派: each reviewer in turn, by user id, after the last one served."""
    LEAST_LOADED = "least_loaded"
    """最少在办: the reviewer with the fewest open applications."""
    SKILL = "skill"
    """按技能: reviewers whose skills cover the item; among them the least loaded."""

    @property
    def label(self) -> str:
        return STRATEGY_LABELS[self]


STRATEGY_LABELS = {
    Strategy.ROUND_ROBIN: "轮流分派",
    Strategy.LEAST_LOADED: "最少在办优先",
    Strategy.SKILL: "按技能分派",
}


class AssignmentAction(StrEnum):
    """What happened to an application's assignment; the last one is its current state."""

    CLAIMED = "claimed"
    """A reviewer took it from the queue (领取)."""
    ASSIGNED = "assigned"
    """The chief or the strategy gave it to a reviewer (分派)."""
    RELEASED = "released"
    """Back to the queue (退回队列)."""
    REASSIGNED = "reassigned"
    """The chief moved it from one reviewer to another (改派)."""

    @property
    def label(self) -> str:
        return ACTION_LABELS[self]


ACTION_LABELS = {
    AssignmentAction.CLAIMED: "已领取",
    AssignmentAction.ASSIGNED: "已分派",
    AssignmentAction.RELEASED: "已退回队列",
    AssignmentAction.REASSIGNED: "已改派",
}


@dataclass(frozen=True)
class Candidate:
    """A reviewer who may receive work: their open load and their skills (empty: any item)."""

    user_id: int
    load: int
    skills: tuple[str, ...] = ()


def normalise_skills(values: Iterable[str]) -> tuple[str, ...]:
    """Trimmed, de-duplicated, sorted; a skill is an item code, a code prefix or a category."""
    return tuple(sorted({v.strip() for v in values if v and v.strip()}))


def skill_covers(skill: str, item_code: str, item_category: str) -> bool:
    """A skill covers an item by its category, its code, or a prefix of the code ending in '-'
    or '*' (``SCJGJ-01*`` covers every item whose code starts with ``SCJGJ-01``)."""
    if skill in (item_category, item_code):
        return True
    prefix = skill.rstrip("*")
    return (skill.endswith("*") or skill.endswith("-")) and item_code.startswith(prefix)


def skilled(candidates: Sequence[Candidate], item_code: str, category: str) -> list[Candidate]:
    """Reviewers with a skill covering the item; when none has one, the generalists (no skills)."""
    matching = [
        c for c in candidates if any(skill_covers(s, item_code, category) for s in c.skills)
    ]
    return matching or [c for c in candidates if not c.skills]


def least_loaded(candidates: Sequence[Candidate]) -> Candidate | None:
    """The lightest load; a tie goes to the lowest user id, so the choice is repeatable."""
    return min(candidates, key=lambda c: (c.load, c.user_id), default=None)


def next_in_turn(candidates: Sequence[Candidate], last_user_id: int | None) -> Candidate | None:
    """Round robin by user id: the first reviewer after the last one served, wrapping round."""
    ordered = sorted(candidates, key=lambda c: c.user_id)
    if not ordered:
        return None
    if last_user_id is None:
        return ordered[0]
    return next((c for c in ordered if c.user_id > last_user_id), ordered[0])


def choose(
    strategy: Strategy,
    candidates: Sequence[Candidate],
    *,
    item_code: str,
    item_category: str,
    last_user_id: int | None,
) -> Candidate | None:
    """The reviewer ``strategy`` gives the application to, or None when nobody qualifies."""
    if strategy is Strategy.ROUND_ROBIN:
        return next_in_turn(candidates, last_user_id)
    if strategy is Strategy.SKILL:
        return least_loaded(skilled(candidates, item_code, item_category))
    return least_loaded(candidates)


# --- figures ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Decision:
    """One decided application held by a reviewer: when it came in, was assigned, was decided."""

    reviewer_id: int
    submitted_at: datetime | None
    assigned_at: datetime
    decided_at: datetime


@dataclass(frozen=True)
class ReviewerFigures:
    """One reviewer's row: open load, decided per day (7 and 30 days), median hours to decide."""

    user_id: int
    load: int
    decided_7d: int
    decided_30d: int
    per_day_7d: float
    per_day_30d: float
    median_hours_from_submission: float | None
    median_hours_from_assignment: float | None


def _hours(delta: timedelta) -> float:
    return delta.total_seconds() / 3600


def _median_hours(spans: list[timedelta]) -> float | None:
    kept = [_hours(s) for s in spans if s >= timedelta(0)]
    return round(median(kept), 1) if kept else None


def reviewer_figures(
    user_id: int, load: int, decisions: Iterable[Decision], now: datetime
) -> ReviewerFigures:
    """Throughput counts decisions in the last 7 and 30 days; the medians cover the last 30."""
    recent = [d for d in decisions if d.reviewer_id == user_id and d.decided_at <= now]
    in_7 = [d for d in recent if d.decided_at > now - timedelta(days=7)]
    in_30 = [d for d in recent if d.decided_at > now - timedelta(days=30)]
    return ReviewerFigures(
        user_id=user_id,
        load=load,
        decided_7d=len(in_7),
        decided_30d=len(in_30),
        per_day_7d=round(len(in_7) / 7, 2),
        per_day_30d=round(len(in_30) / 30, 2),
        median_hours_from_submission=_median_hours(
            [d.decided_at - d.submitted_at for d in in_30 if d.submitted_at is not None]
        ),
        median_hours_from_assignment=_median_hours([d.decided_at - d.assigned_at for d in in_30]),
    )


@dataclass(frozen=True)
class QueueFigures:
    """The shared queue: how many wait, the oldest and the median wait in hours."""

    size: int
    priority: int
    oldest_hours: float | None
    median_hours: float | None


def queue_figures(waiting: Sequence[tuple[datetime | None, int]], now: datetime) -> QueueFigures:
    """``waiting`` holds (submitted_at, priority) for each queued application."""
    ages = [now - at for at, _ in waiting if at is not None]
    return QueueFigures(
        size=len(waiting),
        priority=sum(1 for _, p in waiting if p > 0),
        oldest_hours=round(_hours(max(ages)), 1) if ages else None,
        median_hours=_median_hours(ages),
    )
