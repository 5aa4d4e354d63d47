"""The history's cases built straight into rows (``history_rows``' fast path): the same draws as
``history.Generator`` makes through the case aggregate, each case's events filled into the
templates of ``history_events`` and hashed, with its facts and its rating.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from tongban.demo.history_events import DRAFTED, SUBMITTED, WITHDRAWN, Step, canonical, stored
from tongban.demo.history_world import EVENTS_PER_CASE, Batch, Draws, Ids, Item, World, instant
from tongban.domain.cases.chain import canonical_instant
from tongban.domain.cases.model import GENESIS_HASH
from tongban.domain.cases.status import Channel, DeliveryMethod
from tongban.domain.catalogue.model import ItemKind
from tongban.domain.errors import CalendarUnknown
from tongban.domain.shared.clock import china_date

_MAIL_ADDRESS = "佛山市南海区桂城街道南海大道北 1 号"
_HANDED = frozenset({"result_issued", "delivered", "archived"})
_STATIC_DATA = ("terms", "materials", "agent", "missing", "correction", "stops")
_CASE_DATA = (
    "address", "decision_reasons", "decided_on", "proposal", "result_reference",
    "delivery_detail", "closing_reason", "material_sources", "disputes",
)  # fmt: skip


def _iso(day: date | None) -> str | None:
    return None if day is None else day.isoformat()


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
class Rows:
    """Built rows of cases, events and facts, as tuples in the form each engine stores."""

    cases: list[tuple[Any, ...]] = field(default_factory=list)
    events: list[tuple[Any, ...]] = field(default_factory=list)
    facts: list[tuple[Any, ...]] = field(default_factory=list)


_SMART_APPROVED = "规则校验全部通过，系统自动准予"
_APPROVED = "符合条件，准予许可"
_REJECTION = "申请材料不符合法定条件"


class RowGenerator(Draws):
    """The history's draws, turned straight into rows (see ``history_rows``)."""

    def __init__(
        self, world: World, seed: int, today: date, ids: Ids, postgres: bool, prefix: str
    ) -> None:
        super().__init__(world, seed, today, ids)
        self.postgres = postgres
        self.prefix = prefix
        self._deadlines: dict[tuple[date, int], date | None] = {}
        self._used: dict[tuple[date, date], int] = {}
        self._steps: dict[tuple[Any, ...], Step] = {}
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
    ) -> Step:
        key = (kind, frm, to, role, reason, tuple(detail.items()))
        found = self._steps.get(key)
        if found is None:
            found = self._steps[key] = Step(kind, frm, to, role, reason, detail)
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
        """``stored(data)``: the item's part written once, the case's part per case."""
        head = self._heads.get(item.id)
        if head is None:
            static = {k: data[k] for k in _STATIC_DATA}
            head = self._heads[item.id] = stored(static)[:-1] + ", "
        return head + stored({k: data[k] for k in _CASE_DATA})[1:]

    # --- one case --------------------------------------------------------------------------

    def build(
        self, rows: Rows, batch: Batch, day: date, number: str, workday: bool, case_id: int
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
        trail: list[tuple[Step, datetime, int | None, str | None]] = [
            (DRAFTED[channel], filed, applicant, centre),
            (SUBMITTED, filed, applicant, centre),
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
                        Step("CaseResultIssued", "approved", "result_issued", "system", "",
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
                trail.append((WITHDRAWN, withdrawn, applicant, centre))
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
        trail: list[tuple[Step, datetime, int | None, str | None]],
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
        rows: Rows,
        batch: Batch,
        item: Item,
        case: _Case,
        case_id: int,
        number: str,
        filed: datetime,
        trail: list[tuple[Step, datetime, int | None, str | None]],
        data: dict[str, Any],
        accepted_on: date | None,
        deadline: date | None,
        decision: str | None,
        method: DeliveryMethod,
        smart: bool,
        immediate: bool,
    ) -> None:
        number_json = canonical(number)
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
                centre_json = self._centre_json[centre] = canonical(centre)
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
        rows: Rows,
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
