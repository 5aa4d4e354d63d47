"""The event templates of the history's fast path (``history_rows``): each event of a case's
path prepared once, so that a case's canonical JSON (``domain.cases.chain``) is a few string
joins around the fields that vary (the case number, the time, the actor, the centre).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from tongban.domain.cases.status import Channel


def stored(value: Any) -> str:
    """A JSON document as ``BulkWriter`` stores it (insertion order, spaces)."""
    return json.dumps(value, ensure_ascii=False, default=str)


def canonical(value: Any) -> str:
    """A JSON value as ``domain.cases.chain.canonical_json`` writes it."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


@dataclass(frozen=True)
class Step:
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
        frm = "null" if self.from_status is None else canonical(self.from_status)
        head = (
            f',"detail":{canonical(self.detail)},"from_status":{frm},'
            f'"reason":{canonical(self.reason)},"request_id":"",'
            f'"role":{canonical(self.role)},"seq":'
        )
        tail = f',"to_status":{canonical(self.to_status)},"type":{canonical(self.type)}}}'
        object.__setattr__(self, "head", head)
        object.__setattr__(self, "tail", tail)
        object.__setattr__(self, "stored_detail", stored(self.detail))


DRAFTED = {ch: Step("CaseDrafted", None, "draft", "applicant", "", {"channel": ch.value})
           for ch in Channel}  # fmt: skip
SUBMITTED = Step("CaseSubmitted", "draft", "submitted", "applicant", "", {})
WITHDRAWN = Step("CaseWithdrawn", "submitted", "withdrawn", "applicant", "申请人主动撤回", {})
