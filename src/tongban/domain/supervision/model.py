"""Inspection tasks of post-approval supervision (批后监管) and their checklists.

An approval of an item on the supervision list opens a task for the approved subject: the
checklist comes from the item (its conditions, its key materials, its e-licence), the deadline
is working days on the official calendar.  The inspector records a finding per checklist entry,
then decides: closure (合格), a rectification order (责令整改) with a re-inspection on its
deadline, or revocation (注销) of the e-licence.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum
from typing import Any

from tongban.domain.catalogue.model import ServiceItemSpec
from tongban.domain.errors import ValidationFailed
from tongban.domain.licences.types import type_name
from tongban.domain.supervision.errors import (
    ClosureWithFailures,
    FindingsIncomplete,
    RevocationReasonRequired,
    TaskClosed,
    TaskNotAssigned,
    UnknownChecklistEntry,
)

MAX_NOTE = 500
MAX_ENTRIES = 30


class TaskStatus(StrEnum):
    PENDING = "pending"
    """待抽取: in the pool of the next random draw (双随机)."""
    ASSIGNED = "assigned"
    """待检查: drawn, an inspector assigned."""
    RECTIFYING = "rectifying"
    """整改中: a rectification order stands; re-inspection due on its deadline."""
    CLOSED = "closed"
    """合格办结."""
    REVOKED = "revoked"
    """证照已注销."""

    @property
    def label(self) -> str:
        return _STATUS_LABELS[self]

    @property
    def finished(self) -> bool:
        return self in (TaskStatus.CLOSED, TaskStatus.REVOKED)


_STATUS_LABELS = {
    TaskStatus.PENDING: "待抽取",
    TaskStatus.ASSIGNED: "待检查",
    TaskStatus.RECTIFYING: "整改中",
    TaskStatus.CLOSED: "合格办结",
    TaskStatus.REVOKED: "证照已注销",
}


class Outcome(StrEnum):
    CLOSURE = "closure"
    RECTIFICATION = "rectification"
    REVOCATION = "revocation"

    @property
    def label(self) -> str:
        return {"closure": "合格", "rectification": "责令整改", "revocation": "注销证照"}[self]


class FindingResult(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    NOT_APPLICABLE = "na"

    @property
    def label(self) -> str:
        return {"pass": "符合", "fail": "不符合", "na": "不适用"}[self]


@dataclass(frozen=True)
class ChecklistEntry:
    """One thing the inspector checks on site."""

    code: str
    text: str

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "text": self.text}


def _conditions(text: str) -> list[str]:
    parts = re.split(r"[\n；;]|(?<=。)", text)
    return [p.strip(" 。\t") for p in parts if p.strip(" 。\t")]


def checklist_for(spec: ServiceItemSpec) -> tuple[ChecklistEntry, ...]:
    """The checklist of an item: each approval condition still met, each key material matching
    the site, and the e-licence's particulars matching reality (the licence is shown)."""
    entries: list[ChecklistEntry] = []
    for n, condition in enumerate(_conditions(spec.conditions), 1):
        entries.append(ChecklistEntry(f"C{n}", f"许可条件仍然具备：{condition}"))
    key_materials = [m for m in spec.materials if m.key and not m.only_by_agent]
    for n, material in enumerate(key_materials, 1):
        entries.append(ChecklistEntry(f"M{n}", f"现场情况与申请材料一致：{material.name}"))
    if spec.result_licence_type:
        name = type_name(spec.result_licence_type)
        entries.append(ChecklistEntry("L1", f"{name}在有效期内，载明事项与实际经营情况一致"))
        entries.append(ChecklistEntry("L2", f"{name}在经营场所显著位置公示"))
    if not entries:
        entries.append(ChecklistEntry("G1", f"按“{spec.name}”的批准内容开展活动"))
    return tuple(entries[:MAX_ENTRIES])


@dataclass(frozen=True)
class Finding:
    result: FindingResult
    note: str = ""

    def as_dict(self) -> dict[str, str]:
        return {"result": self.result.value, "note": self.note}


def parse_findings(
    checklist: tuple[ChecklistEntry, ...], given: Mapping[str, Mapping[str, Any]]
) -> dict[str, Finding]:
    """Check findings against the checklist: every code known, every result one of ours."""
    known = {e.code for e in checklist}
    parsed: dict[str, Finding] = {}
    for code, value in given.items():
        if code not in known:
            raise UnknownChecklistEntry(
                entry=code, fields={f"findings.{code}": "检查清单中没有这一项"}
            )
        try:
            result = FindingResult(str(value.get("result", "")))
        except ValueError:
            raise ValidationFailed(
                fields={f"findings.{code}": "检查结果须为符合、不符合或不适用"}
            ) from None
        note = str(value.get("note") or "").strip()
        if len(note) > MAX_NOTE:
            raise ValidationFailed(fields={f"findings.{code}": "说明不超过500字"})
        if result is FindingResult.FAIL and not note:
            raise ValidationFailed(fields={f"findings.{code}": "不符合的检查项须写明情况"})
        parsed[code] = Finding(result, note)
    if not parsed:
        raise ValidationFailed(fields={"findings": "请至少记录一项检查结果"})
    return parsed


@dataclass(frozen=True)
class InspectionTask:
    """检查任务: one subject's inspection after one approval; ``version`` guards every change."""

    number: str
    status: TaskStatus
    checklist: tuple[ChecklistEntry, ...]
    findings: dict[str, Finding]
    due_on: date
    version: int
    has_licence: bool
    outcome: Outcome | None = None
    rectifications: int = 0

    def _open_for_inspection(self) -> None:
        if self.status.finished:
            raise TaskClosed(number=self.number, status=self.status.label)
        if self.status is TaskStatus.PENDING:
            raise TaskNotAssigned(number=self.number)

    def record_findings(self, given: Mapping[str, Mapping[str, Any]]) -> InspectionTask:
        """Findings may be recorded in parts; a later finding of an entry replaces the earlier."""
        self._open_for_inspection()
        parsed = parse_findings(self.checklist, given)
        return replace(self, findings={**self.findings, **parsed})

    def conclude(
        self, outcome: Outcome, *, reason: str = "", rectify_by: date | None = None
    ) -> InspectionTask:
        """The decision once every entry has a finding: closure only when none failed;
        a rectification order with its deadline; revocation with its reason."""
        self._open_for_inspection()
        missing = [e.code for e in self.checklist if e.code not in self.findings]
        if missing:
            raise FindingsIncomplete(count=len(missing))
        failed = any(f.result is FindingResult.FAIL for f in self.findings.values())
        if outcome is Outcome.CLOSURE:
            if failed:
                raise ClosureWithFailures()
            return replace(self, status=TaskStatus.CLOSED, outcome=outcome)
        if outcome is Outcome.RECTIFICATION:
            if rectify_by is None:
                raise ValidationFailed(fields={"rectify_days": "请填写整改期限（工作日）"})
            # The re-inspection starts from a clean sheet: the findings are kept in the history.
            return replace(
                self,
                status=TaskStatus.RECTIFYING,
                outcome=outcome,
                due_on=rectify_by,
                findings={},
                rectifications=self.rectifications + 1,
            )
        if not reason.strip():
            raise RevocationReasonRequired(fields={"reason": RevocationReasonRequired.template})
        return replace(self, status=TaskStatus.REVOKED, outcome=outcome)


def task_number(task_id: int) -> str:
    return f"JC{task_id:06d}"


def draw_number(draw_id: int) -> str:
    return f"CQ{draw_id:06d}"
