"""Errors of the indicator system; each has a stable code and a Chinese message."""

from __future__ import annotations

from tongban.domain.errors import Conflict, NotFound, PermissionDenied, ValidationFailed


class FormulaSyntaxError(ValidationFailed):
    code = "indicator_formula_syntax"
    template = "公式第 {position} 个字符处有误：{problem}"


class UnknownMeasure(ValidationFailed):
    code = "indicator_unknown_measure"
    template = "公式使用了不存在的度量：{name}（第 {position} 个字符）。"


class UnknownIndicatorReference(ValidationFailed):
    code = "indicator_unknown_reference"
    template = "公式引用了不存在或未发布的指标：{name}（第 {position} 个字符）。"


class IndicatorCycle(ValidationFailed):
    code = "indicator_cycle"
    template = "指标之间不能循环引用：{path}。"


class UnknownDimension(ValidationFailed):
    code = "indicator_unknown_dimension"
    template = "不存在的维度：{name}。"


class DimensionNotSupported(ValidationFailed):
    code = "indicator_dimension_unsupported"
    template = "指标的度量不能按“{name}”分解。"


class IndicatorInvalid(ValidationFailed):
    code = "indicator_invalid"
    template = "指标定义有误，请按提示修改。"


class IndicatorNotFound(NotFound):
    code = "indicator_not_found"
    template = "找不到指标 {code}。"


class IndicatorExists(Conflict):
    code = "indicator_exists"
    template = "指标编码 {code} 已存在。"


class IndicatorNoDraft(Conflict):
    code = "indicator_no_draft"
    template = "指标 {code} 没有待发布的草稿。"


class OutOfJurisdiction(PermissionDenied):
    code = "indicator_out_of_jurisdiction"
    template = "您只能查看本辖区（本部门或本镇街）的指标。"


class DashboardEmptyPeriod(ValidationFailed):
    code = "dashboard_empty_period"
    template = "{start} 至 {end} 没有任何数据（办件、取号、办不成事、评价），不能导出。"


class IndicatorVersionNotFound(NotFound):
    code = "indicator_version_not_found"
    template = "指标 {code} 没有第 {version} 版。"


class DashboardUnknownFilter(ValidationFailed):
    code = "dashboard_unknown_filter"
    template = "不存在的{name}：{value}。"
