"""Errors of 好差评, each with a stable code and a Chinese message."""

from __future__ import annotations

from tongban.domain.errors import Conflict, NotFound, PermissionDenied, ValidationFailed


class NotTheApplicant(PermissionDenied):
    """一事一评 is the applicant's own: nobody rates another person's case."""

    code = "not_case_applicant"
    template = "只有办件的申请人本人可以评价该办件。"


class RatingExists(Conflict):
    code = "rating_exists"
    template = "该{subject}已经评价过，每{subject}只能评价一次。"


class CaseNotFinished(Conflict):
    code = "case_not_finished"
    template = "办件 {number} 尚未办结，办结后才能评价。"


class RatingNotFound(NotFound):
    code = "rating_not_found"
    template = "找不到该评价。"


class EditWindowClosed(Conflict):
    code = "rating_edit_closed"
    template = "评价后 {days} 天内可以修改一次，现已超过修改期限。"


class RatingAlreadyEdited(Conflict):
    code = "rating_already_edited"
    template = "该评价已经修改过一次，不能再次修改。"


class UnknownLevel(ValidationFailed):
    code = "unknown_level"
    template = "评价等级无效，请在“非常满意、满意、基本满意、不满意、非常不满意”中选择。"


class RatingLinkInvalid(NotFound):
    """A link that was not signed by the platform, or altered, or for another purpose: to
    whoever holds it, there is no such link."""

    code = "rating_link_invalid"
    template = "评价链接无效，请从短信中的链接打开，或登录后在“我的办件”中评价。"


class RatingLinkExpired(Conflict):
    code = "rating_link_expired"
    template = "评价链接已过期，请登录后在“我的办件”中评价。"


class RatingLinkUsed(Conflict):
    code = "rating_link_used"
    template = "该评价链接已经使用过。"


class TicketNotRateable(Conflict):
    code = "ticket_not_rateable"
    template = "该窗口当前没有待评价的服务。"


class RectificationNotFound(NotFound):
    code = "rectification_not_found"
    template = "找不到编号为 {number} 的整改任务。"


class RectificationStepRefused(Conflict):
    code = "rectification_step_refused"
    template = "该整改任务当前状态为“{status}”，不能{action}。"


class ReRatingNotOpen(Conflict):
    code = "re_rating_not_open"
    template = "整改答复后才能再次评价，且只能再次评价一次。"


class OwnerNotInDepartment(ValidationFailed):
    code = "rectification_owner_not_eligible"
    template = "整改责任人须为该事项所属部门的在职工作人员。"
