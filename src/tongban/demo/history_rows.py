"""History at scale: the rows of ``history`` built directly, without the case aggregate, by
one process or several.

``history.Generator`` files every case through ``domain.cases.model.Case`` and lets the
repository hash its events: about a thousand cases a second.  This generator makes the same
random draws in the same order (``history_world.Draws``: item, channel, centre and rating) and
writes the same rows — cases, their hash-chained events, facts, ratings, rectification tasks and
the rollups — but builds each event from a template made once per item and path: the event's
canonical JSON (``domain.cases.chain``) is a few string joins around the fields that vary (the
case number, the time, the actor, the centre), so a case costs its SHA-256 digests and little
else.  As each day has its own draws and every id is set before them, slices of days are built
by ``jobs`` worker processes at once and give the same rows as one process; this process writes
them in order, in its one transaction.  Rows go to the database as tuples already in the form
each engine stores (COPY on PostgreSQL, executemany on SQLite), up to 20,000 cases a batch; the
case numbers are reserved in one batch; the rollups are summed in the database from the facts
and ratings just written (``indicators.recount``); on PostgreSQL a large load puts the foreign
keys and plain indexes back after it (``bulk.checks_after``).

The aggregate path stays the reference: ``tests/integration/test_demo_history_rows.py`` checks
that both paths write identical rows for the same seed (and one process the same as two), so a
change to the aggregate's events that is not mirrored here fails there.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import multiprocessing
import os
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from multiprocessing.pool import AsyncResult
from typing import Any

from sqlalchemy import Connection

from tongban.adapters.db.tables import case_events, cases
from tongban.adapters.db.tables_evaluation import ratings, rectification_callbacks, rectifications
from tongban.adapters.db.tables_indicators import CASE_DAILY_MEASURES, indicator_case_facts
from tongban.bootstrap import Container
from tongban.demo.bulk import BulkWriter, checks_after
from tongban.demo.history_world import (
    EVENTS_PER_CASE,
    SEQUENCED,
    Batch,
    Day,
    Draws,
    Ids,
    Item,
    Progress,
    Summary,
    World,
    instant,
    prepare,
    write_batch,
)
from tongban.domain.cases.chain import canonical_instant
from tongban.domain.cases.model import GENESIS_HASH
from tongban.domain.cases.numbers import format_number
from tongban.domain.cases.status import Channel, DeliveryMethod
from tongban.domain.catalogue.model import ItemKind
from tongban.domain.errors import CalendarUnknown
from tongban.domain.shared.clock import china_date
from tongban.services.indicators import recount

_CASE_COLUMNS = (
    "id", "number", "item_id", "item_version", "applicant_id", "channel", "status",
    "lock_version", "form", "submitted_at", "accepted_on", "deadline", "accepting_centre_id",
    "department_id", "pickup_centre_id", "delivery_method", "decision", "priority", "data",
    "audit_seq", "audit_head", "created_at", "updated_at",
)  # fmt: skip
_EVENT_COLUMNS = (
    "id", "case_id", "seq", "type", "from_status", "to_status", "at", "actor_id", "role",
    "centre_code", "reason", "detail", "request_id", "prev_hash", "hash",
)  # fmt: skip
_FACT_COLUMNS = tuple(c.name for c in indicator_case_facts.columns)
_N = len(CASE_DAILY_MEASURES)
_RECEIVED, _FINISHED = range(0, 4), range(4, _N)
_MAIL_ADDRESS = "佛山市南海区桂城街道南海大道北 1 号"
_HANDED = frozenset({"result_issued", "delivered", "archived"})
BULK_TABLES = (
    cases,
    case_events,
    indicator_case_facts,
    ratings,
    rectifications,
    rectification_callbacks,
)
ROWS_BATCH = 20_000
"""Cases per COPY (or executemany) batch."""
DEFER_CHECKS_FROM = 100_000
"""From this many cases, PostgreSQL checks foreign keys and builds plain indexes after the load."""
_STATIC_DATA = ("terms", "materials", "agent", "missing", "correction", "stops")
_CASE_DATA = (
    "address", "decision_reasons", "decided_on", "proposal", "result_reference",
    "delivery_detail", "closing_reason", "material_sources", "disputes",
)  # fmt: skip


def _iso(day: date | None) -> str | None:
    return None if day is None else day.isoformat()


def _stored(value: Any) -> str:
    """A JSON document as ``BulkWriter`` stores it (insertion order, spaces)."""
    return json.dumps(value, ensure_ascii=False, default=str)


def _canonical(value: Any) -> str:
    """A JSON value as ``domain.cases.chain.canonical_json`` writes it."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


@dataclass(frozen=True)
class _Step:
    """One event of a path, everything but the case, time, actor and centre prepared."""

    type: str
    from_status: str | None
    to_status: str
    role: str
    reason: str
    detail: dict[str, Any]
    head: str = field(init=False)
    """The canonical JSON from ``"detail"`` up to ``"seq"`` (sorted keys)."""
    tail: str = field(init=False)
    stored_detail: str = field(init=False)

    def __post_init__(self) -> None:
        frm = "null" if self.from_status is None else _canonical(self.from_status)
        head = (
            f',"detail":{_canonical(self.detail)},"from_status":{frm},'
            f'"reason":{_canonical(self.reason)},"request_id":"",'
            f'"role":{_canonical(self.role)},"seq":'
        )
        tail = f',"to_status":{_canonical(self.to_status)},"type":{_canonical(self.type)}}}'
        object.__setattr__(self, "head", head)
        object.__setattr__(self, "tail", tail)
        object.__setattr__(self, "stored_detail", _stored(self.detail))


class _Case:
    """What a generated case needs for its rating (the attributes ``_rate`` reads)."""

    __slots__ = (
        "accepting_centre_code",
        "applicant_id",
        "channel",
        "decided_on",
        "department_code",
        "item_code",
        "status",
    )

    def __init__(self, item: Item, channel: Channel, centre: str | None, applicant: int) -> None:
        self.item_code = item.spec.code
        self.department_code = item.spec.department_code
        self.channel = channel
        self.accepting_centre_code = centre
        self.applicant_id = applicant
        self.decided_on: date | None = None
        self.status = "submitted"


@dataclass
class _Rows:
    cases: list[tuple[Any, ...]] = field(default_factory=list)
    events: list[tuple[Any, ...]] = field(default_factory=list)
    facts: list[tuple[Any, ...]] = field(default_factory=list)


_DRAFTED = {ch: _Step("CaseDrafted", None, "draft", "applicant", "", {"channel": ch.value})
            for ch in Channel}  # fmt: skip
_SUBMITTED = _Step("CaseSubmitted", "draft", "submitted", "applicant", "", {})
_WITHDRAWN = _Step("CaseWithdrawn", "submitted", "withdrawn", "applicant", "申请人主动撤回", {})
_SMART_APPROVED = "规则校验全部通过，系统自动准予"
_APPROVED = "符合条件，准予许可"
_REJECTION = "申请材料不符合法定条件"


class RowGenerator(Draws):
    """The history's draws, turned straight into rows (see the module's docstring)."""

    def __init__(
        self, world: World, seed: int, today: date, ids: Ids, postgres: bool, prefix: str
    ) -> None:
        super().__init__(world, seed, today, ids)
        self.postgres = postgres
        self.prefix = prefix
        self._deadlines: dict[tuple[date, int], date | None] = {}
        self._used: dict[tuple[date, date], int] = {}
        self._steps: dict[tuple[Any, ...], _Step] = {}
        self._data = {item.id: self._data_of(item) for item in world.items}
        self._centre_json: dict[str | None, str] = {None: "null"}
        self._day = today
        self._instants: dict[datetime, tuple[str, str]] = {}
        self._heads: dict[int, str] = {}

    # --- cached calendar arithmetic --------------------------------------------------------

    def _deadline(self, day: date, n: int) -> date | None:
        key = (day, n)
        if key not in self._deadlines:
            self._deadlines[key] = self.w.calendar.deadline(day, n)
        return self._deadlines[key]

    def _later(self, day: date, working_days: int) -> date:
        found = self._deadline(day, working_days)
        return found if found is not None else day + timedelta(days=working_days)

    def _working_days(self, accepted: date, decided: date) -> int:
        key = (accepted, decided)
        if key not in self._used:
            try:
                used = (
                    0
                    if decided <= accepted
                    else self.w.calendar.working_days_between(accepted, decided, ())
                )
            except CalendarUnknown:
                used = 0
            self._used[key] = used
        return self._used[key]

    # --- templates -------------------------------------------------------------------------

    def _step(
        self, kind: str, frm: str | None, to: str, role: str, reason: str, detail: dict[str, Any]
    ) -> _Step:
        key = (kind, frm, to, role, reason, tuple(detail.items()))
        found = self._steps.get(key)
        if found is None:
            found = self._steps[key] = _Step(kind, frm, to, role, reason, detail)
        return found

    def _data_of(self, item: Item) -> dict[str, Any]:
        terms = item.terms
        return {
            "terms": {
                "kind": terms.kind.value,
                "promised_days": terms.promised_days,
                "materials": [[name, key] for name, key in terms.materials],
                "result_name": terms.result_name,
                "agent_only": sorted(terms.agent_only),
            },
            "materials": list(terms.required_names(by_agent=False)),
            "agent": None, "missing": None, "correction": None, "stops": [], "address": "",
            "decision_reasons": "", "decided_on": None, "proposal": None,
            "result_reference": "", "delivery_detail": {}, "closing_reason": "",
            "material_sources": {}, "disputes": [],
        }  # fmt: skip

    def _instant(self, at: datetime) -> tuple[str, str]:
        """The canonical instant (hashed) and what the engine stores (cached: cases filed on
        one day share most of their minutes)."""
        found = self._instants.get(at)
        if found is None:
            if len(self._instants) > 100_000:
                self._instants.clear()
            text = canonical_instant(at)
            found = text, (text if self.postgres else f"{text[:10]} {text[11:26]}")
            self._instants[at] = found
        return found

    def _data_text(self, item: Item, data: dict[str, Any]) -> str:
        """``_stored(data)``: the item's part written once, the case's part per case."""
        head = self._heads.get(item.id)
        if head is None:
            static = {k: data[k] for k in _STATIC_DATA}
            head = self._heads[item.id] = _stored(static)[:-1] + ", "
        return head + _stored({k: data[k] for k in _CASE_DATA})[1:]

    # --- one case --------------------------------------------------------------------------

    def build(
        self, rows: _Rows, batch: Batch, day: date, number: str, workday: bool, case_id: int
    ) -> None:
        """The case filed on ``day`` as ``number``: the same draws as ``history.Generator``."""
        rng, today = self.rng, self.today
        self._day = day
        item = self._item()
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
            method, address = DeliveryMethod.MAIL, _MAIL_ADDRESS
        elif channel is Channel.ONLINE:
            method, address = DeliveryMethod.ELECTRONIC, ""
        else:
            method, address = DeliveryMethod.PICKUP, ""
        sources: dict[str, Any] = {}
        if spec.certificate_free and rng.random() < 0.6:
            first = item.terms.materials[0][0] if item.terms.materials else "居民身份证"
            sources = {first: {"type": "居民身份证", "trust_level": "high"}}
        case = _Case(item, channel, centre, applicant)
        # (step, at, actor id, centre) of each event, in order
        trail: list[tuple[_Step, datetime, int | None, str | None]] = [
            (_DRAFTED[channel], filed, applicant, centre),
            (_SUBMITTED, filed, applicant, centre),
        ]
        data = dict(self._data[item.id])
        data["address"], data["material_sources"] = address, sources
        accepted_on: date | None = None
        deadline: date | None = None
        decision: str | None = None
        smart = False
        immediate = item.terms.kind is ItemKind.IMMEDIATE
        status = "submitted"
        if spec.smart_approval:
            if china_date(filed) < today:
                smart = True
                accepted_on, deadline = day, self._deadline(day, item.terms.promised_days)
                approved = rng.random() < 0.95
                accepted = {"deadline": _iso(deadline)}
                step = self._step("CaseAccepted", "submitted", "accepted", "system", "", accepted)
                trail.append((step, filed, None, None))
                status = "accepted"
                if not immediate:
                    trail.append((self._step("CaseReviewStarted", "accepted", "under_review",
                                             "system", "", {}), filed, None, None))  # fmt: skip
                    status = "under_review"
                if approved:
                    for step in (
                        self._step("CaseApproved", status, "approved", "system",
                                   _SMART_APPROVED, {}),
                        _Step("CaseResultIssued", "approved", "result_issued", "system", "",
                              {"reference": number}),
                        self._step("CaseDelivered", "result_issued", "delivered", "system", "",
                                   {"method": "electronic"}),
                    ):  # fmt: skip
                        trail.append((step, filed, None, None))
                    status, decision = "delivered", "approved"
                    data["decision_reasons"], data["result_reference"] = _SMART_APPROVED, number
                    data["decided_on"] = day.isoformat()
                    method = DeliveryMethod.ELECTRONIC
                reason = "全部规则通过" if approved else "数据核验未通过，转人工审核"
                detail = {"outcome": "approve" if approved else "manual", "rule_set_version": 1}
                step = self._step("AutomatedDecision", status, status, "system", reason, detail)
                trail.append((step, filed, None, None))
        elif rng.random() < 0.01:
            withdrawn = filed + timedelta(hours=rng.randrange(1, 48))
            if china_date(withdrawn) < today:
                trail.append((_WITHDRAWN, withdrawn, applicant, centre))
                status = "withdrawn"
                data["closing_reason"] = "申请人主动撤回"
        else:
            status, decision, accepted_on, deadline = self._decide(
                item, day, filed, workday, at_centre, centre, method, number, trail, data
            )
        case.status = status
        if decision is not None:
            case.decided_on = date.fromisoformat(data["decided_on"])
        self._write(rows, batch, item, case, case_id, number, filed, trail, data, accepted_on,
                    deadline, decision, method, smart, immediate)  # fmt: skip

    def _decide(
        self,
        item: Item,
        day: date,
        filed: datetime,
        workday: bool,
        at_centre: bool,
        centre: str | None,
        method: DeliveryMethod,
        number: str,
        trail: list[tuple[_Step, datetime, int | None, str | None]],
        data: dict[str, Any],
    ) -> tuple[str, str | None, date | None, date | None]:
        """A case filed at a window or online for a clerk: acceptance, review and decision."""
        rng, spec = self.rng, item.spec
        accept_day = day if (at_centre or rng.random() < 0.5) and workday else self._later(day, 1)
        if accept_day >= self.today:
            return "submitted", None, None, None
        accepted = filed if accept_day == day else instant(accept_day, 9 * 60 + rng.randrange(60))
        deadline = self._deadline(accept_day, item.terms.promised_days)
        step = self._step("CaseAccepted", "submitted", "accepted", "reviewer", "",
                          {"deadline": _iso(deadline)})  # fmt: skip
        trail.append((step, accepted, None, centre))
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
        status = "accepted"
        if item.terms.kind is not ItemKind.IMMEDIATE:
            step = self._step("CaseReviewStarted", "accepted", "under_review", "reviewer", "", {})
            trail.append((step, accepted, None, centre))
            status = "under_review"
        if decide_day >= self.today:
            return status, None, accept_day, deadline
        decided = max(accepted, instant(decide_day, 10 * 60 + rng.randrange(6 * 60)))
        data["decided_on"] = china_date(decided).isoformat()
        if rng.random() < 0.02:
            for step, who in (
                (self._step("CaseRejectionProposed", status, "rejection_proposed", "reviewer",
                            _REJECTION, {}), centre),
                (self._step("CaseRejected", "rejection_proposed", "rejected", "section_chief",
                            "同意不予许可", {"reasons": _REJECTION}), None),
            ):  # fmt: skip
                trail.append((step, decided, None, who))
            data["decision_reasons"] = _REJECTION
            return "rejected", "rejected", accept_day, deadline
        shown = {"method": method.value}
        if method is DeliveryMethod.PICKUP:
            shown["collected_at"] = centre or ""
            data["delivery_detail"] = {"collected_at": centre or ""}
        for step in (
            self._step("CaseApproved", status, "approved", "reviewer", _APPROVED, {}),
            self._step("CaseResultIssued", "approved", "result_issued", "reviewer", "",
                       {"reference": spec.result_name}),
            self._step("CaseDelivered", "result_issued", "delivered", "reviewer", "",
                       shown),
        ):  # fmt: skip
            trail.append((step, decided, None, centre))
        data["decision_reasons"], data["result_reference"] = _APPROVED, spec.result_name
        return "delivered", "approved", accept_day, deadline

    def _write(
        self,
        rows: _Rows,
        batch: Batch,
        item: Item,
        case: _Case,
        case_id: int,
        number: str,
        filed: datetime,
        trail: list[tuple[_Step, datetime, int | None, str | None]],
        data: dict[str, Any],
        accepted_on: date | None,
        deadline: date | None,
        decision: str | None,
        method: DeliveryMethod,
        smart: bool,
        immediate: bool,
    ) -> None:
        number_json = _canonical(number)
        first_event = self.event_id(case_id, 1) - 1
        assert len(trail) <= EVENTS_PER_CASE
        prev = GENESIS_HASH
        stored_at = ""
        events = rows.events
        sha256 = hashlib.sha256
        for seq, (step, at, actor, centre) in enumerate(trail, 1):
            at_text, stored_at = self._instant(at)
            centre_json = self._centre_json.get(centre)
            if centre_json is None:
                centre_json = self._centre_json[centre] = _canonical(centre)
            text = (
                f'{{"actor_id":{"null" if actor is None else actor},"at":"{at_text}",'
                f'"case":{number_json},"centre_code":{centre_json}{step.head}{seq}{step.tail}'
            )
            digest = sha256((prev + text).encode()).hexdigest()
            events.append(
                (first_event + seq, case_id, seq, step.type, step.from_status, step.to_status,
                 stored_at, actor, step.role, centre, step.reason, step.stored_detail, "",
                 prev, digest)
            )  # fmt: skip
            prev = digest
        centre = case.accepting_centre_code
        centre_id = self.w.centre_ids.get(centre or "")
        department_id = self.w.department_ids[item.spec.department_code]
        rows.cases.append(
            (case_id, number, item.id, 1, case.applicant_id, case.channel.value, case.status, 1,
             "{}", self._instant(filed)[1], _iso(accepted_on), _iso(deadline), centre_id,
             department_id, centre_id if method is DeliveryMethod.PICKUP else None,
             method.value, decision, 0, self._data_text(item, data), len(trail), prev,
             self._instant(filed)[1], stored_at)
        )  # fmt: skip
        self._fact(rows, item, case, case_id, accepted_on, deadline, decision, method, smart,
                   immediate, bool(data["material_sources"]))  # fmt: skip
        if case.decided_on is not None and case.status in _HANDED | {"rejected"}:
            self._rate(batch, case, case_id, item.id, centre_id)

    def _fact(
        self,
        rows: _Rows,
        item: Item,
        case: _Case,
        case_id: int,
        accepted_on: date | None,
        deadline: date | None,
        decision: str | None,
        method: DeliveryMethod,
        smart: bool,
        immediate: bool,
        from_licences: bool,
    ) -> None:
        """``domain.indicators.facts.fact_of`` for the generated case, and its contributions."""
        decided = case.decided_on if decision is not None else None
        finished = int(decided is not None)
        on_time = int(decided is not None and (deadline is None or decided <= deadline))
        used = 0
        if decided is not None and accepted_on is not None:
            used = self._working_days(accepted_on, decided)
        channel = case.channel.value
        visits = int(case.channel in (Channel.WINDOW, Channel.SELF_SERVICE)) + int(
            method is DeliveryMethod.PICKUP and case.status in ("delivered", "archived")
        )
        promised = item.terms.promised_days if finished else 0
        received_on = self._day
        online = int(case.channel is Channel.ONLINE)
        measures = (
            1, online, int(from_licences), visits, finished, on_time, finished & immediate,
            int(bool(finished) and smart and decision == "approved"), used, promised,
        )  # fmt: skip
        centre = case.accepting_centre_code or ""
        rows.facts.append(
            (case_id, case.item_code, case.department_code, centre, channel,
             received_on.isoformat(), _iso(decided), *measures)
        )  # fmt: skip


@dataclass
class _Built:
    """A slice of days built: its rows, and its ratings, tasks and call-backs (as dicts)."""

    rows: _Rows
    batch: Batch


def _build(gen: RowGenerator, days: list[Day]) -> _Built:
    rows, batch = _Rows(), Batch()
    for planned in days:
        gen.start_day(planned.day)
        workday = gen.w.calendar.is_workday(planned.day)
        first_number = planned.top - planned.count + 1
        for index in range(planned.count):
            number = format_number(gen.prefix, planned.day, first_number + index)
            gen.build(rows, batch, planned.day, number, workday, planned.first_case + index)
    gen.rated.clear()  # the rating rollups are summed in the database at the end
    return _Built(rows, batch)


def _slices(days: list[Day], size: int) -> list[list[Day]]:
    """Whole days, about ``size`` cases a slice."""
    out: list[list[Day]] = [[]]
    held = 0
    for planned in days:
        if held >= size:
            out.append([])
            held = 0
        out[-1].append(planned)
        held += planned.count
    return [s for s in out if s]


_WORKER: RowGenerator | None = None
"""The generator of a worker process (set once as it starts)."""


def _start_worker(gen: RowGenerator) -> None:
    global _WORKER
    _WORKER = gen


def _build_in_worker(days: list[Day]) -> _Built:
    assert _WORKER is not None
    return _build(_WORKER, days)


def built(gen: RowGenerator, days: list[Day], jobs: int) -> Iterator[_Built]:
    """The plan's slices built in order, by this process or by ``jobs`` worker processes (each
    slice's rows are the same either way: see ``history_world``).  At most two slices per
    worker wait to be written, so memory stays bounded."""
    total = sum(planned.count for planned in days)
    if jobs <= 1:
        for part in _slices(days, ROWS_BATCH):
            yield _build(gen, part)
        return
    slices = _slices(days, max(1, min(ROWS_BATCH, total // (jobs * 4))))
    # fork: the workers start with the world already read (nothing pickled but the slices
    # and their rows); they never touch the parent's database connection
    context = multiprocessing.get_context("fork")
    with context.Pool(jobs, initializer=_start_worker, initargs=(gen,)) as pool:
        todo = iter(slices)
        pending: deque[AsyncResult[_Built]] = deque(
            pool.apply_async(_build_in_worker, (part,)) for part in itertools.islice(todo, 2 * jobs)
        )
        while pending:
            found = pending.popleft().get()
            following = next(todo, None)
            if following is not None:
                pending.append(pool.apply_async(_build_in_worker, (following,)))
            yield found


def default_jobs() -> int:
    """One worker per core."""
    return max(1, os.cpu_count() or 1)


def generate(
    conn: Connection,
    *,
    cases_wanted: int,
    seed: int,
    years: int,
    today: date,
    progress: Progress | None = None,
    jobs: int = 1,
) -> Summary:
    """``history.generate``'s rows for the same arguments, built without the aggregate, by
    ``jobs`` processes, written in the caller's transaction."""
    setup = prepare(conn, cases_wanted, seed, years, today)
    writer = BulkWriter(conn)
    gen = RowGenerator(setup.world, seed, today, setup.ids, writer.postgres, setup.prefix)
    loaded = BULK_TABLES if cases_wanted >= DEFER_CHECKS_FROM else ()
    with checks_after(conn, loaded):
        for part in built(gen, setup.days, jobs):
            write(writer, part, setup.summary, progress)
    recount.add_case_rollups(conn, setup.ids.case)
    recount.add_rating_rollups(conn, setup.ids.rating)
    writer.reset_sequences(SEQUENCED)
    return setup.summary


def write(writer: BulkWriter, part: _Built, summary: Summary, progress: Progress | None) -> None:
    """COPY (or executemany) a built slice and count it."""
    rows = part.rows
    writer.write_rows(cases, _CASE_COLUMNS, rows.cases)
    writer.write_rows(case_events, _EVENT_COLUMNS, rows.events)
    writer.write_rows(indicator_case_facts, _FACT_COLUMNS, rows.facts)
    write_batch(writer, part.batch, summary, None)
    summary.cases += len(rows.cases)
    summary.events += len(rows.events)
    if progress is not None and rows.cases:
        progress(len(rows.cases))


def load(
    container: Container,
    *,
    cases_wanted: int,
    seed: int = 1,
    years: int = 3,
    progress: Progress | None = None,
    jobs: int = 1,
) -> Summary:
    """The history in one transaction, relative to the container's clock (``history.load``'s
    rows, by this faster path)."""
    today = container.clock.today()
    with container.uow() as uow, uow.atomic():
        return generate(
            uow.conn,
            cases_wanted=cases_wanted,
            seed=seed,
            years=years,
            today=today,
            progress=progress,
            jobs=jobs,
        )
