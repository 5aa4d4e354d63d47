"""Random sequences of actions on one case: no illegal state is ever reached, the clock never
counts stopped time, and every transition has exactly one event (and a refusal none)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from tongban.adapters.calendar_source import official_days
from tongban.domain.cases.model import Case
from tongban.domain.cases.status import CaseStatus, Channel, Decision
from tongban.domain.cases.values import ItemTerms, Performer
from tongban.domain.catalogue.model import ItemKind
from tongban.domain.errors import DomainError, IllegalTransition
from tongban.domain.shared.calendar import WorkingCalendar

CALENDAR = WorkingCalendar(official_days(2026, 2026))
S = CaseStatus
KEY, OPTIONAL_A, OPTIONAL_B = "身份证明", "场所证明", "照片"
NAMES = (KEY, OPTIONAL_A, OPTIONAL_B)
WHO = Performer(1, "clerk", "C-GC")
OPEN_BEFORE_DECISION = {
    S.DRAFT,
    S.SUBMITTED,
    S.PRECHECKED,
    S.ACCEPTED,
    S.CORRECTION_REQUESTED,
    S.UNDER_REVIEW,
    S.REJECTION_PROPOSED,
}
# The lifecycle of SPEC.md C2, written out independently of the aggregate: action -> (from, to).
LIFECYCLE: dict[str, tuple[set[CaseStatus], CaseStatus | None]] = {
    "submit": ({S.DRAFT}, S.SUBMITTED),
    "precheck": ({S.SUBMITTED}, S.PRECHECKED),
    "accept": ({S.SUBMITTED, S.PRECHECKED}, S.ACCEPTED),
    "accept_with_missing": ({S.SUBMITTED, S.PRECHECKED}, S.ACCEPTED),
    "refuse": ({S.SUBMITTED, S.PRECHECKED}, S.NOT_ACCEPTED),
    "request_correction": (
        {S.SUBMITTED, S.PRECHECKED, S.ACCEPTED, S.UNDER_REVIEW},
        S.CORRECTION_REQUESTED,
    ),
    "supply_correction": ({S.CORRECTION_REQUESTED}, None),  # back where it was
    "supply_missing": (
        {S.ACCEPTED, S.CORRECTION_REQUESTED, S.UNDER_REVIEW, S.REJECTION_PROPOSED, S.APPROVED},
        None,  # unchanged
    ),
    "start_review": ({S.ACCEPTED}, S.UNDER_REVIEW),
    "approve": ({S.UNDER_REVIEW}, S.APPROVED),
    "propose_rejection": ({S.UNDER_REVIEW}, S.REJECTION_PROPOSED),
    "sign_off": ({S.REJECTION_PROPOSED}, S.REJECTED),
    "send_back": ({S.REJECTION_PROPOSED}, S.UNDER_REVIEW),
    "issue_result": ({S.APPROVED, S.REJECTED}, S.RESULT_ISSUED),
    "deliver": ({S.RESULT_ISSUED}, S.DELIVERED),
    "archive": ({S.DELIVERED, S.NOT_ACCEPTED, S.WITHDRAWN, S.TERMINATED}, S.ARCHIVED),
    "withdraw": (OPEN_BEFORE_DECISION, S.WITHDRAWN),
    "terminate": (
        {S.ACCEPTED, S.CORRECTION_REQUESTED, S.UNDER_REVIEW, S.REJECTION_PROPOSED, S.APPROVED},
        S.TERMINATED,
    ),
}
NEEDS_ACCEPTANCE = {
    S.ACCEPTED,
    S.UNDER_REVIEW,
    S.REJECTION_PROPOSED,
    S.APPROVED,
    S.REJECTED,
    S.RESULT_ISSUED,
    S.DELIVERED,
}
BEFORE_ACCEPTANCE = {S.DRAFT, S.SUBMITTED, S.PRECHECKED, S.NOT_ACCEPTED}


class CaseLifecycle(RuleBasedStateMachine):
    case: Case
    today: date

    @initialize(
        immediate=st.booleans(),
        days=st.integers(min_value=1, max_value=5),
        received=st.sets(st.sampled_from(NAMES)),
    )
    def start(self, immediate: bool, days: int, received: set[str]) -> None:
        terms = ItemTerms(
            ItemKind.IMMEDIATE if immediate else ItemKind.PROMISED,
            0 if immediate else days,
            ((KEY, True), (OPTIONAL_A, False), (OPTIONAL_B, False)),
        )
        self.today = date(2026, 3, 2)
        self.case = Case.start(
            by=WHO,
            at=self.now(),
            number="NH20260302-000001",
            item_code="T-0001",
            item_version=1,
            terms=terms,
            applicant_id=1,
            channel=Channel.ONLINE,
            department_code="SCJGJ",
            materials=sorted(received),
        )
        self.pauses: list[list[date | None]] = []  # [start, end] kept by the test itself
        self.back_to: CaseStatus | None = None

    def now(self) -> datetime:
        return datetime(self.today.year, self.today.month, self.today.day, 2, tzinfo=UTC)

    def attempt(self, action: str, change: Callable[[], None]) -> bool:
        """Run one action; check the event count and the lifecycle whatever the outcome."""
        before, events = self.case.status, len(self.case.events)
        allowed, target = LIFECYCLE[action]
        if action == "approve" and self.case.terms.immediate:
            allowed = allowed | {S.ACCEPTED}
        if action == "propose_rejection" and self.case.terms.immediate:
            allowed = allowed | {S.ACCEPTED}
        try:
            change()
        except IllegalTransition:
            assert len(self.case.events) == events and self.case.status is before
            assert before not in allowed or (action == "supply_missing" and not self.case.missing)
            return False
        except DomainError:
            assert len(self.case.events) == events and self.case.status is before
            return False
        assert before in allowed, f"{action} from {before}"
        assert len(self.case.events) == events + 1
        event = self.case.events[-1]
        assert (event.from_status, event.to_status) == (before, self.case.status)
        expected = {"supply_correction": self.back_to, "supply_missing": before}.get(action, target)
        assert self.case.status is expected
        return True

    def close_pause(self) -> None:
        if self.pauses and self.pauses[-1][1] is None:
            self.pauses[-1][1] = max(self.today, self.pauses[-1][0])  # type: ignore[type-var]

    @rule(days=st.integers(min_value=0, max_value=4))
    def time_passes(self, days: int) -> None:
        self.today += timedelta(days=days)

    @rule()
    def submit(self) -> None:
        self.attempt("submit", lambda: self.case.submit(by=WHO, at=self.now()))

    @rule()
    def precheck(self) -> None:
        self.attempt("precheck", lambda: self.case.precheck(by=WHO, at=self.now()))

    @rule()
    def accept(self) -> None:
        self.attempt("accept", lambda: self.case.accept(by=WHO, at=self.now(), calendar=CALENDAR))

    @rule(missing=st.sets(st.sampled_from(NAMES)), commitment=st.sampled_from(["", "承诺补交"]))
    def accept_with_missing(self, missing: set[str], commitment: str) -> None:
        if self.attempt(
            "accept_with_missing",
            lambda: self.case.accept_with_missing_materials(
                by=WHO,
                at=self.now(),
                calendar=CALENDAR,
                missing=sorted(missing),
                commitment=commitment,
                supply_by=self.today + timedelta(days=7),
            ),
        ):
            assert KEY not in missing and commitment

    @rule(reasons=st.sampled_from(["", "不符合受理条件"]))
    def refuse(self, reasons: str) -> None:
        self.attempt(
            "refuse", lambda: self.case.refuse_acceptance(by=WHO, at=self.now(), reasons=reasons)
        )

    @rule()
    def request_correction(self) -> None:
        before = self.case.status
        if self.attempt(
            "request_correction",
            lambda: self.case.request_correction(
                by=WHO, at=self.now(), reasons="请补正", needed=[OPTIONAL_A]
            ),
        ):
            self.back_to = before
            if self.case.accepted_on is not None:
                start = max([self.today, *(p[1] for p in self.pauses if p[1] is not None)])
                self.pauses.append([start, None])

    @rule(names=st.sets(st.sampled_from(NAMES)))
    def supply_correction(self, names: set[str]) -> None:
        if self.attempt(
            "supply_correction",
            lambda: self.case.supply_correction(
                by=WHO, at=self.now(), calendar=CALENDAR, materials=sorted(names)
            ),
        ):
            self.close_pause()

    @rule(names=st.sets(st.sampled_from(NAMES), min_size=1))
    def supply_missing(self, names: set[str]) -> None:
        self.attempt(
            "supply_missing",
            lambda: self.case.supply_missing_materials(by=WHO, at=self.now(), names=sorted(names)),
        )

    @rule()
    def start_review(self) -> None:
        self.attempt("start_review", lambda: self.case.start_review(by=WHO, at=self.now()))

    @rule()
    def approve(self) -> None:
        self.attempt("approve", lambda: self.case.approve(by=WHO, at=self.now()))

    @rule(reasons=st.sampled_from(["", "不符合条件"]))
    def propose_rejection(self, reasons: str) -> None:
        self.attempt(
            "propose_rejection",
            lambda: self.case.propose_rejection(by=WHO, at=self.now(), reasons=reasons),
        )

    @rule()
    def sign_off(self) -> None:
        self.attempt("sign_off", lambda: self.case.sign_off_rejection(by=WHO, at=self.now()))

    @rule(note=st.sampled_from(["", "请复核"]))
    def send_back(self, note: str) -> None:
        self.attempt(
            "send_back", lambda: self.case.send_back_rejection(by=WHO, at=self.now(), note=note)
        )

    @rule()
    def issue_result(self) -> None:
        missing_before = self.case.missing
        if self.attempt("issue_result", lambda: self.case.issue_result(by=WHO, at=self.now())):
            assert missing_before is None or self.case.decision is Decision.REJECTED

    @rule()
    def deliver(self) -> None:
        self.attempt("deliver", lambda: self.case.deliver(by=WHO, at=self.now()))

    @rule()
    def archive(self) -> None:
        self.attempt("archive", lambda: self.case.archive(by=WHO, at=self.now()))

    @rule()
    def withdraw(self) -> None:
        if self.attempt("withdraw", lambda: self.case.withdraw(by=WHO, at=self.now())):
            self.close_pause()

    @rule(reasons=st.sampled_from(["", "容缺承诺到期"]))
    def terminate(self, reasons: str) -> None:
        if self.attempt(
            "terminate", lambda: self.case.terminate(by=WHO, at=self.now(), reasons=reasons)
        ):
            self.close_pause()

    # --- invariants ----------------------------------------------------------------------------

    @invariant()
    def the_state_is_consistent(self) -> None:
        case = self.case
        if case.status in NEEDS_ACCEPTANCE:
            assert case.accepted_on is not None and case.accepting_centre_code is not None
        if case.status in BEFORE_ACCEPTANCE:
            assert case.accepted_on is None and case.deadline is None
        assert (case.correction is not None) == (case.status is S.CORRECTION_REQUESTED)
        assert (case.proposal is not None) == (case.status is S.REJECTION_PROPOSED)
        if case.status in {S.APPROVED, S.REJECTED, S.RESULT_ISSUED, S.DELIVERED}:
            assert case.decision is not None and case.decided_on is not None
        if case.status in OPEN_BEFORE_DECISION:
            assert case.decision is None
        assert sum(stop.is_open for stop in case.stops) <= 1
        assert case.clock_stopped == (
            case.status is S.CORRECTION_REQUESTED and case.accepted_on is not None
        )
        assert set(case.materials) <= set(NAMES)
        if case.missing is not None:
            assert KEY not in case.missing.names
        if case.accepted_on is not None and not case.clock_stopped and not case.status.is_final:
            assert case.deadline == CALENDAR.deadline(
                case.accepted_on, case.terms.promised_days, case.stops
            )

    @invariant()
    def the_clock_never_counts_stopped_time(self) -> None:
        case = self.case
        if case.accepted_on is None:
            return
        end = min(self.today, case.decided_on) if case.decided_on else self.today
        counted, day = 0, case.accepted_on
        while day < end:
            day += timedelta(days=1)
            paused = any(
                start < day and (stop is None or day <= stop)  # type: ignore[operator]
                for start, stop in self.pauses
            )
            if CALENDAR.is_workday(day) and not paused:
                counted += 1
        assert case.days_used(self.today, CALENDAR) == counted


CaseLifecycle.TestCase.settings = settings(max_examples=100, stateful_step_count=40, deadline=None)
test_case_lifecycle = CaseLifecycle.TestCase
