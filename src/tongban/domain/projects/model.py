"""An investment project (项目) of the proxy service: what a company registers, and its rules.

Pure Python: validation of what the company enters, the statuses a project and a roadmap step
go through, and how a step's progress follows the status of the case it was filed as.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from tongban.domain.cases.status import CaseStatus
from tongban.domain.errors import InvalidCreditCode, ValidationFailed
from tongban.domain.shared.identity import parse_credit_code

INDUSTRIES: tuple[str, ...] = (
    "先进制造",
    "新材料",
    "生物医药",
    "电子信息",
    "新能源",
    "现代物流",
    "商贸",
    "文化旅游",
    "现代农业",
    "总部经济",
)

MAX_INVESTMENT_WAN = 10_000_000
"""1,000 亿元: a guard against a typo in 元 rather than 万元."""

NOTE_KINDS: dict[str, str] = {
    "meeting": "会商",
    "call": "电话",
    "visit": "现场走访",
    "note": "备注",
}
AUTHORISATION_SCOPE = "file_and_follow"
"""代为申报并跟进项目审批事项 — the one scope a company grants its agent."""


class ProjectStatus(StrEnum):
    REGISTERED = "registered"
    """登记: waiting for the company to request the proxy service."""
    AGENT_ASSIGNED = "agent_assigned"
    """已分配代办员: waiting for the company's authorisation."""
    IN_PROGRESS = "in_progress"
    """代办中: authorised; the agent files the roadmap's steps."""
    COMPLETED = "completed"

    @property
    def label(self) -> str:
        return PROJECT_STATUS_LABELS[self]


PROJECT_STATUS_LABELS = {
    ProjectStatus.REGISTERED: "已登记",
    ProjectStatus.AGENT_ASSIGNED: "已分配代办员，待企业授权",
    ProjectStatus.IN_PROGRESS: "代办中",
    ProjectStatus.COMPLETED: "已完成",
}


class StepProgress(StrEnum):
    """Where a roadmap step stands: pending until filed, then its case's status decides."""

    PENDING = "pending"
    FILED = "filed"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    RETURNED = "returned"
    """Refused, rejected, withdrawn or terminated: the agent must file again."""

    @property
    def label(self) -> str:
        return STEP_LABELS[self]


STEP_LABELS = {
    StepProgress.PENDING: "待申报",
    StepProgress.FILED: "已申报待受理",
    StepProgress.IN_PROGRESS: "审批中",
    StepProgress.DONE: "已办结",
    StepProgress.RETURNED: "被退回",
}

_S = CaseStatus
DONE_CASE_STATUSES = frozenset({_S.APPROVED, _S.RESULT_ISSUED, _S.DELIVERED, _S.ARCHIVED})
RETURNED_CASE_STATUSES = frozenset({_S.NOT_ACCEPTED, _S.REJECTED, _S.WITHDRAWN, _S.TERMINATED})
FILED_CASE_STATUSES = frozenset({_S.DRAFT, _S.SUBMITTED, _S.PRECHECKED})
OPEN_CASE_STATUSES = tuple(
    s.value for s in CaseStatus if s not in DONE_CASE_STATUSES | RETURNED_CASE_STATUSES
)
"""Statuses of a filed step's case that is still on its way (it can fall overdue)."""


def step_progress(case_status: str | None, decision: str | None = None) -> StepProgress:
    """A filed step follows its case: submitted → filed; accepted … → in progress; decided
    and approved → done; refused, rejected, withdrawn → returned."""
    if case_status is None:
        return StepProgress.PENDING
    status = CaseStatus(case_status)
    if decision == "reject":
        return StepProgress.RETURNED
    if status in DONE_CASE_STATUSES:
        return StepProgress.DONE
    if status in RETURNED_CASE_STATUSES:
        return StepProgress.RETURNED
    if status in FILED_CASE_STATUSES:
        return StepProgress.FILED
    return StepProgress.IN_PROGRESS


def is_overdue(progress: StepProgress, due_on: date | None, today: date) -> bool:
    """A filed step not yet done whose due day has passed (it alerts the agent and centre)."""
    return (
        progress in (StepProgress.FILED, StepProgress.IN_PROGRESS)
        and due_on is not None
        and due_on < today
    )


@dataclass(frozen=True)
class ProjectInput:
    """What a company enters to register a project (raw, as typed)."""

    name: str
    investment_wan: str | int | Decimal
    industry: str
    site_address: str
    town: str
    construction: bool
    credit_code: str
    legal_representative: str


@dataclass(frozen=True)
class ProjectFacts:
    """A project's checked facts."""

    name: str
    investment_wan: int
    industry: str
    site_address: str
    town: str
    construction: bool
    credit_code: str
    legal_representative: str


def _text(value: str, field: str, label: str, limit: int, errors: dict[str, str]) -> str:
    text = " ".join(str(value or "").split())
    if not text:
        errors[field] = f"请填写{label}"
    elif len(text) > limit:
        errors[field] = f"{label}不能超过 {limit} 个字"
    return text


def _investment(raw: str | int | Decimal, errors: dict[str, str]) -> int:
    try:
        amount = Decimal(str(raw).strip().replace(",", ""))
    except InvalidOperation:
        errors["investment_wan"] = "投资额须为数字（单位：万元）"
        return 0
    if not amount.is_finite() or amount <= 0:
        errors["investment_wan"] = "投资额须大于零（单位：万元）"
    elif amount != amount.to_integral_value():
        errors["investment_wan"] = "投资额以万元为单位，请填写整数"
    elif amount > MAX_INVESTMENT_WAN:
        errors["investment_wan"] = "投资额超过 1000 亿元，请确认单位为万元"
    else:
        return int(amount)
    return 0


def check_project(
    data: ProjectInput, company_credit_code: str | None, towns: Sequence[str]
) -> ProjectFacts:
    """Every field checked at once; all problems are reported together, nothing is stored.

    The credit code must be valid (GB 32100) and be the registering company's own; the town
    one of the jurisdiction's ``towns``.
    """
    errors: dict[str, str] = {}
    name = _text(data.name, "name", "项目名称", 120, errors)
    site = _text(data.site_address, "site_address", "项目地址", 200, errors)
    legal = _text(data.legal_representative, "legal_representative", "法定代表人", 50, errors)
    investment = _investment(data.investment_wan, errors)
    if data.industry not in INDUSTRIES:
        errors["industry"] = "请选择所属行业"
    if data.town not in towns:
        errors["town"] = "请选择项目所在镇街（本辖区的镇街之一）"
    code = ""
    try:
        parsed = parse_credit_code(data.credit_code)
        code = parsed.code
        if parsed.needs_manual_verification:
            errors["credit_code"] = "统一社会信用代码校验位不符，请核对"
        elif company_credit_code is not None and code != company_credit_code:
            errors["credit_code"] = "须为本企业的统一社会信用代码"
    except InvalidCreditCode as exc:
        errors["credit_code"] = exc.message
    if errors:
        raise ValidationFailed(fields=errors)
    return ProjectFacts(
        name=name,
        investment_wan=investment,
        industry=data.industry,
        site_address=site,
        town=data.town,
        construction=bool(data.construction),
        credit_code=code,
        legal_representative=legal,
    )


def project_code(project_id: int) -> str:
    """The readable project number: XM + six digits of its id."""
    return f"XM{project_id:06d}"


def check_note(kind: str, body: str) -> str:
    errors: dict[str, str] = {}
    if kind not in NOTE_KINDS:
        errors["kind"] = "请选择记录类型"
    text = (body or "").strip()
    if not text:
        errors["body"] = "请填写记录内容"
    elif len(text) > 2000:
        errors["body"] = "记录内容不能超过 2000 字"
    if errors:
        raise ValidationFailed(fields=errors)
    return text
