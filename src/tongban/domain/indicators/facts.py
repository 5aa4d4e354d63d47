"""A case's facts for the statistics: what it adds to the daily rollup (pure).

One fact per submitted case.  Its intake measures count on the day it was submitted, its
finishing measures on the day it was decided (办结); ``contributions`` turns a fact into the
rollup rows it adds to, so a write of a case changes the rollup by ``new - old`` exactly, and
a recomputation from the raw rows gives the same sums.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from tongban.domain.cases.clock import used_days
from tongban.domain.cases.status import Channel, DeliveryMethod
from tongban.domain.catalogue.model import ItemKind
from tongban.domain.errors import CalendarUnknown
from tongban.domain.shared.calendar import ClockStop, WorkingCalendar

RECEIVED = ("cases_received", "cases_online", "cases_certificate_free", "visits")
FINISHED = (
    "cases_finished",
    "cases_finished_on_time",
    "cases_immediate",
    "cases_smart",
    "working_days_used",
    "promised_days_of_finished",
)
CASE_MEASURES = RECEIVED + FINISHED
AT_A_CENTRE = frozenset({Channel.WINDOW, Channel.SELF_SERVICE})
HANDED_OVER = frozenset({"delivered", "archived"})

RollupKey = tuple[date, str, str, str, str]
"""(day, item code, department code, centre code or '', channel)."""


@dataclass(frozen=True)
class CaseFact:
    """What one case counts for; the dimensions are codes, '' for "no centre" (online)."""

    case_id: int
    item_code: str
    department_code: str
    centre_code: str
    channel: str
    received_on: date
    finished_on: date | None
    received: int
    online: int
    certificate_free: int
    visits: int
    finished: int
    on_time: int
    immediate: int
    smart: int
    working_days_used: int
    promised_days: int

    def measures(self) -> dict[str, int]:
        return {
            "cases_received": self.received,
            "cases_online": self.online,
            "cases_certificate_free": self.certificate_free,
            "visits": self.visits,
            "cases_finished": self.finished,
            "cases_finished_on_time": self.on_time,
            "cases_immediate": self.immediate,
            "cases_smart": self.smart,
            "working_days_used": self.working_days_used,
            "promised_days_of_finished": self.promised_days,
        }


@dataclass(frozen=True)
class CaseState:
    """The parts of a case its facts depend on (from the aggregate or from a stored row)."""

    case_id: int
    item_code: str
    department_code: str
    centre_code: str | None
    channel: str
    status: str
    submitted_on: date | None
    accepted_on: date | None
    decided_on: date | None
    decision: str | None
    deadline: date | None
    kind: str
    promised_days: int
    delivery_method: str
    stops: Sequence[ClockStop]
    from_licences: bool
    smart: bool


def fact_of(state: CaseState, calendar: WorkingCalendar | None) -> CaseFact | None:
    """The case's fact; None for a draft (never submitted).  Working days are counted on the
    official calendar, from acceptance to the decision, clock stops left out."""
    if state.submitted_on is None or state.status == "draft":
        return None
    decided_on = state.decided_on if state.decision is not None else None
    finished = decided_on is not None
    on_time = decided_on is not None and (state.deadline is None or decided_on <= state.deadline)
    used = 0
    if decided_on is not None and calendar is not None and state.accepted_on is not None:
        try:
            used = used_days(state.accepted_on, decided_on, state.stops, decided_on, calendar)
        except CalendarUnknown:  # a day the calendar does not know yet: counted as 0
            used = 0
    visits = int(state.channel in AT_A_CENTRE) + int(
        state.delivery_method == DeliveryMethod.PICKUP and state.status in HANDED_OVER
    )
    return CaseFact(
        case_id=state.case_id,
        item_code=state.item_code,
        department_code=state.department_code,
        centre_code=state.centre_code or "",
        channel=state.channel,
        received_on=state.submitted_on,
        finished_on=decided_on,
        received=1,
        online=int(state.channel == Channel.ONLINE),
        certificate_free=int(state.from_licences),
        visits=visits,
        finished=int(finished),
        on_time=int(on_time),
        immediate=int(finished and state.kind == ItemKind.IMMEDIATE),
        smart=int(finished and state.smart and state.decision == "approved"),
        working_days_used=used,
        promised_days=state.promised_days if finished else 0,
    )


def contributions(fact: CaseFact | None) -> dict[RollupKey, dict[str, int]]:
    """The rollup rows the fact adds to and by how much (intake on the submission day,
    finishing on the decision day)."""
    if fact is None:
        return {}
    values = fact.measures()
    dims = (fact.item_code, fact.department_code, fact.centre_code, fact.channel)
    out: dict[RollupKey, dict[str, int]] = {}
    received = {m: values[m] for m in RECEIVED}
    out[(fact.received_on, *dims)] = received
    if fact.finished_on is not None:
        row = out.setdefault((fact.finished_on, *dims), {m: 0 for m in RECEIVED})
        row.update({m: values[m] for m in FINISHED})
    for row in out.values():
        for m in CASE_MEASURES:
            row.setdefault(m, 0)
    return out


def delta(
    old: Mapping[RollupKey, Mapping[str, int]], new: Mapping[RollupKey, Mapping[str, int]]
) -> dict[RollupKey, dict[str, int]]:
    """``new - old`` per rollup row, rows with no change left out; keys sorted, so that two
    writers always touch rows in the same order (no deadlock between them)."""
    out: dict[RollupKey, dict[str, int]] = {}
    for key in sorted(set(old) | set(new)):
        change = {m: new.get(key, {}).get(m, 0) - old.get(key, {}).get(m, 0) for m in CASE_MEASURES}
        if any(change.values()):
            out[key] = change
    return out
