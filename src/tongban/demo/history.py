"""Years of case history for the demo (``tongban demo --cases N``), built by the case
aggregate: the reference that ``history_rows`` (the fast path ``tongban demo`` uses) is tested
against, row for row.

Every case is built by the case aggregate itself (``domain.cases.model.Case``: submitted,
accepted on the official calendar, reviewed, decided, issued and delivered, or a 秒批 decision
recorded by the rules' ``AutomatedDecision`` event) and serialised by the repository's own
functions, so the case page, the audit chain and ``tongban metrics verify`` read it like any
other case.  What each case counts for is computed in the same pass (``facts.fact_of``) and its
rollup rows summed in memory and added to ``indicator_case_daily`` and ``indicator_case_monthly``
(upserts, whenever 300,000 rows are held and at the end); ratings and their rectification tasks
likewise into ``indicator_rating_daily``.  How the history looks, and how its draws and ids stay
the same whatever builds it: ``history_world``.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection

from tongban.adapters.db.tables_indicators import CASE_DAILY_MEASURES
from tongban.bootstrap import Container
from tongban.demo.bulk import BulkWriter
from tongban.demo.history_world import (
    EVENTS_PER_CASE,
    SEQUENCED,
    Batch,
    Draws,
    Ids,
    Progress,
    Summary,
    World,
    instant,
    prepare,
    write_batch,
)
from tongban.domain.cases.model import Case
from tongban.domain.cases.numbers import format_number
from tongban.domain.cases.status import Channel, DeliveryMethod
from tongban.domain.cases.values import Delivery, Performer
from tongban.domain.indicators.facts import RollupKey, contributions, delta, fact_of
from tongban.domain.shared.clock import CHINA_TZ, china_date
from tongban.services.cases import facts as case_facts
from tongban.services.cases import repository as repo
from tongban.services.evaluation import rollup as rating_rollup

BATCH = 5000
ROLLUP_ROWS_HELD = 300_000
"""Rollup rows summed in memory before they are added to the tables."""
_HANDED = frozenset({"result_issued", "delivered", "archived"})


class Generator(Draws):
    """Each case built by the aggregate from the day's draws."""

    def __init__(self, world: World, seed: int, today: date, ids: Ids) -> None:
        super().__init__(world, seed, today, ids)
        self.daily: dict[RollupKey, dict[str, int]] = {}
        self.item_id = 0
        """The item of the case just built."""

    def case(self, day: date, number: str, workday: bool) -> Case:
        rng, cal = self.rng, self.w.calendar
        item = self._item()
        self.item_id = item.id
        spec = item.spec
        channel = self._channel(item, workday)
        at_centre = channel in (Channel.WINDOW, Channel.SELF_SERVICE)
        centre = self._centre() if at_centre else None
        if at_centre:
            filed = instant(day, 9 * 60 + rng.randrange(8 * 60))
        else:
            filed = instant(day, 7 * 60 + rng.randrange(16 * 60))
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
        accepted = filed if accept_day == day else instant(accept_day, 9 * 60 + rng.randrange(60))
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
        decided = max(accepted, instant(decide_day, 10 * 60 + rng.randrange(6 * 60)))
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

    def add(self, batch: Batch, case: Case, item_id: int, case_id: int) -> None:
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
        assert len(entries) <= EVENTS_PER_CASE
        for entry in entries:
            batch.events.append(
                {"id": self.event_id(case_id, entry["seq"]), "case_id": case_id}
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
    setup = prepare(conn, cases_wanted, seed, years, today)
    world, summary = setup.world, setup.summary
    gen = Generator(world, seed, today, setup.ids)
    writer = BulkWriter(conn)
    batch = Batch()
    for planned in setup.days:
        gen.start_day(planned.day)
        workday = world.calendar.is_workday(planned.day)
        first_number = planned.top - planned.count + 1
        for index in range(planned.count):
            number = format_number(setup.prefix, planned.day, first_number + index)
            case = gen.case(planned.day, number, workday)
            gen.add(batch, case, gen.item_id, planned.first_case + index)
            if batch.size() >= BATCH:
                write_batch(writer, batch, summary, progress)
                batch = Batch()
                if len(gen.daily) + len(gen.rated) > ROLLUP_ROWS_HELD:
                    _add_rollups(conn, gen)
    write_batch(writer, batch, summary, progress)
    _add_rollups(conn, gen)
    writer.reset_sequences(SEQUENCED)
    return summary


def _chunks(rows: dict[Any, dict[str, int]], size: int) -> Iterator[dict[Any, dict[str, int]]]:
    keys = sorted(rows)
    for start in range(0, len(keys), size):
        yield {k: rows[k] for k in keys[start : start + size]}


def _add_rollups(conn: Connection, gen: Generator) -> None:
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
