"""Errors of the rules as code; each names the rule in ``fields`` (``rules.<id>``)."""

from __future__ import annotations

from tongban.domain.errors import Conflict, NotFound, ValidationFailed


class RuleSyntaxError(ValidationFailed):
    code = "rule_syntax_error"
    template = "规则 {rule_id} 的表达式有语法错误。"


class RuleUnknownVariable(ValidationFailed):
    code = "rule_unknown_variable"
    template = "规则 {rule_id} 使用了未声明的变量：{names}。"


class RuleSetInvalid(ValidationFailed):
    code = "rule_set_invalid"
    template = "规则集有误，请按提示修改后再发布。"


class RuleSetNotFound(NotFound):
    code = "rule_set_not_found"
    template = "找不到事项 {item_code} 的规则集。"


class NoRuleSetInForce(NotFound):
    code = "no_rule_set_in_force"
    template = "事项 {item_code} 当前没有生效的秒批规则。"


class RuleSetNotDraft(Conflict):
    code = "rule_set_not_draft"
    template = "该规则集版本已发布或停用，不能再修改；请新建草稿。"


class NotSmartItem(ValidationFailed):
    code = "not_smart_item"
    template = "事项 {item_code} 不支持秒批。"


class DecisionNotFound(NotFound):
    code = "decision_not_found"
    template = "找不到该办件的自动审批记录。"


class HumanReviewAlreadyRequested(Conflict):
    code = "human_review_already_requested"
    template = "已申请人工复核，请等待审查结果。"
