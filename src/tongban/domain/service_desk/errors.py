"""Errors of the hard-case window and of consultation, each with a stable code and a Chinese
message."""

from __future__ import annotations

from tongban.domain.errors import Conflict, NotFound, PermissionDenied, ValidationFailed


class HardCaseNotFound(NotFound):
    code = "hard_case_not_found"
    template = "找不到编号为 {number} 的办不成事问题。"


class HardCaseStepRefused(Conflict):
    """The escalation's status does not allow the step (resolving one nobody owns, say)."""

    code = "hard_case_step_refused"
    template = "该问题当前状态为“{status}”，不能{action}。"


class NotHardCaseOwner(PermissionDenied):
    code = "not_hard_case_owner"
    template = "只有该问题的承办人或中心负责人可以办结。"


class OwnerNotEligible(ValidationFailed):
    code = "owner_not_eligible"
    template = "承办人须为该中心的窗口工作人员或中心负责人。"


class QuestionNotFound(NotFound):
    code = "question_not_found"
    template = "找不到编号为 {number} 的咨询。"


class QuestionAlreadyAnswered(Conflict):
    code = "question_already_answered"
    template = "该咨询已经答复。"


class QuestionNotAnswered(Conflict):
    code = "question_not_answered"
    template = "尚未答复的咨询不能发布为常见问题。"


class FaqAlreadyPublished(Conflict):
    code = "faq_already_published"
    template = "该咨询已发布为常见问题。"


class FaqNotFound(NotFound):
    code = "faq_not_found"
    template = "找不到该常见问题，或它已撤下。"
