"""The case (办件) aggregate: one application's life from draft to archive.

Every transition is one method that checks the current status and the business rule, changes
the case and records exactly one ``CaseEvent``.  The aggregate never reads the database: the
working-day calendar is passed in, and role checks belong to ``services.cases.lifecycle``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from tongban.domain.cases.record import (
    AGENT_ONLY_UNASKED,
    GENESIS_HASH,
    CaseRecord,
    iso,
    required_text,
)
from tongban.domain.cases.status import (
    ACTION_LABELS,
    BEFORE_ACCEPTANCE,
    UNDECIDED,
    CaseStatus,
    Decision,
    DeliveryMethod,
)
from tongban.domain.cases.values import (
    CorrectionRequest,
    MissingMaterials,
    Performer,
    RejectionProposal,
)
from tongban.domain.errors import (
    IllegalTransition,
    KeyMaterialNotWaivable,
    MaterialsOutstanding,
    ValidationFailed,
)
from tongban.domain.shared.calendar import ClockStop, WorkingCalendar
from tongban.domain.shared.clock import china_date

__all__ = ["GENESIS_HASH", "Case"]

S = CaseStatus
_CORRECTABLE = (S.SUBMITTED, S.PRECHECKED, S.ACCEPTED, S.UNDER_REVIEW)
_TERMINABLE = (S.ACCEPTED, S.CORRECTION_REQUESTED, S.UNDER_REVIEW, S.REJECTION_PROPOSED, S.APPROVED)
_ARCHIVABLE = (S.DELIVERED, S.NOT_ACCEPTED, S.WITHDRAWN, S.TERMINATED)
DEEMED_ACCEPTANCE_DAYS = 5
"""《行政许可法》第三十二条: what is missing must be listed within 5 working days of receipt."""
DEEMED_ACCEPTANCE_BASIS = "《中华人民共和国行政许可法》第三十二条"
_MISSING_SUPPLIABLE = (
    S.ACCEPTED,
    S.CORRECTION_REQUESTED,
    S.UNDER_REVIEW,
    S.REJECTION_PROPOSED,
    S.APPROVED,
)


@dataclass(eq=False)
class Case(CaseRecord):
    """办件: one application's lifecycle; every method is one transition with one event."""

    # --- creation and intake -------------------------------------------------------------------

    @classmethod
    def start(cls, *, by: Performer, at: datetime, **fields: Any) -> Case:
        """A new case in draft, whatever the channel; it pins the item version in ``fields``."""
        case = cls(**fields)
        case._known(case.materials)
        detail: dict[str, Any] = {"channel": case.channel.value}
        if case.agent is not None:
            # Whether an agent acts, never who: the trail keeps no ID numbers.
            detail["by_agent"] = True
        case._record("CaseDrafted", None, S.DRAFT, by, at, detail=detail)
        return case

    def submit(self, *, by: Performer, at: datetime) -> None:
        """The applicant (or a clerk for them) hands in the application: the day of receipt."""
        self._move("submit", (S.DRAFT,), S.SUBMITTED, "CaseSubmitted", by, at)
        self.submitted_at = at

    def precheck(self, *, by: Performer, at: datetime, note: str = "") -> None:
        """预审: the completeness check before acceptance."""
        self._move("precheck", (S.SUBMITTED,), S.PRECHECKED, "CasePrechecked", by, at, note)

    def accept(self, *, by: Performer, at: datetime, calendar: WorkingCalendar) -> None:
        """受理: all materials are in, so the clock starts; the deadline is the promised working
        days after acceptance (即办件: the acceptance day itself)."""
        self._require("accept", BEFORE_ACCEPTANCE)
        absent = self.absent_materials()
        if absent:
            raise ValidationFailed(
                "材料不齐全，不能直接受理：请一次性告知补正（《行政许可法》第三十二条）或容缺受理。",
                fields={"materials": "尚缺：" + "、".join(absent)},
            )
        self._start_clock(by, at, calendar)
        self._move(
            "accept",
            BEFORE_ACCEPTANCE,
            S.ACCEPTED,
            "CaseAccepted",
            by,
            at,
            deadline=iso(self.deadline),
        )

    def accept_with_missing_materials(
        self,
        *,
        by: Performer,
        at: datetime,
        calendar: WorkingCalendar,
        missing: Iterable[str],
        commitment: str,
        supply_by: date,
    ) -> None:
        """容缺受理: accept while NON-key materials are missing, on the applicant's signed
        commitment to supply them by ``supply_by``; a key material can never be waived."""
        self._require("accept_with_missing_materials", BEFORE_ACCEPTANCE)
        names = tuple(dict.fromkeys(n.strip() for n in missing if n.strip()))
        fields: dict[str, str] = {}
        unknown = [n for n in names if n not in self.terms.material_names]
        unasked = [n for n in names if n not in unknown and n not in self.required_materials]
        if unknown:
            fields["missing"] = "不是该事项要求的材料：" + "、".join(unknown)
        elif unasked:
            fields["missing"] = AGENT_ONLY_UNASKED + "、".join(unasked)
        key = [n for n in names if n in self.terms.key_material_names]
        if key:
            raise KeyMaterialNotWaivable(
                names="、".join(key), fields={"missing": "关键材料不能容缺"}
            )
        absent = [n for n in self.absent_materials() if n not in names]
        if absent:
            fields["materials"] = "尚缺且未列为容缺：" + "、".join(absent)
        if not names:
            fields["missing"] = "请列出容缺的材料；材料齐全时请直接受理"
        if not (commitment or "").strip():
            fields["commitment"] = "容缺受理须由申请人签署承诺"
        if supply_by <= china_date(at):
            fields["supply_by"] = "补交期限应晚于今天"
        if fields:
            raise ValidationFailed(fields=fields)
        self._start_clock(by, at, calendar)
        self.missing = MissingMaterials(names, supply_by, commitment.strip())
        self._move(
            "accept_with_missing_materials",
            BEFORE_ACCEPTANCE,
            S.ACCEPTED,
            "CaseAcceptedWithMissingMaterials",
            by,
            at,
            missing=list(names),
            supply_by=supply_by.isoformat(),
            deadline=iso(self.deadline),
        )

    def refuse_acceptance(self, *, by: Performer, at: datetime, reasons: str) -> None:
        """不予受理 in writing with reasons (《行政许可法》第三十二条); the case ends here."""
        text = required_text(reasons, "reasons", "不予受理须说明理由")
        self._move(
            "refuse_acceptance", BEFORE_ACCEPTANCE, S.NOT_ACCEPTED, "CaseNotAccepted", by, at, text
        )
        self.closing_reason = text

    # --- corrections (补正) and 容缺 materials ----------------------------------------------------

    def request_correction(
        self, *, by: Performer, at: datetime, reasons: str, needed: Iterable[str]
    ) -> None:
        """补正: tell the applicant everything that is needed at once (一次性告知,《行政许可法》
        第三十二条); once accepted, the clock stops until the corrections arrive."""
        self._require("request_correction", _CORRECTABLE)
        text = required_text(reasons, "reasons", "请说明需要补正的原因")
        items = tuple(dict.fromkeys(n.strip() for n in needed if n.strip()))
        if not items:
            raise ValidationFailed(fields={"needed": "请一次性列出全部需要补正的内容"})
        today = china_date(at)
        if self.accepted_on is not None:
            self.stops.append(ClockStop(max(today, self._clock_floor())))
            self.deadline = None
        self.correction = CorrectionRequest(today, items, text, self.status)
        self._move(
            "request_correction",
            _CORRECTABLE,
            S.CORRECTION_REQUESTED,
            "CaseCorrectionRequested",
            by,
            at,
            text,
            needed=list(items),
        )

    def supply_correction(
        self,
        *,
        by: Performer,
        at: datetime,
        calendar: WorkingCalendar,
        materials: Iterable[str] = (),
        note: str = "",
    ) -> None:
        """The corrections arrive: the clock resumes and the case returns where it was."""
        self._require("supply_correction", (S.CORRECTION_REQUESTED,))
        assert self.correction is not None
        received = self._known(materials)
        back_to = self.correction.return_to
        stops = self._closed_stops(at)
        deadline = self.deadline
        if self.accepted_on is not None:
            deadline = calendar.deadline(self.accepted_on, self.terms.promised_days, stops)
        self.stops, self.deadline, self.correction = stops, deadline, None
        self._receive(received)
        self._move(
            "supply_correction",
            (S.CORRECTION_REQUESTED,),
            back_to,
            "CaseCorrectionSupplied",
            by,
            at,
            note,
            deadline=iso(self.deadline),
        )

    def supply_missing_materials(
        self, *, by: Performer, at: datetime, names: Iterable[str]
    ) -> None:
        """容缺 materials arrive; once all are in, a result may be issued."""
        self._require("supply_missing_materials", _MISSING_SUPPLIABLE)
        if self.missing is None:
            raise IllegalTransition(
                status="无容缺材料", action=ACTION_LABELS["supply_missing_materials"]
            )
        given = tuple(dict.fromkeys(n.strip() for n in names if n.strip()))
        stray = [n for n in given if n not in self.missing.names]
        if not given or stray:
            raise ValidationFailed(
                fields={"names": "应为容缺的材料：" + "、".join(self.missing.names)}
            )
        self._receive(given)
        still = tuple(n for n in self.missing.names if n not in given)
        self.missing = replace(self.missing, names=still) if still else None
        self._move(
            "supply_missing_materials",
            _MISSING_SUPPLIABLE,
            self.status,
            "CaseMissingMaterialsSupplied",
            by,
            at,
            supplied=list(given),
            still_missing=list(still),
        )

    # --- review and decision ---------------------------------------------------------------------

    def start_review(self, *, by: Performer, at: datetime) -> None:
        """The competent department's back office takes the case up."""
        self._move("start_review", (S.ACCEPTED,), S.UNDER_REVIEW, "CaseReviewStarted", by, at)

    def _decidable(self) -> tuple[CaseStatus, ...]:
        # 即办件 are decided on the spot, straight from acceptance.
        return (S.UNDER_REVIEW, S.ACCEPTED) if self.terms.immediate else (S.UNDER_REVIEW,)

    def approve(self, *, by: Performer, at: datetime, reasons: str = "") -> None:
        """准予许可: takes effect at once (no sign-off is needed to approve)."""
        self._move("approve", self._decidable(), S.APPROVED, "CaseApproved", by, at, reasons)
        self.decision, self.decision_reasons = Decision.APPROVED, reasons.strip()
        self.decided_on = china_date(at)

    def propose_rejection(self, *, by: Performer, at: datetime, reasons: str) -> None:
        """A reviewer proposes rejection with reasons; it waits for the section chief."""
        text = required_text(reasons, "reasons", "不予许可须说明理由")
        self._move(
            "propose_rejection",
            self._decidable(),
            S.REJECTION_PROPOSED,
            "CaseRejectionProposed",
            by,
            at,
            text,
        )
        self.proposal = RejectionProposal(text, by.user_id, at)

    def sign_off_rejection(self, *, by: Performer, at: datetime, note: str = "") -> None:
        """否决权上移: only the section chief's signature makes a rejection take effect."""
        self._require("sign_off_rejection", (S.REJECTION_PROPOSED,))
        assert self.proposal is not None
        self._move(
            "sign_off_rejection",
            (S.REJECTION_PROPOSED,),
            S.REJECTED,
            "CaseRejected",
            by,
            at,
            note,
            reasons=self.proposal.reasons,
        )
        self.decision, self.decision_reasons = Decision.REJECTED, self.proposal.reasons
        self.decided_on, self.proposal = china_date(at), None

    def send_back_rejection(self, *, by: Performer, at: datetime, note: str) -> None:
        """The section chief sends a proposed rejection back to review, saying why."""
        text = required_text(note, "note", "退回须写明意见")
        self._move(
            "send_back_rejection",
            (S.REJECTION_PROPOSED,),
            S.UNDER_REVIEW,
            "CaseRejectionSentBack",
            by,
            at,
            text,
        )
        self.proposal = None

    # --- result, delivery, archive -------------------------------------------------------------

    def issue_result(self, *, by: Performer, at: datetime, reference: str = "") -> None:
        """出具结果 (licence or written rejection); never while 容缺 materials are missing."""
        self._require("issue_result", (S.APPROVED, S.REJECTED))
        if self.status is S.APPROVED and self.missing is not None:
            raise MaterialsOutstanding(names="、".join(self.missing.names))
        self._move(
            "issue_result",
            (S.APPROVED, S.REJECTED),
            S.RESULT_ISSUED,
            "CaseResultIssued",
            by,
            at,
            reference=reference,
        )
        self.result_reference = reference

    def deliver(
        self,
        *,
        by: Performer,
        at: datetime,
        method: DeliveryMethod | None = None,
        detail: Mapping[str, str] | None = None,
    ) -> None:
        """The result reaches the applicant: collected, delivered by mail, or sent online."""
        chosen = method or self.delivery.method
        if chosen is DeliveryMethod.MAIL and not self.delivery.address:
            raise ValidationFailed(fields={"address": "邮寄送达须有收件地址"})
        self.delivery_detail = {str(k): str(v) for k, v in (detail or {}).items()}
        self._move(
            "deliver",
            (S.RESULT_ISSUED,),
            S.DELIVERED,
            "CaseDelivered",
            by,
            at,
            method=chosen.value,
            **self.delivery_detail,
        )
        self.delivery = replace(self.delivery, method=chosen)

    def archive(self, *, by: Performer, at: datetime) -> None:
        """归档 a closed case."""
        self._move("archive", _ARCHIVABLE, S.ARCHIVED, "CaseArchived", by, at)

    def withdraw(self, *, by: Performer, at: datetime, reason: str = "") -> None:
        """The applicant withdraws at any open step before a decision takes effect."""
        self._move("withdraw", UNDECIDED, S.WITHDRAWN, "CaseWithdrawn", by, at, reason.strip())
        self._close_open_matters(at)
        self.closing_reason = reason.strip()

    def terminate(self, *, by: Performer, at: datetime, reasons: str) -> None:
        """终止办理, e.g. when a 容缺 commitment expired unmet, as the commitment says."""
        text = required_text(reasons, "reasons", "终止办理须说明理由")
        self._move("terminate", _TERMINABLE, S.TERMINATED, "CaseTerminated", by, at, text)
        self._close_open_matters(at)
        self.closing_reason = text

    # --- deemed acceptance (视为受理) ---------------------------------------------------------

    def listing_limit(self, calendar: WorkingCalendar) -> date | None:
        """The last day to list what is missing (5 working days after receipt), if submitted."""
        if self.submitted_at is None:
            return None
        return calendar.deadline(china_date(self.submitted_at), DEEMED_ACCEPTANCE_DAYS)

    def deem_accepted(
        self, *, by: Performer, at: datetime, calendar: WorkingCalendar, told_on: date | None
    ) -> None:
        """视为受理 (《行政许可法》第三十二条): nothing missing was listed to the applicant within 5
        working days of receipt (``told_on``: the first correction request), so the application
        counts as accepted from the day of receipt, and the deadline runs from that day."""
        self._require("deem_accepted", BEFORE_ACCEPTANCE)
        limit = self.listing_limit(calendar)
        if limit is None or china_date(at) <= limit:
            raise IllegalTransition(
                "收件未满五个工作日，尚不能视为受理（《行政许可法》第三十二条）。"
            )
        if told_on is not None and told_on <= limit:
            raise IllegalTransition("已在收件后五个工作日内一次性告知补正，不适用视为受理。")
        assert self.submitted_at is not None
        received = china_date(self.submitted_at)
        self.accepted_on = received
        self.deadline = calendar.deadline(received, self.terms.promised_days, self.stops)
        self._move(
            "deem_accepted",
            BEFORE_ACCEPTANCE,
            S.ACCEPTED,
            "CaseDeemedAccepted",
            by,
            at,
            "收件后五个工作日内未一次性告知补正，自收件之日起视为受理",
            received_on=received.isoformat(),
            deadline=iso(self.deadline),
            legal_basis=DEEMED_ACCEPTANCE_BASIS,
        )
