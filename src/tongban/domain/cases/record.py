"""The state of a case (办件) and the bookkeeping every transition shares.

``CaseRecord`` holds the fields, the clock read-outs and the helpers that check a status and
record exactly one event per transition; ``model.Case`` adds the transitions themselves.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from tongban.domain.cases.clock import clock_state, used_days
from tongban.domain.cases.status import ACTION_LABELS, CaseStatus, Channel, ClockState, Decision
from tongban.domain.cases.values import (
    Agent,
    AssistedBy,
    CaseEvent,
    CorrectionRequest,
    Delivery,
    ItemTerms,
    MissingMaterials,
    Performer,
    RejectionProposal,
)
from tongban.domain.errors import IllegalTransition, ValidationFailed
from tongban.domain.shared.calendar import ClockStop, WorkingCalendar
from tongban.domain.shared.clock import china_date

S = CaseStatus
GENESIS_HASH = "0" * 64
MATERIAL_FILE_RECEIVED = "CaseMaterialFileReceived"
AGENT_ONLY_UNASKED = "未登记委托代理人，无需提交委托代理人办理时才需的材料："
_DISPUTABLE = (
    S.DRAFT,
    S.SUBMITTED,
    S.PRECHECKED,
    S.ACCEPTED,
    S.CORRECTION_REQUESTED,
    S.UNDER_REVIEW,
)
"""A prefilled value may be disputed until the case is decided."""


def required_text(value: str, field_name: str, message: str) -> str:
    text = (value or "").strip()
    if not text:
        raise ValidationFailed(fields={field_name: message})
    return text


@dataclass(eq=False)
class CaseRecord:
    """What is known about one case (办件): status, clock, materials and pending audit events."""

    number: str
    item_code: str
    item_version: int
    terms: ItemTerms
    applicant_id: int
    channel: Channel
    department_code: str
    status: CaseStatus = S.DRAFT
    version: int = 0
    """Optimistic lock: 0 until stored, then bumped by every save."""
    id: int | None = None
    form: dict[str, Any] = field(default_factory=dict)
    materials: list[str] = field(default_factory=list)
    """Names of the materials received."""
    agent: Agent | None = None
    """委托代理人: who hands the application in for the applicant; None: the applicant themself."""
    missing: MissingMaterials | None = None
    correction: CorrectionRequest | None = None
    stops: list[ClockStop] = field(default_factory=list)
    accepting_centre_code: str | None = None
    delivery: Delivery = field(default_factory=Delivery)
    submitted_at: datetime | None = None
    accepted_on: date | None = None
    deadline: date | None = None
    decision: Decision | None = None
    decision_reasons: str = ""
    decided_on: date | None = None
    proposal: RejectionProposal | None = None
    result_reference: str = ""
    delivery_detail: dict[str, str] = field(default_factory=dict)
    closing_reason: str = ""
    """Why the case was withdrawn or terminated."""
    material_sources: dict[str, dict[str, Any]] = field(default_factory=dict)
    """材料秒报: material name → {licence_id, type, trust_level} of the e-licence supplying it."""
    disputes: list[dict[str, Any]] = field(default_factory=list)
    """表单秒填: the applicant's disputes of prefilled, locked form values (field, value, claim,
    reason, at, by); a case with an open dispute goes to manual review, never automatic."""
    assisted_by: AssistedBy | None = None
    """网办辅导: the staff member who filed this online application with the applicant."""
    kiosk: str | None = None
    """自助办: the code of the kiosk the applicant filed at (channel ``self_service``)."""
    received_from: str | None = None
    """跨城通办: the region code of the partner node that handed this case over; its steps are
    told to that node (``federation.casework``)."""
    priority: int = 0
    """0 normal; 1 green channel (绿色通道), e.g. a bundle's sub-case: queues put it first."""
    audit_seq: int = 0
    audit_head: str = GENESIS_HASH
    events: list[CaseEvent] = field(default_factory=list)
    """Events recorded since the case was loaded; the repository appends them on save."""

    # --- the clock -------------------------------------------------------------------------------

    @property
    def clock_stopped(self) -> bool:
        return any(stop.is_open for stop in self.stops)

    def days_used(self, today: date, calendar: WorkingCalendar) -> int:
        """Working days counted since acceptance, never the stopped ones, up to the decision."""
        return used_days(self.accepted_on, self.decided_on, self.stops, today, calendar)

    def status_of_clock(
        self, today: date, calendar: WorkingCalendar, yellow_days: int = 1
    ) -> ClockState:
        """Red past the deadline; yellow when at most ``yellow_days`` working days remain."""
        return clock_state(self.deadline, self.decided_on, today, calendar, yellow_days)

    @property
    def required_materials(self) -> tuple[str, ...]:
        """What this application needs: the agent-only materials only when an agent acts."""
        return self.terms.required_names(by_agent=self.agent is not None)

    def absent_materials(self) -> list[str]:
        return [n for n in self.required_materials if n not in self.materials]

    # --- licence-backed materials and form disputes (材料秒报, 表单秒填) -------------------------

    @property
    def needs_manual_review(self) -> bool:
        """An open dispute of a prefilled value means a person must review the case."""
        return any(d.get("status") == "open" for d in self.disputes)

    def attach_licence(
        self, name: str, source: Mapping[str, Any], by: Performer, at: datetime
    ) -> None:
        """A required material supplied from the e-licence library instead of an upload."""
        self._known([name])
        self.material_sources[name] = dict(source)
        self._receive([name])
        self.note("MaterialFromLicence", by, at, material=name, **dict(source))

    def receive_material_file(
        self, name: str, file: Mapping[str, Any], by: Performer, at: datetime
    ) -> None:
        """A material's file arrives (上传材料): the material counts as received, and a 容缺
        one as supplied.  Bookkeeping, not a status change; when an upload is allowed is the
        caller's rule.  ``file`` is what the audit entry keeps of it (hash, size, type, name)."""
        given = self._known([name])
        if not given:
            raise ValidationFailed(fields={"material": "请选择该事项要求的材料"})
        name = given[0]
        self._receive(given)
        detail: dict[str, Any] = {"material": name, **file}
        if self.missing is not None and name in self.missing.names:
            still = tuple(n for n in self.missing.names if n != name)
            self.missing = replace(self.missing, names=still) if still else None
            detail["still_missing"] = list(still)
        self.note(MATERIAL_FILE_RECEIVED, by, at, **detail)

    def dispute_form_value(
        self, field_name: str, value: Any, claim: str, reason: str, by: Performer, at: datetime
    ) -> None:
        """The applicant disputes a locked, prefilled value: recorded, and sent to a person."""
        if self.status not in _DISPUTABLE:
            raise IllegalTransition(status=self.status.label, action="对预填数据提出异议")
        reason = required_text(reason, "reason", "请说明对该数据有异议的理由")
        entry = {
            "field": field_name,
            "value": value,
            "claim": claim.strip(),
            "reason": reason,
            "at": at.isoformat(),
            "by": by.user_id,
            "status": "open",
        }
        self.disputes.append(entry)
        self.note("FormValueDisputed", by, at, reason, field=field_name, claim=claim.strip())

    # --- helpers ---------------------------------------------------------------------------------

    def _start_clock(self, by: Performer, at: datetime, calendar: WorkingCalendar) -> None:
        today = china_date(at)
        deadline = calendar.deadline(today, self.terms.promised_days, self.stops)
        self.accepted_on, self.deadline = today, deadline
        # 一窗通办: the accepting centre is the accepting clerk's, wherever the case came in.
        self.accepting_centre_code = by.centre_code or self.accepting_centre_code

    def _clock_floor(self) -> date:
        """No stop may start before acceptance or before the previous stop ended."""
        floor = self.accepted_on or date.min
        for stop in self.stops:
            if stop.resumed_on is not None and stop.resumed_on > floor:
                floor = stop.resumed_on
        return floor

    def _closed_stops(self, at: datetime) -> list[ClockStop]:
        today = china_date(at)
        return [
            ClockStop(stop.stopped_on, max(today, stop.stopped_on)) if stop.is_open else stop
            for stop in self.stops
        ]

    def _close_open_matters(self, at: datetime) -> None:
        """A closed case waits for nothing: resume a stopped clock, drop pending requests."""
        self.stops = self._closed_stops(at)
        self.correction = self.proposal = None

    def _known(self, names: Iterable[str]) -> list[str]:
        given = list(dict.fromkeys(n.strip() for n in names if n.strip()))
        unknown = [n for n in given if n not in self.terms.material_names]
        if unknown:
            raise ValidationFailed(
                fields={"materials": "不是该事项要求的材料：" + "、".join(unknown)}
            )
        unasked = [n for n in given if n not in self.required_materials]
        if unasked:
            # Received, they would say an agent acts when none was recorded.
            raise ValidationFailed(fields={"materials": AGENT_ONLY_UNASKED + "、".join(unasked)})
        return given

    def _receive(self, names: Iterable[str]) -> None:
        self.materials.extend(n for n in self._known(names) if n not in self.materials)

    def note(
        self, event_type: str, by: Performer, at: datetime, reason: str = "", **detail: Any
    ) -> None:
        """An audited event that keeps the status (a review step claimed, assigned or done)."""
        self._record(event_type, self.status, self.status, by, at, reason, detail)

    def _require(self, action: str, allowed: Collection[CaseStatus]) -> None:
        if self.status not in allowed:
            raise IllegalTransition(status=self.status.label, action=ACTION_LABELS[action])

    def _move(
        self,
        action: str,
        allowed: Collection[CaseStatus],
        to: CaseStatus,
        event_type: str,
        by: Performer,
        at: datetime,
        reason: str = "",
        **detail: Any,
    ) -> None:
        self._require(action, allowed)
        self._record(event_type, self.status, to, by, at, reason, detail)
        self.status = to

    def _record(
        self,
        event_type: str,
        from_status: CaseStatus | None,
        to: CaseStatus,
        by: Performer,
        at: datetime,
        reason: str = "",
        detail: Mapping[str, Any] | None = None,
    ) -> None:
        detail = dict(detail or {})
        if by.on_behalf_of:
            # 代办: the agent acts for the company; events without it hash exactly as before.
            detail.setdefault("on_behalf_of", by.on_behalf_of)
        # 自助办 and 网办辅导, the same way: who else was there, in every event they made.
        if by.kiosk:
            detail.setdefault("kiosk", by.kiosk)
        if by.assisted_by is not None:
            detail.setdefault("assisted_by", by.assisted_by)
        self.events.append(
            CaseEvent(
                type=event_type,
                from_status=from_status,
                to_status=to,
                at=at,
                actor_id=by.user_id,
                role=by.role,
                centre_code=by.centre_code,
                reason=reason,
                detail=detail,
                request_id=by.request_id,
            )
        )


def iso(day: date | None) -> str | None:
    return day.isoformat() if day else None
