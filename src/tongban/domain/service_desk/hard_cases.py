"""The hard-case window (办不成事窗口): a problem that could not be solved the ordinary way is
escalated, gets an owner at the centre and a deadline in working days, and ends with a recorded
resolution; the person concerned is then asked whether it was solved.

Pure Python: the types, statuses and outcomes, the checks of what people type, and the
aggregate's steps.  A step the status does not allow raises ``HardCaseStepRefused``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum

from tongban.domain.errors import ValidationFailed
from tongban.domain.service_desk.errors import HardCaseStepRefused

SUMMARY_LIMIT = 100
TEXT_LIMIT = 2000
COMMENT_LIMIT = 500


class HardCaseType(StrEnum):
    """What kind of problem could not be solved; the statistics count by it."""

    CANNOT_ACCEPT = "cannot_accept"
    MISSING_PROOF = "missing_proof"
    CROSS_DEPARTMENT = "cross_department"
    NO_POLICY = "no_policy"
    DELAYED = "delayed"
    SYSTEM = "system"
    OTHER = "other"

    @property
    def label(self) -> str:
        return TYPE_LABELS[self]


TYPE_LABELS = {
    HardCaseType.CANNOT_ACCEPT: "窗口无法受理",
    HardCaseType.MISSING_PROOF: "证明材料难以取得",
    HardCaseType.CROSS_DEPARTMENT: "涉及多个部门",
    HardCaseType.NO_POLICY: "政策不明确或无依据",
    HardCaseType.DELAYED: "办件超时或受阻",
    HardCaseType.SYSTEM: "系统故障",
    HardCaseType.OTHER: "其他问题",
}


class HardCaseStatus(StrEnum):
    OPEN = "open"
    """待分派: registered, nobody owns it yet."""
    IN_PROGRESS = "in_progress"
    """处理中: an owner at the centre works on it."""
    RESOLVED = "resolved"
    """已办结: the resolution is recorded."""

    @property
    def label(self) -> str:
        return STATUS_LABELS[self]


STATUS_LABELS = {
    HardCaseStatus.OPEN: "待分派",
    HardCaseStatus.IN_PROGRESS: "处理中",
    HardCaseStatus.RESOLVED: "已办结",
}


class Outcome(StrEnum):
    """How an escalation ended; the statistics count by it."""

    SOLVED = "solved"
    REFERRED = "referred"
    EXPLAINED = "explained"
    WITHDRAWN = "withdrawn"

    @property
    def label(self) -> str:
        return OUTCOME_LABELS[self]


OUTCOME_LABELS = {
    Outcome.SOLVED: "已办成",
    Outcome.REFERRED: "已协调相关部门办理",
    Outcome.EXPLAINED: "依法不能办理，已解释说明",
    Outcome.WITHDRAWN: "反映人撤回",
}


class RaisedVia(StrEnum):
    ONLINE = "online"
    """The person raised it themselves, online."""
    WINDOW = "window"
    """A clerk registered it at a window."""

    @property
    def label(self) -> str:
        return RAISED_VIA_LABELS[self]


RAISED_VIA_LABELS = {RaisedVia.ONLINE: "网上反映", RaisedVia.WINDOW: "窗口登记"}


class EventKind(StrEnum):
    """One line of an escalation's history (append-only)."""

    RAISED = "raised"
    ASSIGNED = "assigned"
    NOTE = "note"
    RESOLVED = "resolved"
    FEEDBACK = "feedback"
    REOPENED = "reopened"

    @property
    def label(self) -> str:
        return EVENT_LABELS[self]


EVENT_LABELS = {
    EventKind.RAISED: "登记问题",
    EventKind.ASSIGNED: "确定承办人",
    EventKind.NOTE: "处理记录",
    EventKind.RESOLVED: "问题办结",
    EventKind.FEEDBACK: "反映人回访",
    EventKind.REOPENED: "重新办理",
}


def hard_case_number(hard_case_id: int) -> str:
    """The readable number: BC (办不成) + six digits of the id."""
    return f"BC{hard_case_id:06d}"


def _text(value: str | None, field: str, limit: int, missing: str, errors: dict[str, str]) -> str:
    text = (value or "").strip()
    if not text:
        errors[field] = missing
    elif len(text) > limit:
        errors[field] = f"不能超过 {limit} 个字"
    return text


@dataclass(frozen=True)
class Escalation:
    """What is checked when a problem is raised."""

    type: HardCaseType
    summary: str
    description: str


def check_escalation(kind: str, summary: str | None, description: str | None) -> Escalation:
    """Type, a one-line summary and the description, all checked at once; nothing is stored
    while one is wrong."""
    errors: dict[str, str] = {}
    try:
        type_ = HardCaseType(kind)
    except ValueError:
        errors["type"] = "请选择问题类型"
        type_ = HardCaseType.OTHER
    one_line = " ".join((summary or "").split())
    _text(one_line, "summary", SUMMARY_LIMIT, "请用一句话概括问题", errors)
    text = _text(description, "description", TEXT_LIMIT, "请描述遇到的问题", errors)
    if errors:
        raise ValidationFailed(fields=errors)
    return Escalation(type_, one_line, text)


def check_note(body: str | None) -> str:
    errors: dict[str, str] = {}
    text = _text(body, "body", TEXT_LIMIT, "请填写处理记录", errors)
    if errors:
        raise ValidationFailed(fields=errors)
    return text


def check_comment(comment: str | None) -> str:
    text = (comment or "").strip()
    if len(text) > COMMENT_LIMIT:
        raise ValidationFailed(fields={"comment": f"不能超过 {COMMENT_LIMIT} 个字"})
    return text


@dataclass(frozen=True)
class HardCase:
    """An escalation as its rules see it; each step returns the escalation it leaves."""

    number: str
    status: HardCaseStatus
    owner_id: int | None
    person_id: int | None
    due_on: date
    version: int
    outcome: Outcome | None = None
    resolution: str = ""
    feedback_solved: bool | None = None
    reopened: int = 0

    def is_overdue(self, today: date) -> bool:
        """Not yet resolved and past its deadline (the centre manager is alerted)."""
        return self.status is not HardCaseStatus.RESOLVED and self.due_on < today

    @property
    def awaits_feedback(self) -> bool:
        """Resolved, with a person to ask, who has not yet said whether it was solved."""
        return (
            self.status is HardCaseStatus.RESOLVED
            and self.person_id is not None
            and self.feedback_solved is None
        )

    def _refuse(self, action: str) -> HardCaseStepRefused:
        return HardCaseStepRefused(status=self.status.label, action=action)

    def assign(self, owner_id: int) -> HardCase:
        """确定承办人: the first owner starts the work; a new one takes it over."""
        if self.status is HardCaseStatus.RESOLVED:
            raise self._refuse("更换承办人")
        return replace(self, owner_id=owner_id, status=HardCaseStatus.IN_PROGRESS)

    def add_note(self) -> HardCase:
        if self.status is HardCaseStatus.RESOLVED:
            raise self._refuse("添加处理记录")
        return self

    def resolve(self, outcome: str, resolution: str | None) -> HardCase:
        """办结: an owner is working on it; the outcome and what was done are recorded."""
        if self.status is not HardCaseStatus.IN_PROGRESS:
            raise self._refuse("办结此问题")
        errors: dict[str, str] = {}
        try:
            chosen = Outcome(outcome)
        except ValueError:
            errors["outcome"] = "请选择办理结果"
            chosen = Outcome.SOLVED
        text = _text(resolution, "resolution", TEXT_LIMIT, "请填写办理情况", errors)
        if errors:
            raise ValidationFailed(fields=errors)
        return replace(
            self,
            status=HardCaseStatus.RESOLVED,
            outcome=chosen,
            resolution=text,
            feedback_solved=None,
        )

    def answer_follow_up(self, solved: bool, new_due_on: date) -> HardCase:
        """问题解决了吗？ Yes closes the matter; no reopens it with the same owner and a new
        deadline (``new_due_on``), and the person will be asked again after the next
        resolution."""
        if not self.awaits_feedback:
            raise self._refuse("反馈是否解决")
        if solved:
            return replace(self, feedback_solved=True)
        return replace(
            self,
            feedback_solved=False,
            status=HardCaseStatus.IN_PROGRESS,
            due_on=new_due_on,
            outcome=None,
            resolution="",
            reopened=self.reopened + 1,
        )
