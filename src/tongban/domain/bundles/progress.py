"""The combined status of a bundle application, computed from its sub-cases.

A sub-case is *done* once decided (approved or rejected, or later: result issued, delivered,
archived) or closed without a decision (not accepted, withdrawn, terminated).  When every
sub-case is done the applicant gets one combined result notice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from tongban.domain.bundles.model import BundleDefinition, RejectionPolicy
from tongban.domain.cases.status import UNDECIDED, CaseStatus, Decision

S = CaseStatus
_CLOSED_WITHOUT_APPROVAL = frozenset({S.NOT_ACCEPTED, S.WITHDRAWN, S.TERMINATED})


class BundleState(StrEnum):
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    PARTLY_REFUSED = "partly_refused"
    REFUSED = "refused"
    HALTED = "halted"

    @property
    def label(self) -> str:
        return STATE_LABELS[self]

    @property
    def is_final(self) -> bool:
        return self is not BundleState.IN_PROGRESS


STATE_LABELS = {
    BundleState.IN_PROGRESS: "办理中",
    BundleState.COMPLETED: "全部办结",
    BundleState.PARTLY_REFUSED: "部分不予许可",
    BundleState.REFUSED: "全部不予许可",
    BundleState.HALTED: "已终止",
}


@dataclass(frozen=True)
class SubCase:
    """One sub-case as the bundle sees it."""

    number: str
    item_code: str
    status: CaseStatus
    decision: Decision | None

    @property
    def done(self) -> bool:
        return self.status not in UNDECIDED

    @property
    def granted(self) -> bool:
        return self.decision is Decision.APPROVED and self.status not in _CLOSED_WITHOUT_APPROVAL

    @property
    def refused(self) -> bool:
        """Done without the applicant getting what they asked for."""
        return self.done and not self.granted


@dataclass(frozen=True)
class Progress:
    done: int
    total: int
    refused: int
    state: BundleState


def is_halted(definition: BundleDefinition, subs: Sequence[SubCase]) -> bool:
    """Under ``halt``, a refused key sub-case ends the bundle."""
    if definition.policy is not RejectionPolicy.HALT:
        return False
    keys = {i.item_code for i in definition.items if i.key}
    return any(s.refused for s in subs if s.item_code in keys)


def to_halt(definition: BundleDefinition, subs: Sequence[SubCase]) -> list[SubCase]:
    """The sub-cases the policy terminates now: the still-open ones once halted."""
    if not is_halted(definition, subs):
        return []
    return [s for s in subs if not s.done]


def progress(definition: BundleDefinition, subs: Sequence[SubCase]) -> Progress:
    """办理中 n/m until every sub-case is done; then 全部办结, 部分/全部不予许可 or 已终止."""
    done = sum(1 for s in subs if s.done)
    refused = sum(1 for s in subs if s.refused)
    total = len(subs)
    if done < total:
        state = BundleState.IN_PROGRESS
    elif refused == 0:
        state = BundleState.COMPLETED
    elif is_halted(definition, subs):
        state = BundleState.HALTED
    elif refused == total:
        state = BundleState.REFUSED
    else:
        state = BundleState.PARTLY_REFUSED
    return Progress(done, total, refused, state)
