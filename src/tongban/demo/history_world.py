"""What the demo's history shares between its two paths (``history``, through the case
aggregate, and ``history_rows``, straight to rows): the district it is drawn from, the days and
their volumes, the case numbers and ids set aside before any case is built, and the draws of
item, channel, centre, rating and rectification.

How the history looks (the seed report's figures where it has them, the rest assumed):

- days: the past ``years`` years up to yesterday (the injected clock's today), on the official
  calendar: working days full, weekends a fifth (mostly online), statutory holidays a twentieth
  and the working week after the Spring Festival slow, so the Spring Festival (春节) and
  National Day (国庆节) show as dips; months weighted by season (spring and autumn peaks);
- items: a few take most cases (Zipf over a seeded order of the catalogue); the 51 smart
  (秒批) items take about 8% of cases, online, almost all approved by the rules at once;
- channels: about 60% online, 30% at a window, 6% at a kiosk, 4% by mail (an item that cannot
  be done online gets its online share at the window);
- towns: 桂城 takes about 35% of the cases filed at a centre (it handles about a million a year),
  then 狮山, 大沥, 里水, 西樵, 九江 and 丹灶; within a town 70% at the town centre, 30% at a
  community centre; a few at the district centre;
- time: accepted the day filed or the next working day; decided within the promised working
  days for about 98.5% of cases (a 1-day item such as the social-security item cut from 5 to 1
  mostly the same or next day), 1–3 working days late otherwise; 97% approved, 2% rejected,
  1% withdrawn before acceptance; cases whose decision day has not come are still under review;
- ratings: 60% of decided cases are rated within three days; 78% 非常满意, 17% 满意, 3.5% 基本满意,
  1% 不满意, 0.5% 非常不满意; every poor rating opens a rectification task, 90% of tasks older
  than three weeks are called back, responded to and closed.

Deterministic, whatever the order days are built in: each day's draws come from a generator
seeded by (seed, day), and every id is set before the draws (a case's id from its day's place in
the plan; its events, rating, rectification task and call-back from the case's id, in blocks:
at most ``EVENTS_PER_CASE`` events and one rating each), so day slices can be built by several
processes and give the same rows as one.
"""

from __future__ import annotations

import bisect
import random
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Protocol

from sqlalchemy import Connection, bindparam, select
from sqlalchemy.dialects import postgresql, sqlite

from tongban.adapters.db.tables import (
    case_events,
    case_number_counters,
    cases,
    centres,
    departments,
    service_items,
    users,
)
from tongban.adapters.db.tables_evaluation import (
    ratings,
    rectification_callbacks,
    rectifications,
)
from tongban.adapters.db.tables_indicators import RATING_DAILY_MEASURES, indicator_case_facts
from tongban.demo.bulk import BulkWriter, max_id
from tongban.domain.cases.status import Channel
from tongban.domain.cases.values import ItemTerms
from tongban.domain.catalogue.model import Channel as ItemChannel
from tongban.domain.catalogue.model import ServiceItemSpec
from tongban.domain.evaluation.rectification import rectification_number
from tongban.domain.shared.calendar import DayKind, WorkingCalendar
from tongban.domain.shared.clock import CHINA_TZ
from tongban.services.cases import repository as repo
from tongban.services.catalogue.import_export import published_specs
from tongban.services.evaluation import rollup as rating_rollup
from tongban.services.platform.calendar import load_calendar

Progress = Callable[[int], None]
"""Called with the number of cases just written."""

MONTH_WEIGHTS = (1.05, 0.8, 1.15, 1.05, 0.95, 1.05, 1.0, 0.95, 1.1, 0.85, 1.05, 1.1)
TOWN_SHARES = {
    "桂城街道": 35,
    "狮山镇": 17,
    "大沥镇": 15,
    "里水镇": 9,
    "西樵镇": 8,
    "九江镇": 7,
    "丹灶镇": 5,
}
DISTRICT_SHARE = 4
CHANNEL_SHARES = ((Channel.ONLINE, 60), (Channel.WINDOW, 30), (Channel.SELF_SERVICE, 6))
LEVELS = (
    ("very_satisfied", 78.0),
    ("satisfied", 17.0),
    ("fairly_satisfied", 3.5),
    ("dissatisfied", 1.0),
    ("very_dissatisfied", 0.5),
)
POOR = frozenset({"dissatisfied", "very_dissatisfied"})
SMART_SHARE = 0.08
RATED_SHARE = 0.6
RECTIFICATION_DAYS = 15
EVENTS_PER_CASE = 8
"""The most events a generated case has (a 秒批 approval: drafted to delivered, and the rules'
decision): each case's event ids are a block of this many."""


class Rated(Protocol):
    """What a rating of a generated case reads of it (the aggregate, or the row path's case)."""

    @property
    def decided_on(self) -> date | None: ...
    @property
    def channel(self) -> Channel: ...
    @property
    def applicant_id(self) -> int: ...
    @property
    def department_code(self) -> str: ...
    @property
    def item_code(self) -> str: ...
    @property
    def accepting_centre_code(self) -> str | None: ...


@dataclass(frozen=True)
class Item:
    id: int
    spec: ServiceItemSpec
    terms: ItemTerms
    online: bool


@dataclass
class Summary:
    cases: int = 0
    events: int = 0
    ratings: int = 0
    rectifications: int = 0
    applicants: int = 0
    first_day: date | None = None
    last_day: date | None = None


@dataclass
class World:
    items: list[Item]
    item_cum: list[float]
    smart: list[Item]
    centres_by_town: dict[str, tuple[list[str], list[str]]]
    """Town → (its town-level centre codes, its community centre codes)."""
    district: list[str]
    centre_ids: dict[str, int]
    department_ids: dict[str, int]
    applicants: list[int]
    calendar: WorkingCalendar


@dataclass
class Batch:
    cases: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    facts: list[dict[str, Any]] = field(default_factory=list)
    ratings: list[dict[str, Any]] = field(default_factory=list)
    tasks: list[dict[str, Any]] = field(default_factory=list)
    callbacks: list[dict[str, Any]] = field(default_factory=list)

    def size(self) -> int:
        return len(self.cases)


def day_weights(calendar: WorkingCalendar, first: date, last: date) -> list[tuple[date, float]]:
    """Each day's share of the volume: season × the kind of day on the official calendar."""
    out: list[tuple[date, float]] = []
    after_festival = 0
    day = first
    while day <= last:
        entry = calendar.day(day)
        weight = MONTH_WEIGHTS[day.month - 1]
        if entry.kind is DayKind.HOLIDAY:
            weight *= 0.05
            if entry.name.startswith("春节"):
                after_festival = 7
        elif not entry.kind.is_working:
            weight *= 0.2
        elif after_festival > 0:
            weight *= 0.7
            after_festival -= 1
        out.append((day, weight))
        day += timedelta(days=1)
    return out


def spread(total: int, weights: list[tuple[date, float]]) -> list[tuple[date, int]]:
    """``total`` cases over the days in proportion to their weights (largest remainder)."""
    whole = sum(w for _, w in weights)
    exact = [(d, total * w / whole) for d, w in weights]
    counts = [(d, int(x)) for d, x in exact]
    short = total - sum(c for _, c in counts)
    order = sorted(range(len(exact)), key=lambda i: (-(exact[i][1] - counts[i][1]), i))
    for i in order[:short]:
        counts[i] = (counts[i][0], counts[i][1] + 1)
    return counts


def instant(day: date, minutes: int) -> datetime:
    """``minutes`` after midnight of ``day`` in China, in UTC."""
    return datetime.combine(day, time(), CHINA_TZ).astimezone(UTC) + timedelta(minutes=minutes)


@dataclass(frozen=True)
class Ids:
    """The largest id of each table before the history: every id it writes is above."""

    case: int
    event: int
    rating: int
    task: int
    callback: int

    @classmethod
    def read(cls, conn: Connection) -> Ids:
        tables = (cases, case_events, ratings, rectifications, rectification_callbacks)
        return cls(*(max_id(conn, table) for table in tables))


@dataclass(frozen=True)
class Day:
    """One day of the plan: ``count`` cases numbered up to ``top``, ids from ``first_case``."""

    day: date
    count: int
    top: int
    first_case: int


class Draws:
    """The draws every path makes in the same order, and the rating and rectification rows
    they lead to (the item, channel and centre of a case are drawn by the paths' ``case``)."""

    def __init__(self, world: World, seed: int, today: date, ids: Ids) -> None:
        self.w = world
        self.seed = seed
        self.rng = random.Random(seed)
        self.today = today
        self.ids = ids
        self.rated: dict[rating_rollup.RatingKey, dict[str, int]] = {}
        self.towns = list(TOWN_SHARES)
        self.town_cum = cumulative([TOWN_SHARES[t] for t in self.towns] + [DISTRICT_SHARE])
        self.channel_cum = cumulative([s for _, s in CHANNEL_SHARES] + [4])
        self.level_cum = cumulative([s for _, s in LEVELS])

    def start_day(self, day: date) -> None:
        """The day's own draws: the same whichever days were built before, and in which process."""
        self.rng = random.Random(f"{self.seed}/{day.isoformat()}")

    def event_id(self, case_id: int, seq: int) -> int:
        assert 1 <= seq <= EVENTS_PER_CASE
        return self.ids.event + (case_id - self.ids.case - 1) * EVENTS_PER_CASE + seq

    def _pick(self, cum: list[float]) -> int:
        return bisect.bisect_right(cum, self.rng.random() * cum[-1])

    def _item(self) -> Item:
        if self.w.smart and self.rng.random() < SMART_SHARE:
            return self.w.smart[self.rng.randrange(len(self.w.smart))]
        return self.w.items[min(self._pick(self.w.item_cum), len(self.w.items) - 1)]

    def _channel(self, item: Item, weekday: bool) -> Channel:
        if item.spec.smart_approval:
            return Channel.ONLINE
        offered = set(item.spec.channels)
        if not weekday:  # centres are closed: online, by mail, or a weekend window
            if item.online:
                return Channel.ONLINE
            return Channel.MAIL if ItemChannel.MAIL in offered else Channel.WINDOW
        index = self._pick(self.channel_cum)
        chosen = CHANNEL_SHARES[index][0] if index < len(CHANNEL_SHARES) else Channel.MAIL
        if chosen is Channel.ONLINE and not item.online:
            return Channel.WINDOW
        if chosen is Channel.SELF_SERVICE and ItemChannel.SELF_SERVICE not in offered:
            return Channel.WINDOW
        if chosen is Channel.MAIL and ItemChannel.MAIL not in offered:
            return Channel.WINDOW
        return chosen

    def _centre(self) -> str:
        index = self._pick(self.town_cum)
        if index >= len(self.towns) or not self.w.centres_by_town.get(self.towns[index]):
            return self.w.district[self.rng.randrange(len(self.w.district))]
        town_level, community = self.w.centres_by_town[self.towns[index]]
        if community and self.rng.random() < 0.3:
            return community[self.rng.randrange(len(community))]
        return town_level[self.rng.randrange(len(town_level))]

    def _later(self, day: date, working_days: int) -> date:
        found = self.w.calendar.deadline(day, working_days)
        return found if found is not None else day + timedelta(days=working_days)

    def _rate(
        self, batch: Batch, case: Rated, case_id: int, item_id: int, centre_id: int | None
    ) -> None:
        rng = self.rng
        if rng.random() >= RATED_SHARE:
            return
        assert case.decided_on is not None
        day = case.decided_on + timedelta(days=rng.randrange(4))
        if day >= self.today:
            return
        level = LEVELS[min(self._pick(self.level_cum), len(LEVELS) - 1)][0]
        rated_at = instant(day, 9 * 60 + rng.randrange(12 * 60))
        channel = {"online": "online", "window": "pad", "self_service": "kiosk"}.get(
            case.channel.value, "sms"
        )
        rating_id = self.ids.rating + case_id - self.ids.case
        score = {"very_satisfied": 5, "satisfied": 4, "fairly_satisfied": 3}.get(level, 2)
        batch.ratings.append(
            {
                "id": rating_id, "subject": "case", "case_id": case_id, "ticket_id": None,
                "rater_id": case.applicant_id, "channel": channel, "level": level,
                "score": 1 if level == "very_dissatisfied" else score,
                "dimensions": {}, "comment": "",
                "item_id": item_id,
                "department_id": self.w.department_ids[case.department_code],
                "centre_id": centre_id, "staff_id": None, "rated_at": rated_at, "edits": 0,
                "edited_at": None, "lock_version": 1,
            }
        )  # fmt: skip
        called_back = False
        if level in POOR:
            called_back = self._rectify(batch, rating_id, case_id, case, centre_id, day, rated_at)
        key = (day, case.item_code, case.department_code, case.accepting_centre_code or "")
        counts = self.rated.setdefault(
            (*key, case.channel.value), dict.fromkeys(RATING_DAILY_MEASURES, 0)
        )
        counts["ratings_total"] += 1
        counts["ratings_satisfied"] += level not in POOR
        counts["ratings_poor"] += level in POOR
        counts["ratings_poor_called_back"] += called_back

    def _rectify(
        self,
        batch: Batch,
        rating_id: int,
        case_id: int,
        case: Rated,
        centre_id: int | None,
        day: date,
        rated_at: datetime,
    ) -> bool:
        task_id = self.ids.task + case_id - self.ids.case
        due = self._later(day, RECTIFICATION_DAYS)
        done = (self.today - day).days > 21 and self.rng.random() < 0.9
        called_on = self._later(day, 1 + self.rng.randrange(3))
        batch.tasks.append(
            {
                "id": task_id, "number": rectification_number(task_id),
                "rating_id": rating_id,
                "department_id": self.w.department_ids[case.department_code],
                "centre_id": centre_id, "owner_id": None,
                "status": "closed" if done else "open", "due_on": due, "opened_at": rated_at,
                "called_back": done,
                "response": "已核实情况并向申请人说明整改措施" if done else "",
                "responded_at": instant(called_on, 15 * 60) if done else None,
                "responded_by": None, "re_level": "satisfied" if done else None,
                "re_rated_at": instant(called_on, 16 * 60) if done else None, "lock_version": 1,
                "updated_at": instant(called_on, 16 * 60) if done else rated_at,
            }
        )  # fmt: skip
        if done:
            batch.callbacks.append(
                {
                    "id": self.ids.callback + case_id - self.ids.case, "rectification_id": task_id,
                    "called_on": called_on, "by_id": self.w.applicants[0], "outcome": "reached",
                    "note": "已电话回访，申请人认可整改",
                    "recorded_at": instant(called_on, 14 * 60),
                }
            )  # fmt: skip
        return done


def cumulative(weights: Iterable[float]) -> list[float]:
    out, total = [], 0.0
    for w in weights:
        total += w
        out.append(total)
    return out


def load_world(conn: Connection, applicants: int, seed: int, created: datetime) -> World:
    """The published items (a seeded order for their shares), centres, departments and
    calendar, and ``applicants`` synthetic applicants written to ``users``."""
    ids = dict(
        conn.execute(
            select(service_items.c.code, service_items.c.id).where(
                service_items.c.status == "published"
            )
        ).all()
    )
    specs = [s for s in published_specs(conn) if s.code in ids]
    if not specs:
        raise ValueError("目录中没有已发布的事项：请先加载演示目录")
    items = [
        Item(ids[s.code], s, ItemTerms.from_spec(s), ItemChannel.ONLINE in s.channels)
        for s in specs
    ]
    order = list(items)
    random.Random(seed).shuffle(order)
    weights = [1 / (rank + 1) ** 1.1 for rank in range(len(order))]
    towns: dict[str, tuple[list[str], list[str]]] = defaultdict(lambda: ([], []))
    district: list[str] = []
    centre_ids: dict[str, int] = {}
    for row in conn.execute(
        select(centres.c.id, centres.c.code, centres.c.level, centres.c.town).order_by(
            centres.c.code
        )
    ):
        centre_ids[row.code] = row.id
        if row.level == "district":
            district.append(row.code)
        elif row.level == "town":
            towns[row.town][0].append(row.code)
        else:
            towns[row.town][1].append(row.code)
    if not district:
        district = sorted(centre_ids)[:1]
    department_ids = dict(conn.execute(select(departments.c.code, departments.c.id)).all())
    first_user = max_id(conn, users) + 1
    surnames = "李王张刘陈杨黄赵吴周徐孙马朱胡郭何林罗梁"
    given = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华"
    pool: list[dict[str, Any]] = [
        {
            "id": first_user + i,
            "kind": "citizen",
            "name": surnames[i % len(surnames)] + given[(i * 7) % len(given)] + given[i % 13],
            "created_at": created,
        }
        for i in range(applicants)
    ]
    BulkWriter(conn).write(users, pool)
    return World(
        items=order,
        item_cum=cumulative(weights),
        smart=[i for i in items if i.spec.smart_approval and i.online],
        centres_by_town={k: v for k, v in towns.items() if k},
        district=district,
        centre_ids=centre_ids,
        department_ids=department_ids,
        applicants=[int(row["id"]) for row in pool],
        calendar=load_calendar(conn),
    )


def plan_days(calendar: WorkingCalendar, today: date, years: int) -> tuple[date, date]:
    """The days the history covers: ``years`` years up to yesterday, within the calendar."""
    last = today - timedelta(days=1)
    first = date(today.year - years, today.month, 1)
    known = calendar.known_from
    if known is not None and first < known:
        first = known
    return first, last


_RESERVE = {
    name: dialect.insert(case_number_counters)
    .values(day=bindparam("day"), last=bindparam("count"))
    .on_conflict_do_update(
        index_elements=["day"],
        set_={"last": case_number_counters.c.last + bindparam("count_again")},
    )
    for name, dialect in (("postgresql", postgresql), ("sqlite", sqlite))
}


def reserve_all(conn: Connection, per_day: list[tuple[date, int]]) -> dict[date, int]:
    """``repository.reserve_numbers`` for every day at once: the counters bumped in one batch
    (their row locks then held to the end of the transaction), and read back."""
    wanted = [{"day": d, "count": n, "count_again": n} for d, n in per_day if n]
    if not wanted:
        return {}
    conn.execute(_RESERVE[conn.dialect.name], wanted)
    first, last = wanted[0]["day"], wanted[-1]["day"]
    found = conn.execute(
        select(case_number_counters.c.day, case_number_counters.c.last).where(
            case_number_counters.c.day.between(first, last)
        )
    )
    return {
        (day if isinstance(day, date) else date.fromisoformat(day)): int(top) for day, top in found
    }


@dataclass
class Setup:
    """What both paths start from: the world, the plan of days, the ids before, the prefix of
    the case numbers and the summary to fill."""

    world: World
    days: list[Day]
    ids: Ids
    prefix: str
    summary: Summary


def prepare(conn: Connection, cases_wanted: int, seed: int, years: int, today: date) -> Setup:
    """The applicants written, the case numbers of every day reserved, every id set aside."""
    applicants = max(50, min(200_000, cases_wanted // 20))
    world = load_world(conn, applicants, seed, instant(today, 0))
    first, last = plan_days(world.calendar, today, years)
    per_day = [(d, n) for d, n in spread(cases_wanted, day_weights(world.calendar, first, last))]
    ids = Ids.read(conn)
    tops = reserve_all(conn, per_day)
    days: list[Day] = []
    next_case = ids.case + 1
    for day, count in per_day:
        if count:
            days.append(Day(day, count, tops[day], next_case))
            next_case += count
    summary = Summary(applicants=applicants, first_day=first, last_day=last)
    return Setup(world, days, ids, repo.case_prefix(conn), summary)


def write_batch(
    writer: BulkWriter, batch: Batch, summary: Summary, progress: Progress | None
) -> None:
    """Write the batch's rows (as dicts: the aggregate's cases and events, and both paths'
    ratings, tasks and call-backs) and count them."""
    for table, rows in (
        (cases, batch.cases),
        (case_events, batch.events),
        (indicator_case_facts, batch.facts),
        (ratings, batch.ratings),
        (rectifications, batch.tasks),
        (rectification_callbacks, batch.callbacks),
    ):
        writer.write(table, rows)
    summary.cases += len(batch.cases)
    summary.events += len(batch.events)
    summary.ratings += len(batch.ratings)
    summary.rectifications += len(batch.tasks)
    if progress is not None and batch.cases:
        progress(len(batch.cases))


SEQUENCED = (users, cases, case_events, ratings, rectifications, rectification_callbacks)
"""The tables whose id sequences move past the history's ids after it is written."""
