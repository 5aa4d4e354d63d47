"""Years of case history for the demo (``tongban demo --cases N``): a district's volume with its
seasons, ratings and rectification, written in bulk.

Every case is built by the case aggregate itself (``domain.cases.model.Case``: submitted,
accepted on the official calendar, reviewed, decided, issued and delivered, or a 秒批 decision
recorded by the rules' ``AutomatedDecision`` event) and serialised by the repository's own
functions, so the case page, the audit chain and ``tongban metrics verify`` read it like any
other case.  What each case counts for is computed in the same pass (``facts.fact_of``) and its
rollup rows summed in memory and added to ``indicator_case_daily`` and ``indicator_case_monthly``
(upserts, whenever 300,000 rows are held and at the end); ratings and their rectification tasks
likewise into ``indicator_rating_daily``.

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

Deterministic: the same seed, case count, years and today give the same rows.
"""

from __future__ import annotations

import bisect
import random
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Protocol

from sqlalchemy import Connection, select

from tongban.adapters.db.tables import (
    case_events,
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
from tongban.adapters.db.tables_indicators import (
    CASE_DAILY_MEASURES,
    RATING_DAILY_MEASURES,
    indicator_case_facts,
)
from tongban.bootstrap import Container
from tongban.demo.bulk import BulkWriter, max_id
from tongban.domain.cases.model import Case
from tongban.domain.cases.numbers import format_number
from tongban.domain.cases.status import Channel, DeliveryMethod
from tongban.domain.cases.values import Delivery, ItemTerms, Performer
from tongban.domain.catalogue.model import Channel as ItemChannel
from tongban.domain.catalogue.model import ServiceItemSpec
from tongban.domain.evaluation.rectification import rectification_number
from tongban.domain.indicators.facts import RollupKey, contributions, delta, fact_of
from tongban.domain.shared.calendar import DayKind, WorkingCalendar
from tongban.domain.shared.clock import CHINA_TZ, china_date
from tongban.services.cases import facts as case_facts
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
BATCH = 5000
ROLLUP_ROWS_HELD = 300_000
"""Rollup rows summed in memory before they are added to the tables."""
_HANDED = frozenset({"result_issued", "delivered", "archived"})


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
class _Item:
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
class _World:
    items: list[_Item]
    item_cum: list[float]
    smart: list[_Item]
    centres_by_town: dict[str, tuple[list[str], list[str]]]
    """Town → (its town-level centre codes, its community centre codes)."""
    district: list[str]
    centre_ids: dict[str, int]
    department_ids: dict[str, int]
    applicants: list[int]
    calendar: WorkingCalendar


@dataclass
class _Batch:
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


def _at(day: date, minutes: int) -> datetime:
    return datetime.combine(day, time(), CHINA_TZ).astimezone(UTC) + timedelta(minutes=minutes)


class _Generator:
    def __init__(self, world: _World, seed: int, today: date) -> None:
        self.w = world
        self.rng = random.Random(seed)
        self.today = today
        self.daily: dict[RollupKey, dict[str, int]] = {}
        self.rated: dict[rating_rollup.RatingKey, dict[str, int]] = {}
        self.towns = list(TOWN_SHARES)
        self.town_cum = _cumulative([TOWN_SHARES[t] for t in self.towns] + [DISTRICT_SHARE])
        self.channel_cum = _cumulative([s for _, s in CHANNEL_SHARES] + [4])
        self.level_cum = _cumulative([s for _, s in LEVELS])
        self.next_case = self.next_event = self.next_rating = self.next_task = 0
        self.next_callback = 0
        self.item_id = 0
        """The item of the case just built."""

    def _pick(self, cum: list[float]) -> int:
        return bisect.bisect_right(cum, self.rng.random() * cum[-1])

    def _item(self) -> _Item:
        if self.w.smart and self.rng.random() < SMART_SHARE:
            return self.w.smart[self.rng.randrange(len(self.w.smart))]
        return self.w.items[min(self._pick(self.w.item_cum), len(self.w.items) - 1)]

    def _channel(self, item: _Item, weekday: bool) -> Channel:
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

    def case(self, day: date, number: str, workday: bool) -> Case:
        rng, cal = self.rng, self.w.calendar
        item = self._item()
        self.item_id = item.id
        spec = item.spec
        channel = self._channel(item, workday)
        at_centre = channel in (Channel.WINDOW, Channel.SELF_SERVICE)
        centre = self._centre() if at_centre else None
        if at_centre:
            filed = _at(day, 9 * 60 + rng.randrange(8 * 60))
        else:
            filed = _at(day, 7 * 60 + rng.randrange(16 * 60))
        applicant = self.w.applicants[rng.randrange(len(self.w.applicants))]
        if channel is Channel.MAIL:
            delivery = Delivery(DeliveryMethod.MAIL, None, "佛山市南海区桂城街道南海大道北 1 号")
        elif channel is Channel.ONLINE:
            delivery = Delivery(DeliveryMethod.ELECTRONIC, None, "")
        else:
            delivery = Delivery(DeliveryMethod.PICKUP, centre, "")
        applicant_side = Performer(applicant, "applicant", centre, None, kiosk=None)
        case = Case.start(
            by=applicant_side,
            at=filed,
            number=number,
            item_code=spec.code,
            item_version=1,
            terms=item.terms,
            applicant_id=applicant,
            channel=channel,
            department_code=spec.department_code,
            materials=list(item.terms.required_names(by_agent=False)),
            accepting_centre_code=centre,
            delivery=delivery,
        )
        if spec.certificate_free and rng.random() < 0.6:
            first = item.terms.materials[0][0] if item.terms.materials else "居民身份证"
            case.material_sources = {first: {"type": "居民身份证", "trust_level": "high"}}
        case.submit(by=applicant_side, at=filed)
        clerk = Performer(None, "reviewer", centre, spec.department_code)
        if spec.smart_approval:
            return self._smart(case, filed, clerk)
        if rng.random() < 0.01:
            withdrawn = filed + timedelta(hours=rng.randrange(1, 48))
            if china_date(withdrawn) < self.today:
                case.withdraw(by=applicant_side, at=withdrawn, reason="申请人主动撤回")
            return case
        accept_day = day if (at_centre or rng.random() < 0.5) and workday else self._later(day, 1)
        if accept_day >= self.today:
            return case
        accepted = filed if accept_day == day else _at(accept_day, 9 * 60 + rng.randrange(60))
        case.accept(by=clerk, at=accepted, calendar=cal)
        promised = spec.promised_limit_days
        if promised == 0:
            used = 0
        elif rng.random() < 0.015:
            used = promised + 1 + rng.randrange(3)
        elif promised == 1:
            used = 0 if rng.random() < 0.4 else 1
        else:
            used = max(1, round(promised * rng.betavariate(2.0, 3.0)))
        decide_day = accept_day if used == 0 else self._later(accept_day, used)
        if not case.terms.immediate:
            case.start_review(by=clerk, at=accepted)
        if decide_day >= self.today:
            return case
        decided = max(accepted, _at(decide_day, 10 * 60 + rng.randrange(6 * 60)))
        if rng.random() < 0.02:
            case.propose_rejection(by=clerk, at=decided, reasons="申请材料不符合法定条件")
            chief = Performer(None, "section_chief", None, spec.department_code)
            case.sign_off_rejection(by=chief, at=decided, note="同意不予许可")
            return case
        case.approve(by=clerk, at=decided, reasons="符合条件，准予许可")
        case.issue_result(by=clerk, at=decided, reference=spec.result_name)
        if delivery.method is DeliveryMethod.PICKUP:
            case.deliver(by=clerk, at=decided, detail={"collected_at": centre or ""})
        else:
            case.deliver(by=clerk, at=decided)
        return case

    def _smart(self, case: Case, filed: datetime, clerk: Performer) -> Case:
        rules = Performer(None, "system", None, case.department_code)
        if filed.astimezone(CHINA_TZ).date() >= self.today:
            return case
        case.accept(by=rules, at=filed, calendar=self.w.calendar)
        approved = self.rng.random() < 0.95
        if approved:
            if not case.terms.immediate:
                case.start_review(by=rules, at=filed)
            case.approve(by=rules, at=filed, reasons="规则校验全部通过，系统自动准予")
            case.issue_result(by=rules, at=filed, reference=case.number)
            case.deliver(by=rules, at=filed, method=DeliveryMethod.ELECTRONIC)
        elif not case.terms.immediate:
            case.start_review(by=rules, at=filed)
        reason = "全部规则通过" if approved else "数据核验未通过，转人工审核"
        case.note(
            "AutomatedDecision",
            rules,
            filed,
            reason,
            outcome="approve" if approved else "manual",
            rule_set_version=1,
        )
        return case

    def add(self, batch: _Batch, case: Case, item_id: int, case_id: int) -> None:
        case.id = case_id
        entries = repo._chain(case)  # the repository's own serialisation and hashing
        last = entries[-1]["at"]
        centre_id = self.w.centre_ids.get(case.accepting_centre_code or "")
        batch.cases.append(
            {
                "id": case_id,
                "number": case.number,
                "item_id": item_id,
                "item_version": case.item_version,
                "applicant_id": case.applicant_id,
                "channel": case.channel.value,
                "status": case.status.value,
                "lock_version": 1,
                "form": dict(case.form),
                "submitted_at": case.submitted_at,
                "accepted_on": case.accepted_on,
                "deadline": case.deadline,
                "accepting_centre_id": centre_id,
                "department_id": self.w.department_ids[case.department_code],
                "pickup_centre_id": self.w.centre_ids.get(case.delivery.pickup_centre_code or ""),
                "delivery_method": case.delivery.method.value,
                "decision": case.decision.value if case.decision else None,
                "priority": 0,
                "data": repo._data(case),
                "audit_seq": case.audit_seq,
                "audit_head": case.audit_head,
                "created_at": case.submitted_at,
                "updated_at": last,
            }
        )
        for entry in entries:
            self.next_event += 1
            batch.events.append(
                {"id": self.next_event, "case_id": case_id}
                | {k: v for k, v in entry.items() if k != "case"}
            )
        smart = any(e.type == case_facts.AUTOMATED for e in case.events)
        case.events.clear()
        fact = fact_of(case_facts.state_of(case, smart), self.w.calendar)
        if fact is None:
            return
        batch.facts.append(case_facts.fact_row(fact))
        for key, values in contributions(fact).items():
            row = self.daily.setdefault(key, dict.fromkeys(CASE_DAILY_MEASURES, 0))
            for name, value in values.items():
                row[name] += value
        if case.decided_on is not None and case.status.value in _HANDED | {"rejected"}:
            self._rate(batch, case, case_id, item_id, centre_id)

    def _rate(
        self, batch: _Batch, case: Rated, case_id: int, item_id: int, centre_id: int | None
    ) -> None:
        rng = self.rng
        if rng.random() >= RATED_SHARE:
            return
        assert case.decided_on is not None
        day = case.decided_on + timedelta(days=rng.randrange(4))
        if day >= self.today:
            return
        level = LEVELS[min(self._pick(self.level_cum), len(LEVELS) - 1)][0]
        rated_at = _at(day, 9 * 60 + rng.randrange(12 * 60))
        channel = {"online": "online", "window": "pad", "self_service": "kiosk"}.get(
            case.channel.value, "sms"
        )
        self.next_rating += 1
        rating_id = self.next_rating
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
            called_back = self._rectify(batch, rating_id, case, centre_id, day, rated_at)
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
        batch: _Batch,
        rating_id: int,
        case: Rated,
        centre_id: int | None,
        day: date,
        rated_at: datetime,
    ) -> bool:
        self.next_task += 1
        due = self._later(day, RECTIFICATION_DAYS)
        done = (self.today - day).days > 21 and self.rng.random() < 0.9
        called_on = self._later(day, 1 + self.rng.randrange(3))
        batch.tasks.append(
            {
                "id": self.next_task, "number": rectification_number(self.next_task),
                "rating_id": rating_id,
                "department_id": self.w.department_ids[case.department_code],
                "centre_id": centre_id, "owner_id": None,
                "status": "closed" if done else "open", "due_on": due, "opened_at": rated_at,
                "called_back": done,
                "response": "已核实情况并向申请人说明整改措施" if done else "",
                "responded_at": _at(called_on, 15 * 60) if done else None,
                "responded_by": None, "re_level": "satisfied" if done else None,
                "re_rated_at": _at(called_on, 16 * 60) if done else None, "lock_version": 1,
                "updated_at": _at(called_on, 16 * 60) if done else rated_at,
            }
        )  # fmt: skip
        if done:
            self.next_callback += 1
            batch.callbacks.append(
                {
                    "id": self.next_callback, "rectification_id": self.next_task,
                    "called_on": called_on, "by_id": self.w.applicants[0], "outcome": "reached",
                    "note": "已电话回访，申请人认可整改", "recorded_at": _at(called_on, 14 * 60),
                }
            )  # fmt: skip
        return done


def _cumulative(weights: Iterable[float]) -> list[float]:
    out, total = [], 0.0
    for w in weights:
        total += w
        out.append(total)
    return out


def _world(conn: Connection, applicants: int, seed: int, created: datetime) -> _World:
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
        _Item(ids[s.code], s, ItemTerms.from_spec(s), ItemChannel.ONLINE in s.channels)
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
    return _World(
        items=order,
        item_cum=_cumulative(weights),
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


def generate(
    conn: Connection,
    *,
    cases_wanted: int,
    seed: int,
    years: int,
    today: date,
    progress: Progress | None = None,
) -> Summary:
    """Write ``cases_wanted`` cases of history ending yesterday, in the caller's transaction."""
    created = _at(today, 0)
    applicants = max(50, min(200_000, cases_wanted // 20))
    world = _world(conn, applicants, seed, created)
    first, last = plan_days(world.calendar, today, years)
    per_day = spread(cases_wanted, day_weights(world.calendar, first, last))
    gen = _Generator(world, seed, today)
    gen.next_case = max_id(conn, cases)
    gen.next_event = max_id(conn, case_events)
    gen.next_rating = max_id(conn, ratings)
    gen.next_task = max_id(conn, rectifications)
    gen.next_callback = max_id(conn, rectification_callbacks)
    writer = BulkWriter(conn)
    summary = Summary(applicants=applicants, first_day=first, last_day=last)
    batch = _Batch()
    prefix = repo.case_prefix(conn)
    for day, count in per_day:
        if count == 0:
            continue
        workday = world.calendar.is_workday(day)
        top = repo.reserve_numbers(conn, day, count)
        for sequence in range(top - count + 1, top + 1):
            gen.next_case += 1
            case = gen.case(day, format_number(prefix, day, sequence), workday)
            gen.add(batch, case, gen.item_id, gen.next_case)
            if batch.size() >= BATCH:
                _flush(writer, batch, summary, progress)
                batch = _Batch()
                if len(gen.daily) + len(gen.rated) > ROLLUP_ROWS_HELD:
                    _add_rollups(conn, gen)
    _flush(writer, batch, summary, progress)
    _add_rollups(conn, gen)
    writer.reset_sequences(
        (users, cases, case_events, ratings, rectifications, rectification_callbacks)
    )
    return summary


def _flush(writer: BulkWriter, batch: _Batch, summary: Summary, progress: Progress | None) -> None:
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


def _chunks(rows: dict[Any, dict[str, int]], size: int) -> Iterator[dict[Any, dict[str, int]]]:
    keys = sorted(rows)
    for start in range(0, len(keys), size):
        yield {k: rows[k] for k in keys[start : start + size]}


def _add_rollups(conn: Connection, gen: _Generator) -> None:
    """Add the rollup rows summed so far (upserts: rows met again later add up) and start
    again, so that memory stays bounded at 20 million cases."""
    for part in _chunks(gen.daily, 5000):
        case_facts.apply_delta(conn, delta({}, part))
    for rated in _chunks(gen.rated, 5000):
        rating_rollup.apply(conn, {}, rated)
    gen.daily.clear()
    gen.rated.clear()


def load(
    container: Container,
    *,
    cases_wanted: int,
    seed: int = 1,
    years: int = 3,
    progress: Progress | None = None,
) -> Summary:
    """The history in one transaction, relative to the container's clock."""
    today = container.clock.today()
    with container.uow() as uow, uow.atomic():
        return generate(
            uow.conn,
            cases_wanted=cases_wanted,
            seed=seed,
            years=years,
            today=today,
            progress=progress,
        )
