"""The vocabulary of a case (办件): its statuses, channels, decisions and clock states.

Chinese labels are the message ids the edge translates; status values are stable API strings.
"""

from __future__ import annotations

from enum import StrEnum


class CaseStatus(StrEnum):
    """Where a case stands in the one lifecycle shared by every channel (SPEC.md C2)."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    PRECHECKED = "prechecked"
    ACCEPTED = "accepted"
    NOT_ACCEPTED = "not_accepted"
    CORRECTION_REQUESTED = "correction_requested"
    UNDER_REVIEW = "under_review"
    REJECTION_PROPOSED = "rejection_proposed"
    """A reviewer proposed rejection; it awaits the section chief (否决权上移)."""
    APPROVED = "approved"
    REJECTED = "rejected"
    RESULT_ISSUED = "result_issued"
    DELIVERED = "delivered"
    ARCHIVED = "archived"
    WITHDRAWN = "withdrawn"
    TERMINATED = "terminated"

    @property
    def label(self) -> str:
        return STATUS_LABELS[self]

    @property
    def is_final(self) -> bool:
        """No transition leads out of a final status except archiving."""
        return self in FINAL_STATUSES


STATUS_LABELS: dict[CaseStatus, str] = {
    CaseStatus.DRAFT: "草稿",
    CaseStatus.SUBMITTED: "已提交",
    CaseStatus.PRECHECKED: "已预审",
    CaseStatus.ACCEPTED: "已受理",
    CaseStatus.NOT_ACCEPTED: "不予受理",
    CaseStatus.CORRECTION_REQUESTED: "待补正",
    CaseStatus.UNDER_REVIEW: "审查中",
    CaseStatus.REJECTION_PROPOSED: "拟不予许可，待科长签发",
    CaseStatus.APPROVED: "准予许可",
    CaseStatus.REJECTED: "不予许可",
    CaseStatus.RESULT_ISSUED: "已出具结果",
    CaseStatus.DELIVERED: "已送达",
    CaseStatus.ARCHIVED: "已归档",
    CaseStatus.WITHDRAWN: "已撤回",
    CaseStatus.TERMINATED: "已终止",
}

FINAL_STATUSES = frozenset(
    {
        CaseStatus.NOT_ACCEPTED,
        CaseStatus.DELIVERED,
        CaseStatus.ARCHIVED,
        CaseStatus.WITHDRAWN,
        CaseStatus.TERMINATED,
    }
)

BEFORE_ACCEPTANCE = frozenset({CaseStatus.SUBMITTED, CaseStatus.PRECHECKED})
UNDECIDED = frozenset(
    {
        CaseStatus.DRAFT,
        CaseStatus.SUBMITTED,
        CaseStatus.PRECHECKED,
        CaseStatus.ACCEPTED,
        CaseStatus.CORRECTION_REQUESTED,
        CaseStatus.UNDER_REVIEW,
        CaseStatus.REJECTION_PROPOSED,
    }
)
"""Open steps before a decision takes effect: the applicant may still withdraw."""


class Channel(StrEnum):
    """How the application came in; every channel creates the same case."""

    ONLINE = "online"
    WINDOW = "window"
    MAIL = "mail"
    SELF_SERVICE = "self_service"
    """自助办: filed by the applicant at a kiosk (自助终端) of a centre."""


class Decision(StrEnum):
    APPROVED = "approved"
    REJECTED = "rejected"


class DeliveryMethod(StrEnum):
    """结果领取方式: collect at a chosen centre, free mail delivery (结果包邮), or electronic."""

    PICKUP = "pickup"
    MAIL = "mail"
    ELECTRONIC = "electronic"


class ClockState(StrEnum):
    """The alert colour of a case's clock: yellow near the deadline, red past it."""

    NORMAL = "normal"
    YELLOW = "yellow"
    RED = "red"


ACTION_LABELS: dict[str, str] = {
    "submit": "提交申请",
    "precheck": "预审",
    "accept": "受理",
    "accept_with_missing_materials": "容缺受理",
    "deem_accepted": "视为受理",
    "refuse_acceptance": "不予受理",
    "request_correction": "要求补正",
    "supply_correction": "提交补正材料",
    "supply_missing_materials": "补交容缺材料",
    "start_review": "开始审查",
    "approve": "准予许可",
    "propose_rejection": "提出不予许可意见",
    "sign_off_rejection": "签发不予许可决定",
    "send_back_rejection": "退回不予许可意见",
    "issue_result": "出具办理结果",
    "deliver": "送达结果",
    "archive": "归档",
    "withdraw": "撤回申请",
    "terminate": "终止办理",
}
