"""Errors of the online approval centre, each with a stable code and a Chinese message."""

from __future__ import annotations

from tongban.domain.errors import Conflict, NotFound, ValidationFailed


class AlreadyClaimed(Conflict):
    """Another reviewer took the case first: of two racing claims exactly one wins."""

    code = "already_claimed"
    template = "该申请已被其他审批人员领取。"


class NotQueued(Conflict):
    code = "not_queued"
    template = "该申请当前不在待领取队列中。"


class NotInCentre(NotFound):
    code = "not_in_approval_centre"
    template = "网上审批中心没有编号为 {number} 的网上申请。"


class QueueEmpty(NotFound):
    code = "queue_empty"
    template = "待领取队列中暂无可领取的申请。"


class NotHolder(Conflict):
    code = "not_assignee"
    template = "该申请当前不由您办理。"


class NoReviewerAvailable(Conflict):
    code = "no_reviewer_available"
    template = "没有可分派的审批人员（请检查人员与技能设置）。"


class NotCentreReviewer(ValidationFailed):
    code = "not_centre_reviewer"
    template = "所选人员不是网上审批中心本部门的审批人员。"
