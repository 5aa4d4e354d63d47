"""好差评 statistics: counts per level, the average score, the satisfaction and poor-rating
rates, by item, department, centre and member of staff, over a period and within the
reader's scope (a department head: their department; a centre manager: their centre and those
below; leaders: the district).  And the call-back rate, an indicator: of the real-name poor
ratings of the period, the share whose rater was called back (回访)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Connection, and_, func, select

from tongban.adapters.db.tables import centres, departments, service_items, users
from tongban.adapters.db.tables_evaluation import ratings, rectifications
from tongban.domain.evaluation.model import POOR_LEVELS, Level
from tongban.domain.people.model import Principal
from tongban.domain.shared.clock import CHINA_TZ
from tongban.services.evaluation.access import Scope, scope_of


@dataclass
class Tally:
    """The ratings of one item, department, centre or member of staff."""

    key: str
    label: str
    levels: dict[str, int] = field(default_factory=lambda: {lvl.value: 0 for lvl in Level})
    score_sum: int = 0

    @property
    def total(self) -> int:
        return sum(self.levels.values())

    @property
    def average(self) -> float | None:
        return round(self.score_sum / self.total, 2) if self.total else None

    @property
    def satisfaction(self) -> float | None:
        """满意率: 非常满意, 满意 and 基本满意 over all ratings."""
        if not self.total:
            return None
        good = self.total - sum(self.levels[lvl.value] for lvl in POOR_LEVELS)
        return round(good / self.total, 4)

    @property
    def poor(self) -> int:
        return sum(self.levels[lvl.value] for lvl in POOR_LEVELS)


@dataclass(frozen=True)
class CallbackRate:
    """回访率: real-name poor ratings of the period and how many of their raters were called."""

    poor_real_name: int
    called_back: int

    @property
    def rate(self) -> float | None:
        return round(self.called_back / self.poor_real_name, 4) if self.poor_real_name else None


@dataclass(frozen=True)
class RatingStats:
    all: Tally
    by_item: list[Tally]
    by_department: list[Tally]
    by_centre: list[Tally]
    by_staff: list[Tally]
    callbacks: CallbackRate
    since: date | None
    until: date | None


def _period(since: date | None, until: date | None) -> list[ColumnElement[bool]]:
    """Days in China, inclusive at both ends."""
    found: list[ColumnElement[bool]] = []
    if since is not None:
        found.append(ratings.c.rated_at >= datetime.combine(since, time(), CHINA_TZ))
    if until is not None:
        end = datetime.combine(until + timedelta(days=1), time(), CHINA_TZ)
        found.append(ratings.c.rated_at < end)
    return found


def _where(scope: Scope, since: date | None, until: date | None) -> ColumnElement[bool]:
    return and_(
        scope.condition(ratings.c.department_id, ratings.c.centre_id), *_period(since, until)
    )


def _tallies(rows: Iterable[Any]) -> list[Tally]:
    found: dict[str, Tally] = {}
    for row in rows:
        if row.key is None:
            continue
        tally = found.setdefault(str(row.key), Tally(str(row.key), str(row.label)))
        tally.levels[row.level] += int(row.n)
        tally.score_sum += int(row.score)
    return sorted(found.values(), key=lambda t: (-t.total, t.key))


def _by(
    conn: Connection, where: ColumnElement[bool], key: Any, label: Any, join: Any
) -> list[Tally]:
    query = (
        select(
            key.label("key"),
            label.label("label"),
            ratings.c.level,
            func.count().label("n"),
            func.sum(ratings.c.score).label("score"),
        )
        .select_from(join)
        .where(where)
        .group_by(key, label, ratings.c.level)
    )
    return _tallies(conn.execute(query))


def callback_rate(
    conn: Connection, principal: Principal | None, since: date | None, until: date | None
) -> CallbackRate:
    """回访率 over the period and the reader's scope (an indicator of the indicator system)."""
    scope = scope_of(conn, principal, stats=True)
    return _callback_rate(conn, _where(scope, since, until))


def _callback_rate(conn: Connection, where: ColumnElement[bool]) -> CallbackRate:
    poor = and_(
        where, ratings.c.rater_id.is_not(None), ratings.c.level.in_([p.value for p in POOR_LEVELS])
    )
    row = conn.execute(
        select(
            func.count(ratings.c.id),
            func.count(rectifications.c.id).filter(rectifications.c.called_back.is_(True)),
        )
        .select_from(ratings.outerjoin(rectifications, rectifications.c.rating_id == ratings.c.id))
        .where(poor)
    ).one()
    return CallbackRate(int(row[0]), int(row[1]))


def rating_stats(
    conn: Connection,
    principal: Principal | None,
    since: date | None = None,
    until: date | None = None,
) -> RatingStats:
    """The ratings within the reader's scope over the period (days in China, inclusive)."""
    scope = scope_of(conn, principal, stats=True)
    where = _where(scope, since, until)
    everything = Tally("all", "全部")
    query = (
        select(ratings.c.level, func.count().label("n"), func.sum(ratings.c.score).label("score"))
        .where(where)
        .group_by(ratings.c.level)
    )
    for row in conn.execute(query):
        everything.levels[row.level] += int(row.n)
        everything.score_sum += int(row.score)
    return RatingStats(
        all=everything,
        by_item=_by(
            conn,
            where,
            service_items.c.code,
            service_items.c.name,
            ratings.join(service_items, service_items.c.id == ratings.c.item_id),
        ),
        by_department=_by(
            conn,
            where,
            departments.c.code,
            departments.c.name,
            ratings.join(departments, departments.c.id == ratings.c.department_id),
        ),
        by_centre=_by(
            conn,
            where,
            centres.c.code,
            centres.c.name,
            ratings.join(centres, centres.c.id == ratings.c.centre_id),
        ),
        by_staff=_by(
            conn,
            where,
            users.c.id,
            users.c.name,
            ratings.join(users, users.c.id == ratings.c.staff_id),
        ),
        callbacks=_callback_rate(conn, where),
        since=since,
        until=until,
    )
